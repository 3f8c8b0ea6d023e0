"""Incremental, lossless extraction of Odoo models into ``raw_odoo.*`` with dlt.

One dlt resource per Odoo model, merged on ``id``. Why each choice:

* **Cursor on (write_date, id)**, paged with a keyset domain ordered ``write_date, id``: a
  cursor on ``write_date`` alone skips or repeats rows when many share one timestamp at a
  page boundary (Odoo stamps a whole transaction with one ``write_date``).
* **Look-back window**: Odoo 19 stamps ``write_date`` with the *transaction start* time and
  compares datetimes to the whole second, so a long transaction can commit rows older than
  a watermark already read. Each run restarts ``lookback_seconds`` before the saved cursor;
  the merge on ``id`` (with ``write_date`` as dedup sort) makes the overlap harmless.
* **Only the fields that are used, ``load=''``**: most of a server's time goes into display
  names and fields nobody reads; many2one arrive as bare ids. Each model's fields are those
  the marts use, derived by column-level lineage over the compiled dbt project
  (``orchestration/field_usage.py`` writes ``used_fields.json``), plus ``id``,
  ``write_date`` (the cursor), ``company_id`` (multi-company) and every custom ``x_*`` field.
  ``COO_EXTRACT_ALL_FIELDS`` (``all`` or a list of models) or ``coo extract --all-fields``
  asks for every stored field instead. When a model's field list grows (staging starts
  reading a new column, or all fields are asked for), the next run re-reads the whole model
  once, so existing rows get the new columns. Binary, properties and one2many fields are
  never read (one2many is the inverse of a many2one that is extracted).
* **Typed Arrow pages**: the Odoo field type decides the column type, and Odoo's ``false``
  for "empty" becomes NULL (except on booleans), so the warehouse never grows variant
  columns. Custom ``x_*`` fields are stored fields like any other: they arrive as new
  columns without a code change.
* **Archived rows included** (``active_test: False``) and **multi-company** through
  ``allowed_company_ids`` = every company the user may read.
* **Deletions**: Odoo hard-deletes and leaves no trace, so after each load the live ids in
  the warehouse are compared with the ids on the server and the missing ones are marked
  with ``_odoo_deleted_at`` (kept, not silently treated as live).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from core.settings import get_settings
from odoo_api.client import OdooClient
from odoo_api.errors import OdooAccessError, OdooNotFoundError

logger = logging.getLogger(__name__)

DATASET = "raw_odoo"
PAGE_SIZE = 5000
LOOKBACK_SECONDS = 300
ODOO_DT = "%Y-%m-%d %H:%M:%S"
DELETED_COLUMN = "_odoo_deleted_at"
EXTRACTED_COLUMN = "_extracted_at"


#: The fields the project uses per raw table (generated: ``orchestration/field_usage.py``).
USED_FIELDS_PATH = Path(__file__).with_name("used_fields.json")
#: Fields read whatever the lineage says: the merge key, the cursor, the company rules.
ALWAYS_FIELDS = ("id", "write_date", "company_id")
CUSTOM_PREFIX = "x_"


@dataclass(frozen=True)
class ModelSpec:
    """One Odoo model to extract. ``domain`` narrows models that are huge in real Odoo;
    ``fields`` are the fields to read besides ``ALWAYS_FIELDS`` and custom ``x_*`` fields
    (None: every stored field the server has)."""

    model: str
    domain: tuple[Any, ...] = ()
    fields: tuple[str, ...] | None = None

    @property
    def table(self) -> str:
        return self.model.replace(".", "_")


def used_fields() -> dict[str, tuple[str, ...]]:
    """Raw table -> the fields the project uses (``used_fields.json``)."""
    data = json.loads(USED_FIELDS_PATH.read_text())
    return {table: tuple(fields) for table, fields in data.items()}


def _with_used_fields(specs: Sequence[ModelSpec]) -> tuple[ModelSpec, ...]:
    known = used_fields()
    return tuple(
        replace(spec, fields=known[spec.table]) if spec.table in known else spec for spec in specs
    )


def all_fields_models(value: str | None = None) -> set[str] | None:
    """The models to read with every stored field: None for none, an empty set for all
    (``COO_EXTRACT_ALL_FIELDS`` = ``all``/``*``/``true``, or Odoo model names, comma-separated)."""
    raw = (get_settings().coo_extract_all_fields if value is None else value).strip()
    if not raw or raw.lower() in ("0", "false", "no", "none"):
        return None
    if raw.lower() in ("all", "*", "1", "true", "yes"):
        return set()
    return {part.strip() for part in raw.split(",") if part.strip()}


def field_mode(specs: Sequence[ModelSpec], all_fields: str | None = None) -> list[ModelSpec]:
    """``specs`` with ``fields=None`` (every stored field) where the analyst asked for it."""
    wanted = all_fields_models(all_fields)
    if wanted is None:
        return list(specs)
    return [
        replace(spec, fields=None) if not wanted or spec.model in wanted else spec for spec in specs
    ]


# The models the marts read. Order matters only for readability of the run log.
_PLAIN_MODELS: tuple[ModelSpec, ...] = tuple(
    ModelSpec(m)
    for m in (
        "res.company",
        "res.currency",
        "res.currency.rate",
        "res.partner",
        "res.users",
        "uom.uom",
        "product.category",
        "product.template",
        "product.product",
        "account.account",
        "account.journal",
        "account.payment.term",
        "account.analytic.account",
        "account.move",
        "account.move.line",
        "account.payment",
        "account.partial.reconcile",
        "crm.team",
        "crm.stage",
        "crm.lead",
        "sale.order",
        "sale.order.line",
        "purchase.order",
        "purchase.order.line",
        "stock.warehouse",
        "stock.location",
        "stock.picking",
        "stock.move",
        "stock.quant",
        "stock.warehouse.orderpoint",
        "hr.employee",
        "hr.expense",
        "project.project",
        "project.task",
        "mail.activity",
    )
)
DEFAULT_MODELS: tuple[ModelSpec, ...] = _with_used_fields(
    (
        *_PLAIN_MODELS,
        # Stage history of leads: Odoo keeps it as tracking values on chatter messages.
        ModelSpec("mail.message", domain=(("model", "=", "crm.lead"),)),
        ModelSpec("mail.tracking.value", domain=(("mail_message_id.model", "=", "crm.lead"),)),
    )
)

SKIPPED_TYPES = {"binary", "one2many", "properties", "properties_definition"}

_ARROW_TYPES: dict[str, pa.DataType] = {
    "integer": pa.int64(),
    "many2one": pa.int64(),
    "many2one_reference": pa.int64(),
    "float": pa.float64(),
    "monetary": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def stored_fields(fields_meta: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Field name -> Odoo type, for the fields worth extracting (stored, not binary/x2many-inverse)."""
    out = {}
    for name, meta in fields_meta.items():
        if meta.get("store") and meta.get("type") not in SKIPPED_TYPES:
            out[name] = meta["type"]
    out.setdefault("id", "integer")
    return out


