"""Sales & CRM marts on the simulated company, on DuckDB and PostgreSQL: the planted stalled
deals are found and the slow-but-active controls are not; pipeline value, win rates and
quotation conversion equal an independent recompute from the simulator's records."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from odoo_api.warehouse import Warehouse
from tests.dbt.conftest import query
from tests.dbt.raw_loader import load_tables, store_tables

pytestmark = pytest.mark.integration

SALES_MARTS = (
    "+fct_pipeline_by_stage",
    "+fct_stalled_deals",
    "+fct_lead_stage_durations",
    "+fct_win_rates_monthly",
    "+fct_quotation_conversions_monthly",
)


def _build(warehouse: Warehouse, dbt_runner, store: Any, variables: dict | None = None) -> None:
    load_tables(warehouse, store_tables(store))
    args = ["build", "--select", *SALES_MARTS, "--indirect-selection", "cautious"]
    if variables:
        args += ["--vars", json.dumps(variables)]
    run = dbt_runner(warehouse, args)
    assert run.returncode == 0, run.output[-6000:]
    assert "ERROR=0" in run.output


def _records(store: Any, model: str, fields: list[str]) -> list[dict[str, Any]]:
    return store.search_read(model, [], fields, load="", context={"active_test": False})


def _outcome(lead: dict[str, Any], won_stages: set[int]) -> str:
    """Odoo's won/lost, written independently of the SQL."""
    if lead["active"] and (
        lead["stage_id"] in won_stages or (lead["probability"] >= 100 and lead["date_closed"])
    ):
        return "won"
    if not lead["active"] and not lead["probability"]:
        return "lost"
    return "open" if lead["active"] else "archived"


def _leads(store: Any) -> tuple[list[dict[str, Any]], set[int]]:
    stages = _records(store, "crm.stage", ["is_won"])
    won_stages = {s["id"] for s in stages if s["is_won"]}
    fields = [
        "type",
        "active",
        "stage_id",
        "team_id",
        "company_id",
        "probability",
        "expected_revenue",
        "date_closed",
    ]
    return _records(store, "crm.lead", fields), won_stages


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_sales_marts_match_simulated_company(
    warehouse: Warehouse, dbt_runner, small_store, small_company_tables
) -> None:
    _build(warehouse, dbt_runner, small_store)
    truth = small_company_tables.ground_truth

    # Stalled deals: every planted one, with Odoo's days in stage and rotting threshold ...
    stalled = {r["lead_id"]: r for r in query(warehouse, "select * from sales.fct_stalled_deals")}
    planted = truth["scenarios"]["stalled_deals"]
    assert planted, "no stalled deals planted: the test would prove nothing"
    for deal in planted:
        row = stalled.get(deal["lead_id"])
        assert row is not None, f"planted stalled deal {deal['lead_id']} not flagged"
        assert row["stage_id"] == deal["stage_id"]
        assert row["days_in_stage"] == deal["days_in_stage"]
        assert str(row["stage_since_date"]) == deal["stage_since"]
        assert row["threshold_days"] == deal["rotting_threshold_days"]
        assert row["threshold_rule"] == "stage_rotting_threshold"
    # ... and none of the deals that are slow but still worked on.
    controls = set(truth["controls"]["slow_but_active_deals"])
    assert controls, "no control deals: the test would prove nothing"
    assert not controls & set(stalled), "slow but active deals flagged as stalled"

    leads, won_stages = _leads(small_store)

    # Pipeline: weighted value per company x team x stage recomputed from crm.lead.
    expected_pipeline: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for lead in leads:
        if lead["type"] != "opportunity" or _outcome(lead, won_stages) != "open":
            continue
        key = (lead["company_id"], lead["team_id"] or None, lead["stage_id"])
        revenue = Decimal(str(lead["expected_revenue"] or 0))
        expected_pipeline[key][0] += 1
        expected_pipeline[key][1] += revenue
        expected_pipeline[key][2] += revenue * Decimal(str(lead["probability"] or 0)) / 100
    assert expected_pipeline, "no open opportunities: the test would prove nothing"
    pipeline = {
        (r["company_id"], r["team_id"], r["stage_id"]): [
            r["opportunity_count"],
            _money(r["expected_revenue"]),
            _money(r["weighted_revenue"]),
        ]
        for r in query(warehouse, "select * from sales.fct_pipeline_by_stage")
    }
    assert set(pipeline) == set(expected_pipeline)
    for key, (count, revenue, weighted) in expected_pipeline.items():
        assert pipeline[key] == [count, _money(revenue), _money(weighted)], key
    stalled_per_stage = query(
        warehouse, "select sum(stalled_count) as n from sales.fct_pipeline_by_stage"
    )[0]["n"]
    assert stalled_per_stage == len(stalled)

    # Win rate per team recomputed from crm.lead (opportunities won / won + lost).
    decided: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for lead in leads:
        outcome = _outcome(lead, won_stages)
        if lead["type"] == "opportunity" and outcome in ("won", "lost"):
            decided[lead["team_id"] or None][0 if outcome == "won" else 1] += 1
    assert any(won and lost for won, lost in decided.values()), "no team both wins and loses"
    rows = query(
        warehouse,
        "select team_id, sum(won_count) as won, sum(lost_count) as lost,"
        " sum(closed_count) as closed from sales.fct_win_rates_monthly group by team_id",
    )
    by_team = {r["team_id"]: r for r in rows}
    assert set(by_team) == set(decided)
    for team, (won, lost) in decided.items():
        row = by_team[team]
        assert (row["won"], row["lost"], row["closed"]) == (won, lost, won + lost), team
        assert float(row["won"]) / float(row["closed"]) == pytest.approx(won / (won + lost))

    # Quotation conversion: orders created and confirmed per team, from sale.order.
    orders = _records(small_store, "sale.order", ["state", "team_id"])
    expected_orders: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for order in orders:
        expected_orders[order["team_id"] or None][0] += 1
        expected_orders[order["team_id"] or None][1] += order["state"] in ("sale", "done")
    rows = query(
        warehouse,
        "select team_id, sum(quotation_count) as created, sum(confirmed_count) as confirmed"
        " from sales.fct_quotation_conversions_monthly group by team_id",
    )
    assert {r["team_id"]: [r["created"], r["confirmed"]] for r in rows} == dict(expected_orders)

    # Time in stage: each planted stalled deal's current stage carries its days in stage.
    durations = {
        (r["lead_id"], r["stage_id"]): r
        for r in query(
            warehouse, "select * from sales.fct_lead_stage_durations where is_current_stage"
        )
    }
    for deal in planted:
        row = durations[(deal["lead_id"], deal["stage_id"])]
        assert row["days_in_stage"] == deal["days_in_stage"]


