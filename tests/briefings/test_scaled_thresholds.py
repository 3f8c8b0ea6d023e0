"""Thresholds that scale with the company (issue 19): on the records of a real Odoo 19 demo
database, 31,750 of 52,074 USD of receivables (61 %) are overdue, all of it from one customer
at most 20 days late. No fixed rule fires there (30 days, 500 of any currency); the share
rules do, so the CFO briefing never says "nothing needs attention" over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch):
    from tests.marts_fixture import shared_recorded_marts

    built = shared_recorded_marts(tmp_path_factory.getbasetemp().parent / "shared")
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built, path)
    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    return path


def test_a_material_overdue_share_is_an_alert_and_leads_the_briefing(recorded):
    from alerts.lifecycle import run_alerts
    from alerts.sources import MartReader
    from briefings import service
    from briefings.compose import run_briefings
    from odoo_api.warehouse import Warehouse
    from opstore import StateStore

    state = StateStore()
    with MartReader(Warehouse.from_url(f"duckdb:///{recorded}")) as reader:
        run_alerts(state, reader)
        run_briefings(state, reader, use_llm=False)
    alerts = [a for a in service.list_alerts(state, company_id=1)]
    by_rule = {a["rule_key"]: a for a in alerts}
    # the fixed-size rules stay quiet on this company...
    assert "overdue_invoice" not in by_rule and "receivables_60_plus" not in by_rule
    # ...the rules measured against its own size do not
    share = by_rule["receivables_overdue_share"]
    assert share["priority"] == "high"
    assert share["details"]["overdue_total"] == pytest.approx(31750.0)
    assert share["details"]["open_total"] == pytest.approx(52074.0)
    assert share["title"] == (
        "61% of My Company (San Francisco)'s receivables are overdue: 31,750 of 52,074 USD"
    )
    customer = by_rule["customer_overdue_share"]
    assert customer["priority"] == "high" and customer["record_model"] == "res.partner"
    assert customer["title"] == "Deco Addict owes 31,750 USD overdue, 61% of all receivables"

    cfo = next(b for b in service.list_briefings(state, company_id=1) if b["role"] == "cfo")
    text = service.get_briefing(state, cfo["id"])["body_text"]
    assert "nothing needs attention" not in text
    assert share["title"] in text and customer["title"] in text
    # and a follow-up is proposed for the customer, by name
    assert "Call the customer about its overdue invoices" in text
