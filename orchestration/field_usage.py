"""Which Odoo fields the project uses: column-level lineage over the compiled dbt project.

Extraction asks Odoo only for the fields that reach something people read (``odoo_api/
used_fields.json``): on a real Odoo 19 server, reading the 13 ledger fields the marts need
is ~4x faster than reading all 64 stored fields of ``account.move.line``. Staging is no guide
(it renames nearly every stored field), so the list is derived from what is *used*:

* every column of every mart is used (the dashboard, briefings, alerts, ML and the agents'
  SQL tool all read the marts and only the marts; ``tests/orchestration/test_lineage.py``
  holds them to that);
* a column of an intermediate or staging model is used when a used column of a model built
  on it, or a data test, reads it (in a select, join, filter, window or group);
* the raw columns a used staging column is cast from are the fields to fetch.

It walks the models from the marts down: each model's compiled SQL is parsed with sqlglot,
qualified against the warehouse's schema (stars expanded), its final projection cut to the
columns used downstream, and projections nobody reads pushed out of its CTEs
(``pushdown_projections``); the columns left, per source table, are what it uses upstream.
A model whose SQL cannot be analysed counts as using every column of what it reads.

``python -m orchestration.field_usage --manifest target/manifest.json --warehouse w.duckdb
--write`` regenerates the file; ``tests/extract/test_used_fields.py`` fails when it is out of
date and shows that marts built from the trimmed extraction equal the full ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.pushdown_projections import pushdown_projections
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from odoo_api.extract import DATASET, DEFAULT_MODELS, USED_FIELDS_PATH

logger = logging.getLogger(__name__)

Relation = tuple[str, str]  # (schema, table)
#: Columns dlt and the extraction add; never Odoo fields.
_NOT_FIELDS = ("_dlt_", "_extracted_at", "_odoo_deleted_at")


def warehouse_schema(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """``{schema: {table: {column: type}}}`` of a DuckDB warehouse (sqlglot's schema)."""
    schema: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    with duckdb.connect(str(path), read_only=True) as con:
        for sch, table, column, data_type in con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns order by table_schema, table_name, ordinal_position"
        ).fetchall():
            schema[sch].setdefault(table, {})[column] = data_type
    return dict(schema)


def add_missing_raw_tables(path: Path) -> list[str]:
    """Create, empty, the raw tables of models the warehouse never received (a module the
    company does not use), with Odoo 19's stored fields, so that their staging models compile
    to real column references. Run it on a copy: it writes to the warehouse."""
    from odoo_api.extract import stored_fields
    from odoo_api.quality import odoo_fields

    added = []
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {DATASET}")
        present = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [DATASET],
            ).fetchall()
        }
        for spec in DEFAULT_MODELS:
            if spec.table in present:
                continue
            columns = sorted(stored_fields(odoo_fields(spec.model)))
            body = ", ".join(f'"{c}" varchar' for c in columns)
            con.execute(f'create table {DATASET}."{spec.table}" ({body})')
            added.append(spec.table)
    return added


def _order(nodes: dict[str, dict[str, Any]]) -> list[str]:
    """Node ids, every node before the nodes it depends on (consumers first)."""
    children: dict[str, set[str]] = defaultdict(set)
    for key, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            children[parent].add(key)
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        for child in sorted(children.get(key, ())):
            if child in nodes:
                visit(child)
        ordered.append(key)

    for key in sorted(nodes):
        visit(key)
    return ordered  # post-order: a node after everything built on it


def _relation(node: dict[str, Any]) -> Relation:
    return (str(node["schema"]), str(node.get("alias") or node["name"]))


def _cut_projection(tree: exp.Expression, wanted: set[str]) -> None:
    """Keep only the ``wanted`` output columns of the statement's final select(s)."""
    selects = [tree] if isinstance(tree, exp.Select) else []
    if isinstance(tree, exp.Union):
        return  # set operations match columns by position: keep them whole
    for select in selects:
        keep = [e for e in select.expressions if e.alias_or_name in wanted]
        select.set("expressions", keep or select.expressions[:1])


def derive_used_fields(
    manifest: dict[str, Any], schema: dict[str, dict[str, dict[str, str]]]
) -> dict[str, list[str]]:
    """``{raw table: [fields]}`` the compiled project uses (see the module docstring)."""
    nodes = {
        key: node
        for key, node in manifest["nodes"].items()
        if node.get("resource_type") in ("model", "test", "snapshot")
    }
    used: dict[Relation, set[str]] = defaultdict(set)
    for key in _order(nodes):
        node = nodes[key]
        sql = node.get("compiled_code")
        if not sql:
            continue
        is_mart = node["resource_type"] != "model" or str(node.get("path", "")).startswith("marts/")
        try:
            tree: Any = sqlglot.parse_one(sql, dialect="duckdb")
            tree = qualify(
                tree,
                schema=cast("dict[str, object]", schema),
                dialect="duckdb",
                validate_qualify_columns=False,
                quote_identifiers=False,
            )
            if not is_mart:
                _cut_projection(tree, used.get(_relation(node), set()))
            tree = pushdown_projections(tree)
            for scope in traverse_scope(tree):
                for column in scope.columns:
                    source = scope.sources.get(column.table)
                    if isinstance(source, exp.Table):
                        used[(source.db, source.name)].add(column.name)
        except Exception as exc:  # analysis is best effort; unknown means "all of it"
            logger.warning("%s: SQL not analysed (%s); counting every column it reads", key, exc)
            for read in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.Table):
                columns = schema.get(read.db, {}).get(read.name, {})
                used[(read.db, read.name)].update(columns)
    out: dict[str, list[str]] = {}
    for name, columns in sorted(schema.get(DATASET, {}).items()):
        if name.startswith("_dlt"):
            continue
        fields = used.get((DATASET, name), set()) & set(columns)
        out[name] = sorted(f for f in fields if not f.startswith(_NOT_FIELDS))
    return out


def derive_from_files(manifest_path: Path, warehouse_path: Path) -> dict[str, list[str]]:
    manifest = json.loads(Path(manifest_path).read_text())
    return derive_used_fields(manifest, warehouse_schema(Path(warehouse_path)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--manifest", required=True, type=Path, help="a compiled manifest.json")
    parser.add_argument(
        "--warehouse", required=True, type=Path, help="the DuckDB file it was compiled against"
    )
    parser.add_argument("--write", action="store_true", help=f"write {USED_FIELDS_PATH.name}")
    args = parser.parse_args(argv)
    missing = [
        t
        for t in (m.table for m in DEFAULT_MODELS)
        if t not in warehouse_schema(args.warehouse).get(DATASET, {})
    ]
    if missing:
        parser.error(
            f"the warehouse has no raw table for {', '.join(missing)}: compile against a copy "
            "prepared with add_missing_raw_tables() so every staging model reads real columns"
        )
    derived = derive_from_files(args.manifest, args.warehouse)
    text = json.dumps(derived, indent=1, sort_keys=True) + "\n"
    if args.write:
        USED_FIELDS_PATH.write_text(text)
        sys.stdout.write(f"wrote {USED_FIELDS_PATH} ({sum(map(len, derived.values()))} fields)\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
