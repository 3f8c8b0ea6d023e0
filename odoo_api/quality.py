"""Great Expectations suites for the raw layer: is ``raw_odoo.<table>`` fit to build marts on?

A raw table is what Odoo sent, so the suite checks what the marts silently rely on and what
a bad extraction, a schema drift or a half-applied migration would break:

* **schema**: ``id`` and ``write_date`` exist (the merge key and the incremental cursor);
* **keys**: ``id`` is never null and unique (a duplicate doubles every amount downstream),
  ``write_date`` is never null;
* **dates parse**: a date/datetime column is typed ``date``/``timestamp`` in the warehouse
  (then it parses by construction, and nothing is read), or, where it arrived as text, every
  non-null value parses as a date;
* **amounts are finite**: float/monetary columns hold no NaN and no +/-infinity (a NaN makes
  every sum it enters NaN, and SQL does not complain);
* **selections are Odoo's**: the selection fields the marts branch on (``state``,
  ``move_type``, ``payment_state``...) only hold values Odoo 19 defines. A mart's
  ``case when state = 'posted'`` puts an unknown value in the wrong bucket without an error;
* **no variant columns with values**: dlt adds ``<col>__v_<type>`` when a value does not fit
  the column's type (a date that does not parse, a number that is text); any value there is
  data the marts never see.

The suite is derived from the table's own columns and their warehouse types, so fields that
a server lacks (module not installed) are simply not checked, and custom ``x_*`` fields are
covered by type. Odoo's field metadata, recorded from a real Odoo 19 server in
``simulator/odoo19/fields*/<model>.json``, is the fallback for a column that arrived as text
(its Odoo type says whether it should parse as a date or a number) and the source of the
selection values.

Tables absent from the warehouse (module not installed, nothing extracted yet) pass with a
note. Only the columns the suite needs are read. Great Expectations is imported when a suite
is built, not with this module: it takes seconds to import, and Dagster definitions and the
CLI import this package.

No Dagster here: ``orchestration/assets/quality.py`` turns the results into asset checks.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from odoo_api.extract import DATASET, DEFAULT_MODELS, DELETED_COLUMN, EXTRACTED_COLUMN
from odoo_api.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("id", "write_date")
MODEL_BY_TABLE = {spec.table: spec.model for spec in DEFAULT_MODELS}

# The selection fields the marts branch on. Values come from Odoo 19's field metadata.
SELECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_account": ("account_type",),
    "account_journal": ("type",),
    "account_move": ("state", "move_type", "payment_state"),
    "account_move_line": ("parent_state", "display_type"),
    "account_payment": ("state", "payment_type", "partner_type"),
    "crm_lead": ("type",),
    "hr_expense": ("state",),
    "project_task": ("state",),
    "purchase_order": ("state", "invoice_status"),
    "sale_order": ("state", "invoice_status"),
    "stock_move": ("state",),
    "stock_picking": ("state",),
}
# Values Odoo 19 removed but the Odoo 16-18 servers the client supports still send (the marts
# already accept sale_order 'done'). Without them a 16-18 server would be blocked on its
# first run for data that is correct for its version.
LEGACY_SELECTION_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sale_order", "state"): ("done",),
    ("purchase_order", "state"): ("done",),
    ("account_payment", "state"): ("posted", "cancel"),
    ("hr_expense", "state"): ("reported", "done"),
}

FLOAT_MAX = 1.7976931348623157e308  # sys.float_info.max: anything beyond is +/-inf (or NaN)
NUMBER_PATTERN = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
# Odoo's log-access fields, on every model whatever the recorded metadata says.
MAGIC_FIELDS = {"create_date": "datetime", "write_date": "datetime"}
VARIANT_MARKER = "__v_"  # dlt's variant columns: <column>__v_<type>
EXAMPLES = 5


# ----------------------------------------------------------------------------- metadata


def column_kind(data_type: str) -> str:
    """The warehouse type (DuckDB or PostgreSQL spelling) as one of: integer, float, date,
    datetime, boolean, text, other."""
    t = data_type.strip().lower()
    if t.startswith("timestamp"):
        return "datetime"
    if t == "date":
        return "date"
    if t in ("double", "double precision", "real", "float", "float4", "float8") or t.startswith(
        ("decimal", "numeric")
    ):
        return "float"
    if t in ("bigint", "integer", "int", "int4", "int8", "smallint", "hugeint", "tinyint"):
        return "integer"
    if t in ("boolean", "bool"):
        return "boolean"
    if t in ("varchar", "text", "character varying", "string") or t.startswith(
        ("varchar", "character")
    ):
        return "text"
    return "other"


@cache
def odoo_fields(model: str) -> dict[str, dict[str, Any]]:
    """Odoo 19's ``fields_get`` for ``model`` as recorded in the simulator's data, or {}."""
    root = resources.files("simulator") / "odoo19"
    for folder in ("fields", "fields_extra"):
        path = root / folder / f"{model}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
    return {}


def selection_values(table: str, column: str) -> tuple[str, ...] | None:
    """The values Odoo allows in ``table.column`` (Odoo 19, plus known 16-18 ones), or None
    when the field metadata does not know the field."""
    model = MODEL_BY_TABLE.get(table)
    meta = odoo_fields(model).get(column) if model else None
    if not meta or meta.get("type") != "selection" or not meta.get("selection"):
        return None
    values = [str(v[0]) for v in meta["selection"]]
    values += LEGACY_SELECTION_VALUES.get((table, column), ())
    return tuple(dict.fromkeys(values))


# ----------------------------------------------------------------------------- the suite


@dataclass(frozen=True)
class ExpectationPlan:
    """One expectation of a suite, before Great Expectations is imported."""

    type: str  # Great Expectations' class name, e.g. ExpectColumnValuesToBeUnique
    column: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def plan_suite(table: str, columns: Mapping[str, str]) -> list[ExpectationPlan]:
    """The expectations for a raw table with these columns (name -> warehouse data type)."""
    plans = [ExpectationPlan("ExpectColumnToExist", c) for c in REQUIRED_COLUMNS]
    if "id" in columns:
        plans += [
            ExpectationPlan("ExpectColumnValuesToNotBeNull", "id"),
            ExpectationPlan("ExpectColumnValuesToBeUnique", "id"),
        ]
    if "write_date" in columns:
        plans.append(ExpectationPlan("ExpectColumnValuesToNotBeNull", "write_date"))
    model = MODEL_BY_TABLE.get(table)
    meta = odoo_fields(model) if model else {}
    for name in sorted(columns):
        if name in (EXTRACTED_COLUMN, DELETED_COLUMN) or name.startswith("_dlt"):
            continue
        if VARIANT_MARKER in name:
            plans.append(ExpectationPlan("ExpectColumnValuesToBeNull", name))
            continue
        kind = column_kind(columns[name])
        odoo_type = (meta.get(name) or {}).get("type") or MAGIC_FIELDS.get(name)
        if kind in ("date", "datetime"):
            continue  # typed by the warehouse: parses by construction (misfits land in __v_ columns)
        if kind == "text" and odoo_type in ("date", "datetime"):
            plans.append(ExpectationPlan("ExpectColumnValuesToBeDateutilParseable", name))
        elif kind == "float":
            plans.append(
                ExpectationPlan(
                    "ExpectColumnValuesToBeBetween",
                    name,
                    {"min_value": -FLOAT_MAX, "max_value": FLOAT_MAX},
                )
            )
        elif kind == "text" and odoo_type in ("float", "monetary"):
            plans.append(
                ExpectationPlan("ExpectColumnValuesToMatchRegex", name, {"regex": NUMBER_PATTERN})
            )
    for name in SELECTION_COLUMNS.get(table, ()):
        values = selection_values(table, name)
        if name in columns and values:
            plans.append(
                ExpectationPlan("ExpectColumnValuesToBeInSet", name, {"value_set": list(values)})
            )
    return plans


def build_suite(table: str, plans: Sequence[ExpectationPlan]) -> Any:
    """A Great Expectations ``ExpectationSuite`` from the plan."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=f"{DATASET}.{table}")
    for plan in plans:
        expectation_class = getattr(gx.expectations, plan.type)
        suite.add_expectation(expectation_class(column=plan.column, **plan.kwargs))
    return suite


