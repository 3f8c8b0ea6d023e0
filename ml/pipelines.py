"""One function per model: read the marts, train a candidate, register it against its
baseline, score with whichever version serves, write the ``ml.*`` table.

These are what the Dagster assets and ``bench/ml_quality.py`` call, so both run exactly the
same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from ml import anomalies, churn, deals, forecasting, stockout
from ml.lifecycle import (
    STATUS_INSUFFICIENT,
    STATUS_TRAINED,
    InsufficientData,
    baseline_version,
    mark_baseline_serving,
    record_state,
    register_run,
)
from ml.warehouse_io import read_sql, table_exists, warehouse_lock, write_table
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """What a pipeline did, for the asset's metadata and the bench table."""

    model_name: str
    candidate_version: str
    candidate_passed: bool
    serving_version: str | None  # 'baseline:<name>' when no version has ever passed
    rows: int
    metrics: dict[str, float] = field(default_factory=dict)
    # forecasts only: per series (``name@company``), the MASE of the model and each baseline
    per_series: dict[str, dict[str, float]] = field(default_factory=dict)
    # 'trained', or 'insufficient_data' with the reason (nothing trained; baseline or nothing)
    status: str = STATUS_TRAINED
    reason: str | None = None


def _insufficient(
    warehouse: Warehouse,
    model_name: str,
    table: str,
    schema: dict[str, Any],
    reason: InsufficientData,
    now: datetime,
    baseline: tuple[str, Callable[[str], pl.DataFrame]] | None = None,
) -> RunSummary:
    """Below the model's minimum: record why, write the baseline's scores when it needs no
    training (``baseline`` = its name and scorer) or an empty table (so every reader finds
    the table with its columns), and let the run go on."""
    label: str | None = None
    scores = pl.DataFrame(schema=schema)
    if baseline is not None:
        try:
            scores = baseline[1](baseline_version(baseline[0]))
            label = baseline_version(baseline[0])
        except InsufficientData:
            pass  # not even the baseline has enough to go on: nothing is served
    with warehouse_lock(warehouse):
        write_table(warehouse, table, scores)
    record_state(warehouse, model_name, STATUS_INSUFFICIENT, str(reason), now, label)
    return RunSummary(
        model_name,
        "none",
        False,
        label,
        scores.height,
        status=STATUS_INSUFFICIENT,
        reason=str(reason),
    )


