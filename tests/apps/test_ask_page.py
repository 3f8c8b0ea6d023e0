"""The Ask page (AppTest): a built-in question answered from the marts with its sources in an
expander, Odoo names shown as text, and the conversation kept in the operational store."""

from __future__ import annotations

import pytest

from agents.ask.service import conversations
from opstore import StateStore


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_ask_page_answers_a_built_in_question(dashboard_env, open_page, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    at = open_page("ask", company=1)
    assert any("Claude is not configured" in i.value for i in at.info)
    assert at.chat_input
    at.chat_input[0].set_value("Which customers owe us the most and are late?").run()
    assert not at.exception, [e.value for e in at.exception]
    text = "\n".join(_markdown(at))
    assert "Overdue invoices" in text and " USD overdue" in text
    assert " EUR " not in text  # company 1 only: the sidebar's company
    (expander,) = [e for e in at.expander if e.label.startswith("Sources")]
    assert "from finance.fct_overdue_invoices" in expander.code[0].value
    frame = expander.dataframe[0].value
    assert set(frame["company_id"]) == {1} and frame["overdue_amount"].iloc[0] > 0
    (stored,) = conversations(StateStore())
    assert stored["title"] == "Which customers owe us the most and are late?"
    assert stored["user_name"] == "ada"


def test_an_example_button_asks_it(dashboard_env, open_page, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    at = open_page("ask", company=2)
    stalled = [b for b in at.button if b.label == "Which deals are stalled?"]
    assert stalled
    stalled[0].click().run()
    assert not at.exception
    assert any("Stalled deals" in m for m in _markdown(at))


@pytest.mark.parametrize("role_companies", ["ceo:1"])
def test_a_role_is_refused_another_company(
    dashboard_env, open_page, monkeypatch, role_companies
) -> None:
    monkeypatch.setenv("COO_ROLE_COMPANIES", role_companies)
    monkeypatch.setenv("COO_OPERATOR_ROLE", "ceo")
    at = open_page("ask", company=2)
    at.chat_input[0].set_value("cash and runway").run()
    assert any("does not see company 2" in e.value for e in at.error)


@pytest.fixture
def fake_anthropic_server(monkeypatch):
    """A stand-in for the Messages API on loopback, streaming (server-sent events): first a
    run_sql tool call, then an answer written from its rows. The page's real client reaches
    it through ANTHROPIC_BASE_URL."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.agents.test_ask_claude import TOP_DEBTORS, sse_body

    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            if isinstance(body["messages"][-1]["content"], str):  # a new question
                events = sse_body([{"type": "tool_use", "id": "toolu_1", "name": "run_sql",
                                    "input": {"sql": TOP_DEBTORS}}])  # fmt: skip
            else:
                rows = json.loads(body["messages"][-1]["content"][0]["content"])["rows"]
                name, currency, amount = rows[0]
                events = sse_body(
                    [{"type": "text", "text": f"{name} owes the most: {amount:,.2f} {currency}."}]
                )
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(events.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-FAKEKEYFORTESTS-0123456789abcdef")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("COO_LLM_MAX_RETRIES", "0")
    yield seen
    server.shutdown()
    server.server_close()


def test_ask_page_streams_claudes_answer_with_its_sources(
    dashboard_env, open_page, fake_anthropic_server
) -> None:
    at = open_page("ask", company=1)
    assert not at.info or not any("not configured" in i.value for i in at.info)
    at.chat_input[0].set_value("Who owes us the most?").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(fake_anthropic_server) == 2 and fake_anthropic_server[0]["stream"] is True
    text = "\n".join(_markdown(at))
    assert "owes the most" in text
    (expander,) = [e for e in at.expander if e.label.startswith("Sources")]
    # the agent's SQL ran held to the sidebar's company
    assert "company_id IN (1)" in expander.code[0].value
    assert not at.warning  # every figure was found in the rows
    assert any("Answered by Claude" in c.value for c in at.caption)
    # a follow-up question continues the conversation: Claude sees the first one
    at.chat_input[0].set_value("And the next one?").run()
    assert not at.exception
    follow_up = fake_anthropic_server[2]["messages"]
    assert [m["role"] for m in follow_up] == ["user", "assistant", "user"]
    assert follow_up[0]["content"] == "Who owes us the most?"
    assert "owes the most" in follow_up[1]["content"]
    (stored,) = conversations(StateStore())
    assert stored["companies"] == "[1]"
