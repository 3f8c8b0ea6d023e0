"""Build a ``raw_odoo`` warehouse for dbt without running the extraction.

Rows go through exactly the extractor's conversion (``stored_fields`` + ``rows_to_arrow``),
so the tables have the names, columns and types ``odoo_api.extract`` would give them; only
the transport (HTTP, dlt) is skipped. Like dlt, a model with no rows produces no table.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from odoo_api.extract import DATASET, DEFAULT_MODELS, ModelSpec, rows_to_arrow, stored_fields
from odoo_api.warehouse import Warehouse

RECORDINGS = Path(__file__).resolve().parents[2] / "simulator" / "odoo19"
EXTRACTED_AT = datetime(2026, 11, 23, 1, 0, 0, tzinfo=UTC)


def _table(rows: list[dict[str, Any]], fields_meta: Mapping[str, Mapping[str, Any]]) -> pa.Table:
    return rows_to_arrow(rows, stored_fields(dict(fields_meta)), EXTRACTED_AT)  # type: ignore[arg-type]


def recorded_tables(models: tuple[ModelSpec, ...] = DEFAULT_MODELS) -> dict[str, pa.Table]:
    """The real Odoo 19 demo records (``simulator/odoo19/records``), as raw tables.

    Models recorded without field definitions are skipped (their tables stay absent, which
    is what a server without the module gives). ``account.payment`` comes from
    ``records_extra`` (the demo database had none; five were registered by hand).
    """
    out: dict[str, pa.Table] = {}
    for spec in models:
        fields_path = RECORDINGS / "fields" / f"{spec.model}.json"
        records_path = RECORDINGS / "records" / f"{spec.model}.json"
        if not fields_path.exists() or not records_path.exists():
            continue
        rows = json.loads(records_path.read_text())
        extra = RECORDINGS / "records_extra" / f"{spec.model}.json"
        if not rows and extra.exists():
            rows = json.loads(extra.read_text())
        if rows:
            out[spec.table] = _table(rows, json.loads(fields_path.read_text()))
    return out


def store_tables(store: Any, models: tuple[ModelSpec, ...] = DEFAULT_MODELS) -> dict[str, pa.Table]:
    """Every model of a simulator ``OdooStore``, read the way the extractor reads it."""
    out: dict[str, pa.Table] = {}
    for spec in models:
        meta = store.fields.get(spec.model)
        if not meta:
            continue
        types = stored_fields(meta)
        rows = store.search_read(
            spec.model, list(spec.domain), sorted(types), load="", context={"active_test": False}
        )
        if rows:
            out[spec.table] = rows_to_arrow(rows, types, EXTRACTED_AT)
    return out


_PG_TYPES = {
    pa.int64(): "bigint",
    pa.float64(): "double precision",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.string(): "text",
}


def _pg_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "timestamp with time zone"
    if pa.types.is_null(arrow_type):
        return "text"
    return _PG_TYPES[arrow_type]


def load_tables(warehouse: Warehouse, tables: Mapping[str, pa.Table]) -> None:
    """Write ``tables`` into ``raw_odoo`` of ``warehouse`` (replacing tables of the same name)."""
    if warehouse.kind == "duckdb":
        import duckdb

        assert warehouse.path is not None
        warehouse.path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(warehouse.path)) as con:
            con.execute(f"create schema if not exists {DATASET}")
            for name, table in tables.items():
                con.register("_incoming", table)
                con.execute(f"create or replace table {DATASET}.{name} as select * from _incoming")
                con.unregister("_incoming")
        return
    import psycopg2

    with psycopg2.connect(warehouse.url) as conn, conn.cursor() as cur:
        cur.execute(f"create schema if not exists {DATASET}")
        for name, table in tables.items():
            columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in table.schema)
            cur.execute(f"drop table if exists {DATASET}.{name}")
            cur.execute(f"create table {DATASET}.{name} ({columns})")
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
            buffer.seek(0)
            names = ", ".join(f'"{f.name}"' for f in table.schema)
            cur.copy_expert(
                f"copy {DATASET}.{name} ({names}) from stdin with (format csv)",
                io.TextIOWrapper(buffer, encoding="utf-8"),
            )
