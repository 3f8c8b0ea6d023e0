"""The Dagster assets, the 06:00 schedule, the escalation sensor and the CLI commands."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from dagster import (
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    materialize,
)
from rich.console import Console
from typer.testing import CliRunner

from alerts.evaluation import AlertCandidate, Evaluation
from alerts.lifecycle import sync_alerts
from alerts.rules import load_rules
from briefings import service
from briefings.schedule import due_companies
from cli import guard as cli_guard
from cli.main import app
from opstore.db import StateStore
from orchestration.assets.briefings import (
    alert_escalation_sensor,
    alerts_asset,
    briefings_0600_schedule,
    briefings_asset,
)
from orchestration.resources import WarehouseResource


@pytest.mark.unit
def test_due_companies_follow_each_local_clock() -> None:
    zones = {1: ZoneInfo("UTC"), 2: ZoneInfo("America/New_York"), 3: ZoneInfo("Asia/Tokyo")}
    at = lambda h: dt.datetime(2026, 11, 21, h, 0, tzinfo=dt.UTC)  # noqa: E731
    assert due_companies(at(6), zones) == [(1, "2026-11-21")]
    assert due_companies(at(11), zones) == [(2, "2026-11-21")]  # 06:00 EST
    assert due_companies(at(21), zones) == [(3, "2026-11-22")]  # 06:00 JST, next day
    assert due_companies(at(7), zones) == []


@pytest.mark.integration
def test_assets_materialise_alerts_and_briefings(small_marts, monkeypatch) -> None:
    resources = {"warehouse": WarehouseResource(url=f"duckdb:///{small_marts.path}")}
    result = materialize([alerts_asset, briefings_asset], resources=resources)
    assert result.success
    meta = result.asset_materializations_for_node("briefings__alerts")[0].metadata
    assert meta["raised"].value > 10
    meta = result.asset_materializations_for_node("briefings__daily_briefings")[0].metadata
    assert meta["briefings"].value == 8 and meta["template"].value == 8
    state = StateStore()
    assert len(service.list_briefings(state)) == 8
    assert {b["delivery_status"] for b in service.list_briefings(state)} == {"not_configured"}
    # a second run updates the same alerts
    again = materialize([alerts_asset], resources=resources)
    meta = again.asset_materializations_for_node("briefings__alerts")[0].metadata
    assert meta["raised"].value == 0 and meta["updated"].value > 10


@pytest.mark.integration
def test_schedule_requests_runs_at_local_0600(small_marts, monkeypatch) -> None:
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{small_marts.path}")
    monkeypatch.setenv("COO_BRIEFING_TIMEZONES", "2=America/New_York")
    at6 = build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 21, 6, tzinfo=dt.UTC)
    )
    (req,) = briefings_0600_schedule(at6)
    assert isinstance(req, RunRequest) and req.run_key == "briefings-1-2026-11-21"
    assert req.run_config["ops"]["briefings__daily_briefings"]["config"]["companies"] == [1]
    at11 = build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 21, 11, tzinfo=dt.UTC)
    )
    (req,) = briefings_0600_schedule(at11)
    assert req.run_key == "briefings-2-2026-11-21"
    at9 = build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)
    )
    assert isinstance(briefings_0600_schedule(at9), SkipReason)


@pytest.mark.integration
def test_escalation_sensor(monkeypatch) -> None:
    state = StateStore()
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=3)
    cand = AlertCandidate(
        "cash_runway",
        "cash_runway",
        "finance",
        "critical",
        2,
        "res.company",
        2,
        "Cash runway of B is 20 days",
        {},
    )
    sync_alerts(state, Evaluation([cand], ["cash_runway"], []), load_rules(), now=old)
    result = alert_escalation_sensor(build_sensor_context())
    assert isinstance(result, SkipReason) and "escalated 1" in (result.skip_message or "")
    assert service.list_alerts(state)[0]["escalated_at"] is not None
    again = alert_escalation_sensor(build_sensor_context())
    assert "no critical alert escalated" in (again.skip_message or "")


@pytest.mark.integration
def test_cli_brief_and_alerts(small_marts, monkeypatch) -> None:
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{small_marts.path}")
    runner = CliRunner()
    out = runner.invoke(app, ["brief", "--role", "cfo", "--company", "2", "--print"])
    assert out.exit_code == 0, out.output
    assert "[COO] CFO briefing" in out.output and "Cash runway" in out.output
    assert "briefing #1 (template: no ANTHROPIC_API_KEY is set)" in out.output
    listed = runner.invoke(app, ["alerts", "list", "--priority", "critical"])
    assert listed.exit_code == 0 and "critical" in listed.output
    first = service.list_alerts(StateStore())[0]
    acked = runner.invoke(app, ["alerts", "ack", str(first["id"]), "--user", "maria"])
    assert acked.exit_code == 0 and f"alert #{first['id']} is acknowledged" in acked.output
    assert service.get_alert(StateStore(), first["id"])["acknowledged_by"] == "maria"
    errors = io.StringIO()
    monkeypatch.setattr(cli_guard, "err", Console(file=errors, width=200))
    bad = runner.invoke(app, ["alerts", "dismiss", "99999", "--user", "maria"])
    assert bad.exit_code == 2 and "alert 99999 does not exist" in errors.getvalue()
    wrong = runner.invoke(app, ["brief", "--role", "cto"])
    assert wrong.exit_code == 2 and "--role 'cto' is not one of" in errors.getvalue()
    assert len(errors.getvalue().strip().splitlines()) == 2  # one line each, no traceback
