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