def test_stages_without_rotting_threshold_use_the_default_days(
    duckdb_warehouse: Warehouse, dbt_runner, small_store, small_company_tables
) -> None:
    """Clear the rotting threshold of the planted deals' most common stage: those deals are
    then judged by `stalled_deal_default_days` (set between their days in stage), so the
    older ones stay flagged under the default rule and the younger ones drop out."""
    planted = small_company_tables.ground_truth["scenarios"]["stalled_deals"]
    counts: dict[int, int] = defaultdict(int)
    for deal in planted:
        counts[deal["stage_id"]] += 1
    stage_id = max(counts, key=lambda s: counts[s])
    in_stage = sorted(d["days_in_stage"] for d in planted if d["stage_id"] == stage_id)
    assert len(in_stage) >= 2 and in_stage[0] < in_stage[-1], "need deals of different ages"
    default_days = in_stage[0]  # the youngest sits exactly on the threshold: not stalled
    small_store.table("crm.stage")[stage_id]["rotting_threshold_days"] = 0

    _build(duckdb_warehouse, dbt_runner, small_store, {"stalled_deal_default_days": default_days})
    stalled = {
        r["lead_id"]: r for r in query(duckdb_warehouse, "select * from sales.fct_stalled_deals")
    }
    for deal in planted:
        row = stalled.get(deal["lead_id"])
        if deal["stage_id"] != stage_id:
            assert row is not None and row["threshold_rule"] == "stage_rotting_threshold"
        elif deal["days_in_stage"] > default_days:
            assert row is not None, deal
            assert row["threshold_rule"] == "default_days"
            assert row["threshold_days"] == default_days
        else:
            assert row is None, f"deal {deal['lead_id']} at the boundary flagged"
