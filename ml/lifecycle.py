"""Model lifecycle: versions, metrics against a baseline, artefacts, and who serves.

Every training run is recorded in ``ml.model_runs`` with one row per (metric, baseline)
comparison. A version *passes* when every comparison holds; the newest passing version
serves (``is_serving``). A version that fails its baseline is recorded (so the asset check
can fail on it and people can see why) but never serves: the previous good version is
loaded back from its artefact and keeps producing the scores.

Before any version has passed there is no good version to fall back on, and an empty score
table would silently drop every downstream alert, briefing line and dashboard figure. The
pipelines then serve the *baseline* the candidate was measured against (it is what the
candidate could not beat, so it is the best measured option), labelled
``model_version = 'baseline:<baseline name>'`` in the output tables, and
``mark_baseline_serving`` records it in ``ml.model_runs`` as a serving row with
``passed = false`` (it is not a model version and is never picked as one).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import polars as pl
from scipy import stats

from ml.evaluation import CalibrationReport, Metric, paired_bootstrap_ci
from ml.warehouse_io import (
    InsufficientData,
    read_sql,
    table_exists,
    warehouse_lock,
    write_table,
)
from odoo_api.warehouse import Warehouse, coo_home

logger = logging.getLogger(__name__)

MODEL_RUNS_SCHEMA: dict[str, Any] = {
    "model_name": pl.Utf8,
    "model_version": pl.Utf8,
    "trained_at": pl.Datetime("us"),
    "metric_name": pl.Utf8,
    "metric_value": pl.Float64,
    "baseline_name": pl.Utf8,
    "baseline_value": pl.Float64,
    "passed": pl.Boolean,
    "is_serving": pl.Boolean,
    "artefact_path": pl.Utf8,
    # the noise margin, where the comparison has one (null otherwise): mean paired difference
    # metric - baseline, its 95% confidence interval, the one-sided p-value that the model
    # is no better, and the number of pairs
    "difference": pl.Float64,
    "difference_low": pl.Float64,
    "difference_high": pl.Float64,
    "p_value": pl.Float64,
    "n_pairs": pl.Int64,
    # what the run came to: 'trained' (a candidate was measured), 'baseline' (a baseline
    # serves), 'insufficient_data' (below the model's minimum: nothing trained) or 'failed'
    # (a real error); ``reason`` says why for the last two
    "status": pl.Utf8,
    "reason": pl.Utf8,
    # how good the version's probabilities are as probabilities, on held-out rows its fit
    # and its calibration never saw (null for models without probabilities): Brier score,
    # log loss and expected calibration error of its first output, every output's figures
    # and reliability table as JSON, and whether it was calibrated out of sample (only
    # then does the dashboard show its probabilities)
    "brier": pl.Float64,
    "log_loss": pl.Float64,
    "ece": pl.Float64,
    "reliability": pl.Utf8,
    "calibrated": pl.Boolean,
}

STATUS_TRAINED = "trained"
STATUS_BASELINE = "baseline"
STATUS_INSUFFICIENT = "insufficient_data"
STATUS_FAILED = "failed"

__all__ = ["InsufficientData"]  # defined beside the reads that raise it


# metrics where a smaller value is better; everything else (AUC, coverage...) is larger-better
LOWER_IS_BETTER = ("mase", "mae", "rmse", "brier", "log_loss", "pinball")


GATE_CONFIDENCE = 0.95  # two-sided: the interval of the difference must exclude 0


def _lower_is_better(metric_name: str) -> bool:
    """Whether the metric is a loss: its name contains one (``win_brier``, ``mae_...``)."""
    return any(p in metric_name.lower() for p in LOWER_IS_BETTER)


@dataclass(frozen=True)
class Comparison:
    """One validation metric of the candidate beside the same metric of a baseline.

    With a noise margin (built by :meth:`paired`): ``difference`` is the mean paired
    difference metric - baseline, ``difference_low``/``difference_high`` its 95% interval and
    ``p_value`` the one-sided p-value that the candidate is no better; it then passes only
    when the whole interval lies on the better side of 0 (a tie, or a win within the noise,
    fails). Without one, it passes when the metric is at least as good as the baseline's.
    """

    metric_name: str
    metric_value: float
    baseline_name: str
    baseline_value: float
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    p_value: float | None = None
    n_pairs: int | None = None

    @property
    def has_margin(self) -> bool:
        return self.p_value is not None

    @property
    def passed(self) -> bool:
        if self.metric_value != self.metric_value:  # NaN never passes
            return False
        lower = _lower_is_better(self.metric_name)
        if self.has_margin:
            low, high = self.difference_low, self.difference_high
            if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
                return False
            return high < 0 if lower else low > 0
        if lower:
            return self.metric_value <= self.baseline_value
        return self.metric_value >= self.baseline_value

    @classmethod
    def paired(
        cls,
        metric_name: str,
        model: Sequence[float],
        baseline_name: str,
        baseline: Sequence[float],
        confidence: float = GATE_CONFIDENCE,
    ) -> Comparison:
        """The comparison of paired losses (or scores), one pair per independent unit (for
        forecasts: one series x one backtest origin, whose windows do not overlap).

        A Diebold-Mariano test on the paired differences with the Harvey-Leybourne-Newbold
        small-sample form: the mean difference over its standard error, referred to
        Student's t with n - 1 degrees of freedom. Pairs with a non-finite value are dropped;
        with fewer than two pairs left there is no evidence and the comparison fails.
        """
        a = np.asarray(model, dtype=float)
        b = np.asarray(baseline, dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        a, b = a[ok], b[ok]
        n = len(a)
        nan = float("nan")
        if n == 0:
            return cls(metric_name, nan, baseline_name, nan, nan, nan, nan, 1.0, 0)
        d = a - b
        mean = float(d.mean())
        metric, base = float(a.mean()), float(b.mean())
        if n < 2:
            return cls(metric_name, metric, baseline_name, base, mean, nan, nan, 1.0, n)
        se = float(d.std(ddof=1)) / math.sqrt(n)
        better = -1.0 if _lower_is_better(metric_name) else 1.0
        if se == 0:  # every pair differs by exactly the same amount
            p = 0.0 if mean * better > 0 else 1.0
            return cls(metric_name, metric, baseline_name, base, mean, mean, mean, p, n)
        t = mean / se
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
        p = float(stats.t.sf(t * better, n - 1))  # P(a difference this good | no difference)
        return cls(metric_name, metric, baseline_name, base, mean, mean - half, mean + half, p, n)

    @classmethod
    def bootstrap(
        cls,
        metric_name: str,
        metric: Metric,
        y: Sequence[float] | np.ndarray,
        model: Sequence[float] | np.ndarray,
        baseline_name: str,
        baseline: Sequence[float] | np.ndarray,
        groups: Sequence[Any] | np.ndarray | None = None,
        confidence: float = GATE_CONFIDENCE,
    ) -> Comparison:
        """The comparison of a metric computed over the held-out rows (ROC-AUC, Brier...),
        model and baseline scored on the same rows: the paired bootstrap interval of the
        difference (``ml.evaluation.paired_bootstrap_ci``; with ``groups``, whole groups are
        resampled). Passes only when the interval excludes 0 on the better side."""
        ci = paired_bootstrap_ci(
            metric,
            y,
            model,
            baseline,
            groups=groups,
            lower_is_better=_lower_is_better(metric_name),
            confidence=confidence,
        )
        return cls(
            metric_name,
            ci.model,
            baseline_name,
            ci.baseline,
            ci.difference,
            ci.low,
            ci.high,
            ci.p_value,
            ci.n,
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Comparison:
        """The comparison an ``ml.model_runs`` row records."""
        return cls(
            str(row["metric_name"]),
            float(row["metric_value"]),
            str(row["baseline_name"]),
            float(row["baseline_value"]),
            **{k: row.get(k) for k in ("difference", "difference_low", "difference_high")},
            p_value=row.get("p_value"),
            n_pairs=row.get("n_pairs"),
        )

    def describe(self) -> str:
        """One line for people: the two values and, with a margin, by how much and how sure."""
        text = f"{self.metric_value:.4f} vs {self.baseline_value:.4f}"
        if self.has_margin and self.difference is not None:
            text += (
                f"; difference {self.difference:+.4f}, 95% CI "
                f"[{_fmt(self.difference_low)}, {_fmt(self.difference_high)}], "
                f"p {self.p_value:.3g}, n {self.n_pairs}"
            )
        return text


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:+.4f}"


def _calibration(reports: dict[str, CalibrationReport] | None) -> dict[str, Any]:
    """The calibration columns of a run's rows (nulls without reports)."""
    if not reports:
        return {
            "brier": None,
            "log_loss": None,
            "ece": None,
            "reliability": None,
            "calibrated": None,
        }
    first = next(iter(reports.values()))
    return {
        "brier": first.brier,
        "log_loss": first.log_loss,
        "ece": first.ece,
        "reliability": json.dumps(
            {
                name: {
                    "n": r.n,
                    "brier": r.brier,
                    "log_loss": r.log_loss,
                    "ece": r.ece,
                    "table": r.table,
                }
                for name, r in reports.items()
            }
        ),
        "calibrated": True,
    }


