"""The read-only SQL guard and runner: one SELECT over the allowed schemas, bounded rows and
time, on a connection that cannot write even if the guard were wrong."""

from __future__ import annotations

import duckdb
import pytest

from agents.sql import QueryTimeout, SqlRefused, _check_with_tokenizer, check_read_only, run_query
from odoo_api.warehouse import Warehouse


@pytest.mark.unit
@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("drop table finance.fct_overdue_invoices", "DROP"),
        ("DELETE FROM finance.fct_overdue_invoices", "DELETE"),
        ("update sales.fct_stalled_deals set days_in_stage = 0", "UPDATE"),
        ("insert into finance.x select 1", "INSERT"),
        ("create table finance.x as select 1", "CREATE"),
        ("attach 'other.duckdb'", "ATTACH"),
        ("detach other", "DETACH"),
        ("copy finance.fct_overdue_invoices to 'out.csv'", "COPY"),
        ("pragma database_list", "PRAGMA"),
        ("set threads = 1", "SET"),
        ("install httpfs", "INSTALL"),
        ("load httpfs", "COMMAND"),
        ("call pragma_version()", "COMMAND"),
        ("select 1; select 2", "multiple statements"),
        ("select 1;\n-- a comment\n drop table finance.x", "multiple statements"),
        ("select * into finance.copy from finance.fct_overdue_invoices", "INTO"),
        ("select * from read_parquet('x.parquet')", "read_parquet"),
        ("select getenv('HOME')", "getenv"),
        ("select * from glob('/etc/*')", "glob"),
        ("select * from raw_odoo.res_partner", "raw_odoo"),
        ("select * from staging.stg_odoo__res_partners", "staging"),
        ("select * from other.finance.fct_overdue_invoices", "three-part"),
        ("select * from fct_overdue_invoices", "no schema"),
        ("select * from information_schema.key_column_usage", "not readable"),
        ("select * from pg_catalog.pg_tables", "pg_catalog"),
        ("select * from duckdb_tables()", "duckdb_tables"),
        ("", "empty"),
    ],
)
def test_refused_with_the_reason(sql: str, why: str) -> None:
    with pytest.raises(SqlRefused) as refused:
        check_read_only(sql)
    assert why in refused.value.reason


@pytest.mark.unit
@pytest.mark.parametrize(
    "sql",
    [
        "select * from finance.fct_overdue_invoices",
        "from sales.fct_stalled_deals",
        "select 'a; drop table x' as text_with_a_semicolon",
        "with big as (select * from finance.fct_overdue_invoices where days_overdue > 30) select count(*) from big;",
        "select e.name from graph.kg_edges g join graph.kg_entities e on e.entity_key = g.target_key",
        "select * from finance.fct_cash_runway union all select * from finance.fct_cash_runway",
    ],
)
def test_read_queries_pass(sql: str) -> None:
    assert check_read_only(sql) == sql.strip().rstrip(";")


@pytest.mark.unit
@pytest.mark.parametrize(
    "sql",
    [
        "select 1; drop table x",
        "drop table x",
        "select * from x where 1 = 1 or delete",
        "attach 'x'",
    ],
)
def test_the_tokenizer_fallback_is_conservative(sql: str) -> None:
    with pytest.raises(SqlRefused):
        _check_with_tokenizer(sql)
    _check_with_tokenizer("select 'drop; table' as quoted from finance.x")


@pytest.mark.integration
def test_row_limit_time_limit_and_a_connection_that_cannot_write(small_marts) -> None:
    warehouse = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    result = run_query(
        warehouse, "select * from graph.kg_entities order by entity_key", row_limit=7
    )
    assert len(result.rows) == 7 and result.truncated
    whole = run_query(warehouse, "select count(*) from graph.kg_entities")
    assert whole.rows[0][0] > 7 and not whole.truncated

    with pytest.raises(QueryTimeout):
        # a query the guard would refuse (table function) run unchecked, to prove the timer
        run_query(
            warehouse, "select count(*) from range(1000000000000) a", timeout_s=0.3, checked=False
        )

    # even unchecked SQL cannot write: the connection is read-only and has no file access
    from agents.sql import _duckdb_connect

    con = _duckdb_connect(warehouse)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("create table finance.leak as select 1")
        with pytest.raises(duckdb.Error):
            con.execute("copy (select 1) to '/tmp/coo-leak.csv'")
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
    finally:
        con.close()


@pytest.mark.unit
def test_information_schema_is_rewritten_to_the_marts_only() -> None:
    out = check_read_only(
        "select table_name from information_schema.tables t where t.table_schema = 'raw_odoo'"
    )
    assert "information_schema.tables WHERE table_schema IN ('finance'" in out
    assert out.endswith("AS t WHERE t.table_schema = 'raw_odoo'")


@pytest.mark.integration
def test_information_schema_shows_no_raw_or_staging_and_results_are_byte_capped(
    small_marts,
) -> None:
    """Issue 15, finding 8: information_schema listed raw/staging tables and a 50 MB value
    came back through the row limit."""
    from agents.sql import MART_SCHEMAS, MAX_RESULT_BYTES, MAX_VALUE_CHARS

    warehouse = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    schemas = run_query(warehouse, "select distinct table_schema from information_schema.tables")
    seen = {r[0] for r in schemas.rows}
    assert seen and seen <= set(MART_SCHEMAS)
    columns = run_query(
        warehouse, "select table_schema from information_schema.columns c", row_limit=10_000
    )
    assert {r[0] for r in columns.rows} <= set(MART_SCHEMAS)
    unfiltered = run_query(
        warehouse, "select distinct table_schema from information_schema.tables", checked=False
    )
    assert {r[0] for r in unfiltered.rows} - set(MART_SCHEMAS)  # raw and staging are there

    big = run_query(warehouse, "select repeat('x', 50000000) as v")
    assert len(big.rows[0][0]) <= MAX_VALUE_CHARS + 1 and big.truncated and big.notes
    many = run_query(warehouse, "select unnest(generate_series(1, 1000)) as i, repeat('y', 9000) as v",
                     row_limit=1000)  # fmt: skip
    import json

    assert many.truncated and 0 < len(many.rows) < 1000
    assert len(json.dumps(many.as_dict()["rows"])) <= MAX_RESULT_BYTES