def _column(values: list[Any], odoo_type: str) -> pa.Array:
    """One typed Arrow column from wire values; Odoo's ``false`` means NULL except on booleans."""
    if odoo_type == "boolean":
        return pa.array([bool(v) for v in values], type=pa.bool_())
    cleaned = [None if v is False or v is None else v for v in values]
    if odoo_type in ("many2one",):
        # load='' gives bare ids; a classic-read pair [id, name] is unpacked all the same.
        cleaned = [v[0] if isinstance(v, list) else v for v in cleaned]
    elif odoo_type in ("many2many", "one2many", "json", "reference"):
        cleaned = [
            None if v is None else (v if isinstance(v, str) else json.dumps(v)) for v in cleaned
        ]
        return pa.array(cleaned, type=pa.string())
    arrow_type = _ARROW_TYPES.get(odoo_type)
    if arrow_type is None:
        return pa.array([None if v is None else str(v) for v in cleaned], type=pa.string())
    if odoo_type == "date":
        return pc.cast(
            pc.strptime(pa.array(cleaned, type=pa.string()), format="%Y-%m-%d", unit="s"),
            pa.date32(),
        )
    if odoo_type == "datetime":
        parsed = pc.strptime(pa.array(cleaned, type=pa.string()), format=ODOO_DT, unit="us")
        return pc.cast(parsed, arrow_type)
    if odoo_type in ("float", "monetary"):
        return pa.array([None if v is None else float(v) for v in cleaned], type=arrow_type)
    return pa.array(cleaned, type=arrow_type)


