"""Read-only access to the marts and ``ml.*`` tables for alerts and briefings.

One connection for a whole evaluation (dozens of small queries), opened read-only on DuckDB
so the pipeline's writer is never blocked, with a short retry while a writer holds the lock.
Rows come back as plain dicts with Decimals turned into floats: alerts and facts are JSON.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from decimal import Decimal
from typing import Any

from odoo_api.errors import ConfigError
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)


def plain(value: Any) -> Any:
    """A JSON-friendly value: Decimal -> float, dates -> ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class MartReader:
    """Queries over one warehouse connection; ``close()`` (or ``with``) when done."""

    def __init__(self, warehouse: Warehouse | None = None, *, lock_wait_s: float = 10.0) -> None:
        self.warehouse = warehouse or Warehouse.from_url()
        self._tables: set[tuple[str, str]] | None = None
        self._con: Any = None
        self._engine: Any = None
        # results shared by the alerts and the facts of one run (e.g. the cash projection)
        self.memo: dict[str, Any] = {}
        if self.warehouse.kind == "duckdb":
            import duckdb

            assert self.warehouse.path is not None
            if not self.warehouse.path.exists():
                raise ConfigError(
                    f"warehouse {self.warehouse.path} does not exist: run `coo demo` or the main job first"
                )
            deadline = time.monotonic() + lock_wait_s
            while True:
                try:
                    self._con = duckdb.connect(str(self.warehouse.path), read_only=True)
                    break
                except duckdb.IOException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        else:
            import sqlalchemy

            self._engine = sqlalchemy.create_engine(
                self.warehouse.url.replace("postgresql://", "postgresql+psycopg2://")
            )

    def __enter__(self) -> MartReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        if self._con is not None:
            cur = self._con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [{n: plain(v) for n, v in zip(names, r, strict=True)} for r in cur.fetchall()]
        import sqlalchemy

        text = sql
        binds: dict[str, Any] = {}
        for i, p in enumerate(params or []):
            text = text.replace("?", f":p{i}", 1)
            binds[f"p{i}"] = p
        with self._engine.connect() as conn:
            result = conn.execute(sqlalchemy.text(text), binds)
            names = list(result.keys())
            return [{n: plain(v) for n, v in zip(names, r, strict=True)} for r in result]

    def has_table(self, schema: str, table: str) -> bool:
        if self._tables is None:
            found = self.rows(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('finance','sales','operations','customers','expenses','ml')"
            )
            self._tables = {(r["table_schema"], r["table_name"]) for r in found}
        return (schema, table) in self._tables
