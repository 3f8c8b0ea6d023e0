"""The dbt assets run through Dagster: dbt build materialises models and reports tests as checks."""

from __future__ import annotations

import pytest
from dagster import AssetKey, materialize

from odoo_api.warehouse import Warehouse
from orchestration.assets.dbt import build_dbt_assets, dbt_env, dbt_resource
from orchestration.resources import WarehouseResource
from tests.dbt.conftest import query
from tests.dbt.raw_loader import load_tables, recorded_tables

pytestmark = pytest.mark.integration


@pytest.mark.unit
def test_dbt_env_from_warehouse_urls(tmp_path) -> None:
    duck = Warehouse.from_url(f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert dbt_env(duck) == {
        "COO_DBT_TARGET": "duckdb",
        "COO_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
    }
    pg = Warehouse.from_url("postgresql://coo:s%40cret@db.example:6543/analytics_db")
    assert dbt_env(pg) == {
        "COO_DBT_TARGET": "postgres",
        "COO_PG_HOST": "db.example",
        "COO_PG_PORT": "6543",
        "COO_PG_USER": "coo",
        "COO_PG_PASSWORD": "s@cret",
        "COO_PG_DBNAME": "analytics_db",
    }


def test_dbt_assets_materialise_with_checks(duckdb_warehouse: Warehouse) -> None:
    load_tables(duckdb_warehouse, recorded_tables())
    result = materialize(
        [build_dbt_assets()],
        resources={
            "dbt": dbt_resource(),
            "warehouse": WarehouseResource(url=duckdb_warehouse.url),
        },
    )
    assert result.success
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["finance", "fct_receivable_aging"]) in materialised
    assert AssetKey(["staging", "stg_odoo__account_move_lines"]) in materialised
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed or c.severity.value == "WARN" for c in checks)
    rows = query(duckdb_warehouse, "select count(*) as n from finance.fct_general_ledger")
    assert rows[0]["n"] > 0
