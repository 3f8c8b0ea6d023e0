"""Data health lists the Dagster instance's recent runs and the asset checks that failed.

(No ``from __future__ import annotations``: Dagster resolves the check's return annotation.)
"""

import shutil
from pathlib import Path

import pytest
from dagster import AssetCheckResult, DagsterInstance, asset, asset_check, materialize

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_recent_runs_and_failed_checks_come_from_the_dagster_instance(
    dashboard_env, open_page, tmp_path, monkeypatch
):
    home = tmp_path / "dagster-home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    @asset(name="cash_snapshot")
    def cash_snapshot() -> int:
        return 1

    @asset_check(asset=cash_snapshot, name="balances_reconcile")
    def balances_reconcile() -> AssetCheckResult:
        return AssetCheckResult(passed=False, description="ledger 10.00 off the bank statement")

    with DagsterInstance.from_config(str(home)) as instance:
        result = materialize([cash_snapshot, balances_reconcile], instance=instance)
        assert result.success
        run_id = result.run_id

    at = open_page("data_health")
    runs = next(df.value for df in at.dataframe if "job" in df.value.columns)
    assert run_id[:8] in set(runs["run_id"])
    assert set(runs["status"]) == {"SUCCESS"}
    failed = next(df.value for df in at.dataframe if "check" in df.value.columns)
    row = failed.iloc[0]
    assert (row["asset"], row["check"]) == ("cash_snapshot", "balances_reconcile")
    assert "10.00 off" in row["description"]
    assert any("1 failed check" in e.value for e in at.error)
