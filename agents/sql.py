"""Read-only SQL for agents: a guard that refuses anything but one query over the marts, and a
runner with a row limit and a time limit.

Why two layers: an agent's SQL is untrusted text (it may come from a prompt injection in an
Odoo note). The guard refuses, with a reason the agent can read, every statement that is not
a single SELECT over the allowed schemas (DROP, UPDATE, ATTACH, COPY, PRAGMA, SET, INSTALL,
LOAD, CALL, several statements, file readers such as ``read_csv`` or ``'file.parquet'``),
parsing with sqlglot when it is installed and with a conservative tokenizer otherwise. Then
the query runs on a connection that cannot write anyway: DuckDB opened ``read_only`` with
external access disabled and the configuration locked, PostgreSQL in a READ ONLY transaction
with a statement timeout. A guard bug therefore still cannot change the warehouse.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import logging
import re
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from core.errors import PolicyError, StoreError
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)

# Schemas an agent may read: the marts, the knowledge graph, the ML outputs, and the
# catalog views that describe them. raw_odoo/staging hold untransformed Odoo records.
ALLOWED_SCHEMAS: frozenset[str] = frozenset(
    {
        "finance",
        "sales",
        "operations",
        "customers",
        "expenses",
        "graph",
        "ml",
        "core",  # the dimensions every mart joins (company currency, partner and product names)
        "information_schema",  # only its views below, and only rows about the marts
    }
)
#: information_schema views an agent may read, each with the column naming the schema; the
#: guard rewrites them to their rows about MART_SCHEMAS (raw and staging stay invisible)
INFORMATION_VIEWS: dict[str, str] = {
    "tables": "table_schema",
    "columns": "table_schema",
    "views": "table_schema",
    "schemata": "schema_name",
}
#: a result is cut at this many bytes of JSON (rows dropped, ``truncated`` set), and a text
#: value longer than MAX_VALUE_CHARS is shortened: the row limit alone let a 50 MB value out
MAX_RESULT_BYTES = 1_000_000
MAX_VALUE_CHARS = 10_000
MART_SCHEMAS: tuple[str, ...] = (
    "finance",
    "sales",
    "operations",
    "customers",
    "expenses",
    "graph",
    "ml",
    "core",
)

# Functions that read files, the network, other databases or the environment.
_FORBIDDEN_FUNCTION = re.compile(
    r"^(read_\w+|\w+_scan|scan_\w+|glob|getenv|current_setting|query|query_table|"
    r"pg_read_\w+|pg_ls_dir|pg_stat_file|lo_\w+|dblink\w*|copy|load|install|"
    r"set_config|pg_sleep\w*|sniff_csv|parquet_\w+|iceberg_\w+|delta_\w+|duckdb_\w+|"
    r"pragma_\w+|which_secret|http_\w+)$",
    re.IGNORECASE,
)
# Keywords that never appear in a read query (the tokenizer fallback's list).
_FORBIDDEN_KEYWORDS = frozenset(
    {
        "insert",
        "update",
        "delete",
        "merge",
        "upsert",
        "drop",
        "create",
        "alter",
        "truncate",
        "attach",
        "detach",
        "copy",
        "export",
        "import",
        "pragma",
        "set",
        "reset",
        "install",
        "load",
        "call",
        "vacuum",
        "checkpoint",
        "grant",
        "revoke",
        "begin",
        "commit",
        "rollback",
        "execute",
        "prepare",
        "use",
        "into",
        "do",
        "listen",
        "notify",
        "lock",
        "analyze",
        "comment",
        "secret",
    }
)


class SqlRefused(PolicyError, ValueError):
    """The statement is not a single read-only query over the allowed schemas."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class QueryResult:
    """A bounded query result, JSON-ready."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: float
    row_limit: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": len(self.rows),
            "truncated": self.truncated,
            "row_limit": self.row_limit,
            "elapsed_ms": round(self.elapsed_ms, 1),
            **({"notes": self.notes} if self.notes else {}),
        }


def check_read_only(
    sql: str, allowed_schemas: frozenset[str] = ALLOWED_SCHEMAS, dialect: str = "duckdb"
) -> str:
    """Return the query without its trailing semicolon if it is one read-only SELECT over
    ``allowed_schemas``; raise :class:`SqlRefused` with the reason otherwise.

    A query reading ``information_schema`` comes back rewritten (in ``dialect``) so that each
    of its views only holds the rows about the mart schemas."""
    text = (sql or "").strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise SqlRefused("empty query: send one SELECT statement")
    if len(text) > 20_000:
        raise SqlRefused("query longer than 20000 characters")
    try:
        with warnings.catch_warnings():  # sqlglot's Rust tokenizer announces its deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            import sqlglot  # noqa: F401
    except ImportError:  # pragma: no cover - sqlglot ships with the locked environment
        _check_with_tokenizer(text)
        return text
    return _check_with_sqlglot(text, allowed_schemas, dialect)


def _check_with_sqlglot(text: str, allowed_schemas: frozenset[str], dialect: str) -> str:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except SqlglotError as exc:
        raise SqlRefused(f"could not parse the query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise SqlRefused(f"multiple statements ({len(statements)}): send exactly one SELECT")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise SqlRefused(f"only SELECT queries are allowed, not {type(tree).__name__.upper()}")
    for node in tree.walk():
        if isinstance(node, exp.DML | exp.DDL | exp.Command | exp.Into) or type(node).__name__ in (
            "Copy",
            "Attach",
            "Detach",
            "Pragma",
            "Set",
            "Install",
            "Transaction",
            "Commit",
            "Rollback",
            "Use",
        ):
            raise SqlRefused(f"{type(node).__name__.upper()} is not allowed in a read-only query")
        if isinstance(node, exp.Func):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else str(node.this)
            if _FORBIDDEN_FUNCTION.match(name or ""):
                raise SqlRefused(
                    f"function {name.lower()}() is not allowed (files, network or settings)"
                )
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            # 'file.csv', read_csv(...) or another table function
            raise SqlRefused(
                f"reading from {table.this.sql()} is not allowed: query tables of the marts"
            )
        if table.args.get("catalog"):
            raise SqlRefused(
                f"table {table.sql()}: three-part names (other databases) are not allowed"
            )
        schema = (table.db or "").lower()
        name = table.name.lower()
        if not schema:
            if name in ctes:
                continue
            raise SqlRefused(
                f"table '{table.name}' has no schema: write schema.table, e.g. finance.fct_overdue_invoices"
            )
        if schema not in allowed_schemas:
            raise SqlRefused(
                f"schema '{schema}' is not readable: use one of {', '.join(sorted(allowed_schemas))}"
            )
        if schema == "information_schema" and name not in INFORMATION_VIEWS:
            raise SqlRefused(
                f"information_schema.{name} is not readable: use "
                + ", ".join(f"information_schema.{v}" for v in INFORMATION_VIEWS)
            )
    readers = [t for t in tree.find_all(exp.Table) if (t.db or "").lower() == "information_schema"]
    if not readers:
        return text
    marts = ", ".join(f"'{m}'" for m in MART_SCHEMAS)
    for table in readers:
        name = table.name.lower()
        alias = table.alias_or_name
        only_marts = sqlglot.parse_one(
            f"(select * from information_schema.{name} where {INFORMATION_VIEWS[name]} in ({marts}))",
            read="duckdb",
        )
        table.replace(
            exp.Subquery(
                this=only_marts.unnest(), alias=exp.TableAlias(this=exp.to_identifier(alias))
            )
        )
    return tree.sql(dialect=dialect)


_TOKEN = re.compile(
    r"""
    (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<semicolon>;)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _check_with_tokenizer(text: str) -> None:
    """Conservative lexical check: first word SELECT/WITH/FROM/VALUES, no semicolon outside
    strings, no write or settings keyword anywhere outside strings and quoted names."""
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "semicolon":
            raise SqlRefused("multiple statements: send exactly one SELECT without ';'")
        if kind == "word":
            words.append(match.group().lower())
    if not words or words[0] not in ("select", "with", "from", "values", "table"):
        raise SqlRefused(
            f"only SELECT queries are allowed, not {words[0].upper() if words else 'this'}"
        )
    for word in words:
        if word in _FORBIDDEN_KEYWORDS:
            raise SqlRefused(f"{word.upper()} is not allowed in a read-only query")


