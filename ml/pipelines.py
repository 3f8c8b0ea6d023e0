"""One function per model: read the marts, train a candidate, register it against its
baseline, score with whichever version serves, write the ``ml.*`` table.

These are what the Dagster assets and ``bench/ml_quality.py`` call, so both run exactly the
same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ml import anomalies, churn, deals, forecasting, stockout
from ml.lifecycle import mark_baseline_serving, register_run
from ml.warehouse_io import read_sql, warehouse_lock, write_table
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


def run_churn(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    with warehouse_lock(warehouse):
        features = read_sql(warehouse, churn.FEATURES_SQL)
    trained = churn.train(features)
    serving = register_run(warehouse, churn.MODEL_NAME, trained.pipeline, trained.comparisons, now)
    scores = churn.score(features, serving.artefact, serving.version, now)
    with warehouse_lock(warehouse):
        write_table(warehouse, "churn_scores", scores)
    return RunSummary(
        churn.MODEL_NAME,
        serving.candidate_version,
        serving.candidate_passed,
        serving.version,
        scores.height,
        trained.metrics,
    )


def run_deals(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    with warehouse_lock(warehouse):
        leads = read_sql(warehouse, deals.LEADS_SQL)
        visits = read_sql(warehouse, deals.VISITS_SQL)
    trained = deals.train(leads, visits)
    serving = register_run(warehouse, deals.MODEL_NAME, trained.model, trained.comparisons, now)
    if serving.version is None:  # never passed: the baselines serve, labelled as such
        label = mark_baseline_serving(warehouse, deals.MODEL_NAME, trained.comparisons, now)
        scores = deals.score_baseline(leads, visits, trained.model, label, now)
    else:
        label = serving.version
        scores = deals.score(leads, visits, serving.artefact, serving.version, now)
    with warehouse_lock(warehouse):
        write_table(warehouse, "deal_scores", scores)
    return RunSummary(
        deals.MODEL_NAME,
        serving.candidate_version,
        serving.candidate_passed,
        label,
        scores.height,
        trained.metrics,
    )


def run_stockout(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    with warehouse_lock(warehouse):
        demand = read_sql(warehouse, stockout.DEMAND_SQL)
        cover = read_sql(warehouse, stockout.COVER_SQL)
    trained = stockout.train(demand, cover)
    serving = register_run(warehouse, stockout.MODEL_NAME, trained.model, trained.comparisons, now)
    if serving.version is None:
        label = mark_baseline_serving(warehouse, stockout.MODEL_NAME, trained.comparisons, now)
        scores = stockout.score_baseline(demand, cover, label, now)
    else:
        label = serving.version
        scores = stockout.score(demand, cover, serving.artefact, serving.version, now)
    with warehouse_lock(warehouse):
        write_table(warehouse, "stockout_predictions", scores)
    return RunSummary(
        stockout.MODEL_NAME,
        serving.candidate_version,
        serving.candidate_passed,
        label,
        scores.height,
        trained.metrics,
    )


def run_anomalies(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    with warehouse_lock(warehouse):
        lines = read_sql(warehouse, anomalies.ENTRIES_SQL)
        expenses = read_sql(warehouse, anomalies.EXPENSES_SQL)
        duplicates = read_sql(warehouse, anomalies.DUPLICATES_SQL)
    trained = anomalies.train(lines, expenses)
    serving = register_run(warehouse, anomalies.MODEL_NAME, trained.model, trained.comparisons, now)
    if serving.version is None:
        label = mark_baseline_serving(warehouse, anomalies.MODEL_NAME, trained.comparisons, now)
        flags = anomalies.score_baseline(lines, duplicates, label, now)
    else:
        label = serving.version
        flags = anomalies.score(lines, expenses, duplicates, serving.artefact, serving.version, now)
    with warehouse_lock(warehouse):
        write_table(warehouse, "anomalies", flags)
    return RunSummary(
        anomalies.MODEL_NAME,
        serving.candidate_version,
        serving.candidate_passed,
        label,
        flags.height,
        trained.metrics,
    )


def run_forecasts(warehouse: Warehouse, now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    with warehouse_lock(warehouse):
        revenue = read_sql(warehouse, forecasting.REVENUE_SQL)
        cash = read_sql(warehouse, forecasting.CASH_SQL)
        demand = read_sql(warehouse, forecasting.DEMAND_SQL)
        as_of = read_sql(warehouse, forecasting.AS_OF_SQL)["as_of"][0]
    series = forecasting.build_series(revenue, cash, demand, as_of)
    trained = forecasting.train(series)
    serving = register_run(
        warehouse, forecasting.MODEL_NAME, trained.model, trained.comparisons, now
    )
    frame = forecasting.forecast(series, serving.artefact, serving.version, now)
    with warehouse_lock(warehouse):
        write_table(warehouse, "forecasts", frame)
    metrics = {
        f"{kind}_{name}": value
        for kind, values in trained.by_series.items()
        for name, value in values.items()
    }
    return RunSummary(
        forecasting.MODEL_NAME,
        serving.candidate_version,
        serving.candidate_passed,
        serving.version,
        frame.height,
        metrics,
        {
            key: {("model" if k == forecasting.MODEL_LABEL else k): v for k, v in values.items()}
            for key, values in trained.per_series.items()
        },
    )
