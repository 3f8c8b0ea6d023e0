"""Raw layer: one Dagster asset per Odoo model, loaded by dlt (through dagster-dlt).

Lineage starts at the Odoo model itself (an external ``odoo/<model>`` asset), so the UI
reads from Odoo's ``account.move.line`` to the mart and on to the briefing sentence.
"""

import tempfile
from collections.abc import Iterator
from typing import Any

import dlt
from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, MaterializeResult
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from odoo_api.client import OdooClient
from odoo_api.extract import (
    DEFAULT_MODELS,
    ExtractionReport,
    ModelSpec,
    allowed_companies,
    field_mode,
    odoo_source,
    reconcile_deletions,
)
from orchestration.resources import OdooResource, WarehouseResource

RAW_GROUP = "odoo_raw"
MODEL_BY_TABLE = {spec.table: spec.model for spec in DEFAULT_MODELS}


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw_odoo", table])


def odoo_key(table: str) -> AssetKey:
    return AssetKey(["odoo", table])


class OdooDltTranslator(DagsterDltTranslator):
    """Names raw assets ``raw_odoo/<table>``, downstream of the Odoo model they mirror."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        table = data.resource.name
        return spec.replace_attributes(
            key=raw_key(table),
            deps=[odoo_key(table)],
            group_name=RAW_GROUP,
            description=f"Odoo `{MODEL_BY_TABLE.get(table, table)}` as extracted (merge on id, "
            "incremental on (write_date, id), deletions marked in _odoo_deleted_at).",
            kinds={"odoo", "dlt"},
        )


def _no_client() -> OdooClient:  # pragma: no cover - only reached if misused at definition time
    raise RuntimeError("the definition-time source is never run; the asset builds its own")


# Definition-time stand-ins: dagster-dlt needs a source and pipeline to derive the asset specs.
# The run builds the real ones from its resources, so no environment is read at import.
_DEFINITION_PIPELINE = dlt.pipeline(
    pipeline_name="odoo_definitions",
    destination="duckdb",
    dataset_name="raw_odoo",
    pipelines_dir=tempfile.gettempdir() + "/coo-dlt-definitions",
)

odoo_model_specs = [
    AssetSpec(
        key=odoo_key(spec.table),
        description=f"The Odoo model `{spec.model}` on the configured server (or the simulated company).",
        group_name="odoo",
        kinds={"odoo"},
    )
    for spec in DEFAULT_MODELS
]


class ExtractConfig(Config):
    """``all_fields``: models to read with every stored field (``all`` or Odoo model names,
    comma-separated); empty: the setting ``COO_EXTRACT_ALL_FIELDS`` decides (default: only the
    fields the marts use)."""

    all_fields: str = ""


@dlt_assets(
    dlt_source=odoo_source(_no_client, DEFAULT_MODELS),
    dlt_pipeline=_DEFINITION_PIPELINE,
    name="odoo_raw",
    dagster_dlt_translator=OdooDltTranslator(),
    pool="warehouse_writer",
)
def odoo_raw_assets(
    context: AssetExecutionContext,
    dlt: DagsterDltResource,
    odoo: OdooResource,
    warehouse: WarehouseResource,
    config: ExtractConfig,
) -> Iterator[Any]:
    selected = {key.path[-1] for key in context.selected_asset_keys}
    models: list[ModelSpec] = field_mode(
        [s for s in DEFAULT_MODELS if s.table in selected], config.all_fields or None
    )
    report = ExtractionReport()
    with odoo.open() as client:
        companies = allowed_companies(client)
        context.log.info(
            "extracting %d Odoo models (%s, companies %s)",
            len(models),
            client.transport_name,
            companies,
        )
        source = odoo_source(lambda: client, models, report=report, company_ids=companies)
        pipeline = warehouse.pipeline()
        events = list(
            dlt.run(
                context=context,
                dlt_source=source,
                dlt_pipeline=pipeline,
                dagster_dlt_translator=OdooDltTranslator(),
            )
        )
        reconcile_deletions(pipeline, client, models, report, company_ids=companies)
    for event in events:
        if isinstance(event, MaterializeResult) and event.asset_key is not None:
            table = event.asset_key.path[-1]
            m = report.models.get(MODEL_BY_TABLE.get(table, table))
            if m is not None:
                extra = {
                    "odoo_model": m.model,
                    "rows_extracted": m.rows,
                    "pages": m.pages,
                    "rows_marked_deleted": m.deleted,
                    "extract_seconds": round(m.seconds, 3),
                    "fields_read": "all stored"
                    if next((s.fields for s in models if s.table == table), ()) is None
                    else "used by the marts",
                }
                if m.backfilled_fields:
                    extra["backfilled_fields"] = ", ".join(m.backfilled_fields)
                if m.skipped:
                    extra["skipped"] = m.skipped
                event = event._replace(metadata={**(event.metadata or {}), **extra})
        yield event
    context.log.info("extracted %d rows in total", report.rows)
