"""Deal outcome and stall risk for every open lead and opportunity, learned and measured on
the deals as they stood while open (point-in-time snapshots, ``ml.deal_features``).

*Win probability*: will this open deal be won? A logistic regression on snapshots of closed
deals (every ``SNAPSHOT_STEP_DAYS`` of their open life): stage and time in it, age, stage
changes so far, amount, priority, activities done and messages so far, recent interaction,
and the salesperson's win rate over deals closed before the snapshot. The baseline is what a
sales manager reads off history: the win rate of deals at the same stage and age (the
stage-and-age table of the training snapshots, shrunk to the stage's rate).

*Stall probability*: will the deal go ``STALL_HORIZON_DAYS`` without any sign of life (no
stage change, no activity done, no message, not closed)? Labelled on snapshots of every deal
whose next 30 days are over, judged on later snapshot dates. The label looks only forward
and no feature is a function of it; the baseline is what a sales manager looks at: days since
the deal's last sign of life (stage change or interaction), which ranks a deal stuck without
a word above one stuck but still being worked.
Every deal open at the snapshot is eligible, model and baseline alike. (Deals in the stages
that rot alone were tried: on the simulated companies no deal there ever went 30 days
without a sign of life before the planted ones, so there was nothing to learn from.) The
stage's rotting threshold enters as features (``overrun`` = days in stage / threshold,
``stage_rots``), never as the label.

Both are calibrated out of sample: fitted on the oldest block, Platt-calibrated on the next,
judged on the newest (by close date for win, by snapshot date for stall), against their
baseline on the same snapshots, resampled by deal (a deal's snapshots are correlated).
The served version is refitted one block later and calibrated on the newest block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml import deal_features as pit
from ml.evaluation import CalibrationReport, Platt, brier, calibration_report, logit, roc_auc
from ml.lifecycle import Comparison, InsufficientData

MODEL_NAME = "deals"
LEADS_SQL = """
select lead_id, company_id, team_id, user_id, priority, expected_revenue, created_at,
       closed_at, outcome
from sales.dim_leads
"""
EVENTS_SQL = """
select lead_id, event_at, event_kind, stage_id, stage_sequence, is_won_stage,
       rotting_threshold_days, field_name,
       old_value_integer, old_value_float, old_value_char
