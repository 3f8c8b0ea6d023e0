"""Scenarios: present in the ground truth, true in the data, invisible in the Odoo records."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import pytest

from simulator.generator import GeneratedCompany, generate_company
from simulator.ground_truth import load_ground_truth, save_ground_truth
from simulator.scenarios import SCENARIOS


@pytest.fixture(scope="module")
def company() -> GeneratedCompany:
    return generate_company("small", seed=42)


@pytest.mark.unit
def test_every_scenario_has_ground_truth(company: GeneratedCompany) -> None:
    gt = company.ground_truth
    assert gt["as_of"] == "2026-11-20" and gt["seed"] == 42
    for name in SCENARIOS:
        assert gt["scenarios"][name], name
    assert gt["controls"]["quiet_month_customers"]


@pytest.mark.unit
def test_ground_truth_saved_apart(company: GeneratedCompany, tmp_path) -> None:
    path = save_ground_truth(company, tmp_path / "gt.json")
    assert load_ground_truth(path)["scenarios"] == json.loads(
        json.dumps(company.ground_truth["scenarios"])
    )


@pytest.mark.unit
def test_scenarios_not_detectable_from_text(company: GeneratedCompany) -> None:
    words = (
        "churn",
        "stalled",
        "stock-out",
        "stockout",
        "duplicate",
        "anomal",
        "late payer",
        "squeeze",
        "scenario",
        "ground truth",
    )
    for model, rows in company.tables.items():
        for row in rows.values():
            for value in row.values():
                if isinstance(value, str):
                    low = value.lower()
                    assert not any(w in low for w in words), (model, value)


@pytest.mark.unit
def test_churned_customers_stop_ordering(company: GeneratedCompany) -> None:
    orders = company.tables["sale.order"].values()
    for item in company.ground_truth["scenarios"]["churned_customers"]:
        dates = sorted(
            o["create_date"][:10] for o in orders if o["partner_id"] == item["partner_id"]
        )
        assert dates[-1] == item["last_order_date"]
        assert date.fromisoformat(dates[-1]) < company.as_of - timedelta(days=40)
        early = [d for d in dates if d < item["decline_start"]]
        assert len(early) >= 2


@pytest.mark.unit
def test_late_payers_pay_late(company: GeneratedCompany) -> None:
    for item in company.ground_truth["scenarios"]["late_payers"]:
        assert item["invoices"] >= 2 and item["mean_days_late"] > 30


@pytest.mark.unit
def test_stalled_deals_have_no_activity(company: GeneratedCompany) -> None:
    t = company.tables
    acts = {(a["res_model"], a["res_id"]) for a in t["mail.activity"].values()}
    for item in company.ground_truth["scenarios"]["stalled_deals"]:
        lead = t["crm.lead"][item["lead_id"]]
        assert lead.get("active") and lead["stage_id"] == item["stage_id"]
        assert item["days_in_stage"] > 3 * item["rotting_threshold_days"]
        assert ("crm.lead", item["lead_id"]) not in acts
        msgs = [
            m["date"]
            for m in t["mail.message"].values()
            if m["model"] == "crm.lead" and m["res_id"] == item["lead_id"]
        ]
        assert max(msgs)[:10] == item["stage_since"]
    for lid in company.ground_truth["controls"]["slow_but_active_deals"]:
        assert ("crm.lead", lid) in acts


@pytest.mark.unit
def test_stockout_products_have_nothing_incoming(company: GeneratedCompany) -> None:
    t = company.tables
    for item in company.ground_truth["scenarios"]["stockout_products"]:
        quant = next(
            q
            for q in t["stock.quant"].values()
            if q["product_id"] == item["product_id"] and q["location_id"] == item["location_id"]
        )
        assert quant.get("quantity", 0.0) == item["on_hand"] > 0
        pending_in = [
            m
            for m in t["stock.move"].values()
            if m["product_id"] == item["product_id"]
            and m["location_dest_id"] == item["location_id"]
            and m["state"] != "done"
        ]
        assert pending_in == [] and item["incoming"] == 0
        # the date follows from the truth's own figures, and falls inside the lead time
        days = math.floor((item["on_hand"] + item["incoming"]) / item["daily_demand"])
        eta = date.fromisoformat(item["estimated_stockout_date"])
        assert eta == company.as_of + timedelta(days=days) and days == item["days_until_stockout"]
        assert days < item["lead_time_days"]
        # the demand is the rate the product really shipped at (30-day average up to as_of)
        delivered = sum(
            m["product_uom_qty"]
            for m in t["stock.move"].values()
            if m["product_id"] == item["product_id"]
            and m["location_id"] == item["location_id"]
            and m["state"] == "done"
            and m.get("is_out")
            and company.as_of - timedelta(days=29)
            <= date.fromisoformat(m["date"][:10])
            <= company.as_of
        )
        assert item["daily_demand"] >= round(delivered / 30, 3)


@pytest.mark.unit
def test_deliveries_are_not_held_back(company: GeneratedCompany) -> None:
    """Replenished products never run short for long, so no delivery waits weeks for stock
    (a held delivery would keep its other products on the shelf and skew their cover)."""
    waiting = [
        m
        for m in company.tables["stock.move"].values()
        if m.get("is_out")
        and m["state"] not in ("done", "cancel")
        and date.fromisoformat(m["date"][:10]) < company.as_of - timedelta(days=7)
    ]
    assert waiting == []


@pytest.mark.unit
def test_only_planted_deals_rot(company: GeneratedCompany) -> None:
    """By the stalled rule (in stage and without a sign of life beyond the stage's rotting
    threshold), the open opportunities that rot are exactly the planted ones."""
    t = company.tables
    last: dict[int, str] = {}
    for m in t["mail.message"].values():
        if m["model"] == "crm.lead":
            last[m["res_id"]] = max(last.get(m["res_id"], ""), m["date"])
    for a in t["mail.activity"].values():
        if a["res_model"] == "crm.lead":
            last[a["res_id"]] = max(last.get(a["res_id"], ""), a["date_deadline"])
    rotting = set()
    for lid, lead in t["crm.lead"].items():
        stage = t["crm.stage"][lead["stage_id"]]
        if not lead.get("active") or lead["type"] != "opportunity" or stage["name"] == "Won":
            continue
        threshold = stage.get("rotting_threshold_days") or 30
        in_stage = (company.as_of - date.fromisoformat(lead["date_last_stage_update"][:10])).days
        quiet = (company.as_of - date.fromisoformat(last[lid][:10])).days
        if in_stage > threshold and quiet > threshold:
            rotting.add(lid)
    planted = {s["lead_id"] for s in company.ground_truth["scenarios"]["stalled_deals"]}
    assert rotting == planted and planted


@pytest.mark.unit
def test_duplicate_expenses_and_anomalies_exist_in_data(company: GeneratedCompany) -> None:
    t = company.tables
    for item in company.ground_truth["scenarios"]["duplicate_expenses"]:
        a, b = (t["hr.expense"][i] for i in item["expense_ids"])
        assert a["employee_id"] == b["employee_id"] and a["total_amount"] == b["total_amount"]
        assert abs((date.fromisoformat(a["date"]) - date.fromisoformat(b["date"])).days) <= 4
    for item in company.ground_truth["scenarios"]["anomalous_entries"]:
        assert t["account.move"][item["move_id"]]["move_type"] == "entry"


@pytest.mark.unit
def test_cash_squeeze_within_60_days_and_late_suppliers(company: GeneratedCompany) -> None:
    sq = company.ground_truth["scenarios"]["cash_squeeze"][0]
    when = date.fromisoformat(sq["expected_date"])
    assert company.as_of < when <= company.as_of + timedelta(days=60)
    healthy = company.ground_truth["controls"]["healthy_cash_company"]
    assert healthy["expected_date"] is None
    for item in company.ground_truth["scenarios"]["late_suppliers"]:
        assert item["receipts"] >= 2 and item["mean_days_late"] >= 7
