"""Fixtures for the dbt tests: a raw warehouse (recorded Odoo 19 data or the simulated
company) and a way to run dbt against any warehouse path or URL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from odoo_api.warehouse import Warehouse
from orchestration.assets.dbt import DBT_PROJECT_DIR, _dbt_executable, dbt_env
from tests.dbt.raw_loader import load_tables, recorded_tables


@dataclass
class DbtRun:
    returncode: int
    output: str


def run_dbt(warehouse: Warehouse, args: list[str], work_dir: Path) -> DbtRun:
    """``dbt <args>`` against ``warehouse``; target and logs in ``work_dir`` so parallel runs
    never share dbt_project/target."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(dbt_env(warehouse))
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    work_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            _dbt_executable(),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return DbtRun(result.returncode, result.stdout + result.stderr)


def query(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    if warehouse.kind == "duckdb":
        import duckdb

        with duckdb.connect(str(warehouse.path), read_only=True) as con:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    import psycopg2

    with psycopg2.connect(warehouse.url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture
def dbt_runner(tmp_path: Path) -> Callable[[Warehouse, list[str]], DbtRun]:
    return lambda warehouse, args: run_dbt(warehouse, args, tmp_path / "dbt")


@pytest.fixture
def recorded_warehouse(warehouse: Warehouse) -> Warehouse:
    """The real Odoo 19 demo records in raw_odoo of a fresh DuckDB or PostgreSQL warehouse."""
    load_tables(warehouse, recorded_tables())
    return warehouse
