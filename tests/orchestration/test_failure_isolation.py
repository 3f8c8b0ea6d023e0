"""One broken model never takes the briefing down, and too little data is a state."""

from __future__ import annotations

import polars as pl
import pytest
from dagster import AssetKey, materialize

from orchestration.assets.briefings import alerts_asset, briefings_asset
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.resources import WarehouseResource


def _asset(name: str):
    return next(a for a in ml_assets if a.key == AssetKey(["ml", name]))


def _check(model: str):
    return next(
        c for c in ml_checks if any(k.name == f"{model}_beats_baseline" for k in c.check_keys)
    )


@pytest.mark.integration
def test_a_broken_model_is_red_and_the_briefings_are_still_written(
    small_marts, tmp_path, monkeypatch
):
    from briefings.service import get_briefing, list_briefings
    from ml import deals
    from opstore import StateStore

    def broken(*args, **kwargs):
        raise RuntimeError("deliberately broken for the test")

    monkeypatch.setattr(deals, "train", broken)
    path = small_marts.copy_to(tmp_path / "wh")
    resources = {"warehouse": WarehouseResource(url=f"duckdb:///{path}")}
    result = materialize(
        [_asset("deal_scores"), _check("deals"), alerts_asset, briefings_asset],
        resources=resources,
        raise_on_error=False,
    )
    assert result.success  # the run goes on past the broken model
    evaluations = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    deals_check = next(e for e in evaluations if e.check_name == "deals_beats_baseline")
    assert not deals_check.passed and deals_check.severity.value == "ERROR"  # red
    assert "deliberately broken" in deals_check.metadata["reason"].value
    meta = result.asset_materializations_for_node("ml__deal_scores")[0].metadata
    assert meta["status"].value == "failed"

    state = StateStore()
    try:
        made = list_briefings(state)
        assert len(made) == 8  # 2 companies x 4 roles
        sales = get_briefing(state, next(b["id"] for b in made if b["role"] == "sales"))
    finally:
        state.dispose()
    assert "Not computed today" in sales["body_text"]
    assert (
        "- deal win and stall scores: failed: RuntimeError: deliberately broken for the test"
        in sales["body_text"]
    )


@pytest.mark.integration
def test_too_little_data_is_recorded_with_its_reason_and_serves_the_baseline(small_marts, tmp_path):
    import duckdb

    from ml import pipelines
    from ml.lifecycle import model_states
    from ml.warehouse_io import read_sql
    from odoo_api.warehouse import Warehouse

    path = small_marts.copy_to(tmp_path / "wh")
    con = duckdb.connect(str(path))
    try:  # a one-month-old company's ledger: the last month of manual entries only
        con.execute(
            "delete from finance.fct_general_ledger where accounting_date < "
            "(select date_trunc('month', max(accounting_date)) from finance.fct_general_ledger "
            "where journal_type = 'general' and move_type = 'entry')"
        )
    finally:
        con.close()
    warehouse = Warehouse.from_url(f"duckdb:///{path}")
    summary = pipelines.run_anomalies(warehouse)
    assert summary.status == "insufficient_data"
    assert summary.reason == "insufficient history: 1 month of manual entries, needs 6"
    assert summary.serving_version == "baseline:amount_zscore"  # the rule needs no training
    state = model_states(warehouse)["anomalies"]
    assert (state.status, state.reason) == ("insufficient_data", summary.reason)
    flags = read_sql(warehouse, "select * from ml.anomalies")
    assert flags.height == summary.rows
    assert set(flags["model_version"].unique().to_list()) <= {"baseline:amount_zscore"}
    runs = read_sql(warehouse, "select * from ml.model_runs where model_name = 'anomalies'")
    assert runs.filter(pl.col("model_version") == "state:insufficient_data").height == 1


@pytest.mark.integration
def test_a_failing_alert_family_is_skipped_with_its_reason_and_the_others_run(
    small_marts, monkeypatch
):
    from alerts import families
    from alerts.evaluation import evaluate
    from alerts.rules import load_rules
    from alerts.sources import MartReader
    from odoo_api.warehouse import Warehouse

    def broken(reader, names):
        raise RuntimeError("deliberately broken family")

    monkeypatch.setitem(families.FAMILIES, "cash_runway", broken)
    with MartReader(Warehouse.from_url(f"duckdb:///{small_marts.path}")) as reader:
        evaluation = evaluate(reader, load_rules())
    assert "cash_runway" in evaluation.skipped_rules
    assert evaluation.skipped_reasons["cash_runway"] == (
        "failed: RuntimeError: deliberately broken family"
    )
    assert len(evaluation.evaluated_rules) >= 5 and evaluation.candidates
