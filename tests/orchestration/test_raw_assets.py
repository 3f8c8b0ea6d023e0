"""Materialise the raw assets through Dagster against the embedded simulated company."""

from __future__ import annotations

import pytest
from dagster import materialize

pytestmark = pytest.mark.integration


def test_raw_assets_materialise_with_rows_metadata(tmp_path, monkeypatch):
    from dagster_dlt import DagsterDltResource

    from orchestration.assets.raw import odoo_raw_assets
    from orchestration.resources import OdooResource, WarehouseResource

    monkeypatch.setenv("COO_SIM_SIZE", "small")
    result = materialize(
        [odoo_raw_assets],
        resources={
            "dlt": DagsterDltResource(),
            "odoo": OdooResource(),
            "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'wh.duckdb'}"),
        },
    )
    assert result.success
    meta = {}
    for event in result.get_asset_materialization_events():
        md = event.materialization.metadata
        meta[event.asset_key.path[-1]] = md
    assert len(meta) >= 35
    aml = meta["account_move_line"]
    assert aml["odoo_model"].value == "account.move.line"
    assert aml["rows_extracted"].value > 1000

    import duckdb

    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    n = con.execute("select count(*) from raw_odoo.account_move_line").fetchone()[0]
    assert n == aml["rows_extracted"].value
