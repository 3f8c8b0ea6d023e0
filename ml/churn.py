"""Customer churn risk: the probability that an active customer stops ordering in the next
90 days, with the features that push each customer's risk up.

Why this label: ``orders_next_90d = 0`` alone is mostly noise for customers who order twice a
year (a quiet quarter is their normal). Churn means a customer *breaks their rhythm*, so the
label is "no order in the next 90 days" for customers who averaged at least one order a
quarter over the last 12 months, and 0 for the others (their silence says nothing yet).

Why logistic regression: its log-odds are a sum of ``coefficient x standardised value``, so
the top reasons shown for a customer are exactly what moved their score — no SHAP needed.

Why a rhythm-break term on top: in the history the label can learn from, almost every quiet
quarter is chance (ordinary customers order memorylessly), so a regression learns little
about a customer who has *stopped*. For a regular customer (one expected order a quarter or
more) whose silence has lasted ``g`` usual gaps, ``1 - exp(-(g - 1))`` is how unlikely that
silence is as chance beyond one normal gap (the Poisson survival of their own rhythm). The
served probability is ``1 - (1 - p_model) * (1 - p_break)``: either way of not ordering.
It is validated exactly as served; in the reasons it appears as ``rhythm_break``.

Time-based split: the training rows' label windows (period end + 90 days) all close before
the first validation period end, so no training label has seen the validation months.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.lifecycle import Comparison, InsufficientData

MODEL_NAME = "churn"
LABEL_HORIZON_DAYS = 90
ACTIVE_WITHIN_DAYS = 365
VALIDATION_MONTHS = 3

FEATURES = [
    "silence_vs_rhythm",
    "orders_3m_vs_year",
    "orders_6m_vs_year",
    "revenue_3m_vs_year",
    "order_trend_ratio",
    "revenue_trend_ratio",
    "expected_orders_90d",
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
    """Derived features (relative to each customer's own rhythm) and the label."""
    age = (pl.col("period_end_date") - pl.col("first_order_date")).dt.total_days().clip(30)
    gap = age / pl.col("orders_to_date").clip(1)
    year = pl.col("orders_12m")
    out = features.with_columns(
        pl.col(pl.Decimal).cast(pl.Float64),
    ).with_columns(
        (pl.col("days_since_last_order") / gap).alias("silence_vs_rhythm"),
        (pl.col("orders_3m") / (year / 4)).alias("orders_3m_vs_year"),
        (pl.col("orders_6m") / (year / 2)).alias("orders_6m_vs_year"),
        (pl.col("revenue_3m") / (pl.col("revenue_12m") / 4)).alias("revenue_3m_vs_year"),
        (LABEL_HORIZON_DAYS / gap).alias("expected_orders_90d"),
        pl.when(pl.col("orders_next_90d").is_null())
        .then(None)
        .otherwise(((pl.col("orders_next_90d") == 0) & (year / 4 >= 1)).cast(pl.Int8))
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


def rhythm_break(frame: pl.DataFrame) -> np.ndarray:
    """Probability that a regular customer's silence is not chance (see the module doc)."""
    gaps = np.nan_to_num(frame["silence_vs_rhythm"].to_numpy().astype(float))
    regular = np.nan_to_num(frame["expected_orders_90d"].to_numpy().astype(float)) >= 1
    return np.where(regular, 1 - np.exp(-np.clip(gaps - 1, 0, None)), 0.0)


def combine(p_model: np.ndarray, p_break: np.ndarray) -> np.ndarray:
    return 1 - (1 - p_model) * (1 - p_break)


def fit_calibration(combined: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling of the combined score on labelled rows: ``(slope, intercept)`` of a
    logistic regression on its log-odds. The rhythm-break term says how unlikely a silence
    is as chance, not how often such customers go on to stay silent for 90 days, so the
    combined score alone is over-confident (0.9 at 3.3 usual gaps, which ordinary customers
    reach by chance); calibrated, 0.9 means 9 in 10 such customers did not order. Monotone,
    so the ranking (and every ranking metric) is unchanged."""
    lr = LogisticRegression(C=1e6, max_iter=2000)
    lr.fit(_logit(combined).reshape(-1, 1), y)
    slope = max(float(lr.coef_[0][0]), 1e-6)  # never reverses the ranking
    return slope, float(lr.intercept_[0])


def calibrate(combined: np.ndarray, calibration: tuple[float, float] | None) -> np.ndarray:
    if calibration is None:  # an artefact saved before calibration existed
        return combined
    slope, intercept = calibration
    return np.asarray(1.0 / (1.0 + np.exp(-(slope * _logit(combined) + intercept))))


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


@dataclass(frozen=True)
class Split:
    train: pl.DataFrame
    validation: pl.DataFrame


def time_split(prepared: pl.DataFrame, validation_months: int = VALIDATION_MONTHS) -> Split:
    """Validate on the last labelled months; train on rows whose label window closed before
    the first validation period end (the 90-day embargo)."""
    labelled = prepared.filter(pl.col("churned").is_not_null())
    months = sorted(labelled["period_month_date"].unique().to_list())
    if len(months) < validation_months + 4:
        raise InsufficientData(
            f"insufficient history: {len(months)} labelled months of customer activity "
            f"(a month is labelled {LABEL_HORIZON_DAYS} days after it ends), "
            f"needs {validation_months + 4}"
        )
    validation = labelled.filter(pl.col("period_month_date") >= months[-validation_months])
    first_val_end: date = validation["period_end_date"].min()  # type: ignore[assignment]
    embargo = first_val_end - timedelta(days=LABEL_HORIZON_DAYS)
    train = labelled.filter(pl.col("period_end_date") <= embargo)
    return Split(train, validation)


def best_single_feature(train: pl.DataFrame) -> tuple[str, float]:
    """The baseline: the one feature (and direction) that ranks the *training* rows best —
    the threshold rule a person would write — judged on validation like the model."""
    y = train["churned"].to_numpy()
    best = ("days_since_last_order", 1.0, 0.5)
    for feature in FEATURES:
        x = np.nan_to_num(train[feature].to_numpy().astype(float), nan=0.0)
        auc = float(roc_auc_score(y, x))
        sign = 1.0 if auc >= 0.5 else -1.0
        if max(auc, 1 - auc) > best[2]:
            best = (feature, sign, max(auc, 1 - auc))
    return best[0], best[1]


@dataclass(frozen=True)
class ChurnTraining:
    pipeline: Pipeline
    comparisons: list[Comparison]
    metrics: dict[str, float]
    # the baseline rule it was measured against: (feature, direction), and that rule as a
    # probability (a one-feature logistic regression on every labelled row, same ranking)
    rule: tuple[str, float]
    baseline: Pipeline

    @property
    def model(self) -> Pipeline:
        """The candidate, under the name the shared serving step reads."""
        return self.pipeline


def train(features: pl.DataFrame) -> ChurnTraining:
    """Fit on the early months, validate on the later ones against the recency rule, then
    refit on every labelled month for serving."""
    prepared = prepare(features)
    split = time_split(prepared)
    for part, rows in (("training", split.train), ("validation", split.validation)):
        churned = int(rows["churned"].sum())
        if churned in (0, rows.height):
            raise InsufficientData(
                f"insufficient classes: {churned} of {rows.height} {part} customer-months "
                "churned; needs churned and retained customers"
            )
    pipe = make_pipeline()
    pipe.fit(matrix(split.train), split.train["churned"].to_numpy())
    y_val = split.validation["churned"].to_numpy()
    p_val = combine(
        pipe.predict_proba(matrix(split.validation))[:, 1], rhythm_break(split.validation)
    )
    rule, sign = best_single_feature(split.train)
    baseline = sign * np.nan_to_num(split.validation[rule].to_numpy().astype(float), nan=0.0)
    metrics = {
        "roc_auc": float(roc_auc_score(y_val, p_val)),
        "pr_auc": float(average_precision_score(y_val, p_val)),
        "baseline_roc_auc": float(roc_auc_score(y_val, baseline)),
        "baseline_pr_auc": float(average_precision_score(y_val, baseline)),
        "prevalence": float(y_val.mean()),
    }
    name = f"rule:{'-' if sign < 0 else '+'}{rule}"
    comparisons = [
        Comparison("roc_auc", metrics["roc_auc"], name, metrics["baseline_roc_auc"]),
        Comparison("pr_auc", metrics["pr_auc"], name, metrics["baseline_pr_auc"]),
    ]
    labelled = prepared.filter(pl.col("churned").is_not_null())
    final = make_pipeline()
    y_all = labelled["churned"].to_numpy()
    final.fit(matrix(labelled), y_all)
    combined_all = combine(final.predict_proba(matrix(labelled))[:, 1], rhythm_break(labelled))
    final.calibration_ = fit_calibration(combined_all, y_all)  # type: ignore[attr-defined]
    # calibration in the large, out of sample: calibrated on the training rows, the mean
    # validation probability beside the validation prevalence
    p_train = combine(pipe.predict_proba(matrix(split.train))[:, 1], rhythm_break(split.train))
    on_train = fit_calibration(p_train, split.train["churned"].to_numpy())
    metrics["calibrated_mean"] = float(calibrate(p_val, on_train).mean())
    return ChurnTraining(final, comparisons, metrics, (rule, sign), _fit_rule(labelled, rule, sign))


def _rule_matrix(frame: pl.DataFrame, rule: str, sign: float) -> np.ndarray:
    return sign * np.nan_to_num(frame[rule].to_numpy().astype(float), nan=0.0).reshape(-1, 1)


def _fit_rule(labelled: pl.DataFrame, rule: str, sign: float) -> Pipeline:
    """The baseline rule as a probability: a logistic regression on its one feature, with
    the coefficient kept non-negative so the ranking is the rule's own."""
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=2000)),
        ]
    )
    y = labelled["churned"].to_numpy()
    pipe.fit(_rule_matrix(labelled, rule, sign), y)
    if pipe.named_steps["model"].coef_[0][0] < 0:  # the rule ranks the other way on all rows
        pipe.named_steps["model"].coef_[0][0] = 0.0
    return pipe


