"""The Claude path through the real ``anthropic`` client against a local fake transport."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from alerts.lifecycle import run_alerts
from alerts.sources import MartReader
from briefings.compose import run_briefings
from briefings.facts import unsupported_numbers
from briefings.llm import SYSTEM_PROMPT, LLMSettings, cost_usd
from briefings.store import llm_usage
from odoo_api.warehouse import Warehouse
from tests.briefings import fake_anthropic as fa
from tests.briefings.test_briefings import INJECTION, _shape, inject

T0 = dt.datetime(2026, 11, 21, 6, 0)


def _usage(state) -> list[dict]:
    with state.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(select(llm_usage).order_by(llm_usage.c.id))]


@pytest.fixture
def alerted(state, reader: MartReader):
    run_alerts(state, reader, now=T0)
    return state


@pytest.mark.integration
def test_tool_use_response_becomes_the_briefing(alerted, reader: MartReader) -> None:
    fake = fa.FakeAnthropic([fa.ok(pick=1)])
    (b,) = run_briefings(
        alerted, reader, companies=[2], roles=["cfo"], llm_client=fake.client(), now=T0
    )
    assert b["kind"] == "llm" and b["llm_status"] == "ok"
    assert b["model"] == "claude-sonnet-4-5-20250929"
    assert "Written by claude-sonnet-4-5-20250929" in b["body_text"]
    assert unsupported_numbers(b["output"].text(), [b["facts"], b["proposals"]]) == []
    # the LLM chose one of the deterministic candidates: exactly one proposal, P1's
    assert len(b["proposals"]) == 1 and b["proposals"][0]["candidate_id"] == "P1"
    # request: cached stable parts, facts only as data in the user turn, tool use forced
    (req,) = fake.requests
    assert req["system"][0]["text"].startswith(SYSTEM_PROMPT)
    assert "- create_draft_rfq:" in req["system"][0]["text"]  # the catalog's skills
    assert "archive_partner" not in req["system"][0]["text"]  # forbidden skills are not offered
    stable = json.dumps([req["tools"], req["system"], req["messages"][0]["content"][0]])
    assert len(stable) / 4 > 1024  # over the API's minimum cacheable prefix
    assert req["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert req["tools"][0]["cache_control"] == {"type": "ephemeral"}
    assert req["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert req["tool_choice"] == {"type": "tool", "name": "write_briefing"}
    assert fa.facts_of(req)["company"]["id"] == 2
    assert fake.headers[0]["authorization"].endswith(fa.FAKE_KEY)  # a header, never the body
    assert fa.FAKE_KEY not in json.dumps(req)
    # usage and cost recorded per call and on the archived briefing
    (u,) = _usage(alerted)
    assert (u["status"], u["input_tokens"], u["output_tokens"], u["cache_write_tokens"]) == (
        "ok",
        2095,
        503,
        1480,
    )
    assert u["briefing_id"] == b["id"]
    assert u["cost_usd"] == pytest.approx(
        cost_usd(
            "claude-sonnet-4-6",
            {"input_tokens": 2095, "output_tokens": 503, "cache_write_tokens": 1480},
        )
    )
    assert u["cost_usd"] == pytest.approx((2095 * 3 + 1480 * 3.75 + 503 * 15) / 1e6)
    assert b["cost_usd"] == u["cost_usd"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("step", "reason", "status"),
    [
        (fa.rate_limited, "the API was rate limited", "api_error"),
        (fa.overloaded, "the API was overloaded", "api_error"),
        (fa.malformed, "did not match the schema", "invalid_output"),
        (fa.text_only, "not structured", "invalid_output"),
        (fa.invented_figures, "figures that are not in the facts", "invalid_output"),
    ],
)
def test_api_failures_fall_back_to_the_template(
    alerted, reader: MartReader, step, reason: str, status: str
) -> None:
    fake = fa.FakeAnthropic([step])
    (b,) = run_briefings(
        alerted, reader, companies=[1], roles=["cfo"], llm_client=fake.client(), now=T0
    )
    assert b["kind"] == "template" and reason in b["fallback_reason"]
    assert reason in b["body_text"]  # the briefing says why it is a template
    assert unsupported_numbers(b["output"].text(), [b["facts"], b["proposals"]]) == []
    assert "987,654.32" not in b["body_text"]
    (u,) = _usage(alerted)
    assert u["status"] == status and u["briefing_id"] == b["id"]
    if status == "invalid_output":  # tokens were spent and are counted
        assert u["input_tokens"] == 2095 and u["cost_usd"] > 0


@pytest.mark.integration
def test_retry_after_429_then_success(alerted, reader: MartReader) -> None:
    fake = fa.FakeAnthropic([fa.rate_limited, fa.overloaded, fa.ok()])
    (b,) = run_briefings(
        alerted, reader, companies=[1], roles=["ceo"], llm_client=fake.client(max_retries=2), now=T0
    )
    assert len(fake.requests) == 3 and b["kind"] == "llm"


@pytest.mark.integration
@pytest.mark.parametrize("period", ["DAILY", "MONTHLY"])
def test_budget_falls_back_instead_of_overspending(
    alerted, reader: MartReader, monkeypatch: pytest.MonkeyPatch, period: str
) -> None:
    monkeypatch.setenv(f"COO_LLM_{period}_BUDGET_USD", "1.00")
    # earlier calls (today, or earlier this month) have spent 0.99 USD
    earlier = T0 - dt.timedelta(hours=1) if period == "DAILY" else T0.replace(day=2)
    with alerted.begin() as conn:
        conn.execute(
            llm_usage.insert().values(
                at=earlier, model="claude-sonnet-4-6", status="ok", cost_usd=0.99
            )
        )
    fake = fa.FakeAnthropic([fa.ok()])
    (b,) = run_briefings(
        alerted, reader, companies=[1], roles=["cfo"], llm_client=fake.client(), now=T0
    )
    assert fake.requests == []  # the call that could overspend is never made
    assert b["kind"] == "template" and "budget" in b["fallback_reason"]
    # last month's spending does not count against this month
    with alerted.begin() as conn:
        conn.execute(llm_usage.update().values(at=T0 - dt.timedelta(days=40)))
    (b,) = run_briefings(
        alerted, reader, companies=[1], roles=["cfo"], llm_client=fake.client(), now=T0
    )
    assert b["kind"] == "llm" and len(fake.requests) == 1


@pytest.mark.unit
def test_model_per_role(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LLMSettings.from_env("cfo").model == "claude-sonnet-4-6"
    assert LLMSettings.from_env("operations").model == "claude-haiku-4-5"
    monkeypatch.setenv("COO_LLM_MODEL_SALES", "claude-opus-4-1")
    assert LLMSettings.from_env("sales").model == "claude-opus-4-1"
    monkeypatch.setenv("COO_LLM_DAILY_BUDGET_USD", "lots")
    from odoo_api.errors import ConfigError

    with pytest.raises(ConfigError, match="COO_LLM_DAILY_BUDGET_USD"):
        LLMSettings.from_env("cfo")


@pytest.mark.integration
def test_injected_instructions_are_data_and_nothing_leaks(small_marts, tmp_path: Path) -> None:
    from opstore.db import StateStore

    clean = small_marts.copy_to(tmp_path / "clean")
    dirty = small_marts.copy_to(tmp_path / "dirty")
    inject(dirty)
    results = {}
    fakes = {}
    for name, path, step in (("clean", clean, fa.ok(pick=5)), ("dirty", dirty, fa.obeys_injection)):
        st = StateStore(url=f"sqlite:///{tmp_path / name}.db")
        fakes[name] = fa.FakeAnthropic([step])
        with MartReader(Warehouse.from_url(f"duckdb:///{path}")) as r:
            run_alerts(st, r, now=T0)
            results[name] = run_briefings(
                st, r, companies=[1], roles=["cfo"], llm_client=fakes[name].client(), now=T0
            )
        st.dispose()
    (clean_b,), (dirty_b,) = results["clean"], results["dirty"]
    # the injected text reached the model only inside the facts, never the instructions
    req = fakes["dirty"].requests[0]
    assert INJECTION not in json.dumps(req["system"]) and INJECTION not in json.dumps(req["tools"])
    assert INJECTION in req["messages"][0]["content"][-1]["text"]
    # the obeying answer is refused; proposals are exactly the deterministic ones
    assert clean_b["kind"] == "llm" and dirty_b["kind"] == "template"
    assert "not offered" in dirty_b["fallback_reason"]
    assert _shape(clean_b) == _shape(dirty_b)
    # the key appears nowhere: not in the text, the archive or the store file
    raw = (tmp_path / "dirty.db").read_bytes()
    for blob in (dirty_b["body_text"], dirty_b["body_html"], raw.decode("latin-1")):
        assert fa.FAKE_KEY not in blob and fa.FAKE_KEY[:16] not in blob


@pytest.mark.integration
def test_answer_repeating_the_key_is_refused(alerted, reader: MartReader) -> None:
    def leaks(body):
        out = fa.good_briefing(body)
        out["summary"] = "Your key is " + fa.FAKE_KEY
        return httpx.Response(200, json=fa.message(out))

    fake = fa.FakeAnthropic([leaks])
    (b,) = run_briefings(
        alerted, reader, companies=[1], roles=["ceo"], llm_client=fake.client(), now=T0
    )
    assert b["kind"] == "template" and "secret" in b["fallback_reason"]
    assert fa.FAKE_KEY not in b["body_text"]
