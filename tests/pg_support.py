"""Throw-away PostgreSQL databases on the local server (``COO_TEST_PG``), named
``coo_pgtest_<random>_<role>`` and dropped afterwards, whoever still holds a connection."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_DSN = os.environ.get("COO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():  # type: ignore[no-untyped-def]
    import psycopg2

    try:
        conn = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: start it (see README): {exc}")
    conn.autocommit = True
    return conn


@contextmanager
def pg_databases(*roles: str) -> Iterator[dict[str, str]]:
    """One fresh database per role (``{"warehouse": "postgresql://.../coo_pgtest_ab12_warehouse"}``)."""
    token = uuid.uuid4().hex[:8]
    names = {role: f"coo_pgtest_{token}_{role}" for role in roles}
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    admin = _admin()
    try:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(f'create database "{name}"')
        yield {role: f"{base}/{name}" for role, name in names.items()}
    finally:
        with admin.cursor() as cur:
            for name in names.values():
                cur.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
                    (name,),
                )
                cur.execute(f'drop database if exists "{name}"')
        admin.close()