# ----------------------------------------------------------------------------- reading


def warehouse_columns(warehouse: Warehouse) -> dict[str, dict[str, str]]:
    """Every raw table and its columns (name -> data type); {} when nothing was extracted."""
    sql = (
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position"
    )
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in _query(warehouse, sql, (DATASET,)):
        out.setdefault(str(table), {})[str(column)] = str(data_type)
    return out


def read_table(warehouse: Warehouse, table: str, columns: Mapping[str, str]) -> pd.DataFrame:
    """``raw_odoo.<table>`` restricted to ``columns`` (name -> data type) as a DataFrame.

    Float columns come as pandas' Arrow-backed float dtype: with NumPy floats a NULL and a
    NaN are the same NaN, and Great Expectations would skip both as missing. Typed
    dates/timestamps come as naive UTC ``datetime64``.
    """
    import pandas as pd
    import pyarrow as pa

    names = list(columns)
    select = ", ".join(_quote(n) for n in names) or "1 as _none"
    sql = f"select {select} from {_quote(DATASET)}.{_quote(table)}"
    if warehouse.kind == "duckdb":
        with _duckdb(warehouse) as con:
            arrow = con.sql(sql).to_arrow_table()
    else:
        rows = _query(warehouse, sql.replace("%", "%%"), ())
        arrow = pa.table(
            {n: _pg_array([r[i] for r in rows], columns[n]) for i, n in enumerate(names)}
        )
    frame = arrow.to_pandas(date_as_object=False)
    for name in names:
        kind = column_kind(columns[name])
        if kind == "float":
            frame[name] = pd.Series(
                pd.arrays.ArrowExtensionArray(arrow.column(name).cast(pa.float64())),
                index=frame.index,
            )
        elif kind == "datetime" and getattr(frame[name].dtype, "tz", None) is not None:
            frame[name] = frame[name].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame[names] if names else frame.iloc[:, :0]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_array(values: list[Any], data_type: str) -> Any:
    import pyarrow as pa

    kind = column_kind(data_type)
    if kind == "float":
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if kind == "date":
        return pa.array(values, type=pa.date32())
    if kind == "datetime":
        return pa.array(values, type=pa.timestamp("us", tz="UTC"))
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


