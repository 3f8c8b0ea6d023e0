"""dbt layer: staging, intermediate and marts as Dagster assets (dagster-dbt), tests as checks.

The rest of the platform only knows ``COO_WAREHOUSE_URL``; :func:`dbt_env` turns the parsed
:class:`~odoo_api.warehouse.Warehouse` into the ``COO_*`` variables ``dbt_project/profiles.yml``
reads, when a run starts.

**The manifest on a fresh checkout.** dagster-dbt needs ``target/manifest.json`` to build
the asset specs. :func:`ensure_manifest` runs ``dbt parse`` when that file is missing or
older than any file of the dbt project (models, macros, tests, ``dbt_project.yml``,
``profiles.yml``), and is called when definitions load: a clean checkout, CI and tests get
a correct graph with no manual step, and an unchanged project costs one ``stat`` per file.
``dbt parse`` needs no database: it runs with a fixed, never-opened DuckDB target in its
own folder (``target/parse``, where dbt keeps its partial-parse state, so a re-parse after
an edit takes a few seconds and only a fresh checkout pays a full parse), and the manifest
is moved into place atomically under a file lock, so two processes loading definitions at
once (pytest -n 2) never read half a file.

(No ``from __future__ import annotations`` here: Dagster resolves the asset function's
config and resource annotations at definition time.)
"""

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from dagster import AssetExecutionContext, AssetKey, Config
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from core.settings import exported, subprocess_env
from odoo_api.warehouse import Warehouse
from orchestration.resources import WarehouseResource

logger = logging.getLogger(__name__)

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_PROJECT_INPUTS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml")


def dbt_env(warehouse: Warehouse) -> dict[str, str]:
    """The environment ``profiles.yml`` reads, derived from a warehouse URL."""
    if warehouse.kind == "duckdb":
        assert warehouse.path is not None
        return {"COO_DBT_TARGET": "duckdb", "COO_DUCKDB_PATH": str(warehouse.path)}
    parsed = urlparse(warehouse.url)
    return {
        "COO_DBT_TARGET": "postgres",
        "COO_PG_HOST": parsed.hostname or "127.0.0.1",
        "COO_PG_PORT": str(parsed.port or 5432),
        "COO_PG_USER": unquote(parsed.username or "postgres"),
        "COO_PG_PASSWORD": unquote(parsed.password or ""),
        "COO_PG_DBNAME": parsed.path.lstrip("/"),
    }


