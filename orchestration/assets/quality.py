"""Raw-layer quality gate: a Great Expectations suite per ``raw_odoo/<table>`` as a blocking
Dagster asset check.

The checks are ``blocking`` with severity ERROR: when a raw table fails its suite, the run does
not build the dbt models downstream of it, so a broken extraction never reaches the marts,
the alerts or a briefing. The suites themselves live in :mod:`odoo_api.quality` (plain
functions, no Dagster).

All raw checks run in one step (``@multi_asset_check``, subsettable): Great Expectations takes
seconds to import, and one process with one ephemeral context validates every table faster
than one step per table would start. A run that selects a few raw assets runs only their
checks.

(No ``from __future__ import annotations`` here: Dagster resolves the check function's
context and resource annotations at definition time.)
"""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    multi_asset_check,
)

from odoo_api.extract import DEFAULT_MODELS
from odoo_api.quality import TableQuality, check_raw_tables
from orchestration.assets.raw import raw_key
from orchestration.resources import WarehouseResource

RAW_CHECK_NAME = "raw_expectations"

raw_quality_specs = [
    AssetCheckSpec(
        RAW_CHECK_NAME,
        asset=raw_key(spec.table),
        blocking=True,
        description=(
            f"Great Expectations suite on raw_odoo.{spec.table}: id and write_date present, id "
            "unique and not null, dates parse, amounts finite, selection values are Odoo's. "
            "Blocks the dbt models built on this table when it fails."
        ),
    )
    for spec in DEFAULT_MODELS
]


def check_metadata(result: TableQuality) -> dict[str, Any]:
    """What a person reading the check in the UI needs to act on a failure."""
    metadata: dict[str, Any] = {
        "rows_checked": result.rows_checked,
        "expectations": result.expectations,
        "failed_expectations": [f.label for f in result.failed],
        "unexpected_counts": MetadataValue.json(
            {f.label: f.unexpected_count for f in result.failed}
        ),
        "seconds": round(result.seconds, 3),
    }
    if result.failed:
        metadata["failures"] = MetadataValue.md(
            "\n".join(
                f"- `{f.label}`: {f.unexpected_count if f.unexpected_count is not None else '-'} "
                f"unexpected{'; e.g. ' + ', '.join(f.examples) if f.examples else ''}"
                f"{'; ' + f.detail if f.detail and f.unexpected_count is None else ''}"
                for f in result.failed
            )
        )
        metadata["failure_details"] = MetadataValue.json(
            [
                {
                    "expectation": f.expectation,
                    "column": f.column,
                    "unexpected_count": f.unexpected_count,
                    "unexpected_percent": f.unexpected_percent,
                    "examples": list(f.examples),
                    "detail": f.detail,
                }
                for f in result.failed
            ]
        )
    if result.note:
        metadata["note"] = result.note
    return metadata


@multi_asset_check(
    specs=raw_quality_specs,
    name="raw_odoo_expectations",
    can_subset=True,
    description="Great Expectations suites on the raw layer (one check per raw_odoo table).",
)
def raw_odoo_expectations(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[AssetCheckResult]:
    tables = sorted(key.asset_key.path[-1] for key in context.selected_asset_check_keys)
    context.log.info("validating %d raw tables with Great Expectations", len(tables))
    results = check_raw_tables(warehouse.warehouse(), tables)
    failed = [r for r in results.values() if not r.success]
    for table, result in results.items():
        if result.success:
            context.log.info(result.summary())
        else:
            context.log.error(result.summary())
        yield AssetCheckResult(
            asset_key=raw_key(table),
            check_name=RAW_CHECK_NAME,
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata=check_metadata(result),
        )
    context.log.info(
        "raw quality: %d tables, %d rows, %d failed (%.1fs validating)",
        len(results),
        sum(r.rows_checked for r in results.values()),
        len(failed),
        sum(r.seconds for r in results.values()),
    )
