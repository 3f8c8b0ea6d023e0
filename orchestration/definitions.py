"""The one Dagster ``Definitions`` of the platform: assets, checks, jobs, resources.

Platform-wide choices are made here once; assets stay thin and call plain functions.
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_dlt import DagsterDltResource

from orchestration.assets.briefings import (
    briefings_assets,
    briefings_jobs,
    briefings_schedules,
    briefings_sensors,
)
from orchestration.assets.dbt import build_dbt_assets, dbt_resource
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.assets.quality import raw_odoo_expectations
from orchestration.assets.raw import RAW_GROUP, odoo_model_specs, odoo_raw_assets
from orchestration.assets.writeback import (
    approved_actions_sensor,
    execute_actions_job,
    reconcile_actions_job,
    reconcile_actions_schedule,
)
from orchestration.ops import (
    WRITES_WAREHOUSE_TAG,
    cadence_jobs,
    cadence_schedules,
    freshness_sensor,
    raw_freshness_checks,
)
from orchestration.resources import OdooResource, WarehouseResource

extract_job = define_asset_job(
    "extract",
    selection=AssetSelection.groups(RAW_GROUP),
    description="Extract every Odoo model into raw_odoo (incremental).",
    tags={WRITES_WAREHOUSE_TAG: "true"},  # queued behind any other warehouse-writing run
)

main_job = define_asset_job(
    "main",
    selection=AssetSelection.all() - AssetSelection.groups("odoo"),
    description="The whole platform, from Odoo to the marts and beyond, in one run.",
    tags={WRITES_WAREHOUSE_TAG: "true"},
)


def build_definitions() -> Definitions:
    return Definitions(
        assets=[
            *odoo_model_specs,
            odoo_raw_assets,
            build_dbt_assets(),
            *ml_assets,
            *briefings_assets,
        ],
        # blocking: a raw table that fails its suite stops the dbt models built on it
        asset_checks=[raw_odoo_expectations, *ml_checks, *raw_freshness_checks],
        jobs=[
            main_job,
            extract_job,
            *cadence_jobs,
            execute_actions_job,
            reconcile_actions_job,
            *briefings_jobs,
        ],
        schedules=[*cadence_schedules, *briefings_schedules, reconcile_actions_schedule],
        sensors=[freshness_sensor, approved_actions_sensor, *briefings_sensors],
        resources={
            "dlt": DagsterDltResource(),
            "odoo": OdooResource(),
            "warehouse": WarehouseResource(),
            "dbt": dbt_resource(),
        },
    )


defs = build_definitions()