def _margin(c: Comparison) -> dict[str, Any]:
    return {
        "difference": c.difference,
        "difference_low": c.difference_low,
        "difference_high": c.difference_high,
        "p_value": c.p_value,
        "n_pairs": c.n_pairs,
    }


@dataclass(frozen=True)
class Serving:
    """The outcome of registering a candidate: which version serves and its artefact."""

    model_name: str
    candidate_version: str
    candidate_passed: bool
    version: str | None  # the serving version (None: no version has ever passed)
    artefact: Any  # the serving artefact (None when version is None)


def artefact_dir() -> Path:
    return coo_home() / "ml"


def load_runs(warehouse: Warehouse) -> pl.DataFrame:
    """Every recorded run (empty frame with the contract columns before the first)."""
    if not table_exists(warehouse, "ml", "model_runs"):
        return pl.DataFrame(schema=MODEL_RUNS_SCHEMA)
    runs = read_sql(warehouse, "select * from ml.model_runs")
    # a table written before a column existed gets it as null (rewritten whole on next write)
    return runs.select(
        [
            (pl.col(c) if c in runs.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in MODEL_RUNS_SCHEMA.items()
        ]
    )


def _version_number(version: str) -> int:
    return int(version.lstrip("v")) if version.lstrip("v").isdigit() else 0


def register_run(
    warehouse: Warehouse,
    model_name: str,
    artefact: Any,
    comparisons: list[Comparison],
    trained_at: datetime | None = None,
    calibration: dict[str, CalibrationReport] | None = None,
) -> Serving:
    """Record a candidate, save its artefact, and decide which version serves.

    Held under the warehouse lock from read to write so two models registering at once
    never lose each other's rows.
    """
    if not comparisons:
        raise ValueError(f"model {model_name}: a run needs at least one baseline comparison")
    trained_at = (trained_at or datetime.now(UTC)).replace(tzinfo=None)
    with warehouse_lock(warehouse):
        runs = load_runs(warehouse)
        mine = runs.filter(
            (pl.col("model_name") == model_name)
            & ~pl.col("model_version").str.starts_with(BASELINE_PREFIX)
            & ~pl.col("model_version").str.starts_with(STATE_PREFIX)
        )
        numbers = [_version_number(v) for v in mine["model_version"].unique().to_list()]
        version = f"v{max(numbers, default=0) + 1}"
        path = artefact_dir() / model_name / f"{version}.joblib"
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(artefact, path)
        passed = all(c.passed for c in comparisons)
        new = pl.DataFrame(
            [
                {
                    "model_name": model_name,
                    "model_version": version,
                    "trained_at": trained_at,
                    "metric_name": c.metric_name,
                    "metric_value": float(c.metric_value),
                    "baseline_name": c.baseline_name,
                    "baseline_value": float(c.baseline_value),
                    "passed": passed,
                    "is_serving": False,
                    "artefact_path": str(path),
                    **_margin(c),
                    "status": STATUS_TRAINED,
                    "reason": None,
                    **_calibration(calibration),
                }
                for c in comparisons
            ],
            schema=MODEL_RUNS_SCHEMA,
        )
        runs = pl.concat([runs, new])
        serving_version = _pick_serving(runs, model_name)
        runs = runs.with_columns(
            pl.when(pl.col("model_name") == model_name)
            .then(pl.col("model_version") == pl.lit(serving_version or ""))
            .otherwise(pl.col("is_serving"))
            .alias("is_serving")
        )
        write_table(warehouse, "model_runs", runs)
    if serving_version == version:
        served: Any = artefact
    elif serving_version is None:
        served = None
    else:
        served_path = runs.filter(
            (pl.col("model_name") == model_name) & (pl.col("model_version") == serving_version)
        )["artefact_path"][0]
        served = joblib.load(served_path)
        logger.warning(
            "%s %s fell below its baseline; %s keeps serving", model_name, version, serving_version
        )
    return Serving(model_name, version, passed, serving_version, served)


BASELINE_PREFIX = "baseline:"
# rows that record a state (insufficient data, a failure), not a version: never picked as one
STATE_PREFIX = "state:"


def baseline_version(baseline_name: str) -> str:
    return f"{BASELINE_PREFIX}{baseline_name}"


def mark_baseline_serving(
    warehouse: Warehouse,
    model_name: str,
    comparisons: list[Comparison],
    trained_at: datetime | None = None,
    calibration: dict[str, CalibrationReport] | None = None,
) -> str:
    """Record that the baseline of ``comparisons[0]`` serves ``model_name`` (no version has
    ever passed): one serving row per comparison, replacing earlier baseline rows of this
    model. Returns the ``model_version`` label the output tables carry."""
    trained_at = (trained_at or datetime.now(UTC)).replace(tzinfo=None)
    label = baseline_version(comparisons[0].baseline_name)
    with warehouse_lock(warehouse):
        runs = load_runs(warehouse)
        runs = runs.filter(
            ~(
                (pl.col("model_name") == model_name)
                & pl.col("model_version").str.starts_with(BASELINE_PREFIX)
            )
        )
        new = pl.DataFrame(
            [
                {
                    "model_name": model_name,
                    "model_version": label,
                    "trained_at": trained_at,
                    "metric_name": c.metric_name,
                    "metric_value": float(c.baseline_value),
                    "baseline_name": c.baseline_name,
                    "baseline_value": float(c.baseline_value),
                    "passed": False,
                    "is_serving": True,
                    "artefact_path": "",
                    **_margin(Comparison("", 0.0, "", 0.0)),
                    "status": STATUS_BASELINE,
                    "reason": None,
                    **_calibration(calibration),
                }
                for c in comparisons
            ],
            schema=MODEL_RUNS_SCHEMA,
        )
        write_table(warehouse, "model_runs", pl.concat([runs, new]))
    logger.warning("%s: no version has ever passed; serving %s", model_name, label)
    return label


def _pick_serving(runs: pl.DataFrame, model_name: str) -> str | None:
    """The newest passing version whose artefact is still on disk."""
    good = (
        runs.filter(
            (pl.col("model_name") == model_name)
            & pl.col("passed")
            & ~pl.col("model_version").str.starts_with(BASELINE_PREFIX)
        )
        .select("model_version", "artefact_path")
        .unique()
        .to_dicts()
    )
    good.sort(key=lambda r: _version_number(r["model_version"]), reverse=True)
    for row in good:
        if Path(row["artefact_path"]).exists():
            return str(row["model_version"])
    return None


def latest_run(warehouse: Warehouse, model_name: str) -> pl.DataFrame:
    """The comparisons of the newest version of a model (empty when never trained), and of
    the newest version of each of its parts (``<model_name>.<part>``, e.g. the forecasts of
    each kind of series, which are gated and served one by one)."""
    runs = load_runs(warehouse).filter(
        (
            (pl.col("model_name") == model_name)
            | pl.col("model_name").str.starts_with(f"{model_name}.")
        )
        & ~pl.col("model_version").str.starts_with(BASELINE_PREFIX)
        & ~pl.col("model_version").str.starts_with(STATE_PREFIX)
    )
    if runs.is_empty():
        return runs
    newest = []
    for name in sorted(runs["model_name"].unique().to_list()):
        mine = runs.filter(pl.col("model_name") == name)
        version = max(mine["model_version"].unique().to_list(), key=_version_number)
        newest.append(mine.filter(pl.col("model_version") == version))
    return pl.concat(newest)


def record_state(
    warehouse: Warehouse,
    model_name: str,
    status: str,
    reason: str,
    trained_at: datetime | None = None,
    serving: str | None = None,
) -> None:
    """Record that a run of ``model_name`` came to ``status`` (``insufficient_data`` or
    ``failed``) and why: one row ``model_version = 'state:<status>'`` replacing the earlier
    state row of the model. ``serving`` names what the output table now holds (a baseline
    label, or None for nothing); the version rows are left as they are."""
    trained_at = (trained_at or datetime.now(UTC)).replace(tzinfo=None)
    with warehouse_lock(warehouse):
        runs = load_runs(warehouse)
        runs = runs.filter(
            ~(
                (pl.col("model_name") == model_name)
                & pl.col("model_version").str.starts_with(STATE_PREFIX)
            )
        )
        new = pl.DataFrame(
            [
                {
                    "model_name": model_name,
                    "model_version": f"{STATE_PREFIX}{status}",
                    "trained_at": trained_at,
                    "metric_name": "",
                    "metric_value": None,
                    "baseline_name": serving or "",
                    "baseline_value": None,
                    "passed": False,
                    "is_serving": False,
                    "artefact_path": "",
                    **_margin(Comparison("", 0.0, "", 0.0)),
                    "status": status,
                    "reason": reason,
                    **_calibration(None),
                }
            ],
            schema=MODEL_RUNS_SCHEMA,
        )
        write_table(warehouse, "model_runs", pl.concat([runs, new]))
    logger.warning("%s: %s: %s", model_name, status, reason)


@dataclass(frozen=True)
class ModelState:
    """Where a model stands after its newest run."""

    model_name: str
    status: str
    reason: str | None
    at: datetime | None


def model_states(warehouse: Warehouse) -> dict[str, ModelState]:
    """Per model name, the status of its newest run: the state row when it is the newest
    row of the model (insufficient data, failure), else ``trained``."""
    runs = load_runs(warehouse)
    out: dict[str, ModelState] = {}
    for (name,), group in runs.sort("trained_at").group_by("model_name", maintain_order=True):
        newest = group.filter(pl.col("trained_at") == pl.col("trained_at").max())
        states = newest.filter(pl.col("model_version").str.starts_with(STATE_PREFIX))
        if states.height:
            r = states.row(0, named=True)
            out[str(name)] = ModelState(str(name), r["status"], r["reason"], r["trained_at"])
        else:
            out[str(name)] = ModelState(
                str(name), STATUS_TRAINED, None, newest["trained_at"][0] if newest.height else None
            )
    return out
