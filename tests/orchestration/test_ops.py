"""Running it for real: every schedule and sensor with its cron and time zone, the jobs'
selections, retries and concurrency tags, the freshness checks, the instance profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core import cadence
from orchestration.ops import RUN_TAGS, WRITES_WAREHOUSE_TAG

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_SCHEDULES = {
    # name: (cron, time zone, job)
    "finance_hourly_schedule": ("0 * * * *", "UTC", "finance_hourly"),
    "sales_4h_schedule": ("0 */4 * * *", "UTC", "sales_4h"),
    "daily_refresh_schedule": ("0 2 * * *", "UTC", "daily_refresh"),
    # hourly in UTC: each tick briefs the companies where it is 06:00 in their own time zone
    "briefings_0600_schedule": ("0 * * * *", "UTC", "daily_briefings"),
}
EXPECTED_SENSORS = {"raw_freshness_sensor", "approved_actions_sensor", "alert_escalation_sensor"}


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def test_every_schedule_is_there_with_its_cron_and_time_zone(defs):
    schedules = {s.name: s for s in defs.schedules}
    for name, (cron, tz, job) in EXPECTED_SCHEDULES.items():
        assert name in schedules, f"missing schedule {name}"
        assert schedules[name].cron_schedule == cron
        assert schedules[name].execution_timezone == tz
        assert schedules[name].job_name == job
    for schedule in schedules.values():  # the others' too: nobody runs in server-local time
        assert schedule.execution_timezone, f"{schedule.name} has no time zone"
        defs.resolve_job_def(schedule.job_name)


def test_every_sensor_is_there(defs):
    names = {s.name for s in defs.sensors}
    assert names >= EXPECTED_SENSORS, EXPECTED_SENSORS - names


def _raw_tables(selection, graph) -> set[str]:
    return {k.path[-1] for k in selection.resolve(graph) if k.path[0] == "raw_odoo"}


@pytest.mark.parametrize("which", [cadence.FINANCE, cadence.SALES])
def test_area_jobs_refresh_their_marts_and_exactly_the_raw_models_under_them(defs, graph, which):
    from dagster import AssetSelection

    from orchestration.ops import selection_for

    keys = selection_for(which).resolve(graph)
    marts = AssetSelection.groups(*which.groups).resolve(graph)
    assert marts and marts <= keys
    # the cadence's raw list (used by freshness and the dashboard) is the graph's truth
    assert _raw_tables(selection_for(which), graph) == set(which.raw_tables)
    assert not any(k.path[0] == "odoo" for k in keys)
    job = defs.resolve_job_def(which.name)
    assert {k for k in job.asset_layer.selected_asset_keys} == keys


def test_daily_refresh_runs_the_whole_graph(defs, graph):
    job = defs.resolve_job_def("daily_refresh")
    everything = {k for k in graph.get_all_asset_keys() if k.path[0] != "odoo"}
    materialisable = {k for k in everything if graph.get(k).is_materializable}
    assert set(job.asset_layer.selected_asset_keys) >= materialisable


def test_manual_jobs_queue_as_warehouse_writers_too(defs):
    for name in ("main", "extract"):
        assert defs.resolve_job_def(name).tags[WRITES_WAREHOUSE_TAG] == "true"


@pytest.mark.parametrize("name", ["finance_hourly", "sales_4h", "daily_refresh"])
def test_scheduled_jobs_retry_with_backoff_and_queue_as_one_warehouse_writer(defs, name):
    from dagster import Backoff

    job = defs.resolve_job_def(name)
    assert job.tags[WRITES_WAREHOUSE_TAG] == "true"
    assert int(job.tags["dagster/max_retries"]) >= 1
    assert job.tags["dagster/retry_strategy"] == "FROM_FAILURE"
    policy = job.op_retry_policy
    assert policy is not None and policy.max_retries >= 2
    assert policy.backoff == Backoff.EXPONENTIAL and policy.delay and policy.delay > 0


def test_every_raw_asset_has_a_freshness_check_with_its_cadence_promise(graph):
    from orchestration.ops import raw_freshness_checks

    promises = {}
    for checks in raw_freshness_checks:
        for spec in checks.check_specs:
            params = spec.metadata["dagster/freshness_params"].data
            promises[spec.asset_key.path[-1]] = params["lower_bound_delta_seconds"] / 3600
    raw = {k.path[-1] for k in graph.get_all_asset_keys() if k.path[0] == "raw_odoo"}
    assert set(promises) == raw
    assert promises["account_move_line"] == 2.0  # finance: hourly job
    assert promises["crm_lead"] == 6.0  # sales: every 4 hours
    assert promises["stock_quant"] == 26.0  # daily
    assert promises["res_company"] == 2.0  # under both: the tighter promise


def test_local_instance_limits_warehouse_writers_and_retries_runs(tmp_path):
    from dagster import DagsterInstance

    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        queue = instance.get_concurrency_config().run_queue_config
        assert {"key": WRITES_WAREHOUSE_TAG, "limit": 1} in queue.tag_concurrency_limits
        assert instance.run_retries_enabled and instance.run_retries_max_retries >= 1
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert type(instance.run_storage).__name__.startswith("Sqlite")
    finally:
        instance.dispose()
    assert RUN_TAGS[WRITES_WAREHOUSE_TAG] == "true"


def test_production_profile_uses_postgres_with_the_same_limits():
    prod = yaml.safe_load((ROOT / "docs" / "production" / "dagster.yaml").read_text())
    pg = prod["storage"]["postgres"]["postgres_db"]
    # credentials come from the environment, never the file
    assert all(isinstance(pg[k], dict) and "env" in pg[k] for k in ("hostname", "password"))
    limits = prod["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": WRITES_WAREHOUSE_TAG, "limit": 1} in limits
    assert prod["run_retries"]["enabled"] is True
    compose = yaml.safe_load((ROOT / "docs" / "docker-compose.yml").read_text())
    assert {"postgres", "dagster-webserver", "dagster-daemon", "dashboard"} <= set(
        compose["services"]
    )
