"""Running the platform for real: scheduled jobs, retries, concurrency and freshness checks.

* **Jobs per cadence** (``core.cadence``): finance hourly and sales every 4 hours
  refresh their marts *and everything upstream* (the raw Odoo models they read, staging,
  intermediate), so an hourly cash figure is never built on a day-old extraction; the daily
  refresh runs the whole graph (extraction, marts, ML, alerts, briefings' inputs).
* **Retries with backoff** at two levels: a step that fails (Odoo timing out, the warehouse
  lock taken) is retried by its op retry policy with exponential backoff and jitter; a run
  that still fails is re-launched from the failure by Dagster's run retries
  (``dagster/max_retries`` + ``run_retries`` in ``dagster.yaml``).
* **One warehouse writer at a time**: every job here carries the ``coo/writes-warehouse``
  tag, limited to 1 in ``dagster.yaml`` (``concurrency.runs.tag_concurrency_limits``), so two
  runs never write the DuckDB file at once; inside a run, the extraction and dbt steps share
  the ``warehouse_writer`` pool (limit 1). The dashboard only ever opens it read-only.
* **Freshness checks** on every raw asset, with the promise of the tightest cadence it is
  under (2 h for finance models, 6 h for sales, 26 h for the rest), evaluated by a sensor.

Schedules run in UTC (a definition-time value: nothing here reads the environment); the
06:00 briefing schedule in the company's time zone lives with the briefings assets.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from dagster import (
    AssetKey,
    AssetSelection,
    Backoff,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Jitter,
    RetryPolicy,
    ScheduleDefinition,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    define_asset_job,
)

from core.cadence import CADENCES, DAILY, SCHEDULE_TIMEZONE, Cadence, max_lag_hours
from core.settings import get_settings
from odoo_api.extract import DEFAULT_MODELS

WRITES_WAREHOUSE_TAG = "coo/writes-warehouse"
RUN_TAGS = {
    WRITES_WAREHOUSE_TAG: "true",
    # run retries (enabled in dagster.yaml): re-launch a failed run from the failed step
    "dagster/max_retries": "2",
    "dagster/retry_strategy": "FROM_FAILURE",
}
# step retries: 3 more attempts after 15 s, 30 s, 60 s (+/- jitter) — Odoo hiccups and a
# warehouse lock held by an analyst's session usually clear within a minute
STEP_RETRY = RetryPolicy(
    max_retries=3, delay=15, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)


def selection_for(cadence: Cadence) -> AssetSelection:
    """The assets a cadence refreshes: its mart groups and everything upstream of them
    (all of the graph for the daily refresh), never the external ``odoo/*`` specs."""
    if not cadence.groups:
        return AssetSelection.all() - AssetSelection.groups("odoo")
    return AssetSelection.groups(*cadence.groups).upstream() - AssetSelection.groups("odoo")


cadence_jobs = [
    define_asset_job(
        cadence.name,
        selection=selection_for(cadence),
        description=cadence.description,
        tags=RUN_TAGS,
        op_retry_policy=STEP_RETRY,
    )
    for cadence in CADENCES
]


def is_production() -> bool:
    """``COO_ENVIRONMENT=production``: schedules and sensors start running when the code
    location loads. Anywhere else they start stopped, so `make dagster` on a laptop does not
    begin hourly runs (turn one on in the UI, or set the variable)."""
    return get_settings().coo_environment.strip().lower() == "production"


def schedule_status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if is_production() else DefaultScheduleStatus.STOPPED


def sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if is_production() else DefaultSensorStatus.STOPPED


cadence_schedules = [
    ScheduleDefinition(
        name=f"{cadence.name}_schedule",
        cron_schedule=cadence.cron,
        job=job,
        execution_timezone=SCHEDULE_TIMEZONE,
        default_status=schedule_status(),
        description=cadence.description,
    )
    for cadence, job in zip(CADENCES, cadence_jobs, strict=True)
]


def _raw_checks() -> list:
    """Last-update freshness checks on each raw asset, grouped by its lag promise."""
    by_lag: dict[float, list[AssetKey]] = {}
    for spec in DEFAULT_MODELS:
        by_lag.setdefault(max_lag_hours(spec.table), []).append(AssetKey(["raw_odoo", spec.table]))
    checks: list = []
    # Dagster now prefers FreshnessPolicy on the asset; these checks are kept on purpose:
    # they are asset checks, so a stale model shows as a failed check in the UI and on the
    # dashboard's Data health page next to the data-quality checks, evaluated by a sensor.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*build_last_update_freshness_checks.*")
        for lag, keys in sorted(by_lag.items()):
            checks.extend(
                build_last_update_freshness_checks(
                    assets=keys, lower_bound_delta=timedelta(hours=lag), timezone=SCHEDULE_TIMEZONE
                )
            )
    return checks


raw_freshness_checks = _raw_checks()

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*build_sensor_for_freshness_checks.*")
    freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=raw_freshness_checks,
        name="raw_freshness_sensor",
        minimum_interval_seconds=300,
        default_status=sensor_status(),
    )

DAILY_JOB_NAME = DAILY.name
