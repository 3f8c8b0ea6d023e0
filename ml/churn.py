"""Customer churn risk: the probability that a regular customer places no order in the next
90 days, with the features that push each customer's risk up.

Who can churn (eligibility): a customer with a rhythm to break — at least ``MIN_ORDERS``
confirmed orders to date, whose median gap between orders (as of the period end) is at most
the 90-day label window, and who ordered within the last year. Only eligible customer-months
are labelled, trained on, validated and scored; the model and the baseline are compared on
exactly the same rows. (The label used to be "0" for every customer below four orders a
year, so that flag alone predicted it; now eligibility is a filter, not a label.)

The baseline is what a practitioner would look at: silence in the customer's own rhythm,
days since the last order / their median gap, so a regular customer gone quiet for four
usual gaps ranks above one who ordered last week. Its probability is a one-feature logistic
regression on that ratio (non-decreasing), fitted on the calibration months.

The model: a logistic regression on recency, frequency, revenue, trend, payment and contact
features (its log-odds are a sum of ``coefficient x standardised value``, so the top reasons
are exactly what moved a score), Platt-calibrated **out of sample**.

Time blocks (every label window closes before the next block's first period end):
``train`` | 90-day embargo | ``calibration`` (3 months) | 90-day embargo | ``validation``
(last 3 labelled months). The model is fitted on ``train``, its calibration on
``calibration``, and both are judged on ``validation`` against the baseline (also fitted on
``calibration``). The served version is rebuilt the same way one block later: fitted on
the rows whose labels closed before the last three labelled months, calibrated on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.evaluation import CalibrationReport, Platt, brier, calibration_report, logit, roc_auc
from ml.lifecycle import Comparison, InsufficientData

MODEL_NAME = "churn"
LABEL_HORIZON_DAYS = 90
ACTIVE_WITHIN_DAYS = 365
VALIDATION_MONTHS = 3
CALIBRATION_MONTHS = 3
MIN_TRAIN_MONTHS = 3
MIN_ORDERS = 3  # two gaps: the least that makes a rhythm
MAX_MEDIAN_GAP_DAYS = LABEL_HORIZON_DAYS  # usually orders at least once per label window

BASELINE_FEATURE = "silence_in_gaps"
BASELINE_NAME = "rule:days_since_last_order/median_gap"

FEATURES = [
    "silence_in_gaps",
    "log_silence_in_gaps",
    "median_order_gap_days",
    "orders_3m_vs_year",
    "orders_6m_vs_year",
    "revenue_3m_vs_year",
    "order_trend_ratio",
    "revenue_trend_ratio",
    "days_since_last_order",
    "orders_3m",
    "orders_6m",
    "orders_12m",
    "avg_days_late",
    "late_paid_share",
    "open_task_count",
    "message_count_90d",
    "open_activity_count",
    "tenure_months",
]

FEATURES_SQL = "select * from customers.fct_customer_features_monthly"
# what this model reads (its lineage: orchestration/lineage.py makes the Dagster deps of it)
READS = ("customers.fct_customer_features_monthly",)

SCORE_SCHEMA: dict[str, Any] = {
    "company_id": pl.Int64,
    "partner_id": pl.Int64,
    "customer_key": pl.Utf8,
    "churn_probability": pl.Float64,
    "risk_rank": pl.Int64,
    "top_reasons": pl.Utf8,
    "model_version": pl.Utf8,
    "scored_at": pl.Datetime("us"),
}


def prepare(features: pl.DataFrame) -> pl.DataFrame:
    """Derived features (relative to each customer's own rhythm), eligibility and the label
    (NULL where the 90 days after the period end are not over yet). Active customers only."""
    year = pl.col("orders_12m")
    gap = pl.col("median_order_gap_days").clip(1.0)
    silence = pl.col("days_since_last_order") / gap
    out = features.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).with_columns(
        silence.alias("silence_in_gaps"),
        silence.log1p().alias("log_silence_in_gaps"),
        (pl.col("orders_3m") / (year / 4)).alias("orders_3m_vs_year"),
        (pl.col("orders_6m") / (year / 2)).alias("orders_6m_vs_year"),
        (pl.col("revenue_3m") / (pl.col("revenue_12m") / 4)).alias("revenue_3m_vs_year"),
        (
            (pl.col("orders_to_date") >= MIN_ORDERS)
            & pl.col("median_order_gap_days").is_not_null()
            & (pl.col("median_order_gap_days") <= MAX_MEDIAN_GAP_DAYS)
        )
        .fill_null(False)
        .alias("eligible"),
        pl.when(pl.col("orders_next_90d").is_null())
        .then(None)
        .otherwise((pl.col("orders_next_90d") == 0).cast(pl.Int8))
        .alias("churned"),
    )
    out = out.with_columns(
        [
            pl.when(pl.col(f).is_infinite() | pl.col(f).is_nan())
            .then(None)
            .otherwise(pl.col(f))
            .cast(pl.Float64)
            .alias(f)
            for f in FEATURES
        ]
    )
    return out.filter(pl.col("days_since_last_order") <= ACTIVE_WITHIN_DAYS)


def matrix(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(FEATURES).to_numpy().astype(float)


def make_pipeline() -> Pipeline:
    """The estimator; a function so tests can swap in a broken one."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )


def baseline_input(frame: pl.DataFrame) -> np.ndarray:
    """The baseline's one input: log(1 + silence in usual gaps)."""
    return np.log1p(np.nan_to_num(frame[BASELINE_FEATURE].to_numpy().astype(float), nan=0.0))


@dataclass
class ChurnModel:
    """What serves: the regression and its out-of-sample calibration (Platt on its log-odds),
    the baseline's calibration, and the months each was fitted on."""

    pipeline: Pipeline
    calibration: Platt
    baseline: Platt
    trained_through: date | None = None
    calibrated_on: tuple[date, date] | None = None

    def raw(self, frame: pl.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(matrix(frame))[:, 1])

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return self.calibration(logit(self.raw(frame)))

    def predict_baseline(self, frame: pl.DataFrame) -> np.ndarray:
        return self.baseline(baseline_input(frame))


@dataclass(frozen=True)
class Blocks:
    train: pl.DataFrame
    calibration: pl.DataFrame
    validation: pl.DataFrame


def _before(frame: pl.DataFrame, months: list[date], first: date) -> pl.DataFrame:
    """Rows whose label window closed before the period end of month ``first``."""
    end: date = frame.filter(pl.col("period_month_date") == first)["period_end_date"].min()  # type: ignore[assignment]
    return frame.filter(pl.col("period_end_date") <= end - timedelta(days=LABEL_HORIZON_DAYS))


def labelled(prepared: pl.DataFrame) -> pl.DataFrame:
    """Eligible customer-months whose 90 days are over."""
    return prepared.filter(pl.col("eligible") & pl.col("churned").is_not_null())


def blocks(prepared: pl.DataFrame, validation_months: int = VALIDATION_MONTHS) -> Blocks:
    """train | embargo | calibration | embargo | validation (see the module doc); with
    ``validation_months = 0`` the serving split: train | embargo | calibration (the last
    labelled months)."""
    rows = labelled(prepared)
    months = sorted(rows["period_month_date"].unique().to_list())
    need = (
        validation_months
        + CALIBRATION_MONTHS
        + MIN_TRAIN_MONTHS
        + 3 * (2 if validation_months else 1)
    )
    if len(months) < need:
        raise InsufficientData(
            f"insufficient history: {len(months)} labelled months of regular customers "
            f"(a month is labelled {LABEL_HORIZON_DAYS} days after it ends), needs {need}"
        )
    if validation_months:
        validation = rows.filter(pl.col("period_month_date") >= months[-validation_months])
        earlier = _before(rows, months, months[-validation_months])
    else:
        validation = rows.clear()
        earlier = rows
    cal_months = sorted(earlier["period_month_date"].unique().to_list())[-CALIBRATION_MONTHS:]
    calibration = earlier.filter(pl.col("period_month_date") >= cal_months[0])
    train = _before(earlier, cal_months, cal_months[0])
    return Blocks(train, calibration, validation)


def time_split(prepared: pl.DataFrame, validation_months: int = VALIDATION_MONTHS) -> Blocks:
    """The validation split (kept under its old name for callers)."""
    return blocks(prepared, validation_months)


def _need_classes(frame: pl.DataFrame, part: str) -> None:
    churned = int(frame["churned"].sum() or 0)
    if churned in (0, frame.height):
        raise InsufficientData(
            f"insufficient classes: {churned} of {frame.height} {part} regular customer-months "
            "churned; needs churned and retained customers"
        )


def fit(split: Blocks) -> ChurnModel:
    """Fit the regression on ``train``, calibrate it and the baseline on ``calibration``."""
    _need_classes(split.train, "training")
    pipe = make_pipeline()
    pipe.fit(matrix(split.train), split.train["churned"].to_numpy())
    y_cal = split.calibration["churned"].to_numpy()
    raw = np.asarray(pipe.predict_proba(matrix(split.calibration))[:, 1])
    months = split.calibration["period_month_date"]
    return ChurnModel(
        pipe,
        Platt.fit(logit(raw), y_cal),
        Platt.fit(baseline_input(split.calibration), y_cal),
        split.train["period_month_date"].max(),  # type: ignore[arg-type]
        (months.min(), months.max()),  # type: ignore[arg-type]
    )


def probe() -> pl.DataFrame:
    """Two hand-built regular customers, alike but for one thing: one ordered a week ago, the
    other has been silent for four of their usual 30-day gaps."""
    base = {
        "median_order_gap_days": 30.0,
        "orders_12m": 12.0,
        "order_trend_ratio": 1.0,
        "revenue_trend_ratio": 1.0,
        "avg_days_late": 5.0,
        "late_paid_share": 0.2,
        "open_task_count": 0.0,
        "message_count_90d": 2.0,
        "open_activity_count": 0.0,
        "tenure_months": 24.0,
    }
    active = base | {
        "customer": "active",
        "days_since_last_order": 7.0,
        "orders_3m": 3.0,
        "orders_6m": 6.0,
        "orders_3m_vs_year": 1.0,
        "orders_6m_vs_year": 1.0,
        "revenue_3m_vs_year": 1.0,
    }
    silent = base | {
        "customer": "silent",
        "days_since_last_order": 120.0,
        "orders_3m": 0.0,
        "orders_6m": 3.0,
        "orders_3m_vs_year": 0.0,
        "orders_6m_vs_year": 0.5,
        "revenue_3m_vs_year": 0.0,
        "order_trend_ratio": 0.0,
        "revenue_trend_ratio": 0.0,
    }
    frame = pl.DataFrame([active, silent])
    silence = pl.col("days_since_last_order") / pl.col("median_order_gap_days")
    return frame.with_columns(
        silence.alias("silence_in_gaps"), silence.log1p().alias("log_silence_in_gaps")
    )


def silent_first(model: ChurnModel, baseline: bool = False) -> bool:
    """The obvious case: the silent regular customer ranks above the active one."""
    p = model.predict_baseline(probe()) if baseline else model.predict(probe())
    return bool(p[1] > p[0])


@dataclass(frozen=True)
class ChurnTraining:
    model: ChurnModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    calibration: CalibrationReport | None = None
    baseline_calibration: CalibrationReport | None = None
    eligibility: dict[str, float] = field(default_factory=dict)

    @property
    def reports(self) -> dict[str, CalibrationReport]:
        """Held-out calibration of the model and of the baseline (``ml.model_runs``)."""
        out = {}
        if self.calibration is not None:
            out["churn"] = self.calibration
        if self.baseline_calibration is not None:
            out["churn_baseline"] = self.baseline_calibration
        return out


def _rate(rows: pl.DataFrame) -> float:
    """Share of ``rows`` with no order in the next 90 days (NaN without rows)."""
    if not rows.height:
        return float("nan")
    return float(rows["churned"].cast(pl.Float64).to_numpy().mean())


def eligibility_report(prepared: pl.DataFrame) -> dict[str, float]:
    """How many labelled active customer-months are eligible, and the churn rate inside and
    outside (applied equally to the model and the baseline)."""
    lab = prepared.filter(pl.col("churned").is_not_null())
    inside = lab.filter(pl.col("eligible"))
    outside = lab.filter(~pl.col("eligible"))
    return {
        "labelled_rows": float(lab.height),
        "eligible_rows": float(inside.height),
        "eligible_share": inside.height / lab.height if lab.height else float("nan"),
        "eligible_churn_rate": _rate(inside),
        "ineligible_no_order_rate": _rate(outside),
    }


def train(features: pl.DataFrame) -> ChurnTraining:
    """Fit on the early block, calibrate on the middle one, judge on the last against the
    silence rule on the same rows; then rebuild the served version one block later."""
    prepared = prepare(features)
    split = blocks(prepared)
    for part, rows in (("calibration", split.calibration), ("validation", split.validation)):
        _need_classes(rows, part)
    candidate = fit(split)
    val = split.validation
    y = val["churned"].to_numpy()
    p = candidate.predict(val)
    b = candidate.predict_baseline(val)
    groups = val["customer_key"].to_numpy()
    comparisons = [
        Comparison.bootstrap("roc_auc", roc_auc, y, p, BASELINE_NAME, b, groups=groups),
        Comparison.bootstrap("brier", brier, y, p, BASELINE_NAME, b, groups=groups),
        # the obvious case, on hand-built customers: required, not a metric
        Comparison("silent_regular_ranked_first", float(silent_first(candidate)), "required", 1.0),
    ]
    report, base_report = calibration_report(y, p), calibration_report(y, b)
    metrics = {
        "roc_auc": comparisons[0].metric_value,
        "baseline_roc_auc": comparisons[0].baseline_value,
        "pr_auc": float(average_precision_score(y, p)),
        "baseline_pr_auc": float(average_precision_score(y, b)),
        "prevalence": float(y.mean()),
        "calibrated_mean": float(p.mean()),
        "baseline_calibrated_mean": float(b.mean()),
        "validation_rows": float(len(y)),
        "validation_customers": float(len(set(groups.tolist()))),
        "baseline_silent_first": float(silent_first(candidate, baseline=True)),
        **report.metrics("model"),
        **base_report.metrics("baseline"),
    }
    eligibility = eligibility_report(prepared)
    metrics |= {f"eligibility_{k}": v for k, v in eligibility.items()}
    serving = blocks(prepared, validation_months=0)
    _need_classes(serving.calibration, "calibration")
    final = fit(serving)
    return ChurnTraining(final, comparisons, metrics, report, base_report, eligibility)


def top_reasons(pipe: Pipeline, x: np.ndarray, k: int = 3) -> list[str]:
    """Per row, the ``k`` features adding most to the log-odds: coefficient x standardised
    value (the logistic regression's exact decomposition), with the raw value beside it."""
    z = pipe.named_steps["scale"].transform(pipe.named_steps["impute"].transform(x))
    contrib = z * pipe.named_steps["model"].coef_[0]
    out = []
    for i in range(contrib.shape[0]):
        order = np.argsort(-contrib[i])[:k]
        out.append(
            json.dumps(
                [
                    {
                        "feature": FEATURES[j],
                        "value": None if np.isnan(x[i, j]) else round(float(x[i, j]), 4),
                        "contribution": round(float(contrib[i, j]), 4),
                    }
                    for j in order
                ]
            )
        )
    return out


def current(features: pl.DataFrame) -> pl.DataFrame:
    """The eligible customers of the latest month: who is scored."""
    prepared = prepare(features)
    latest = prepared["period_month_date"].max()
    return prepared.filter((pl.col("period_month_date") == latest) & pl.col("eligible"))


def score(
    features: pl.DataFrame, model: Any, version: str | None, now: datetime | None = None
) -> pl.DataFrame:
    """Calibrated scores of every eligible customer in the latest month (empty when nothing
    serves, or when the artefact predates out-of-sample calibration)."""
    if not isinstance(model, ChurnModel) or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    rows = current(features)
    proba = model.predict(rows)
    return _score_frame(rows, proba, top_reasons(model.pipeline, matrix(rows)), version, now)


def score_baseline(
    features: pl.DataFrame, training: ChurnTraining, label: str, now: datetime | None = None
) -> pl.DataFrame:
    """Scores from the silence rule, served while no churn model version has passed: its
    calibrated probability, and silence in usual gaps as the only reason."""
    rows = current(features)
    proba = training.model.predict_baseline(rows)
    raw = rows[BASELINE_FEATURE].to_numpy().astype(float)
    reasons = [
        json.dumps(
            [
                {
                    "feature": BASELINE_FEATURE,
                    "value": None if np.isnan(raw[i]) else round(float(raw[i]), 4),
                    "contribution": round(
                        float(training.model.baseline.slope * np.log1p(raw[i])), 4
                    )
                    if not np.isnan(raw[i])
                    else 0.0,
                }
            ]
        )
        for i in range(rows.height)
    ]
    return _score_frame(rows, proba, reasons, label, now)


def _score_frame(
    current: pl.DataFrame,
    proba: np.ndarray,
    reasons: list[str],
    version: str,
    now: datetime | None,
) -> pl.DataFrame:
    scored_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    out = pl.DataFrame(
        {
            "company_id": current["company_id"].cast(pl.Int64),
            "partner_id": current["partner_id"].cast(pl.Int64),
            "customer_key": current["customer_key"].cast(pl.Utf8),
            "churn_probability": proba,
            "top_reasons": reasons,
        },
        schema_overrides={"top_reasons": pl.Utf8, "churn_probability": pl.Float64},
    )
    out = out.with_columns(
        pl.col("churn_probability")
        .rank("ordinal", descending=True)
        .cast(pl.Int64)
        .alias("risk_rank"),
        pl.lit(version).alias("model_version"),
        pl.lit(scored_at).cast(pl.Datetime("us")).alias("scored_at"),
    )
    return out.select(list(SCORE_SCHEMA)).sort("risk_rank")