def run_churn(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    try:
        with warehouse_lock(warehouse):
            features = read_sql(warehouse, churn.FEATURES_SQL)
        trained = churn.train(features)
    except InsufficientData as exc:
        return _insufficient(
            warehouse, churn.MODEL_NAME, "churn_scores", churn.SCORE_SCHEMA, exc, now
        )
    return _serve(
        warehouse,
        churn.MODEL_NAME,
        trained,
        "churn_scores",
        lambda artefact, version: churn.score(features, artefact, version, now),
        lambda label: churn.score_baseline(features, trained, label, now),
        now,
    )


def _serve(
    warehouse: Warehouse,
    model_name: str,
    trained: Any,
    table: str,
    score: Callable[[Any, str], pl.DataFrame],
    score_baseline: Callable[[str], pl.DataFrame],
    now: datetime,
    baseline_name: str | None = None,
) -> RunSummary:
    """Register the candidate, score with the version that serves (or, while none has ever
    passed, with the baseline it was measured against, labelled as such; ``baseline_name``
    picks one when it was measured against several) and write ``table``."""
    reports = getattr(trained, "reports", None) or {}
    mine = {k: v for k, v in reports.items() if not k.endswith("baseline")} or None
    theirs = {
        k.removesuffix("_baseline"): v for k, v in reports.items() if k.endswith("baseline")
    } or None
    serving = register_run(warehouse, model_name, trained.model, trained.comparisons, now, mine)
    if serving.version is None:
        comparisons = [c for c in trained.comparisons if baseline_name in (None, c.baseline_name)]
        label = mark_baseline_serving(warehouse, model_name, comparisons, now, theirs)
        scores = score_baseline(label)
    else:
        label = serving.version
        scores = score(serving.artefact, serving.version)
    with warehouse_lock(warehouse):
        write_table(warehouse, table, scores)
    return RunSummary(
        model_name,
        serving.candidate_version,
        serving.candidate_passed,
        label,
        scores.height,
        trained.metrics,
    )


def _require_module(warehouse: Warehouse, module: str, raw_table: str) -> None:
    """The model's Odoo module must be installed. ``raw_table`` is one the module fills when
    it is installed (its stages, its locations), so it exists once extracted even on an
    empty database; an empty model is not extracted into a table at all. (The dbt staging
    models are built empty without the module, which would read as no history.)"""
    if not table_exists(warehouse, "raw_odoo", raw_table):
        raise InsufficientData(
            f"the Odoo module {module} is not installed (nothing extracted into "
            f"raw_odoo.{raw_table})"
        )


def run_deals(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    try:
        _require_module(warehouse, "crm", "crm_stage")
        with warehouse_lock(warehouse):
            leads = read_sql(warehouse, deals.LEADS_SQL)
            events = read_sql(warehouse, deals.EVENTS_SQL)
            as_of = read_sql(warehouse, deals.AS_OF_SQL)["as_of"][0]
        trained = deals.train(leads, events, as_of)
    except InsufficientData as exc:
        return _insufficient(
            warehouse, deals.MODEL_NAME, "deal_scores", deals.SCORE_SCHEMA, exc, now
        )
    return _serve(
        warehouse,
        deals.MODEL_NAME,
        trained,
        "deal_scores",
        lambda artefact, version: deals.score(leads, events, as_of, artefact, version, now),
        lambda label: deals.score_baseline(leads, events, as_of, trained.model, label, now),
        now,
    )


def run_stockout(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    try:
        _require_module(warehouse, "stock", "stock_location")
        with warehouse_lock(warehouse):
            demand = read_sql(warehouse, stockout.DEMAND_SQL)
            cover = read_sql(warehouse, stockout.COVER_SQL)
            moves = read_sql(warehouse, stockout.MOVES_SQL)
        trained = stockout.train(demand, cover, moves=moves)
    except InsufficientData as exc:
        return _insufficient(
            warehouse, stockout.MODEL_NAME, "stockout_predictions", stockout.SCORE_SCHEMA, exc, now
        )
    return _serve(
        warehouse,
        stockout.MODEL_NAME,
        trained,
        "stockout_predictions",
        lambda artefact, version: stockout.score(demand, cover, artefact, version, now),
        lambda label: stockout.score_baseline(demand, cover, label, now),
        now,
    )


def run_anomalies(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    try:
        with warehouse_lock(warehouse):
            lines = read_sql(warehouse, anomalies.ENTRIES_SQL)
            expenses = read_sql(warehouse, anomalies.EXPENSES_SQL)
            duplicates = read_sql(warehouse, anomalies.DUPLICATES_SQL)
    except InsufficientData as exc:
        return _insufficient(
            warehouse, anomalies.MODEL_NAME, "anomalies", anomalies.SCORE_SCHEMA, exc, now
        )
    try:
        trained = anomalies.train(lines, expenses)
    except InsufficientData as exc:
        # the rule baseline (exact duplicate expenses, entries far from their journal's
        # usual amount) needs no training: it serves
        return _insufficient(
            warehouse,
            anomalies.MODEL_NAME,
            "anomalies",
            anomalies.SCORE_SCHEMA,
            exc,
            now,
            (
                anomalies.BASELINE_NAME,
                lambda label: anomalies.score_baseline(lines, duplicates, label, now),
            ),
        )
    return _serve(
        warehouse,
        anomalies.MODEL_NAME,
        trained,
        "anomalies",
        lambda artefact, version: anomalies.score(
            lines, expenses, duplicates, artefact, version, now
        ),
        lambda label: anomalies.score_baseline(lines, duplicates, label, now),
        now,
    )


def run_forecasts(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    """Forecasts are gated and served per kind of series (``forecasts.<kind>`` in
    ``ml.model_runs``): revenue can be served by its baseline while the engine, having beaten
    both baselines beyond noise on demand, serves demand. One ``ml.forecasts`` table."""
    now = now or datetime.now(UTC)
    try:
        with warehouse_lock(warehouse):
            revenue = read_sql(warehouse, forecasting.REVENUE_SQL)
            cash = read_sql(warehouse, forecasting.CASH_SQL)
            demand = read_sql(warehouse, forecasting.DEMAND_SQL)
            as_of = read_sql(warehouse, forecasting.AS_OF_SQL)["as_of"][0]
        if as_of is None:
            raise InsufficientData(
                "no cash position: finance.fct_cash_position has no rows (no bank or cash "
                "journal entries yet); needs 1"
            )
    except InsufficientData as exc:
        return _insufficient(
            warehouse, forecasting.MODEL_NAME, "forecasts", forecasting.SCORE_SCHEMA, exc, now
        )
    series = forecasting.build_series(revenue, cash, demand, as_of)
    trained = forecasting.train(series)
    frames = []
    candidates, serving, passed = [], [], True
    for kind, comparisons in trained.by_kind.items():
        name = forecasting.part_name(kind)
        mine = [s for s in series if s.kind == kind]
        outcome = register_run(warehouse, name, trained.model, comparisons, now)
        candidates.append(f"{kind}:{outcome.candidate_version}")
        passed = passed and outcome.candidate_passed
        if outcome.version is None:
            best = forecasting.best_baseline(trained, kind)
            label = mark_baseline_serving(
                warehouse, name, [c for c in comparisons if c.baseline_name == best], now
            )
            frames.append(forecasting.forecast_baseline(mine, best, label, now, trained.caches))
        else:
            label = outcome.version
            # the backtest's fits are reused only by the configuration that made them
            caches = trained.caches if outcome.artefact == trained.model else None
            frames.append(forecasting.forecast(mine, outcome.artefact, label, now, caches))
        serving.append(f"{kind}:{label}")
    scores = pl.concat(frames) if frames else pl.DataFrame(schema=forecasting.SCORE_SCHEMA)
    with warehouse_lock(warehouse):
        write_table(warehouse, "forecasts", scores)
    return RunSummary(
        forecasting.MODEL_NAME,
        ", ".join(candidates) or "none",
        passed and bool(candidates),
        ", ".join(serving) or None,
        scores.height,
        metrics={
            f"{kind}_{name}": value
            for kind, values in trained.by_series.items()
            for name, value in values.items()
        }
        | {
            f"{kind}_{what}_{name}": float(count)
            for what, counts in (("chosen", trained.chosen), ("state", trained.states))
            for kind, by_name in counts.items()
            for name, count in by_name.items()
        },
        per_series={
            key: {("model" if k == forecasting.MODEL_LABEL else k): v for k, v in values.items()}
            for key, values in trained.per_series.items()
        },
    )