@contextmanager
def _duckdb(warehouse: Warehouse, attempts: int = 20, wait: float = 0.5) -> Iterator[Any]:
    """A read-only DuckDB connection, retried briefly while another process holds the write
    lock (the dashboard and analysts do the same)."""
    import duckdb

    con = None
    for attempt in range(attempts):
        try:
            con = duckdb.connect(str(warehouse.path), read_only=True)
            break
        except duckdb.IOException as exc:  # locked by a writer
            if attempt == attempts - 1:
                raise
            logger.debug("warehouse locked, retrying: %s", exc)
            time.sleep(wait)
        except duckdb.ConnectionException:
            # this process already holds a read-write connection to the same file
            con = duckdb.connect(str(warehouse.path))
            break
    try:
        yield con
    finally:
        if con is not None:
            con.close()


def _query(warehouse: Warehouse, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    if warehouse.kind == "duckdb":
        assert warehouse.path is not None
        if not warehouse.path.exists():
            return []
        with _duckdb(warehouse) as con:
            return list(con.execute(sql.replace("%s", "?"), list(params)).fetchall())
    import psycopg2

    con = psycopg2.connect(warehouse.url)
    try:
        with con.cursor() as cur:
            cur.execute(sql, tuple(params))
            return list(cur.fetchall())
    finally:
        con.close()


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, with what Great Expectations found."""

    expectation: str  # e.g. expect_column_values_to_be_unique
    column: str | None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: tuple[str, ...] = ()
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.expectation}({self.column})" if self.column else self.expectation

    def describe(self) -> str:
        text = self.label
        if self.unexpected_count is not None:
            text += f": {self.unexpected_count} unexpected"
            if self.examples:
                text += f" (e.g. {', '.join(self.examples)})"
        elif self.detail:
            text += f": {self.detail}"
        return text


@dataclass(frozen=True)
class TableQuality:
    """The outcome of one raw table's suite."""

    table: str
    success: bool
    rows_checked: int = 0
    expectations: int = 0
    failed: tuple[FailedExpectation, ...] = ()
    note: str = ""
    seconds: float = 0.0

    def failed_names(self) -> list[str]:
        return [f.expectation for f in self.failed]

    def summary(self) -> str:
        if self.note:
            return f"{self.table}: {self.note}"
        if self.success:
            return (
                f"{self.table}: {self.expectations} expectations hold on {self.rows_checked} rows"
            )
        return (
            f"{self.table}: {len(self.failed)} of {self.expectations} expectations failed: "
            + "; ".join(f.describe() for f in self.failed)
        )


def _example(value: Any) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    return repr(value)


def _failure(result: Any) -> FailedExpectation:
    config = result.expectation_config
    res = result.result or {}
    detail = ""
    info = result.exception_info or {}
    infos = info.values() if info and "raised_exception" not in info else [info]
    for item in infos:
        if isinstance(item, dict) and item.get("raised_exception"):
            detail = str(item.get("exception_message") or "")
            break
    if not detail and res.get("observed_value") is not None:
        detail = f"observed {res['observed_value']}"
    examples = tuple(_example(v) for v in (res.get("partial_unexpected_list") or [])[:EXAMPLES])
    count, percent = res.get("unexpected_count"), res.get("unexpected_percent")
    return FailedExpectation(
        expectation=str(config.type),
        column=config.kwargs.get("column"),
        unexpected_count=None if count is None else int(count),
        unexpected_percent=None if percent is None else round(float(percent), 4),
        examples=examples,
        detail=_one_line(detail),
    )


def _one_line(text: str, limit: int = 300) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ----------------------------------------------------------------------------- running


class RawQualityRunner:
    """Validates raw tables with one ephemeral Great Expectations context (creating one per
    table costs more than validating a small table)."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.asset = self.context.data_sources.add_pandas(DATASET).add_dataframe_asset("table")
        self.batch_definition = self.asset.add_batch_definition_whole_dataframe("whole table")

    def validate_frame(
        self, table: str, frame: pd.DataFrame, plans: Sequence[ExpectationPlan]
    ) -> TableQuality:
        started = time.perf_counter()
        suite = build_suite(table, plans)
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
        )
        failed = tuple(_failure(r) for r in result.results if not r.success)
        return TableQuality(
            table=table,
            success=bool(result.success),
            rows_checked=len(frame),
            expectations=len(result.results),
            failed=failed,
            seconds=time.perf_counter() - started,
        )

    def validate_warehouse_table(
        self, warehouse: Warehouse, table: str, columns: Mapping[str, str] | None
    ) -> TableQuality:
        if columns is None:
            return TableQuality(
                table=table,
                success=True,
                note=f"no table {DATASET}.{table} in the warehouse (module not installed, or "
                "not extracted yet): nothing to check",
            )
        started = time.perf_counter()
        plans = plan_suite(table, columns)
        needed = {p.column for p in plans if p.column in columns}
        frame = read_table(warehouse, table, {c: t for c, t in columns.items() if c in needed})
        result = self.validate_frame(table, frame, plans)
        return replace(result, seconds=time.perf_counter() - started)


def check_frame(
    table: str, frame: pd.DataFrame, columns: Mapping[str, str] | None = None
) -> TableQuality:
    """Run the raw suite of ``table`` on an in-memory DataFrame. ``columns`` gives the
    warehouse types (name -> data type); by default they are inferred from the dtypes.
    NumPy float columns count NaN as NaN (a failure), not as a missing value."""
    import pandas as pd
    import pyarrow as pa

    if columns is None:
        columns = {str(c): _dtype_to_sql(frame[c].dtype) for c in frame.columns}
    frame = frame.copy()
    for name, data_type in columns.items():
        if column_kind(data_type) == "float" and name in frame and frame[name].dtype.kind == "f":
            # a NumPy NaN is a NaN here (not a missing value): it is what the check looks for
            values = pa.array(frame[name].to_numpy(), type=pa.float64(), from_pandas=False)
            frame[name] = pd.Series(pd.arrays.ArrowExtensionArray(values), index=frame.index)
    return RawQualityRunner().validate_frame(table, frame, plan_suite(table, columns))


def _dtype_to_sql(dtype: Any) -> str:
    name = str(dtype).lower()
    if "datetime" in name or "timestamp" in name:
        return "timestamp"
    if "float" in name or "double" in name:
        return "double"
    if "int" in name:
        return "bigint"
    if "bool" in name:
        return "boolean"
    return "varchar"


def check_raw_tables(
    warehouse: Warehouse, tables: Iterable[str] | None = None
) -> dict[str, TableQuality]:
    """Run the raw suite on each of ``tables`` (default: every extracted model's table)."""
    wanted = list(tables) if tables is not None else [s.table for s in DEFAULT_MODELS]
    present = warehouse_columns(warehouse)
    runner = RawQualityRunner()
    results: dict[str, TableQuality] = {}
    for table in wanted:
        result = runner.validate_warehouse_table(warehouse, table, present.get(table))
        logger.info("%s (%.2fs)", result.summary(), result.seconds)
        results[table] = result
    return results