from sales.fct_lead_events
"""
AS_OF_SQL = "select max(as_of_date) as as_of from sales.fct_lead_stage_durations"
# what this model reads (its lineage: orchestration/lineage.py makes the Dagster deps of it)
READS = ("sales.dim_leads", "sales.fct_lead_events", "sales.fct_lead_stage_durations")


SNAPSHOT_STEP_DAYS = 7
STALL_HORIZON_DAYS = 30
AGE_BUCKETS = [14.0, 30.0, 60.0, 120.0]  # the baseline's age bands (days)
BASELINE_STRENGTH = 10.0
WIN_BASELINE = "stage_and_age_win_rate"
STALL_BASELINE = "days_since_last_sign_of_life"
MIN_CLOSED_DEALS = 20

WIN_FEATURES = pit.FEATURES
STALL_FEATURES = [f for f in pit.FEATURES if f != "user_rate"] + ["overrun", "stage_rots"]

SCORE_SCHEMA: dict[str, Any] = {
    "lead_id": pl.Int64,
    "company_id": pl.Int64,
    "win_probability": pl.Float64,
    "stall_probability": pl.Float64,
    "model_version": pl.Utf8,
    "scored_at": pl.Datetime("us"),
}


def _pipeline() -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )


def _bucket(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("stage_sequence").fill_null(-1).cast(pl.Int64).alias("_stage"),
        pl.sum_horizontal([(pl.col("age_days") > b).cast(pl.Int64) for b in AGE_BUCKETS])
        .cast(pl.Utf8)
        .alias("_age"),
    )


@dataclass(frozen=True)
class StageAgeRates:
    """Win rate by (stage, age band) of training snapshots, shrunk to the stage's rate and
    that to the overall rate."""

    cells: dict[tuple[int, str], float]
    stages: dict[int, float]
    prior: float

    @classmethod
    def fit(cls, snaps: pl.DataFrame) -> StageAgeRates:
        b = _bucket(snaps)
        prior = float(b["won"].mean() or 0.0)  # type: ignore[arg-type]
        stages = {}
        for r in (
            b.group_by("_stage").agg(pl.col("won").sum().alias("w"), pl.len().alias("n")).to_dicts()
        ):
            stages[int(r["_stage"])] = (r["w"] + BASELINE_STRENGTH * prior) / (
                r["n"] + BASELINE_STRENGTH
            )
        cells = {}
        for r in (
            b.group_by("_stage", "_age")
            .agg(pl.col("won").sum().alias("w"), pl.len().alias("n"))
            .to_dicts()
        ):
            s = stages[int(r["_stage"])]
            cells[(int(r["_stage"]), str(r["_age"]))] = (r["w"] + BASELINE_STRENGTH * s) / (
                r["n"] + BASELINE_STRENGTH
            )
        return cls(cells, stages, prior)

    def __call__(self, frame: pl.DataFrame) -> np.ndarray:
        b = _bucket(frame)
        return np.array(
            [
                self.cells.get((st, str(age)), self.stages.get(st, self.prior))
                for st, age in zip(b["_stage"].to_list(), b["_age"].to_list(), strict=True)
            ],
            dtype=float,
        )


@dataclass
class DealModel:
    """What serves: both regressions with their out-of-sample calibrations, and the
    baselines (fitted on the same blocks) with theirs."""

    win: Pipeline
    win_calibration: Platt
    stall: Pipeline
    stall_calibration: Platt
    win_baseline: StageAgeRates
    win_baseline_calibration: Platt
    stall_baseline_calibration: Platt

    def win_probability(self, frame: pl.DataFrame) -> np.ndarray:
        raw = self.win.predict_proba(pit.matrix(frame, WIN_FEATURES))[:, 1]
        return self.win_calibration(logit(raw))

    def stall_probability(self, frame: pl.DataFrame) -> np.ndarray:
        raw = self.stall.predict_proba(pit.matrix(frame, STALL_FEATURES))[:, 1]
        return self.stall_calibration(logit(raw))

    def win_baseline_probability(self, frame: pl.DataFrame) -> np.ndarray:
        return self.win_baseline_calibration(logit(self.win_baseline(frame)))

    def stall_baseline_probability(self, frame: pl.DataFrame) -> np.ndarray:
        return self.stall_baseline_calibration(_days_input(frame))


def _days_input(frame: pl.DataFrame) -> np.ndarray:
    return np.log1p(np.nan_to_num(frame["days_quiet"].to_numpy().astype(float)))


def win_snapshots(leads: pl.DataFrame, events: pl.DataFrame, until: datetime) -> pl.DataFrame:
    """Snapshots of closed deals while they were open, with their outcome."""
    grid = pit.snapshot_grid(leads, until, SNAPSHOT_STEP_DAYS, closed_only=True)
    rows = pit.features_at(leads, events, grid)
    return rows.join(leads.select("lead_id", "won", "closed_at"), on="lead_id", how="left")


def stall_snapshots(leads: pl.DataFrame, events: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Snapshots of every deal (open ones too) whose next ``STALL_HORIZON_DAYS`` are over,
    labelled ``stalled`` = no stage change, activity, message or close in them."""
    horizon = timedelta(days=STALL_HORIZON_DAYS)
    grid = pit.snapshot_grid(
        leads.filter(pl.col("outcome") != "archived"), as_of - horizon, SNAPSHOT_STEP_DAYS
    )
    rows = pit.features_at(leads, events, grid)
    life = events.filter(pl.col("event_kind").is_in(["stage", "activity_done", "message"])).select(
        "lead_id", "event_at"
    )
    nxt = (
        grid.join(life, on="lead_id")
        .filter(
            (pl.col("event_at") > pl.col("snapshot_at"))
            & (pl.col("event_at") <= pl.col("snapshot_at") + horizon)
        )
        .select("lead_id", "snapshot_at")
        .unique()
        .with_columns(pl.lit(1).alias("_alive"))
    )
    closes = leads.select("lead_id", "closed_at")
    return (
        rows.join(nxt, on=["lead_id", "snapshot_at"], how="left")
        .join(closes, on="lead_id", how="left")
        .with_columns(
            (
                pl.col("_alive").is_null()
                & (
                    pl.col("closed_at").is_null()
                    | (pl.col("closed_at") > pl.col("snapshot_at") + horizon)
                )
            )
            .cast(pl.Int8)
            .alias("stalled")
        )
        .drop("_alive")
    )


@dataclass(frozen=True)
class DealTraining:
    model: DealModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    calibration: dict[str, CalibrationReport] = field(default_factory=dict)

    @property
    def reports(self) -> dict[str, CalibrationReport]:
        """Held-out calibration of each output and its baseline (``ml.model_runs``)."""
        return self.calibration


def _need_both(y: Any, what: str, where: str) -> None:
    n, pos = len(y), int(np.sum(y))
    if n == 0 or pos in (0, n):
        have = "none" if n == 0 else ("all" if pos == n else "none")
        raise InsufficientData(
            f"insufficient classes: {have} of {n} {where} {what}; needs both outcomes"
        )


