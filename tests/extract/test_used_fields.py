"""Extraction asks Odoo only for the fields the project uses (issue 18, point 1).

* ``odoo_api/used_fields.json`` is what column-level lineage over the compiled project derives
  today: a model, mart or test that starts reading a column fails here until the list is
  regenerated, so extraction never silently misses a column something uses;
* marts built from a warehouse holding only those fields equal, table by table and row by
  row, marts built from every stored field;
* a field read for the first time is back-filled on every existing row by the next run, and
  ``all_fields`` reads every stored field.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from odoo_api.extract import (
    ALWAYS_FIELDS,
    DEFAULT_MODELS,
    USED_FIELDS_PATH,
    ModelSpec,
    field_mode,
    run_extraction,
    stored_fields,
    used_fields,
)
from odoo_api.warehouse import Warehouse
from orchestration.field_usage import add_missing_raw_tables, derive_from_files
from tests.dbt.conftest import run_dbt
from tests.extract.test_extract import client_for, served
from tests.support import compare_model, warehouse_rows

pytestmark = pytest.mark.integration

_BOOKKEEPING = ("_dlt_", "_extracted_at", "_odoo_deleted_at")


@pytest.fixture(scope="module")
def compiled(small_marts, tmp_path_factory) -> tuple[Path, Path]:
    """The small company's warehouse (every stored field) and the project compiled on it."""
    folder = tmp_path_factory.mktemp("used-fields")
    path = small_marts.copy_to(folder)
    # the small company uses no analytic accounts: its raw table is created empty
    assert add_missing_raw_tables(path) == ["account_analytic_account"]
    run = run_dbt(Warehouse.from_url(f"duckdb:///{path}"), ["compile", "--quiet"], folder / "dbt")
    assert run.returncode == 0, run.output[-3000:]
    return folder / "dbt" / "target" / "manifest.json", path


def test_the_committed_field_list_is_what_lineage_derives(compiled) -> None:
    manifest, warehouse = compiled
    derived = derive_from_files(manifest, warehouse)
    committed = json.loads(USED_FIELDS_PATH.read_text())
    missing = {t: sorted(set(f) - set(committed.get(t, ()))) for t, f in derived.items()}
    missing = {t: f for t, f in missing.items() if f}
    assert not missing, (
        f"columns used downstream that extraction would not fetch: {missing}. Regenerate "
        "odoo_api/used_fields.json: python -m orchestration.field_usage --manifest "
        "<target>/manifest.json --warehouse <warehouse.duckdb> --write"
    )
    assert committed == derived, "odoo_api/used_fields.json lists fields nothing uses: regenerate"
    # it trims: the ledger is read with a fraction of its stored fields
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw_odoo' and table_name = 'account_move_line'"
            ).fetchall()
            if not c.startswith(_BOOKKEEPING)
        }
    used = set(committed["account_move_line"])
    assert used < stored and len(used) * 2 < len(stored), (len(used), len(stored))
    assert {"balance", "account_id", "date", "parent_state", "amount_residual"} <= used


def test_marts_from_the_used_fields_equal_marts_from_every_field(
    compiled, small_marts, tmp_path
) -> None:
    _, full = compiled
    trimmed = tmp_path / "trimmed.duckdb"
    shutil.copyfile(full, trimmed)
    keep = {t: {*f, *ALWAYS_FIELDS} for t, f in used_fields().items()}
    dropped = 0
    with duckdb.connect(str(trimmed)) as con:
        tables = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw_odoo' and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        for table, column in tables:
            if column.startswith(_BOOKKEEPING) or column in keep.get(table, set()):
                continue
            con.execute(f'alter table raw_odoo."{table}" drop column "{column}"')
            dropped += 1
        built = con.execute(
            "select schema_name from information_schema.schemata where catalog_name = "
            "current_database() and schema_name not in ('raw_odoo', 'main')"
        ).fetchall()
        for (schema,) in built:
            con.execute(f'drop schema "{schema}" cascade')
    assert dropped > 500
    run = run_dbt(
        Warehouse.from_url(f"duckdb:///{trimmed}"),
        ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
        tmp_path / "dbt",
    )
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect(str(small_marts.path), read_only=True) as con:
        marts = [
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema not in ('raw_odoo', 'staging', 'intermediate') "
                "and table_schema not like '%snapshot%' and table_name not like '\\_dlt%' escape '\\'"
            ).fetchall()
        ]
    assert len(marts) > 40
    differences = []
    with duckdb.connect(str(trimmed), read_only=True) as con:
        con.execute(f"attach '{small_marts.path}' as full_build (read_only)")
        for schema, table in marts:
            n = con.execute(
                f'select count(*) from ((select * from "{schema}"."{table}" except all '
                f'select * from full_build."{schema}"."{table}") union all '
                f'(select * from full_build."{schema}"."{table}" except all '
                f'select * from "{schema}"."{table}"))'
            ).fetchone()[0]
            if n:
                differences.append(f"{schema}.{table}: {n} rows differ")
    assert differences == []


