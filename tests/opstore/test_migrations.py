"""Alembic migrations of the operational store: an empty database and one made by the old
``metadata.create_all`` both reach the newest revision, keep their rows, and then match the
models exactly (autogenerate finds nothing to do), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError

from opstore import StateStore
from opstore.migrate import BASELINE, current_revision, head_revision
from opstore.schema import api_keys, audit_log, metadata

#: tables added by later revisions (a store made by create_all before the migrations lacks them)
AFTER_BASELINE = frozenset({"ask_conversations", "ask_messages", "channel_deliveries"})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    pg = request.getfixturevalue("postgres_warehouse")
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed
    yield pg.url.replace("postgresql://", "postgresql+psycopg2://", 1)


def _diff(store: StateStore) -> list[Any]:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))


def _audit_is_append_only(store: StateStore) -> None:
    with store.begin() as conn:
        conn.execute(
            insert(audit_log).values(at=datetime.now(UTC), event="proposed", payload="{}", hash="h")
        )
    with pytest.raises(DBAPIError, match="append-only"), store.begin() as conn:
        conn.execute(text("UPDATE audit_log SET event = 'x'"))


def test_an_empty_database_is_migrated_to_the_models(url: str) -> None:
    store = StateStore(url)
    try:
        with store.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        assert _diff(store) == []
        names = set(inspect(store.engine).get_table_names())
        assert set(metadata.tables) | {"alembic_version"} == names
        _audit_is_append_only(store)
        StateStore(url).dispose()  # a second open is a no-op
    finally:
        store.dispose()


def test_a_store_made_by_create_all_is_stamped_and_upgraded(url: str) -> None:
    """The previous schema: what every store opened before the migrations looks like."""
    engine = create_engine(url)
    # the old start-up path, triggers included, with the tables of that time
    metadata.create_all(
        engine, tables=[t for n, t in metadata.tables.items() if n not in AFTER_BASELINE]
    )
    created = datetime(2026, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            insert(api_keys).values(
                key_id="abc123def456", name="old", role="reader", salt="s", key_hash="k",
                rate_per_minute=60, created_at=created, created_by="test",
            )
        )  # fmt: skip
        assert current_revision(conn) is None
    engine.dispose()
    store = StateStore(url)
    try:
        with store.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            assert conn.execute(select(api_keys.c.name)).scalars().all() == ["old"]
        assert _diff(store) == []
        _audit_is_append_only(store)
    finally:
        store.dispose()


def test_the_baseline_is_the_first_revision() -> None:
    from alembic.script import ScriptDirectory

    from opstore.migrate import _config

    script = ScriptDirectory.from_config(_config())
    assert script.get_base() == BASELINE


def test_concurrent_first_opens_take_turns(url: str) -> None:
    """Several processes starting at once on an empty store (the API, Dagster, the
    dashboard): one migrates, the others wait and find it done."""
    from concurrent.futures import ThreadPoolExecutor

    def open_store(_: int) -> str | None:
        store = StateStore(url)
        try:
            with store.engine.connect() as conn:
                return current_revision(conn)
        finally:
            store.dispose()

    with ThreadPoolExecutor(4) as pool:
        revisions = list(pool.map(open_store, range(4)))
    assert revisions == [head_revision()] * 4
