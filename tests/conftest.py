"""Shared fixtures. The simulated company is the default Odoo of every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from odoo_api.warehouse import Warehouse

PG_ADMIN_DSN = os.environ.get("COO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own COO_HOME and no real Odoo in its environment."""
    monkeypatch.setenv("COO_HOME", str(tmp_path / "coo"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("COO_ENV_FILE", "")  # a developer's .env never reaches a test
    for var in (
        "ODOO_URL",
        "ODOO_DB",
        "ODOO_USERNAME",
        "ODOO_API_KEY",
        "ODOO_PASSWORD",
        "ODOO_TRANSPORT",
        "COO_WAREHOUSE_URL",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def small_company_tables():
    """The small simulated company, generated once per session (deterministic)."""
    from simulator.generator import generate_company

    return generate_company("small", seed=42)


@pytest.fixture
def small_store(small_company_tables):
    """A fresh store over the small company (tests mutate it)."""
    import copy

    from simulator.store import OdooStore

    return OdooStore(
        tables=copy.deepcopy(small_company_tables.tables), now=small_company_tables.now
    )


@pytest.fixture(scope="session")
def small_marts(tmp_path_factory: pytest.TempPathFactory):
    """Every mart of the small company (seed 42) in a DuckDB file, built once per test run
    and shared by all xdist workers. Read it, or ``copy_to`` a folder of your own to write."""
    from tests.marts_fixture import shared_marts

    # the workers' basetemp share a parent: build there once for all of them
    return shared_marts("small", 42, tmp_path_factory.getbasetemp().parent / "shared")


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


def _pg_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture
def postgres_warehouse() -> Iterator[Warehouse]:
    """A throw-away PostgreSQL database on the local server."""
    import psycopg2

    if not _pg_available():
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: start it (see README)")
    name = f"coo_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield Warehouse.from_url(f"{base}/{name}")
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,)
            )
            cur.execute(f'drop database if exists "{name}"')
        admin.close()


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_warehouse")
