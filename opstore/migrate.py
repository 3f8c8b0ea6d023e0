"""Schema migrations of the operational store (Alembic, ``opstore/migrations``).

:func:`upgrade` brings a store to the newest revision; :class:`opstore.StateStore` calls it
on open, so every command and service starts on the current schema. A store made before the
migrations existed (``metadata.create_all`` of the same tables) has the tables but no
``alembic_version``: it is stamped at the baseline revision (which is exactly that schema)
and upgraded from there. Concurrent opens take turns: an advisory lock on PostgreSQL, the
database lock of an immediate transaction on SQLite.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

__all__ = ["BASELINE", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the revision that is the schema ``create_all`` made before there were migrations
BASELINE = "0001"
#: any fixed 64-bit number: the advisory lock of a migration on PostgreSQL
_LOCK = 0x436F6F4D696772  # "CooMigr"


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package ships its migrations
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    current = current_revision(conn)
    if current == head_revision():
        return
    if current is None and inspect(conn).has_table("proposals"):
        command.stamp(_config(conn), BASELINE)  # made by create_all before migrations
    command.upgrade(_config(conn), "head")


def upgrade(engine: Engine) -> None:
    """Bring the store behind ``engine`` to the newest revision (a no-op when it is)."""
    with engine.connect() as conn:
        if current_revision(conn) == head_revision():
            return  # the common case: one read, no lock
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # take the write lock first, so a second process waits instead of racing
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                _upgrade(conn)
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
        else:
            with conn.begin():
                _upgrade(conn)
