"""The whole graph in one run on the small simulated company: extraction -> raw checks ->
dbt marts and tests -> ML scores -> alerts -> briefings, as the daily refresh runs it."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow


def test_one_run_materialises_every_asset_from_odoo_to_the_briefings(tmp_path, monkeypatch):
    from dagster import DagsterInstance

    from briefings.service import list_alerts, list_briefings
    from opstore import StateStore
    from orchestration.definitions import defs

    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("COO_SIM_SIZE", "small")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)  # template briefings, no network
    graph = defs.resolve_asset_graph()
    daily = defs.resolve_job_def("daily_refresh")
    # `main` (what `coo demo` runs) selects the same assets as the scheduled daily refresh;
    # it runs here without the step retries, so a failure shows at once
    job = defs.resolve_job_def("main")
    assert set(job.asset_layer.selected_asset_keys) == set(daily.asset_layer.selected_asset_keys)
    expected = {k for k in job.asset_layer.selected_asset_keys if graph.get(k).is_materializable}
    groups = {graph.get(k).group_name for k in expected}
    assert {"odoo_raw", "staging", "finance", "sales", "ml", "briefings"} <= groups

    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"failed steps: {failures}"
    materialised = {e.asset_key for e in result.get_asset_materialization_events() if e.asset_key}
    assert expected <= materialised, sorted(k.to_user_string() for k in expected - materialised)
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    freshness = [e for e in checks if e.event_specific_data.check_name == "freshness_check"]
    assert freshness and all(e.event_specific_data.passed for e in freshness)  # just extracted

    warehouse = tmp_path / "coo" / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in (
                "raw_odoo.account_move_line",
                "finance.fct_cash_runway",
                "sales.fct_pipeline_by_stage",
                "ml.churn_scores",
            )
        }
    finally:
        con.close()
    assert all(n > 0 for n in counts.values()), counts
    state = StateStore()
    assert list_alerts(state), "the alert rules raised nothing"
    roles = {b["role"] for b in list_briefings(state)}
    assert {"ceo", "cfo", "sales", "operations"} <= roles

    # and the dashboard renders every page on what the run produced (ML tables included)
    from streamlit.testing.v1 import AppTest

    from tests.apps.conftest import APP, PAGES

    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{warehouse}")
    for page in PAGES:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
