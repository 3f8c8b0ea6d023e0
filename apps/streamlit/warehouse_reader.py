"""Read-only access to the warehouse for the dashboard, built so it never fights the pipeline.

DuckDB allows one writing process, and a process holding *any* connection (even read-only)
stops another process from opening the file for writing. So the dashboard:

* opens a **short-lived read-only connection per query** (``duckdb.connect(read_only=True)``,
  closed straight after the fetch), so it never holds the file between reruns and the
  pipeline can take its write lock at any moment;
* when the pipeline holds the write lock, **retries briefly** (a few attempts with
  exponential backoff, well under a second in total), because most pipeline writes are short;
* when the lock is still held after that (a dbt build takes minutes), raises
  :class:`WarehouseBusy`; ``queries.fetch`` then serves the **last good result** of that query
  and the page says so, instead of failing or blocking.

On PostgreSQL the session is read-only (``default_transaction_read_only=on``): MVCC means
readers never wait for the pipeline there.

No Streamlit here: this module is plain and unit-testable; caching lives in ``queries``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from core.errors import StoreError
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)

LOCK_RETRIES = 4
LOCK_BACKOFF_SECONDS = 0.05  # 0.05, 0.1, 0.2, 0.4: ~0.75 s in the worst case
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


_page = threading.local()  # Streamlit runs each session's script in its own thread


class WarehouseBusy(StoreError, RuntimeError):
    """The pipeline holds the warehouse's write lock for longer than the brief retry."""


class TableMissing(StoreError, LookupError):
    """A table the query needs does not exist yet (its pipeline step has not run)."""


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text or "held" in text)


def _is_missing_table(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (
        ("does not exist" in text and ("table" in text or "schema" in text or "relation" in text))
        or "catalog error" in text
        or "undefinedtable" in type(exc).__name__.lower()
    )


def to_driver_sql(sql: str, kind: str) -> str:
    """Queries are written with ``:name`` parameters; DuckDB wants ``$name``, psycopg2
    ``%(name)s``. ``::type`` casts are left alone."""
    if kind == "duckdb":
        return _PARAM.sub(r"$\1", sql)
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def run_query(url: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one read-only query against the warehouse named by ``url`` and return a frame.

    Raises :class:`TableMissing` when a table is not built yet and :class:`WarehouseBusy`
    when the pipeline keeps the DuckDB file locked past the brief retry.
    """
    warehouse = Warehouse.from_url(url)
    params = params or {}
    if warehouse.kind == "duckdb":
        return _run_duckdb(warehouse, sql, params)
    return _run_postgres(warehouse, sql, params)


def _run_duckdb(warehouse: Warehouse, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    import duckdb

    assert warehouse.path is not None
    if not warehouse.path.exists():
        raise TableMissing(f"no warehouse at {warehouse.path} yet (run `coo demo`)")
    statement = to_driver_sql(sql, "duckdb")
    used = {k: v for k, v in params.items() if f"${k}" in statement}
    shared = getattr(_page, "run", None)
    if shared is not None and shared["path"] == str(warehouse.path):
        if shared["con"] is None:
            shared["con"] = _connect_with_retry(warehouse)
        try:
            return shared["con"].execute(statement, used).df()
        except duckdb.CatalogException as exc:
            raise TableMissing(str(exc).splitlines()[0]) from exc
    con = _connect_with_retry(warehouse)
    try:
        return con.execute(statement, used).df()
    except duckdb.CatalogException as exc:
        raise TableMissing(str(exc).splitlines()[0]) from exc
    finally:
        con.close()


def _connect_with_retry(warehouse: Warehouse) -> Any:
    import duckdb

    delay = LOCK_BACKOFF_SECONDS
    for attempt in range(LOCK_RETRIES + 1):
        try:
            return duckdb.connect(str(warehouse.path), read_only=True)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise
            if attempt == LOCK_RETRIES:
                raise WarehouseBusy(
                    "the pipeline is writing the warehouse; showing the last data read"
                ) from exc
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def page_connection(url: str) -> Iterator[None]:
    """Share one read-only DuckDB connection between the queries of one page run.

    Opening the file costs tens of milliseconds; a page runs up to a dozen queries on a cold
    cache. The connection is opened lazily (only when a query misses the cache) and closed
    when the page run ends, so it is held for that run only, never between reruns.
    """
    warehouse = Warehouse.from_url(url)
    if warehouse.kind != "duckdb" or getattr(_page, "run", None) is not None:
        yield
        return
    _page.run = {"path": str(warehouse.path), "con": None}
    try:
        yield
    finally:
        con = _page.run["con"]
        _page.run = None
        if con is not None:
            con.close()


def is_locked(url: str) -> bool:
    """Whether another process holds the DuckDB write lock right now (one quick attempt)."""
    import duckdb

    warehouse = Warehouse.from_url(url)
    if warehouse.kind != "duckdb" or warehouse.path is None or not warehouse.path.exists():
        return False
    try:
        duckdb.connect(str(warehouse.path), read_only=True).close()
    except duckdb.Error as exc:
        return _is_lock_error(exc)
    return False


def _run_postgres(warehouse: Warehouse, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    import psycopg2
    import psycopg2.errors

    con = psycopg2.connect(
        warehouse.url, options="-c default_transaction_read_only=on", connect_timeout=5
    )
    try:
        with con.cursor() as cur:
            try:
                cur.execute(to_driver_sql(sql, "postgres"), params)
            except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName) as exc:
                raise TableMissing(str(exc).splitlines()[0]) from exc
            columns = [d[0] for d in cur.description or []]
            frame = pd.DataFrame(cur.fetchall(), columns=columns)
    finally:
        con.close()
    # psycopg2 returns Decimal for numeric: make numbers numbers for charts and sums
    for column in frame.columns:
        if frame[column].dtype == object and len(frame) and _all_decimal(frame[column]):
            frame[column] = frame[column].astype(float)
    return frame


def _all_decimal(series: pd.Series) -> bool:
    from decimal import Decimal

    return all(isinstance(v, Decimal) or v is None for v in series)