@dataclass(frozen=True)
class Blocks:
    train: pl.DataFrame
    calibration: pl.DataFrame
    validation: pl.DataFrame


def win_blocks(snaps: pl.DataFrame, closed: pl.DataFrame, validate: bool) -> Blocks:
    """By close date: train (oldest 60% of closed deals) | calibration (next 20%) |
    validation (newest 20%); for serving, train (oldest 75%) | calibration (newest 25%).
    A block's snapshots are all dated before its deals closed."""
    times = closed.sort("closed_at")["closed_at"]
    cuts = (0.6, 0.8) if validate else (0.75, 1.01)
    c1 = times[int(len(times) * cuts[0])]
    c2 = times[min(int(len(times) * cuts[1]), len(times) - 1)] if validate else None
    train = snaps.filter(pl.col("closed_at") < c1)
    if c2 is None:
        return Blocks(train, snaps.filter(pl.col("closed_at") >= c1), snaps.clear())
    return Blocks(
        train,
        snaps.filter((pl.col("closed_at") >= c1) & (pl.col("closed_at") < c2)),
        snaps.filter(pl.col("closed_at") >= c2),
    )


def stall_blocks(snaps: pl.DataFrame, validate: bool, block_days: int = 90) -> Blocks:
    """By snapshot date, the newest ``block_days`` of labelled snapshots validate and the
    ``block_days`` before them calibrate (for serving: the newest calibrate), with a
    ``STALL_HORIZON_DAYS`` embargo so no earlier block's label window reaches into the next."""
    last = snaps["snapshot_at"].max()
    if last is None:
        return Blocks(snaps, snaps, snaps)
    gap = timedelta(days=STALL_HORIZON_DAYS)
    block = timedelta(days=block_days)
    val_start = last - block if validate else last + timedelta(days=1)  # type: ignore[operator]
    cal_start = val_start - gap - block
    validation = snaps.filter(pl.col("snapshot_at") > val_start) if validate else snaps.clear()
    calibration = snaps.filter(
        (pl.col("snapshot_at") > cal_start) & (pl.col("snapshot_at") <= val_start - gap)
    )
    train = snaps.filter(pl.col("snapshot_at") <= cal_start - gap)
    return Blocks(train, calibration, validation)


def _fit(win: Blocks, stall: Blocks) -> DealModel:
    for part, b in (("win", win), ("stall", stall)):
        label = "won" if part == "win" else "stalled"
        for name, rows in (("training", b.train), ("calibration", b.calibration)):
            _need_both(rows[label].to_numpy(), label, f"{name} {part} snapshots")
    wp = _pipeline().fit(pit.matrix(win.train, WIN_FEATURES), win.train["won"].to_numpy())
    sp = _pipeline().fit(pit.matrix(stall.train, STALL_FEATURES), stall.train["stalled"].to_numpy())
    rates = StageAgeRates.fit(win.train)
    yw, ys = win.calibration["won"].to_numpy(), stall.calibration["stalled"].to_numpy()
    return DealModel(
        wp,
        Platt.fit(logit(wp.predict_proba(pit.matrix(win.calibration, WIN_FEATURES))[:, 1]), yw),
        sp,
        Platt.fit(logit(sp.predict_proba(pit.matrix(stall.calibration, STALL_FEATURES))[:, 1]), ys),
        rates,
        Platt.fit(logit(rates(win.calibration)), yw),
        Platt.fit(_days_input(stall.calibration), ys),
    )


def as_of_datetime(as_of: date | datetime | None, leads: pl.DataFrame) -> datetime:
    """The end of the sales as-of day (naive UTC), or the newest lead timestamp."""
    if isinstance(as_of, datetime):
        return as_of.replace(tzinfo=None)
    if isinstance(as_of, date):
        return datetime.combine(as_of, datetime.max.time()).replace(microsecond=0)
    stamps = [s for s in (leads["created_at"].max(), leads["closed_at"].max()) if s is not None]
    if not stamps:
        raise InsufficientData("insufficient history: no deals (crm.lead is empty)")
    return max(stamps)  # type: ignore[type-var,return-value]


