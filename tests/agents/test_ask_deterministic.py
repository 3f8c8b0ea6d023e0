"""Ask the COO without an API key: the intent matcher answers the common questions from the
small company's marts, with names, amounts in the company currency, and the SQL it ran."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from agents.ask.intents import answer_deterministic, match
from agents.ask.scope import Scope, parse_role_companies, scope_for, scoped_query
from agents.sql import SqlRefused
from core.errors import ConfigError
from odoo_api.warehouse import Warehouse
from opstore import StateStore


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("which customers owe us the most and are late?", "overdue"),
        ("Who has unpaid invoices past due?", "overdue"),
        ("how much cash do we have, what's the runway?", "cash"),
        ("which customers should I call, who is at risk of churning?", "churn"),
        ("show me stalled deals", "stalled"),
        ("what will run out of stock?", "stockouts"),
        ("this week's alerts", "alerts"),
        ("tell me a joke", None),
    ],
)
def test_the_intent_matcher(question: str, intent: str | None) -> None:
    found = match(question)
    assert (found.key if found else None) == intent


def test_who_owes_most_and_is_late_on_the_demo_company(marts_warehouse: Warehouse, state) -> None:
    answer = answer_deterministic(
        marts_warehouse, "which customers owe us the most and are late?", Scope("cfo"), state=state
    )
    assert answer.status == "ok" and answer.intent == "overdue"
    assert "Claude is not configured" in (answer.notice or "")
    # the top debtor of each company computed independently from the mart
    con = duckdb.connect(str(marts_warehouse.path), read_only=True)
    top = con.execute(
        "select p.partner_name, c.currency_code, sum(i.residual) from finance.fct_overdue_invoices i "
        "join core.dim_companies c using (company_id) "
        "join core.dim_partners p on p.partner_id = i.commercial_partner_id "
        "where aging_type = 'receivable' group by 1, 2 order by 3 desc limit 1"
    ).fetchall()[0]
    first = answer.text.splitlines()[1]
    assert first.startswith(f"- {top[0]} owes {float(top[2]):,.2f} {top[1]}")
    (source,) = answer.sources
    assert "from finance.fct_overdue_invoices" in source.sql
    assert source.rows and source.columns[:2] == ["company_id", "currency_code"]
    # the SQL shown is the SQL that ran: pasted back, it gives the same rows
    assert con.execute(source.sql).fetchall()[0][3] == source.rows[0][3]


@pytest.mark.parametrize("question", ["cash and runway", "top churn risks", "stalled deals",
                                      "stock-outs"])  # fmt: skip
def test_each_common_question_names_its_rows(marts_warehouse: Warehouse, question: str) -> None:
    answer = answer_deterministic(marts_warehouse, question, Scope("ceo"))
    assert answer.status == "ok", answer.text
    lines = answer.text.splitlines()[1:]
    assert lines and len(lines) <= 10
    assert answer.sources[0].rows and "select" in answer.sources[0].sql


def test_a_role_sees_only_its_companies(marts_warehouse: Warehouse, monkeypatch) -> None:
    monkeypatch.setenv("COO_ROLE_COMPANIES", "cfo:2;ceo:*")
    only_two = answer_deterministic(marts_warehouse, "who owes us money", scope_for("cfo"))
    assert {r[0] for r in only_two.sources[0].rows} == {2}
    assert "EUR" in only_two.text and "USD" not in only_two.text
    assert scope_for("ceo").companies is None
    assert scope_for("sales").companies == frozenset()  # not listed: nothing
    refused = answer_deterministic(marts_warehouse, "who owes us money", scope_for("sales"))
    assert refused.status == "refused"
    # an agent's SQL is filtered at the table, even an aggregate over "every company"
    ran, result = scoped_query(
        marts_warehouse,
        "select count(distinct company_id), sum(residual) from finance.fct_overdue_invoices",
        scope_for("cfo"),
    )
    con = duckdb.connect(str(marts_warehouse.path), read_only=True)
    expected = con.execute(
        "select sum(residual) from finance.fct_overdue_invoices where company_id = 2"
    ).fetchall()[0][0]
    assert "company_id IN (2)" in ran
    assert result.rows[0][0] == 1 and result.rows[0][1] == pytest.approx(float(expected))
    with pytest.raises(SqlRefused):
        scoped_query(marts_warehouse, "drop table finance.fct_overdue_invoices", scope_for("cfo"))


def test_malformed_role_companies_is_one_line() -> None:
    with pytest.raises(ConfigError, match="role:ids"):
        parse_role_companies("cfo=1")
    with pytest.raises(ConfigError, match="numbers"):
        parse_role_companies("cfo:one")


def test_coo_ask_prints_names_amounts_and_the_query(small_marts, monkeypatch) -> None:
    from cli.main import app

    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{small_marts.path}")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    runner = CliRunner()
    out = runner.invoke(app, ["ask", "which customers owe us the most and are late?"])
    assert out.exit_code == 0, out.output
    assert "Claude is not configured" in out.output
    assert "from finance.fct_overdue_invoices" in out.output
    assert " USD overdue" in out.output and " EUR overdue" in out.output
    as_json = runner.invoke(app, ["ask", "stalled deals", "--json"])
    body = json.loads(as_json.output)
    assert body["mode"] == "deterministic" and body["sources"][0]["rows"]
    # both questions are kept in the operational store
    from agents.ask.service import conversations

    assert len(conversations(StateStore())) == 2
    empty = runner.invoke(app, ["ask", "  "])
    assert empty.exit_code == 2  # one line on stderr: ask a question


def test_this_weeks_alerts_come_from_the_operational_store(
    marts_warehouse: Warehouse, state
) -> None:
    from alerts.lifecycle import run_alerts
    from alerts.sources import MartReader

    with MartReader(marts_warehouse) as reader:
        run_alerts(state, reader)
    answer = answer_deterministic(marts_warehouse, "what are this week's alerts?", Scope("ceo"),
                                  state=state)  # fmt: skip
    assert answer.intent == "alerts" and answer.status == "ok"
    first = answer.text.splitlines()[1]
    assert first.startswith("- [critical] ")  # most important first
    (source,) = answer.sources
    assert source.tool == "alerts" and "operational store" in source.sql
    assert {row[1] for row in source.rows} >= {"critical", "high"}
    only_two = answer_deterministic(marts_warehouse, "this week's alerts", Scope("cfo"),
                                    state=state, company_id=2)  # fmt: skip
    assert {row[3] for row in only_two.sources[0].rows} == {2}
