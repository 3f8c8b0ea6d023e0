"""Helpers for tests: compare the warehouse with the simulator, field by field."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from typing import Any

import dlt

from odoo_api.extract import (
    ALWAYS_FIELDS,
    CUSTOM_PREFIX,
    DELETED_COLUMN,
    SKIPPED_TYPES,
    ModelSpec,
)


def warehouse_rows(
    pipeline: dlt.Pipeline, table: str, *, live_only: bool = True
) -> dict[int, dict]:
    with pipeline.sql_client() as sql:
        qualified = sql.make_qualified_table_name(table)
        where = f" where {DELETED_COLUMN} is null" if live_only else ""
        with sql.execute_query(f"select * from {qualified}{where}") as cur:
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {r["id"]: r for r in rows}


def _expected(value: Any, odoo_type: str) -> Any:
    if odoo_type == "boolean":
        return bool(value)
    if value is False or value is None:
        return None
    if odoo_type == "date":
        return date.fromisoformat(value)
    if odoo_type == "datetime":
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    if odoo_type in ("many2many", "json"):
        return value
    if odoo_type in ("float", "monetary"):
        return float(value)
    return value


def _actual(value: Any, odoo_type: str) -> Any:
    if value is None:
        return None
    if odoo_type in ("many2many", "json"):
        return json.loads(value) if isinstance(value, str) else value
    if odoo_type == "datetime" and isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if odoo_type in ("float", "monetary"):
        return float(value)
    return value


def compare_model(store: Any, pipeline: dlt.Pipeline, spec: ModelSpec) -> list[str]:
    """Differences between the warehouse table and what the store holds for ``spec``, on
    the fields the spec reads (every stored one when ``spec.fields`` is None)."""
    fields = {
        n: m["type"]
        for n, m in store.fields[spec.model].items()
        if m.get("store")
        and m["type"] not in SKIPPED_TYPES
        and (
            spec.fields is None
            or n in spec.fields
            or n in ALWAYS_FIELDS
            or n.startswith(CUSTOM_PREFIX)
        )
    }
    source = store.search_read(
        spec.model, list(spec.domain), list(fields), load="", context={"active_test": False}
    )
    src = {r["id"]: r for r in source}
    try:
        dst = warehouse_rows(pipeline, spec.table)
    except Exception:
        dst = {}
    problems: list[str] = []
    if set(src) != set(dst):
        missing = sorted(set(src) - set(dst))[:5]
        extra = sorted(set(dst) - set(src))[:5]
        problems.append(
            f"{spec.model}: ids differ (missing {missing}, extra {extra}, "
            f"{len(src)} in Odoo vs {len(dst)} in warehouse)"
        )
        return problems
    for rid, row in src.items():
        got = dst[rid]
        for name, odoo_type in fields.items():
            exp = _expected(row.get(name, False), odoo_type)
            act = _actual(got.get(name), odoo_type)
            if isinstance(exp, float) and isinstance(act, float):
                if not math.isclose(exp, act, rel_tol=1e-12, abs_tol=1e-9):
                    problems.append(f"{spec.model}#{rid}.{name}: {exp!r} != {act!r}")
            elif exp != act:
                problems.append(f"{spec.model}#{rid}.{name}: {exp!r} != {act!r}")
            if len(problems) > 20:
                return problems
    return problems


def compare_all(store: Any, pipeline: dlt.Pipeline, models: tuple[ModelSpec, ...]) -> list[str]:
    problems: list[str] = []
    for spec in models:
        if spec.model in store.fields:
            problems += compare_model(store, pipeline, spec)
    return problems
