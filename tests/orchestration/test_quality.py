"""The raw-layer Great Expectations suites, alone and as blocking Dagster asset checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from odoo_api.quality import (
    TableQuality,
    check_frame,
    check_raw_tables,
    plan_suite,
    selection_values,
)
from odoo_api.warehouse import Warehouse

RAW_ACCOUNT_MOVE = """
create table raw_odoo.account_move (
    id bigint,
    write_date timestamp with time zone,
    state varchar,
    move_type varchar,
    amount_total double precision,
    invoice_date date,
    _extracted_at timestamp with time zone,
    _odoo_deleted_at timestamp with time zone
)
"""
CLEAN_ROWS = [
    "(1, '2025-01-02 10:00:00+00', 'posted', 'out_invoice', 100.0, '2025-01-02', now(), null)",
    "(2, '2025-01-03 10:00:00+00', 'draft', 'in_invoice', null, null, now(), null)",
    "(3, '2025-01-04 10:00:00+00', 'cancel', 'entry', -12.5, '2025-01-04', now(), null)",
]


def make_raw(warehouse: Warehouse, statements: Sequence[str]) -> None:
    """Run SQL on the warehouse (DuckDB file or PostgreSQL database)."""
    if warehouse.kind == "duckdb":
        import duckdb

        assert warehouse.path is not None
        con = duckdb.connect(str(warehouse.path))
        try:
            for sql in statements:
                con.execute(sql)
        finally:
            con.close()
        return
    import psycopg2

    pg = psycopg2.connect(warehouse.url)
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        pg.close()


def account_move(warehouse: Warehouse, *extra_rows: str, table_sql: str = RAW_ACCOUNT_MOVE) -> None:
    rows = ", ".join([*CLEAN_ROWS, *extra_rows])
    make_raw(
        warehouse,
        [
            "create schema if not exists raw_odoo",
            table_sql,
            f"insert into raw_odoo.account_move values {rows}",
        ],
    )


def failures(result: TableQuality) -> dict[tuple[str, str | None], Any]:
    return {(f.expectation, f.column): f for f in result.failed}


# ----------------------------------------------------------------------------- unit


@pytest.mark.unit
def test_suite_is_derived_from_columns_and_odoo_metadata() -> None:
    columns = {
        "id": "BIGINT",
        "write_date": "TIMESTAMP WITH TIME ZONE",
        "state": "VARCHAR",
        "payment_state": "VARCHAR",
        "amount_total": "DOUBLE",
        "invoice_date": "DATE",
        "invoice_date_due": "character varying",  # a date that arrived as text: must parse
        "partner_id": "BIGINT",
        "amount_total__v_text": "VARCHAR",  # dlt's variant column: must stay empty
        "_extracted_at": "TIMESTAMP WITH TIME ZONE",
    }
    plans = {(p.type, p.column): p for p in plan_suite("account_move", columns)}
    assert ("ExpectColumnToExist", "id") in plans
    assert ("ExpectColumnToExist", "write_date") in plans
    assert ("ExpectColumnValuesToBeUnique", "id") in plans
    assert ("ExpectColumnValuesToNotBeNull", "id") in plans
    assert ("ExpectColumnValuesToBeBetween", "amount_total") in plans
    assert ("ExpectColumnValuesToBeDateutilParseable", "invoice_date_due") in plans
    assert ("ExpectColumnValuesToBeNull", "amount_total__v_text") in plans
    assert plans[("ExpectColumnValuesToBeInSet", "state")].kwargs["value_set"] == [
        "draft",
        "posted",
        "cancel",
    ]
    assert (
        "invoicing_legacy"
        in plans[("ExpectColumnValuesToBeInSet", "payment_state")].kwargs["value_set"]
    )
    # move_type is not a column of this table (module/field absent): not checked
    assert ("ExpectColumnValuesToBeInSet", "move_type") not in plans
    # typed dates parse by construction; integers and dlt's own columns are not read
    assert not {c for _, c in plans} & {"invoice_date", "partner_id", "_extracted_at"}


@pytest.mark.unit
def test_selection_values_come_from_odoo_19_field_metadata() -> None:
    assert selection_values("crm_lead", "type") == ("lead", "opportunity")
    assert selection_values("stock_move", "state") == (
        "draft",
        "waiting",
        "confirmed",
        "partially_available",
        "assigned",
        "done",
        "cancel",
    )
    assert "in_process" in (selection_values("account_payment", "state") or ())
    assert "done" in (selection_values("sale_order", "state") or ())  # Odoo 16 still sends it
    assert selection_values("account_move", "no_such_field") is None


@pytest.mark.unit
def test_clean_duckdb_table_passes(duckdb_warehouse: Warehouse) -> None:
    account_move(duckdb_warehouse)
    result = check_raw_tables(duckdb_warehouse, ["account_move"])["account_move"]
    assert result.success, result.summary()
    assert result.rows_checked == 3
    assert result.expectations >= 8
    assert result.failed == ()


@pytest.mark.unit
def test_duplicate_id_fails_uniqueness(duckdb_warehouse: Warehouse) -> None:
    account_move(
        duckdb_warehouse,
        "(2, '2025-01-05 10:00:00+00', 'posted', 'entry', 1.0, null, now(), null)",
    )
    result = check_raw_tables(duckdb_warehouse, ["account_move"])["account_move"]
    assert not result.success
    assert result.failed_names() == ["expect_column_values_to_be_unique"]
    failed = failures(result)[("expect_column_values_to_be_unique", "id")]
    assert failed.unexpected_count == 2
    assert set(failed.examples) == {"2"}


@pytest.mark.unit
@pytest.mark.parametrize("bad", ["'NaN'", "'Infinity'", "'-Infinity'"])
def test_non_finite_amount_fails_and_null_does_not(duckdb_warehouse: Warehouse, bad: str) -> None:
    # CLEAN_ROWS already hold a NULL amount: a NULL is "no amount", a NaN is broken data
    account_move(
        duckdb_warehouse,
        f"(4, '2025-01-05 10:00:00+00', 'posted', 'entry', {bad}::double precision, null, now(), null)",
    )
    result = check_raw_tables(duckdb_warehouse, ["account_move"])["account_move"]
    assert not result.success
    assert result.failed_names() == ["expect_column_values_to_be_between"]
    failed = failures(result)[("expect_column_values_to_be_between", "amount_total")]
    assert failed.unexpected_count == 1
    value = float(failed.examples[0])
    assert not math.isfinite(value)


@pytest.mark.unit
def test_unknown_state_fails_selection(duckdb_warehouse: Warehouse) -> None:
    account_move(
        duckdb_warehouse,
        "(4, '2025-01-05 10:00:00+00', 'approved_by_ceo', 'entry', 1.0, null, now(), null)",
    )
    result = check_raw_tables(duckdb_warehouse, ["account_move"])["account_move"]
    assert not result.success
    assert result.failed_names() == ["expect_column_values_to_be_in_set"]
    failed = failures(result)[("expect_column_values_to_be_in_set", "state")]
    assert failed.unexpected_count == 1
    assert failed.examples == ("'approved_by_ceo'",)
    assert "approved_by_ceo" in result.summary()


@pytest.mark.unit
def test_missing_id_column_fails_schema(duckdb_warehouse: Warehouse) -> None:
    make_raw(
        duckdb_warehouse,
        [
            "create schema raw_odoo",
            "create table raw_odoo.sale_order (write_date timestamptz, state varchar)",
            "insert into raw_odoo.sale_order values (now(), 'sale'), (now(), 'draft')",
        ],
    )
    result = check_raw_tables(duckdb_warehouse, ["sale_order"])["sale_order"]
    assert not result.success
    assert result.failed_names() == ["expect_column_to_exist"]
    assert failures(result)[("expect_column_to_exist", "id")].unexpected_count is None
    assert result.rows_checked == 2


@pytest.mark.unit
def test_text_dates_must_parse_and_variant_columns_stay_empty(duckdb_warehouse: Warehouse) -> None:
    make_raw(
        duckdb_warehouse,
        [
            "create schema raw_odoo",
            "create table raw_odoo.account_move (id bigint, write_date timestamptz, "
            "invoice_date varchar, amount_total double, amount_total__v_text varchar)",
            "insert into raw_odoo.account_move values "
            "(1, now(), '2025-01-31', 1.0, null), (2, now(), '2025-02-30', null, 'twelve')",
        ],
    )
    result = check_raw_tables(duckdb_warehouse, ["account_move"])["account_move"]
    found = failures(result)
    assert set(found) == {
        ("expect_column_values_to_be_dateutil_parseable", "invoice_date"),
        ("expect_column_values_to_be_null", "amount_total__v_text"),
    }
    assert found[("expect_column_values_to_be_dateutil_parseable", "invoice_date")].examples == (
        "'2025-02-30'",
    )


@pytest.mark.unit
def test_absent_table_passes_with_a_note(duckdb_warehouse: Warehouse) -> None:
    account_move(duckdb_warehouse)
    result = check_raw_tables(duckdb_warehouse, ["account_analytic_account"])[
        "account_analytic_account"
    ]
    assert result.success
    assert "no table raw_odoo.account_analytic_account" in result.note
    # and a warehouse that was never written to is not created by the check
    empty = Warehouse.from_url(f"duckdb:///{duckdb_warehouse.path}.missing")
    assert check_raw_tables(empty, ["account_move"])["account_move"].success
    assert empty.path is not None and not empty.path.exists()


@pytest.mark.unit
def test_dataframes_checked_in_memory() -> None:
    clean = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "write_date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]),
            "state": ["draft", "sale", "cancel"],
            "amount_total": [1.0, 2.0, 3.0],
        }
    )
    assert check_frame("sale_order", clean).success

    broken = clean.assign(
        id=[1, 1, 3], state=["draft", "shipped", "sale"], amount_total=[1.0, math.nan, 3.0]
    )
    result = check_frame("sale_order", broken)
    assert not result.success
    assert set(failures(result)) == {
        ("expect_column_values_to_be_unique", "id"),
        ("expect_column_values_to_be_in_set", "state"),
        ("expect_column_values_to_be_between", "amount_total"),
    }
    assert check_frame("sale_order", clean.drop(columns=["id"])).failed_names() == [
        "expect_column_to_exist"
    ]


@pytest.mark.integration
def test_reader_keeps_nan_apart_from_null_on_both_warehouses(warehouse: Warehouse) -> None:
    """DuckDB and PostgreSQL: a NULL amount passes, a NaN fails, a duplicate id fails."""
    account_move(
        warehouse,
        "(4, '2025-01-05 10:00:00+00', 'posted', 'entry', 'NaN'::double precision, null, now(), null)",
        "(4, '2025-01-06 10:00:00+00', 'posted', 'entry', null, null, now(), null)",
    )
    result = check_raw_tables(warehouse, ["account_move", "sale_order"])
    assert result["sale_order"].success and result["sale_order"].note
    found = failures(result["account_move"])
    assert set(found) == {
        ("expect_column_values_to_be_between", "amount_total"),
        ("expect_column_values_to_be_unique", "id"),
    }
    assert found[("expect_column_values_to_be_between", "amount_total")].unexpected_count == 1
    assert result["account_move"].rows_checked == 5


# ----------------------------------------------------------------------------- Dagster


@pytest.mark.unit
def test_every_raw_asset_has_a_blocking_check_in_the_main_job() -> None:
    from dagster import AssetCheckKey

    from odoo_api.extract import DEFAULT_MODELS
    from orchestration.assets.quality import RAW_CHECK_NAME
    from orchestration.assets.raw import raw_key
    from orchestration.definitions import defs

    job = defs.resolve_job_def("main")
    graph = defs.resolve_asset_graph()
    for spec in DEFAULT_MODELS:
        key = AssetCheckKey(raw_key(spec.table), RAW_CHECK_NAME)
        assert key in job.asset_layer.asset_graph.asset_check_keys
        assert graph.get_check_spec(key).blocking
    # the dbt step waits on the check step's outputs
    upstream = job.dependency_structure.input_to_upstream_outputs_for_node("odoo_dbt")
    producers = {out.node_name for outs in upstream.values() for out in outs}
    assert "raw_odoo_expectations" in producers


@pytest.mark.integration
def test_raw_checks_pass_on_the_simulated_company_and_block_dbt_when_broken(
    tmp_path, monkeypatch
) -> None:
    import duckdb
    from dagster import AssetCheckKey, AssetKey, AssetSelection, materialize
    from dagster_dlt import DagsterDltResource

    from odoo_api.extract import DEFAULT_MODELS
    from orchestration.assets.dbt import build_dbt_assets, dbt_resource
    from orchestration.assets.quality import RAW_CHECK_NAME, raw_odoo_expectations
    from orchestration.assets.raw import odoo_raw_assets, raw_key
    from orchestration.resources import OdooResource, WarehouseResource

    monkeypatch.setenv("COO_SIM_SIZE", "small")
    # build one staging model alone: leave out the tests of marts that reference it
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    path = tmp_path / "wh.duckdb"
    resources = {
        "dlt": DagsterDltResource(),
        "odoo": OdooResource(),
        "warehouse": WarehouseResource(url=f"duckdb:///{path}"),
        "dbt": dbt_resource(),
    }

    # 1. extract the small company and run every raw check in the same run: all pass
    first = materialize([odoo_raw_assets, raw_odoo_expectations], resources=resources)
    assert first.success
    evaluations = {e.asset_key.path[-1]: e for e in first.get_asset_check_evaluations()}
    assert set(evaluations) == {s.table for s in DEFAULT_MODELS}
    assert all(e.passed for e in evaluations.values()), [
        e.description for e in evaluations.values() if not e.passed
    ]
    aml = evaluations["account_move_line"].metadata
    assert aml["rows_checked"].value > 1000
    assert aml["expectations"].value >= 10
    assert aml["failed_expectations"].value == []

    assets = [odoo_raw_assets, raw_odoo_expectations, build_dbt_assets()]
    staging = AssetKey(["staging", "stg_odoo__sale_orders"])
    selection = AssetSelection.checks(
        AssetCheckKey(raw_key("sale_order"), RAW_CHECK_NAME)
    ) | AssetSelection.assets(staging)

    # 2. control: with the raw table sound, the check passes and the staging model is built
    control = materialize(assets, selection=selection, resources=resources)
    assert control.success
    assert staging in {e.asset_key for e in control.get_asset_materialization_events()}

    # 3. corrupt raw_odoo.sale_order: a state Odoo does not know, and a duplicated id
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "update raw_odoo.sale_order set state = 'shipped' where id = (select min(id) from raw_odoo.sale_order)"
        )
        con.execute(
            "insert into raw_odoo.sale_order select * from raw_odoo.sale_order "
            "where id = (select max(id) from raw_odoo.sale_order)"
        )
        con.execute("drop view if exists staging.stg_odoo__sale_orders")
    finally:
        con.close()

    broken = materialize(assets, selection=selection, resources=resources, raise_on_error=False)
    assert not broken.success
    (evaluation,) = broken.get_asset_check_evaluations()
    assert evaluation.asset_key == raw_key("sale_order") and not evaluation.passed
    assert evaluation.severity.value == "ERROR"
    assert sorted(evaluation.metadata["failed_expectations"].value) == [
        "expect_column_values_to_be_in_set(state)",
        "expect_column_values_to_be_unique(id)",
    ]
    assert evaluation.metadata["unexpected_counts"].value == {
        "expect_column_values_to_be_in_set(state)": 1,
        "expect_column_values_to_be_unique(id)": 2,
    }
    # the downstream dbt model was not built: no materialisation, the dbt step never ran
    assert broken.get_asset_materialization_events() == []
    (failure,) = broken.get_step_failure_events()
    assert failure.step_key == "raw_odoo_expectations"
    assert "blocking asset check failed" in failure.step_failure_data.error.message
    assert "raw_odoo/sale_order: raw_expectations" in failure.step_failure_data.error.message
    assert not [e for e in broken.all_events if e.step_key == "odoo_dbt"]  # never started
    con = duckdb.connect(str(path), read_only=True)
    try:
        views = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'staging' and table_name = 'stg_odoo__sale_orders'"
        ).fetchone()
    finally:
        con.close()
    assert views == (0,)