@contextmanager
def dbt_environment(warehouse: Warehouse) -> Iterator[None]:
    """Set the dbt variables for the duration of a dbt invocation (dagster-dbt passes the
    process environment to the dbt subprocess), then restore what was there."""
    with exported(dbt_env(warehouse)):
        yield


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_FILES:
        path = project_dir / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in _PROJECT_INPUTS:
        root = project_dir / folder
        if root.is_dir():
            for path in root.rglob("*"):
                if path.suffix in (".sql", ".yml", ".yaml", ".csv", ".md"):
                    newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    return not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(project_dir)


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Return the path of an up-to-date manifest, running ``dbt parse`` if it is stale."""
    target = project_dir / "target"
    manifest = target / "manifest.json"
    if not manifest_is_stale(project_dir):
        return manifest
    parse_dir = target / "parse"
    parse_dir.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_stale(project_dir):  # another process parsed while we waited
            return manifest
        env = subprocess_env(
            {
                "COO_DBT_TARGET": "duckdb",
                "COO_DUCKDB_PATH": str(parse_dir / "parse-never-opened.duckdb"),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            },
            drop_prefix="DBT_",
        )
        command = [
            _dbt_executable(),
            "parse",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(parse_dir),
            "--log-path",
            str(parse_dir),
            "--quiet",
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                "dbt parse failed for dbt_project/ (fix the model named below):\n"
                + (result.stdout + result.stderr)[-4000:]
            )
        staged = target / f".manifest.{os.getpid()}.json"
        shutil.copyfile(parse_dir / "manifest.json", staged)
        os.replace(staged, manifest)
        logger.info("dbt manifest regenerated at %s", manifest)
    return manifest


class OdooDbtTranslator(DagsterDbtTranslator):
    """Keys ``<schema>/<model>`` (the table's address), groups by layer: staging,
    intermediate, then the mart area (finance, sales...).

    Sources map to the raw assets through ``meta.dagster.asset_key`` in
    ``_odoo__sources.yml`` (``raw_odoo/<table>``), so lineage runs Odoo model -> raw ->
    staging -> marts without a gap.
    """

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        group = super().get_group_name(dbt_resource_props)
        if group:
            return group
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] == "marts":
            return fqn[2]
        if len(fqn) > 1 and fqn[1] in ("staging", "intermediate"):
            return fqn[1]
        return "dbt"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props.get("resource_type") == "source":
            return super().get_asset_key(dbt_resource_props)
        # The warehouse address: finance/fct_receivable_aging is table finance.fct_receivable_aging.
        schema = dbt_resource_props.get("schema") or "analytics"
        return AssetKey([schema, dbt_resource_props["name"]])


DBT_TRANSLATOR = OdooDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(Config):
    """Run-time choices of the finance marts (empty = the project's defaults)."""

    aging_as_of: str = ""
    aging_interval_days: int = 0
    # dbt's data tests (the asset checks): off builds the marts only (seconds instead of
    # minutes on a small company; `coo extract --no-dbt-tests`, the edge-company suite)
    tests: bool = True


KEEP_RUN_TARGETS = 5  # the newest runs' dbt target folders (logs, run_results) kept


def keep_partial_parse(run_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> None:
    """Make the next build parse only what changed: dagster-dbt gives every invocation a fresh
    target folder and copies ``target/partial_parse.msgpack`` into it when one exists, so the
    state this build saved goes back there (atomically: parallel builds may finish together).
    Without it every scheduled run paid a cold parse of the whole project (~10-13 s). dbt
    checks the saved state against the project, vars, profile and env vars it read, and parses
    again from scratch when they differ, so a stale file costs nothing but that parse. Older
    runs' target folders are pruned (each holds a copy of the manifest)."""
    target = project_dir / "target"
    saved = run_target / "partial_parse.msgpack"
    if saved.exists():
        staged = target / f".partial_parse.{os.getpid()}.msgpack"
        shutil.copyfile(saved, staged)
        os.replace(staged, target / "partial_parse.msgpack")
    runs = sorted(
        (p for p in target.glob("odoo_dbt-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in runs[KEEP_RUN_TARGETS:]:
        shutil.rmtree(old, ignore_errors=True)


def dbt_build_args(config: DbtBuildConfig) -> list[str]:
    variables: dict[str, Any] = {}
    if config.aging_as_of:
        variables["aging_as_of"] = config.aging_as_of
    if config.aging_interval_days:
        variables["aging_interval_days"] = config.aging_interval_days
    # dbt unit tests check SQL logic against fixed inputs, not the data: they run in CI
    # (tests/dbt), not in every scheduled build, as dbt recommends.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not config.tests:
        args += ["--exclude-resource-type", "test"]
    if variables:
        args += ["--vars", json.dumps(variables)]
    return args


def build_dbt_assets() -> Any:
    """The ``@dbt_assets`` definition (built when definitions load, after ensure_manifest)."""

    @dbt_assets(
        manifest=ensure_manifest(),
        dagster_dbt_translator=DBT_TRANSLATOR,
        name="odoo_dbt",
        pool="warehouse_writer",
    )
    def odoo_dbt_assets(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        config: DbtBuildConfig,
    ) -> Iterator[Any]:
        with dbt_environment(warehouse.warehouse()):
            invocation = dbt.cli(dbt_build_args(config), context=context)
            yield from invocation.stream()
        keep_partial_parse(Path(invocation.target_path))

    return odoo_dbt_assets


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this interpreter's environment (the venv's ``dbt``), not whatever is on PATH."""
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=_dbt_executable(),
    )