def rows_to_arrow(
    rows: Sequence[dict[str, Any]], types: dict[str, str], extracted_at: datetime
) -> pa.Table:
    """A page of Odoo rows as a typed Arrow table (columns in a stable order)."""
    names = sorted(types)
    arrays = [_column([r.get(n, False) for r in rows], types[n]) for n in names]
    arrays.append(pa.array([extracted_at] * len(rows), type=pa.timestamp("us", tz="UTC")))
    arrays.append(pa.nulls(len(rows), type=pa.timestamp("us", tz="UTC")))
    columns = [*names, EXTRACTED_COLUMN, DELETED_COLUMN]
    # id is the merge key: declared NOT NULL, as dlt's schema has it
    schema = pa.schema(
        [pa.field(n, a.type, nullable=n != "id") for n, a in zip(columns, arrays, strict=True)]
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def keyset_domain(base: Sequence[Any], write_date: str | None, last_id: int) -> list[Any]:
    """Rows after the cursor (write_date, id), in Odoo's prefix notation."""
    if write_date is None:
        return [*base, ["id", ">", last_id]] if last_id else list(base)
    after = [
        "|",
        ["write_date", ">", write_date],
        "&",
        ["write_date", "=", write_date],
        ["id", ">", last_id],
    ]
    return [*base, *after] if base else after


@dataclass
class ModelReport:
    model: str
    rows: int = 0
    pages: int = 0
    seconds: float = 0.0
    deleted: int = 0
    skipped: str | None = None
    missing_fields: list[str] = field(default_factory=list)
    backfilled_fields: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class ExtractionReport:
    models: dict[str, ModelReport] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.models.values())


def allowed_companies(client: OdooClient) -> list[int]:
    """Every company the user may read: Odoo's record rules decide, the context then asks for all."""
    return sorted(client.search("res.company", [], context={"active_test": False}))