def score_baseline(
    features: pl.DataFrame, training: ChurnTraining, label: str, now: datetime | None = None
) -> pl.DataFrame:
    """Scores from the baseline rule, served while no churn model version has passed: the
    probability of the one-feature regression, and that feature as the only reason."""
    rule, sign = training.rule
    prepared = prepare(features)
    latest = prepared["period_month_date"].max()
    current = prepared.filter(pl.col("period_month_date") == latest)
    x = _rule_matrix(current, rule, sign)
    proba = training.baseline.predict_proba(x)[:, 1]
    z = training.baseline.named_steps["scale"].transform(x)[:, 0]
    coef = float(training.baseline.named_steps["model"].coef_[0][0])
    raw = current[rule].to_numpy().astype(float)
    reasons = [
        json.dumps(
            [
                {
                    "feature": rule,
                    "value": None if np.isnan(raw[i]) else round(float(raw[i]), 4),
                    "contribution": round(float(z[i] * coef), 4),
                }
            ]
        )
        for i in range(current.height)
    ]
    return _score_frame(current, proba, reasons, label, now)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(p / (1 - p)))


def top_reasons(
    pipe: Pipeline,
    x: np.ndarray,
    raw: np.ndarray,
    p_model: np.ndarray | None = None,
    p_break: np.ndarray | None = None,
    silence: np.ndarray | None = None,
    k: int = 3,
) -> list[str]:
    """Per row, the ``k`` features adding most to the log-odds: coefficient x standardised
    value (the logistic regression's exact decomposition), with the raw value beside it; the
    rhythm break counts with the log-odds it adds on top of the model."""
    z = pipe.named_steps["scale"].transform(pipe.named_steps["impute"].transform(x))
    contrib = z * pipe.named_steps["model"].coef_[0]
    names = list(FEATURES)
    values = raw
    if p_model is not None and p_break is not None and silence is not None:
        extra = _logit(combine(p_model, p_break)) - _logit(p_model)
        contrib = np.column_stack([contrib, extra])
        names.append("rhythm_break")
        values = np.column_stack([raw, silence])
    out = []
    for i in range(contrib.shape[0]):
        order = np.argsort(-contrib[i])[:k]
        out.append(
            json.dumps(
                [
                    {
                        "feature": names[j],
                        "value": None if np.isnan(values[i, j]) else round(float(values[i, j]), 4),
                        "contribution": round(float(contrib[i, j]), 4),
                    }
                    for j in order
                ]
            )
        )
    return out


def score(
    features: pl.DataFrame, pipe: Pipeline | None, version: str | None, now: datetime | None = None
) -> pl.DataFrame:
    """Scores of every active customer in the latest month (empty when nothing serves)."""
    if pipe is None or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    prepared = prepare(features)
    latest = prepared["period_month_date"].max()
    current = prepared.filter(pl.col("period_month_date") == latest)
    x = matrix(current)
    p_model = pipe.predict_proba(x)[:, 1]
    p_break = rhythm_break(current)
    proba = calibrate(combine(p_model, p_break), getattr(pipe, "calibration_", None))
    reasons = top_reasons(pipe, x, x, p_model, p_break, current["silence_vs_rhythm"].to_numpy())
    return _score_frame(current, proba, reasons, version, now)


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
        schema_overrides={"top_reasons": pl.Utf8},
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