def train(leads: pl.DataFrame, events: pl.DataFrame, as_of: date | datetime | None) -> DealTraining:
    """Blocks, fit, calibrate, judge against the baselines on the same snapshots; then the
    served version one block later."""
    leads, events = pit.prepare_leads(leads), pit.prepare_events(events)
    now = as_of_datetime(as_of, leads)
    closed = leads.filter(
        pl.col("outcome").is_in(["won", "lost"]) & pl.col("closed_at").is_not_null()
    )
    if closed.height < MIN_CLOSED_DEALS:
        raise InsufficientData(
            f"insufficient history: {closed.height} closed deals, needs {MIN_CLOSED_DEALS}"
        )
    wins = win_snapshots(leads, events, now)
    stalls = stall_snapshots(leads, events, now)
    wb, sb = win_blocks(wins, closed, True), stall_blocks(stalls, True)
    _need_both(wb.validation["won"].to_numpy(), "won", "validation win snapshots")
    _need_both(sb.validation["stalled"].to_numpy(), "stalled", "validation stall snapshots")
    candidate = _fit(wb, sb)
    yw, ys = wb.validation["won"].to_numpy(), sb.validation["stalled"].to_numpy()
    pw, bw = (
        candidate.win_probability(wb.validation),
        candidate.win_baseline_probability(wb.validation),
    )
    ps, bs = (
        candidate.stall_probability(sb.validation),
        candidate.stall_baseline_probability(sb.validation),
    )
    gw, gs = wb.validation["lead_id"].to_numpy(), sb.validation["lead_id"].to_numpy()
    comparisons = [
        Comparison.bootstrap("win_roc_auc", roc_auc, yw, pw, WIN_BASELINE, bw, groups=gw),
        Comparison.bootstrap("win_brier", brier, yw, pw, WIN_BASELINE, bw, groups=gw),
        Comparison.bootstrap("stall_roc_auc", roc_auc, ys, ps, STALL_BASELINE, bs, groups=gs),
        Comparison.bootstrap("stall_brier", brier, ys, ps, STALL_BASELINE, bs, groups=gs),
    ]
    reports = {
        "win": calibration_report(yw, pw),
        "win_baseline": calibration_report(yw, bw),
        "stall": calibration_report(ys, ps),
        "stall_baseline": calibration_report(ys, bs),
    }
    metrics: dict[str, float] = {c.metric_name: c.metric_value for c in comparisons}
    metrics |= {f"{c.metric_name}_baseline": c.baseline_value for c in comparisons}
    metrics |= {
        "win_validation_snapshots": float(len(yw)),
        "win_validation_deals": float(len(set(gw.tolist()))),
        "stall_validation_snapshots": float(len(ys)),
        "stall_validation_deals": float(len(set(gs.tolist()))),
        "stall_prevalence": float(ys.mean()),
        "win_prevalence": float(yw.mean()),
    }
    for name, r in reports.items():
        metrics |= r.metrics(name)
    final = _fit(win_blocks(wins, closed, False), stall_blocks(stalls, False))
    return DealTraining(final, comparisons, metrics, reports)


def current(
    leads: pl.DataFrame, events: pl.DataFrame, as_of: date | datetime | None
) -> pl.DataFrame:
    """The open deals as of the as-of date, with their point-in-time features."""
    leads, events = pit.prepare_leads(leads), pit.prepare_events(events)
    now = as_of_datetime(as_of, leads)
    open_leads = leads.filter(pl.col("outcome") == "open")
    snaps = open_leads.select("lead_id", pl.lit(now).cast(pl.Datetime("us")).alias("snapshot_at"))
    return pit.features_at(leads, events, snaps)


def _frame(
    rows: pl.DataFrame, win: np.ndarray, stall: np.ndarray, version: str, now: datetime | None
) -> pl.DataFrame:
    scored_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "lead_id": rows["lead_id"].cast(pl.Int64),
            "company_id": rows["company_id"].cast(pl.Int64),
            "win_probability": win,
            "stall_probability": stall,
            "model_version": [version] * rows.height,
            "scored_at": [scored_at] * rows.height,
        },
        schema=SCORE_SCHEMA,
    )


def score(
    leads: pl.DataFrame,
    events: pl.DataFrame,
    as_of: date | datetime | None,
    model: Any,
    version: str | None,
    now: datetime | None = None,
) -> pl.DataFrame:
    """Calibrated win and stall probabilities of every open deal (empty when nothing serves
    or the artefact predates point-in-time features)."""
    if not isinstance(model, DealModel) or not hasattr(model, "win_calibration") or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    rows = current(leads, events, as_of)
    if rows.is_empty():
        return pl.DataFrame(schema=SCORE_SCHEMA)
    return _frame(rows, model.win_probability(rows), model.stall_probability(rows), version, now)


def score_baseline(
    leads: pl.DataFrame,
    events: pl.DataFrame,
    as_of: date | datetime | None,
    model: DealModel,
    label: str,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The baselines' calibrated probabilities, served while no version has passed: the
    stage-and-age win rate, and days since the last sign of life."""
    rows = current(leads, events, as_of)
    if rows.is_empty():
        return pl.DataFrame(schema=SCORE_SCHEMA)
    return _frame(
        rows,
        model.win_baseline_probability(rows),
        model.stall_baseline_probability(rows),
        label,
        now,
    )