def _resource_for(
    spec: ModelSpec,
    client_factory: Callable[[], OdooClient],
    context: dict[str, Any],
    report: ExtractionReport,
    page_size: int,
    lookback_seconds: int,
) -> Any:
    @dlt.resource(
        name=spec.table,
        table_name=spec.table,
        write_disposition="merge",
        primary_key="id",
        columns={"write_date": {"dedup_sort": "desc"}},
        # Models are read concurrently (dlt's extract workers, 5 by default): while Odoo
        # serves one page, the pages already received are typed and written.
        parallelized=True,
    )
    def extract_model() -> Iterator[pa.Table]:
        client = client_factory()
        mreport = report.models.setdefault(spec.model, ModelReport(spec.model))
        started = time.perf_counter()
        try:
            meta = client.fields_get(spec.model, attributes=["type", "store", "relation"])
        except OdooNotFoundError as exc:
            # The module is not installed on this server: nothing to extract, say so.
            mreport.skipped = str(exc)
            logger.warning("skipping %s (not on this server): %s", spec.model, exc)
            return
        types = stored_fields(meta)
        if spec.fields is not None:
            wanted = {*spec.fields, *ALWAYS_FIELDS}
            mreport.missing_fields = sorted(set(spec.fields) - set(types))
            if mreport.missing_fields:
                logger.info(
                    "%s: fields not on this server (module not installed?): %s",
                    spec.model,
                    ", ".join(mreport.missing_fields),
                )
            types = {k: v for k, v in types.items() if k in wanted or k.startswith(CUSTOM_PREFIX)}
        has_write_date = "write_date" in types
        state = dlt.current.resource_state()
        cursor_wd: str | None = state.get("write_date") if has_write_date else None
        cursor_id: int = state.get("id", 0)
        previous = state.get("fields")
        added = sorted(set(types) - set(previous)) if previous is not None else []
        if added and (cursor_wd or cursor_id):
            # Rows read before carry no value for these fields: read the model again once.
            logger.info(
                "%s: %d field(s) newly read (%s): re-reading every row to back-fill them",
                spec.model,
                len(added),
                ", ".join(added[:8]) + (" ..." if len(added) > 8 else ""),
            )
            mreport.backfilled_fields = added
            cursor_wd, cursor_id = None, 0
        elif cursor_wd and lookback_seconds:
            # Restart before the watermark: a transaction that committed late carries a
            # write_date older than rows already read. Re-read rows merge away by id.
            start = datetime.strptime(cursor_wd, ODOO_DT) - timedelta(seconds=lookback_seconds)
            cursor_wd = start.strftime(ODOO_DT)
            cursor_id = 0
        fields = sorted(types)
        order = "write_date asc, id asc" if has_write_date else "id asc"
        extracted_at = datetime.now(UTC)

        def page_after(wd: str | None, last_id: int) -> list[dict[str, Any]]:
            if has_write_date and wd and last_id == 0:
                domain = [*spec.domain, ["write_date", ">=", wd]]
            else:
                domain = keyset_domain(spec.domain, wd if has_write_date else None, last_id)
            try:
                return client.search_read(
                    spec.model,
                    domain,
                    fields,
                    limit=page_size,
                    order=order,
                    context=context,
                    load="",
                )
            except OdooAccessError as exc:
                # Losing a model silently would make every mart built on it wrong.
                raise OdooAccessError(
                    f"cannot read {spec.model}: {exc} Grant the Odoo user read access to it."
                ) from exc

        # The next page is asked for as soon as this one's last key is known, so Odoo
        # serves it while this page is typed and written (one request in flight per model).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"odoo-{spec.table}") as pool:
            pending: Future[list[dict[str, Any]]] | None = pool.submit(
                page_after, cursor_wd, cursor_id
            )
            while pending is not None:
                rows = pending.result()
                if not rows:
                    break
                last = rows[-1]
                cursor_id = last["id"]
                if has_write_date:
                    cursor_wd = last["write_date"] or cursor_wd
                pending = (
                    pool.submit(page_after, cursor_wd, cursor_id)
                    if len(rows) == page_size
                    else None
                )
                yield rows_to_arrow(rows, types, extracted_at)
                # the cursor moves only once dlt holds the page
                if has_write_date:
                    state["write_date"] = cursor_wd
                state["id"] = cursor_id
                mreport.rows += len(rows)
                mreport.pages += 1
                logger.info("%s: %d rows", spec.model, mreport.rows)
        # only once every row was read: a run that stops half-way back-fills again next time
        state["fields"] = sorted(types)
        mreport.seconds += time.perf_counter() - started

    return extract_model


@dlt.source(name="odoo", max_table_nesting=0)
def odoo_source(
    client_factory: Callable[[], OdooClient],
    models: Sequence[ModelSpec] = DEFAULT_MODELS,
    report: ExtractionReport | None = None,
    page_size: int = PAGE_SIZE,
    lookback_seconds: int = LOOKBACK_SECONDS,
    company_ids: Sequence[int] | None = None,
) -> Iterable[Any]:
    """The dlt source: one merge resource per Odoo model.

    ``client_factory`` is called lazily inside each resource, so building the source (as
    Dagster does at definition time) never touches the network.
    """
    report = report if report is not None else ExtractionReport()
    context: dict[str, Any] = {"active_test": False}
    resolved: dict[str, Any] = {}

    def factory() -> OdooClient:
        client = client_factory()
        if "companies" not in resolved:
            resolved["companies"] = (
                list(company_ids) if company_ids is not None else allowed_companies(client)
            )
            context["allowed_company_ids"] = resolved["companies"]
        return client

    return [
        _resource_for(spec, factory, context, report, page_size, lookback_seconds)
        for spec in models
    ]


