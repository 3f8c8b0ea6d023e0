"""Engine, shared metadata and schema creation for the operational store."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.exc import DBAPIError

from odoo_api.errors import ConfigError
from odoo_api.warehouse import coo_home

metadata = MetaData()

# Modules that declare tables on ``metadata``; imported before ``create_all`` so that every
# table exists whichever package opened the store first. A module that is not there yet
# (a package not installed) is skipped.
TABLE_MODULES: tuple[str, ...] = (
    "alerts.store",
    "briefings.store",
    "writeback.store",
    "orchestration.api_keys",
)


def state_url(url: str | None = None) -> str:
    """``COO_STATE_URL``, read when called; default a SQLite file under ``COO_HOME``."""
    url = url or os.environ.get("COO_STATE_URL") or ""
    if not url:
        home = coo_home()
        home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{home / 'state.db'}"
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        # psycopg2 is the driver installed; SQLAlchemy 2.1 would pick psycopg 3 for a bare
        # postgresql:// URL
        url = "postgresql+psycopg2" + url[len(scheme) :]
        scheme = "postgresql+psycopg2"
    if scheme not in ("sqlite", "postgresql+psycopg2"):
        raise ConfigError(
            f"COO_STATE_URL scheme '{scheme or url}' is not supported: use sqlite:///path or postgresql://..."
        )
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    # WAL: readers (the dashboard) never block the writer (the pipeline), and vice versa
    cur.execute("pragma journal_mode=wal")
    cur.execute("pragma busy_timeout=10000")
    cur.execute("pragma foreign_keys=on")
    cur.close()


def load_table_modules() -> None:
    for name in TABLE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


@dataclass
class StateStore:
    """An opened operational store. Tables are created on first open (idempotent)."""

    url: str = ""
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.url = state_url(self.url or None)
        if self.url.startswith("sqlite"):
            self.engine = create_engine(self.url, connect_args={"timeout": 10})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
        load_table_modules()
        try:
            metadata.create_all(self.engine)
        except DBAPIError as exc:
            # a wrong host, database or permission: one line a person can act on
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise ConfigError(
                f"cannot open the operational store {self.redacted_url()}: {reason} "
                "(check COO_STATE_URL)"
            ) from None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    def redacted_url(self) -> str:
        parsed = urlparse(self.url)
        if parsed.password:
            return self.url.replace(f":{parsed.password}@", ":***@")
        return self.url

    def dispose(self) -> None:
        self.engine.dispose()
