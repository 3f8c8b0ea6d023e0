"""Held-out evaluation shared by the models: the noise margin of a gate, and how good a
probability is as a probability.

``paired_bootstrap_ci`` is the gate's margin for metrics that are not a mean of per-row
losses (ROC-AUC, PR-AUC) or whose rows are correlated (snapshots of one deal): the model and
the baseline are scored on the *same* resampled held-out rows, so the interval is of their
difference, not of each alone. With ``groups`` the resampling draws whole groups (a cluster
bootstrap: every snapshot of a deal comes or goes together), so correlated rows do not pass
for independent evidence.

``calibration_report`` is what ``ml.model_runs`` stores per probability model: Brier score,
log loss, expected calibration error and the reliability table behind it, computed on rows
the model and its calibration never saw.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression

Metric = Callable[[np.ndarray, np.ndarray], float]

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20261206


@dataclass(frozen=True)
class BootstrapCI:
    """``metric(model) - metric(baseline)`` on the held-out rows, its percentile interval
    over paired resamples, and the one-sided bootstrap p-value: the share of resamples in
    which the model is no better than the baseline (``better`` says which side is better)."""

    model: float
    baseline: float
    difference: float
    low: float
    high: float
    p_value: float
    n: int  # rows (or groups, with ``groups``) resampled
    resamples: int  # resamples where the metric was defined for both


def paired_bootstrap_ci(
    metric: Metric,
    y: Sequence[float] | np.ndarray,
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    groups: Sequence[Any] | np.ndarray | None = None,
    lower_is_better: bool = False,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
) -> BootstrapCI:
    """Paired bootstrap confidence interval of ``metric(y, a) - metric(y, b)``.

    ``metric`` takes (truth, prediction) and returns a number (e.g. ``roc_auc_score``); it
    may raise ``ValueError`` on a resample it is undefined for (one class only), which is
    then skipped. Rows with a non-finite truth or prediction are dropped first. With fewer
    than two rows (groups), or fewer than half the resamples defined, the interval is NaN,
    the p-value 1 (no evidence)."""
    y_arr = np.asarray(y, dtype=float)
    a_arr = np.asarray(a, dtype=float)
    b_arr = np.asarray(b, dtype=float)
    if not (len(y_arr) == len(a_arr) == len(b_arr)):
        raise ValueError("paired_bootstrap_ci: y, a and b must have the same length")
    ok = np.isfinite(y_arr) & np.isfinite(a_arr) & np.isfinite(b_arr)
    g_arr = np.asarray(groups)[ok] if groups is not None else np.arange(int(ok.sum()))
    y_arr, a_arr, b_arr = y_arr[ok], a_arr[ok], b_arr[ok]
    nan = float("nan")
    model = _safe(metric, y_arr, a_arr)
    base = _safe(metric, y_arr, b_arr)
    diff = model - base
    keys, index = np.unique(g_arr, return_inverse=True)
    n = len(keys)
    if n < 2 or not math.isfinite(diff):
        return BootstrapCI(model, base, diff, nan, nan, 1.0, n, 0)
    members = [np.flatnonzero(index == k) for k in range(n)]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        rows = np.concatenate([members[k] for k in pick]) if groups is not None else pick
        d = _safe(metric, y_arr[rows], a_arr[rows]) - _safe(metric, y_arr[rows], b_arr[rows])
        if math.isfinite(d):
            diffs.append(d)
    if len(diffs) < resamples / 2:
        return BootstrapCI(model, base, diff, nan, nan, 1.0, n, len(diffs))
    arr = np.asarray(diffs)
    tail = (1 - confidence) / 2
    low, high = (float(v) for v in np.quantile(arr, [tail, 1 - tail]))
    worse = arr >= 0 if lower_is_better else arr <= 0
    p = float((worse.sum() + 1) / (len(arr) + 1))
    return BootstrapCI(model, base, diff, low, high, p, n, len(arr))


def _safe(metric: Metric, y: np.ndarray, p: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined on this sample (one class only): NaN
        try:
            return float(metric(y, p))
        except ValueError:
            return float("nan")


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC-AUC by the rank-sum (Mann-Whitney) identity, ties counted half: the same value
    as ``sklearn.metrics.roc_auc_score`` at a fraction of its cost, which the bootstrap pays a
    thousand times. NaN with one class only."""
    t = np.asarray(y) > 0.5
    pos = int(t.sum())
    neg = len(t) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(p, float))
    return float((ranks[t].sum() - pos * (pos + 1) / 2) / (pos * neg))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    t = np.asarray(y, float)
    return float(-np.mean(t * np.log(q) + (1 - t) * np.log(1 - q)))


RELIABILITY_BINS = 10


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Per equal-width probability bin with rows: its range, rows, mean predicted
    probability and observed rate."""
    t = np.asarray(y, float)
    q = np.asarray(p, float)
    which = np.minimum((q * bins).astype(int), bins - 1)
    out = []
    for k in range(bins):
        sel = which == k
        if sel.any():
            out.append(
                {
                    "low": k / bins,
                    "high": (k + 1) / bins,
                    "n": int(sel.sum()),
                    "predicted": round(float(q[sel].mean()), 4),
                    "observed": round(float(t[sel].mean()), 4),
                }
            )
    return out


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> float:
    """Row-weighted mean |predicted - observed| over the reliability table's bins."""
    table = reliability_table(y, p, bins)
    total = sum(r["n"] for r in table)
    if not total:
        return float("nan")
    return float(sum(r["n"] * abs(r["predicted"] - r["observed"]) for r in table) / total)


@dataclass(frozen=True)
class CalibrationReport:
    """How good held-out probabilities are as probabilities (rows the model and its
    calibration never saw)."""

    brier: float
    log_loss: float
    ece: float
    n: int
    table: list[dict]

    def metrics(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}_brier": self.brier,
            f"{prefix}_log_loss": self.log_loss,
            f"{prefix}_ece": self.ece,
        }

    def table_json(self) -> str:
        return json.dumps(self.table)


def calibration_report(
    y: Sequence[float] | np.ndarray, p: Sequence[float] | np.ndarray
) -> CalibrationReport:
    t = np.asarray(y, float)
    q = np.asarray(p, float)
    ok = np.isfinite(t) & np.isfinite(q)
    t, q = t[ok], np.clip(q[ok], 0.0, 1.0)
    if not len(t):
        nan = float("nan")
        return CalibrationReport(nan, nan, nan, 0, [])
    return CalibrationReport(
        brier(t, q),
        log_loss(t, q),
        expected_calibration_error(t, q),
        len(t),
        reliability_table(t, q),
    )


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


@dataclass(frozen=True)
class Platt:
    """A monotone (non-decreasing) map of a score to a probability: a logistic regression on
    one input, fitted on rows the scorer never trained on."""

    slope: float
    intercept: float

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray) -> Platt:
        x = np.nan_to_num(np.asarray(x, float)).reshape(-1, 1)
        if len(set(y.tolist())) < 2:  # one class: the rate, flat
            rate = float(np.clip(np.mean(y), 1e-3, 1 - 1e-3))
            return cls(0.0, float(np.log(rate / (1 - rate))))
        lr = LogisticRegression(C=1e4, max_iter=2000).fit(x, y)
        slope = float(lr.coef_[0][0])
        if slope < 0:  # ranks the other way on these rows: never reverse, fall back to the rate
            rate = float(np.clip(np.mean(y), 1e-3, 1 - 1e-3))
            return cls(0.0, float(np.log(rate / (1 - rate))))
        return cls(slope, float(lr.intercept_[0]))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = self.slope * np.nan_to_num(np.asarray(x, float)) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))