def test_a_field_read_for_the_first_time_is_backfilled(small_store, duckdb_warehouse) -> None:
    total = len(small_store.table("res.partner"))
    narrow = ModelSpec("res.partner", fields=("name",))
    wider = ModelSpec("res.partner", fields=("name", "email", "city"))
    with served(small_store) as server:
        client = client_for(server, small_store, "json2")
        try:
            pipeline = duckdb_warehouse.pipeline()
            first = run_extraction(lambda: client, pipeline, (narrow,), lookback_seconds=0)
            rows = warehouse_rows(duckdb_warehouse.pipeline(), "res_partner")
            assert "email" not in next(iter(rows.values()))
            second = run_extraction(lambda: client, pipeline, (wider,), lookback_seconds=0)
            third = run_extraction(lambda: client, pipeline, (wider,), lookback_seconds=0)
        finally:
            client.close()
    assert first.models["res.partner"].rows == total
    assert second.models["res.partner"].backfilled_fields == ["city", "email"]
    assert second.models["res.partner"].rows == total
    assert compare_model(small_store, duckdb_warehouse.pipeline(), wider) == []
    emails = {
        r["email"] for r in warehouse_rows(duckdb_warehouse.pipeline(), "res_partner").values()
    }
    assert len(emails - {None}) > total // 2
    # once back-filled, runs are incremental again
    assert third.models["res.partner"].backfilled_fields == []
    assert third.models["res.partner"].rows == 0


def test_all_fields_is_opt_in_per_model() -> None:
    assert all(s.fields is not None for s in DEFAULT_MODELS)
    assert all(s.fields is None for s in field_mode(DEFAULT_MODELS, "all"))
    picked = field_mode(DEFAULT_MODELS, "account.move.line, res.partner")
    assert {s.model for s in picked if s.fields is None} == {"account.move.line", "res.partner"}
    assert field_mode(DEFAULT_MODELS, "") == list(DEFAULT_MODELS)


def test_coo_extract_all_fields_reads_every_stored_field(tmp_path, monkeypatch) -> None:
    """``coo extract`` reads the used fields; ``--all-fields`` every stored one, through the
    Dagster job's run config."""
    from typer.testing import CliRunner

    from cli import main as cli
    from simulator.profiles import build_profile
    from simulator.runtime import serve_store

    store = build_profile("young")
    warehouse = tmp_path / "coo" / "warehouse.duckdb"

    def ledger_columns() -> set[str]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'raw_odoo' and table_name = 'account_move_line'"
                ).fetchall()
                if not c.startswith(_BOOKKEEPING)
            }

    stored = set(stored_fields(store.fields["account.move.line"]))
    used = {*used_fields()["account_move_line"], *ALWAYS_FIELDS}
    with serve_store(store) as server:
        monkeypatch.setenv("ODOO_URL", server.url)
        monkeypatch.setenv("ODOO_DB", store.db)
        monkeypatch.setenv("ODOO_USERNAME", "admin")
        monkeypatch.setenv("ODOO_API_KEY", store.api_key_for("admin"))
        result = CliRunner().invoke(cli.app, ["extract"])
        assert result.exit_code == 0, result.output
        assert ledger_columns() == used & stored
        result = CliRunner().invoke(cli.app, ["extract", "--all-fields"])
        assert result.exit_code == 0, result.output
    assert ledger_columns() == stored