def to_jsonable(value: Any) -> Any:
    """Warehouse values as JSON values (decimals as floats, dates as ISO text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return str(value)


def _duckdb_connect(warehouse: Warehouse) -> Any:
    """A read-only DuckDB connection that cannot reach files or the network, retried briefly
    while the pipeline holds the write lock."""
    import duckdb

    assert warehouse.path is not None
    if not warehouse.path.exists():
        from odoo_api.errors import ConfigError

        raise ConfigError(
            f"no warehouse at {warehouse.path}: run `coo demo` (or the main job) first, or set COO_WAREHOUSE_URL"
        )
    delay = 0.2
    for attempt in range(8):
        try:
            con = duckdb.connect(
                str(warehouse.path),
                read_only=True,
                config={"enable_external_access": False},
            )
            con.execute("set lock_configuration = true")
            return con
        except duckdb.IOException:
            if attempt == 7:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def run_query(
    warehouse: Warehouse,
    sql: str,
    *,
    row_limit: int = 200,
    timeout_s: float = 10.0,
    params: list[Any] | None = None,
    checked: bool = True,
) -> QueryResult:
    """Run one read-only query with at most ``row_limit`` rows and ``timeout_s`` seconds.

    ``checked=False`` is for this package's own fixed queries (their SQL is not an agent's);
    they still run on the read-only connection.
    """
    dialect = "duckdb" if warehouse.kind == "duckdb" else "postgres"
    text = check_read_only(sql, dialect=dialect) if checked else sql
    row_limit = max(1, min(int(row_limit), 10_000))
    bounded = f"select * from (\n{text}\n) as agent_query limit {row_limit + 1}"
    started = time.perf_counter()
    if warehouse.kind == "duckdb":
        columns, rows = _run_duckdb(warehouse, bounded, params or [], timeout_s)
    else:
        columns, rows = _run_postgres(warehouse, bounded, params or [], timeout_s)
    truncated = len(rows) > row_limit
    out, notes, cut = _bounded(rows[:row_limit])
    return QueryResult(
        columns=columns,
        rows=out,
        truncated=truncated or cut,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        row_limit=row_limit,
        notes=notes,
    )


def _bounded(rows: list[Any]) -> tuple[list[list[Any]], list[str], bool]:
    """Rows as JSON values within MAX_RESULT_BYTES, long texts shortened to MAX_VALUE_CHARS."""
    import json

    out: list[list[Any]] = []
    notes: list[str] = []
    size = 0
    shortened = False
    for row in rows:
        values = []
        for v in row:
            value = to_jsonable(v)
            if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
                value = value[:MAX_VALUE_CHARS] + "…"
                shortened = True
            values.append(value)
        size += len(json.dumps(values, default=str)) + 2  # and the separator
        if size > MAX_RESULT_BYTES:
            notes.append(f"result cut at {MAX_RESULT_BYTES} bytes after {len(out)} rows")
            return out, notes, True
        out.append(values)
    if shortened:
        notes.append(f"text values longer than {MAX_VALUE_CHARS} characters were shortened")
    return out, notes, shortened


class QueryTimeout(StoreError, RuntimeError):
    """The query ran past its time limit and was interrupted."""


_SESSION: contextvars.ContextVar[tuple[str, Any] | None] = contextvars.ContextVar(
    "agents_sql_session", default=None
)


@contextmanager
def session(warehouse: Warehouse) -> Iterator[None]:
    """Reuse one read-only DuckDB connection for the queries run inside the block (a
    neighbourhood walk runs a few per hop; opening the file each time dominates)."""
    if warehouse.kind != "duckdb" or _SESSION.get() is not None:
        yield
        return
    con = _duckdb_connect(warehouse)
    token = _SESSION.set((warehouse.url, con))
    try:
        yield
    finally:
        _SESSION.reset(token)
        con.close()


def _run_duckdb(
    warehouse: Warehouse, sql: str, params: list[Any], timeout_s: float
) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    shared = _SESSION.get()
    owned = shared is None or shared[0] != warehouse.url
    con = _duckdb_connect(warehouse) if owned else shared[1]  # type: ignore[index]
    timed_out = threading.Event()

    def interrupt() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(timeout_s, interrupt)
    timer.start()
    try:
        cur = con.execute(sql, params)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise QueryTimeout(f"query interrupted after {timeout_s:g} s (time limit)") from None
        raise SqlRefused(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        timer.cancel()
        if owned:
            con.close()
    return columns, rows


def _run_postgres(
    warehouse: Warehouse, sql: str, params: list[Any], timeout_s: float
) -> tuple[list[str], list[tuple[Any, ...]]]:
    import psycopg2
    import psycopg2.errors

    conn = psycopg2.connect(warehouse.url)
    try:
        conn.set_session(readonly=True)
        with conn.cursor() as cur:
            cur.execute("set local statement_timeout = %s", (int(timeout_s * 1000),))
            try:
                cur.execute(sql.replace("?", "%s"), params or None)
            except psycopg2.errors.QueryCanceled:
                raise QueryTimeout(
                    f"query interrupted after {timeout_s:g} s (time limit)"
                ) from None
            except psycopg2.Error as exc:
                raise SqlRefused(f"query failed: {str(exc).splitlines()[0]}") from None
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
        conn.rollback()
    finally:
        conn.close()
    return columns, rows