def reconcile_deletions(
    pipeline: dlt.Pipeline,
    client: OdooClient,
    models: Sequence[ModelSpec],
    report: ExtractionReport | None = None,
    company_ids: Sequence[int] | None = None,
) -> dict[str, int]:
    """Mark rows whose id no longer exists in Odoo with ``_odoo_deleted_at``.

    Odoo's ``unlink`` leaves nothing to poll, so the only reliable signal is the id set.
    """
    context: dict[str, Any] = {"active_test": False}
    context["allowed_company_ids"] = (
        list(company_ids) if company_ids is not None else allowed_companies(client)
    )
    marked: dict[str, int] = {}
    with pipeline.sql_client() as sql:
        existing_tables = {
            r[0]
            for r in sql.execute_sql(
                "select table_name from information_schema.tables where table_schema = %s",
                sql.make_qualified_table_name_path(None, quote=False)[-1],
            )
            or ()
        }
        for spec in models:
            if spec.table not in existing_tables:
                continue
            if report and report.models.get(spec.model) and report.models[spec.model].skipped:
                continue
            source_ids = set(_all_ids(client, spec, context))
            table = sql.make_qualified_table_name(spec.table)
            live = {
                r[0]
                for r in sql.execute_sql(f"select id from {table} where {DELETED_COLUMN} is null")
                or ()
            }
            gone = sorted(live - source_ids)
            if gone:
                now = datetime.now(UTC)
                for chunk_start in range(0, len(gone), 1000):
                    chunk = gone[chunk_start : chunk_start + 1000]
                    ids = ",".join(str(int(i)) for i in chunk)
                    sql.execute_sql(
                        f"update {table} set {DELETED_COLUMN} = %s where id in ({ids})", now
                    )
                logger.info("%s: %d rows deleted in Odoo, marked", spec.model, len(gone))
            marked[spec.model] = len(gone)
            if report is not None:
                report.models.setdefault(spec.model, ModelReport(spec.model)).deleted = len(gone)
    return marked


def _all_ids(client: OdooClient, spec: ModelSpec, context: dict[str, Any]) -> Iterator[int]:
    last = 0
    while True:
        page = client.search(
            spec.model,
            [*spec.domain, ["id", ">", last]],
            limit=100_000,
            order="id asc",
            context=context,
        )
        yield from page
        if len(page) < 100_000:
            return
        last = page[-1]


def run_extraction(
    client_factory: Callable[[], OdooClient],
    pipeline: dlt.Pipeline,
    models: Sequence[ModelSpec] = DEFAULT_MODELS,
    *,
    page_size: int = PAGE_SIZE,
    lookback_seconds: int = LOOKBACK_SECONDS,
    reconcile: bool = True,
) -> ExtractionReport:
    """Extract ``models`` into ``pipeline``'s dataset, then mark deletions. Used by the CLI,
    the Dagster assets (through dagster-dlt) and the tests alike."""
    report = ExtractionReport()
    started = time.perf_counter()
    client = client_factory()
    companies = allowed_companies(client)
    source = odoo_source(
        lambda: client,
        models,
        report=report,
        page_size=page_size,
        lookback_seconds=lookback_seconds,
        company_ids=companies,
    )
    pipeline.run(source)
    if reconcile:
        reconcile_deletions(pipeline, client, models, report, company_ids=companies)
    report.seconds = time.perf_counter() - started
    return report
