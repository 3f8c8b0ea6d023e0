"""Every consumer's SQL on both engines: DuckDB (the laptop) and PostgreSQL (production).

The marts are built once per engine the way the pipeline builds them (the small company's
records into ``raw_odoo``, then ``dbt build``; on DuckDB the shared ``small_marts``), and the
``ml.*`` tables each ML step writes are created with the columns it writes (its
``SCORE_SCHEMA``, through the same ``write_table``), empty, as a step without enough data
leaves them. Then every statement of every consumer (:mod:`tests.orchestration.consumer_sql`)
is prepared on both engines against those tables (parsing, functions, operators and types
resolved: what differs between DuckDB and PostgreSQL), and those without parameters run on
both and must return the same columns and number of rows.

About 90 s on the shared machine (under load), mostly the dbt build on PostgreSQL: the only check of the SQL outside dbt on
PostgreSQL short of running the whole job there (tests/orchestration/test_production_profile.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from odoo_api.warehouse import Warehouse
from tests.orchestration.consumer_sql import Statement, positional, prepare_error, statements
from tests.pg_support import pg_databases

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DLT_LOADS = (
    "create table if not exists raw_odoo._dlt_loads (load_id varchar not null, "
    "schema_name varchar, status bigint not null, inserted_at timestamp with time zone not null, "
    "schema_version_hash varchar)"
)


def _ml_tables(warehouse: Warehouse) -> None:
    """The ml.* tables as the ML steps write them (columns and types), empty."""
    from ml import anomalies, churn, deals, forecasting, stockout
    from ml.lifecycle import MODEL_RUNS_SCHEMA
    from ml.warehouse_io import write_table

    for table, schema in (
        ("churn_scores", churn.SCORE_SCHEMA),
        ("deal_scores", deals.SCORE_SCHEMA),
        ("stockout_predictions", stockout.SCORE_SCHEMA),
        ("anomalies", anomalies.SCORE_SCHEMA),
        ("forecasts", forecasting.SCORE_SCHEMA),
        ("model_runs", MODEL_RUNS_SCHEMA),
    ):
        write_table(warehouse, table, pl.DataFrame(schema=schema))


@pytest.fixture(scope="module")
def engines(small_marts, small_company_tables) -> Iterator[dict[str, Any]]:
    """Open connections to the same marts on DuckDB and on PostgreSQL."""
    import duckdb
    import psycopg2

    from simulator.store import OdooStore
    from tests.dbt.conftest import run_dbt
    from tests.dbt.raw_loader import load_tables, store_tables

    with (
        tempfile.TemporaryDirectory(prefix="coo-portable-") as work,
        pg_databases("warehouse") as urls,
    ):
        duck = Warehouse.from_url(f"duckdb:///{small_marts.copy_to(Path(work) / 'duck')}")
        pg = Warehouse.from_url(urls["warehouse"])
        company = small_company_tables
        load_tables(pg, store_tables(OdooStore(tables=company.tables, now=company.now)))
        run = run_dbt(
            pg,
            ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
            Path(work) / "dbt",
        )
        assert run.returncode == 0, run.output[-3000:]
        for warehouse in (duck, pg):
            _ml_tables(warehouse)
        with duckdb.connect(str(duck.path)) as con:
            con.execute(DLT_LOADS)
        with psycopg2.connect(pg.url) as conn, conn.cursor() as cur:
            cur.execute(DLT_LOADS)
        d = duckdb.connect(str(duck.path), read_only=True)
        p = psycopg2.connect(pg.url)
        try:
            yield {"duckdb": d, "postgres": p}
        finally:
            d.close()
            p.close()


def _failures(engines: dict[str, Any], found: list[Statement]) -> list[str]:
    out = []
    for n, statement in enumerate(found):
        for kind, con in engines.items():
            error = prepare_error(kind, con, statement, n)
            if error:
                sql = " ".join(statement.sql.split())[:160]
                out.append(f"{statement.id} on {kind}: {error}\n    {sql}")
    return out


def test_every_consumer_statement_prepares_on_both_engines(engines):
    found = statements()
    consumers = {s.consumer for s in found}
    assert {"forecasts", "alerts", "daily_briefings", "dashboard", "agents"} <= consumers
    assert len(found) > 100 and sum(s.has_params for s in found) > 40
    failures = _failures(engines, found)
    assert not failures, "SQL that does not run on both engines:\n" + "\n".join(failures)


def _run(kind: str, con: Any, sql: str) -> tuple[list[str], int]:
    if kind == "duckdb":
        cur = con.execute(sql)
        names = [d[0].lower() for d in cur.description]
        return names, len(cur.fetchall())
    with con.cursor() as cur:
        cur.execute(sql)
        names = [d[0].lower() for d in cur.description]
        rows = len(cur.fetchall())
    con.rollback()
    return names, rows


def test_statements_without_parameters_answer_alike(engines):
    """Same columns, same number of rows (the marts hold the same company on both)."""
    found = [s for s in statements() if not s.has_params]
    assert len(found) > 30
    differences = []
    nonempty = 0
    for statement in found:
        duck = _run("duckdb", engines["duckdb"], statement.sql)
        pg = _run("postgres", engines["postgres"], statement.sql)
        nonempty += duck[1] > 0
        if duck != pg:
            differences.append(f"{statement.id}: duckdb {duck} vs postgres {pg}")
    assert not differences, "\n".join(differences)
    assert nonempty > 20  # the comparison is over real rows, not empty tables


def test_duckdb_only_sql_is_caught(engines):
    """What broke the forecasts and the briefing's top mover on PostgreSQL is refused there."""
    for n, sql in enumerate(
        (
            "select company_id, sum(balance) as y from finance.fct_general_ledger group by all",
            "select account_code, sum(net_movement) as change from "
            "finance.fct_trial_balance_monthly where company_id = ? group by 1 "
            "order by abs(change) desc",
        )
    ):
        statement = Statement("probe", "probe", n, positional(sql))
        assert prepare_error("duckdb", engines["duckdb"], statement, 900 + n) is None
        assert prepare_error("postgres", engines["postgres"], statement, 900 + n)
