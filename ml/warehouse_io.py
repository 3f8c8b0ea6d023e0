"""Reading marts and writing ``ml.*`` tables, on DuckDB (default) or PostgreSQL.

The models read polars frames and write polars frames; this module is the only place that
knows which engine the warehouse runs on. DuckDB allows one writer: a write connection is
opened only for the duration of one table replacement.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl

from core.errors import DataError
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)

ML_SCHEMA = "ml"


class InsufficientData(DataError):
    """A model's input is below its minimum (rows, months of history, classes, modules).

    Not an error: the pipeline records the reason in ``ml.model_runs`` (status
    ``insufficient_data``), serves its baseline or nothing, and everything downstream goes
    on. The message is the reason people read, e.g. ``insufficient history: 1 month of manual
    entries, needs 6``.
    """


_MISSING_TABLE = re.compile(
    r'(?:Table with name (\S+) does not exist|relation "([^"]+)" does not exist)'
)


def _missing_table(exc: BaseException) -> InsufficientData | None:
    """A read of a table the warehouse does not have (its Odoo module is not installed, or
    nothing was extracted yet) is too little data, not an error."""
    m = _MISSING_TABLE.search(str(exc))
    if m is None:
        return None
    name = (m.group(1) or m.group(2)).rstrip("!").strip('"')
    return InsufficientData(
        f"no table {name} in the warehouse (its Odoo module is not installed, "
        "or nothing was extracted yet)"
    )


@contextmanager
def warehouse_lock(warehouse: Warehouse) -> Iterator[None]:
    """Serialise the ML steps' use of a DuckDB file (one writing process at a time; Dagster
    runs the ML assets in parallel processes). A no-op on PostgreSQL."""
    if warehouse.kind != "duckdb":
        yield
        return
    from filelock import FileLock

    assert warehouse.path is not None
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{warehouse.path}.ml.lock", timeout=600):
        yield


@contextmanager
def _duckdb(warehouse: Warehouse, read_only: bool) -> Iterator[Any]:
    """A connection, retried briefly while another process (dashboard, dbt) holds the file."""
    import duckdb

    assert warehouse.path is not None
    if read_only and not warehouse.path.exists():
        read_only = False  # DuckDB cannot open a missing file read-only; this creates it
    delay = 0.2
    for attempt in range(8):
        try:
            con = duckdb.connect(str(warehouse.path), read_only=read_only)
            break
        except duckdb.IOException:
            if attempt == 7:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    try:
        yield con
    finally:
        con.close()


def _pg_engine(warehouse: Warehouse) -> Any:
    import sqlalchemy

    return sqlalchemy.create_engine(
        warehouse.url.replace("postgresql://", "postgresql+psycopg2://")
    )


def read_sql(warehouse: Warehouse, sql: str) -> pl.DataFrame:
    """A query's result as a polars frame. On DuckDB through a read-only connection, so a
    read never takes the file's single writer slot (the dashboard and other readers keep
    working); only :func:`write_table` opens a short write connection."""
    try:
        if warehouse.kind == "duckdb":
            with _duckdb(warehouse, read_only=True) as con:
                frame = pl.from_arrow(con.sql(sql).to_arrow_table())
        else:
            engine = _pg_engine(warehouse)
            try:
                with engine.connect() as conn:
                    frame = pl.read_database(sql, conn, infer_schema_length=None)
            finally:
                engine.dispose()
    except Exception as exc:
        missing = _missing_table(exc)
        if missing is None:
            raise
        raise missing from exc
    assert isinstance(frame, pl.DataFrame)
    # numeric(…) columns arrive as decimals: the models want floats
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def table_exists(warehouse: Warehouse, schema: str, table: str) -> bool:
    sql = (
        "select count(*) as n from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{table}'"
    )
    return bool(read_sql(warehouse, sql)["n"][0])


def write_table(
    warehouse: Warehouse, table: str, frame: pl.DataFrame, schema: str = ML_SCHEMA
) -> None:
    """Replace ``schema.table`` with ``frame`` in one transaction (readers never see it empty)."""
    if warehouse.kind == "duckdb":
        with _duckdb(warehouse, read_only=False) as con:
            con.execute(f"create schema if not exists {schema}")
            con.register("_ml_frame", frame.to_arrow())
            con.execute("begin")
            con.execute(f"create or replace table {schema}.{table} as select * from _ml_frame")
            con.execute("commit")
            con.unregister("_ml_frame")
    else:
        import sqlalchemy

        engine = _pg_engine(warehouse)
        try:
            with engine.begin() as conn:
                conn.execute(sqlalchemy.text(f"create schema if not exists {schema}"))
                conn.execute(sqlalchemy.text(f"drop table if exists {schema}.{table}"))
                frame.to_pandas().to_sql(table, conn, schema=schema, index=False)
        finally:
            engine.dispose()
    logger.info("wrote %s rows to %s.%s", frame.height, schema, table)
