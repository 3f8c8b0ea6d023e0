"""A warehouse with every mart built, from a simulated company: the shared starting point of
the ML, alert, briefing, write-back, dashboard and agent tests (and of their benchmarks).

Built the way the pipeline builds it, minus HTTP: the company's records go through the
extractor's conversion (``raw_loader``) into ``raw_odoo``, then ``dbt build`` without tests
(the dbt tests have their own suite in ``tests/dbt``).

``COO_MARTS_CACHE`` (a folder) keeps built warehouses between sessions, keyed by size, seed
and a digest of the dbt project and the simulator, so a change to either rebuilds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from odoo_api.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BuiltMarts:
    """A built DuckDB warehouse and the ground truth of the company in it."""

    path: Path
    size: str
    seed: int
    ground_truth: dict[str, Any]

    def copy_to(self, folder: Path) -> Path:
        """A private copy for a test that writes (tests must not change the shared file)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "warehouse.duckdb"
        shutil.copyfile(self.path, target)
        return target


def _digest() -> str:
    h = hashlib.sha1()
    for base in ("dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "simulator"):
        for p in sorted((ROOT / base).rglob("*")):
            if p.is_file() and p.suffix in (".sql", ".yml", ".csv", ".py"):
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    h.update((ROOT / "dbt_project" / "dbt_project.yml").read_bytes())
    return h.hexdigest()[:12]


def build_marts(size: str, seed: int, folder: Path) -> BuiltMarts:
    """Generate the company, load raw_odoo and build every model into ``folder``."""
    from simulator.generator import generate_company
    from simulator.store import OdooStore
    from tests.dbt.conftest import run_dbt
    from tests.dbt.raw_loader import load_tables, store_tables

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warehouse.duckdb"
    truth_path = folder / "ground_truth.json"
    if path.exists() and truth_path.exists():
        return BuiltMarts(path, size, seed, json.loads(truth_path.read_text()))
    company = generate_company(size, seed=seed)
    store = OdooStore(tables=company.tables, now=company.now)
    tmp = folder / "building.duckdb"
    tmp.unlink(missing_ok=True)
    warehouse = Warehouse.from_url(f"duckdb:///{tmp}")
    load_tables(warehouse, store_tables(store))
    with tempfile.TemporaryDirectory(prefix="coo-marts-") as work:
        run = run_dbt(
            warehouse,
            ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
            Path(work),
        )
    if run.returncode != 0:
        raise RuntimeError(f"dbt build of the {size} company failed:\n{run.output[-4000:]}")
    truth_path.write_text(json.dumps(company.ground_truth, default=str))
    tmp.rename(path)
    return BuiltMarts(path, size, seed, company.ground_truth)


def shared_marts(size: str, seed: int, scratch: Path) -> BuiltMarts:
    """``build_marts`` once per machine-wide cache entry (or once per test session), guarded by
    a file lock so parallel pytest workers build it once between them."""
    cache = os.environ.get("COO_MARTS_CACHE")
    base = Path(cache) if cache else scratch
    folder = base / f"marts-{size}-{seed}-{_digest()}"
    base.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        return build_marts(size, seed, folder)


def shared_recorded_marts(scratch: Path) -> Path:
    """Every mart built from the records of the real Odoo 19 demo database
    (``simulator/odoo19/records``), once per machine-wide cache entry (``COO_MARTS_CACHE``)
    or test session; returns the DuckDB file (read it, or copy it to write)."""
    cache = os.environ.get("COO_MARTS_CACHE")
    base = Path(cache) if cache else scratch
    folder = base / f"marts-recorded19-{_digest()}"
    base.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        path = folder / "warehouse.duckdb"
        if path.exists():
            return path
        from tests.dbt.conftest import run_dbt
        from tests.dbt.raw_loader import load_tables, recorded_tables

        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "building.duckdb"
        tmp.unlink(missing_ok=True)
        warehouse = Warehouse.from_url(f"duckdb:///{tmp}")
        load_tables(warehouse, recorded_tables())
        with tempfile.TemporaryDirectory(prefix="coo-marts-") as work:
            run = run_dbt(
                warehouse,
                [
                    "build",
                    "--exclude-resource-type",
                    "test",
                    "--exclude-resource-type",
                    "unit_test",
                ],
                Path(work),
            )
        if run.returncode != 0:
            raise RuntimeError(
                f"dbt build of the recorded Odoo 19 data failed:\n{run.output[-4000:]}"
            )
        tmp.rename(path)
        return path
