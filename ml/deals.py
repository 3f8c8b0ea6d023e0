"""Deal outcome and stall risk for every open lead and opportunity.

*Win probability*: logistic regression on closed deals (won vs lost), features known while a
deal is open — amount, type, chatter and activity counts, and the team's and salesperson's
win rates *from the training period only* (target encoding that never sees validation).
Split by close date; the baseline is the salesperson's historical win rate on its own.

*Stall probability*: the probability that the deal reaches its stage's rotting threshold
(Odoo's ``rotting_threshold_days``; where a stage never rots, the 90th percentile of how long
closed deals stayed in it) before it moves or closes — Odoo's own definition of a rotting
deal, so a deal already past it in a stage that rots scores 1 (the event has happened). Learned on *snapshots* of closed stage visits
(every other day of the visit while it was still under the threshold: was this visit going
to last to the threshold?) by a logistic regression on the time in stage relative to the
threshold and whether the stage ever rots. A deal with an interaction (message or activity)
inside its threshold window is slow but alive, and its served risk is halved (a heuristic on
top of the validated model: the marts keep only the last interaction, so it cannot be
replayed on historical snapshots).
Baseline: days in stage alone, on the same held-out snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.lifecycle import Comparison, InsufficientData

MODEL_NAME = "deals"

LEADS_SQL = """
select l.lead_id, l.company_id, l.team_id, l.user_id, l.lead_type, l.outcome, l.stage_id,
       l.stage_sequence, l.rotting_threshold_days, l.expected_revenue, l.probability,
       l.created_at, l.closed_at, l.last_stage_update_at,
       l.interaction_message_count as message_count,
       l.planned_activity_count as activity_count,
       l.last_interaction_at
from sales.dim_leads l
"""

VISITS_SQL = """
select lead_id, stage_id, stage_sequence, outcome, is_current_stage, visit_count,
       days_in_stage, last_entered_at, as_of_date
from sales.fct_lead_stage_durations
"""
# what this model reads (its lineage: orchestration/lineage.py makes the Dagster deps of it)
READS = (
    "sales.dim_leads",
    "sales.fct_lead_stage_durations",
)

WIN_FEATURES = [
    "log_amount",
    "is_opportunity",
    "message_count",
    "activity_count",
    "team_rate",
    "user_rate",
]

SCORE_SCHEMA: dict[str, Any] = {
    "lead_id": pl.Int64,
    "company_id": pl.Int64,
    "win_probability": pl.Float64,
    "stall_probability": pl.Float64,
    "model_version": pl.Utf8,
    "scored_at": pl.Datetime("us"),
}


def _win_pipeline() -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )


@dataclass
class DealModel:
    """Everything scoring needs: the two classifiers and the training-period encodings."""

    win: Pipeline
    team_rates: dict[int, float]
    user_rates: dict[int, float]
    prior: float
    stall: LogisticRegression
    stage_limits: dict[int, float]
    # stages whose rotting threshold is 0 (Odoo: never rots); empty in pre-snapshot versions
    never_rots: frozenset[int] = frozenset()


def _rates(frame: pl.DataFrame, key: str, prior: float, strength: float = 10.0) -> dict[int, float]:
    """Smoothed win rate per team/salesperson (shrunk towards the overall rate)."""
    agg = frame.group_by(key).agg(pl.col("won").sum().alias("w"), pl.len().alias("n"))
    return {
        int(r[key]) if r[key] is not None else -1: (r["w"] + strength * prior) / (r["n"] + strength)
        for r in agg.to_dicts()
    }


def _win_matrix(
    frame: pl.DataFrame, team: dict[int, float], user: dict[int, float], prior: float
) -> np.ndarray:
    out = frame.with_columns(
        pl.col("expected_revenue").cast(pl.Float64).fill_null(0).log1p().alias("log_amount"),
        (pl.col("lead_type") == "opportunity").cast(pl.Float64).alias("is_opportunity"),
        pl.col("team_id")
        .fill_null(-1)
        .replace_strict(team, default=prior, return_dtype=pl.Float64)
        .alias("team_rate"),
        pl.col("user_id")
        .fill_null(-1)
        .replace_strict(user, default=prior, return_dtype=pl.Float64)
        .alias("user_rate"),
    )
    return out.select(WIN_FEATURES).to_numpy().astype(float)


def _prepare_leads(leads: pl.DataFrame) -> pl.DataFrame:
    return leads.with_columns(
        pl.col(pl.Decimal).cast(pl.Float64),
        (pl.col("outcome") == "won").cast(pl.Int8).alias("won"),
    )


def _stall_limits(visits: pl.DataFrame, leads: pl.DataFrame) -> dict[int, float]:
    """Per stage: its rotting threshold, or the p90 of closed visits where it never rots."""
    closed = visits.filter(~pl.col("is_current_stage") | (pl.col("outcome") != "open"))
    p90 = closed.group_by("stage_id").agg(pl.col("days_in_stage").quantile(0.9).alias("p90"))
    rot = leads.group_by("stage_id").agg(pl.col("rotting_threshold_days").max().alias("rot"))
    limits = {}
    for r in p90.join(rot, on="stage_id", how="full", coalesce=True).to_dicts():
        rot_days = r["rot"] or 0
        limits[int(r["stage_id"])] = float(rot_days if rot_days > 0 else max(r["p90"] or 30.0, 1.0))
    return limits


def _never_rots(leads: pl.DataFrame) -> frozenset[int]:
    rot = leads.group_by("stage_id").agg(pl.col("rotting_threshold_days").max().alias("rot"))
    return frozenset(int(r["stage_id"]) for r in rot.to_dicts() if (r["rot"] or 0) <= 0)


def _stall_frame(
    visits: pl.DataFrame, limits: dict[int, float], never_rots: frozenset[int] = frozenset()
) -> pl.DataFrame:
    return visits.with_columns(
        pl.col("stage_id")
        .replace_strict(limits, default=30.0, return_dtype=pl.Float64)
        .alias("limit"),
        pl.col("stage_id").is_in(list(never_rots)).cast(pl.Float64).alias("never_rots"),
    ).with_columns(
        (pl.col("days_in_stage").cast(pl.Float64) / pl.col("limit")).log1p().alias("overrun"),
    )


STALL_FEATURES = ["overrun", "never_rots"]
SNAPSHOT_STEP_DAYS = 2


def stall_snapshots(
    visits: pl.DataFrame, limits: dict[int, float], never_rots: frozenset[int]
) -> pl.DataFrame:
    """One row per closed stage visit and snapshot day ``d`` (every other day while the
    deal was in the stage and still under its threshold) with ``y`` = the visit lasted to
    the threshold. Snapshots only see what was known on day ``d``; terminal Won visits and
    open visits (outcome unknown) are left out."""
    closed = visits.filter(
        (pl.col("outcome") != "open") & ~((pl.col("outcome") == "won") & pl.col("is_current_stage"))
    )
    frame = _stall_frame(closed, limits, never_rots).with_columns(
        pl.col("days_in_stage").cast(pl.Float64).alias("total_days"),
    )
    last = pl.min_horizontal(pl.col("total_days"), pl.col("limit").ceil() - 1).clip(0)
    snaps = frame.with_columns(
        pl.int_ranges(0, last.cast(pl.Int64) + 1, SNAPSHOT_STEP_DAYS).alias("d")
    ).explode("d")
    return snaps.with_columns(
        pl.col("d").cast(pl.Float64).alias("days_in_stage"),
        (pl.col("d").cast(pl.Float64) / pl.col("limit")).log1p().alias("overrun"),
        (pl.col("total_days") >= pl.col("limit")).cast(pl.Int8).alias("y"),
    )


def _stall_x(frame: pl.DataFrame, model: LogisticRegression) -> np.ndarray:
    # versions trained before the snapshot label used the overrun alone
    return frame.select(STALL_FEATURES[: model.n_features_in_]).to_numpy().astype(float)


@dataclass(frozen=True)
class DealTraining:
    model: DealModel
    comparisons: list[Comparison]
    metrics: dict[str, float]


# the minimum: closed deals to split by close date, each side with wins and losses, and
# stage visits that both did and did not reach their stage's threshold
MIN_CLOSED_DEALS = 20


def _need_both(y: Any, what: str, where: str) -> None:
    """Both outcomes of ``what`` among ``where``, or there is nothing to learn or measure."""
    n, pos = len(y), int(np.sum(y))
    if n == 0 or pos in (0, n):
        have = "none" if n == 0 else ("all" if pos == n else "none")
        raise InsufficientData(
            f"insufficient classes: {have} of {n} {where} {what}; needs both outcomes"
        )


def _fit(leads: pl.DataFrame, visits: pl.DataFrame) -> DealModel:
    closed = leads.filter(pl.col("outcome").is_in(["won", "lost"]))
    _need_both(closed["won"].to_numpy(), "won", "closed training deals")
    prior = float(closed["won"].mean() or 0.0)  # type: ignore[arg-type]
    team, user = _rates(closed, "team_id", prior), _rates(closed, "user_id", prior)
    win = _win_pipeline().fit(_win_matrix(closed, team, user, prior), closed["won"].to_numpy())
    limits = _stall_limits(visits, leads)
    never_rots = _never_rots(leads)
    snaps = stall_snapshots(visits, limits, never_rots)
    _need_both(snaps["y"].to_numpy(), "reached their stage's stall threshold", "training visits")
    stall = LogisticRegression().fit(
        snaps.select(STALL_FEATURES).to_numpy().astype(float), snaps["y"].to_numpy()
    )
    return DealModel(win, team, user, prior, stall, limits, never_rots)


def train(leads: pl.DataFrame, visits: pl.DataFrame) -> DealTraining:
    """Validate on the last quarter of closed deals (by close date), then refit on all."""
    leads = _prepare_leads(leads)
    closed = leads.filter(pl.col("outcome").is_in(["won", "lost"])).sort("closed_at")
    if closed.height < MIN_CLOSED_DEALS:
        raise InsufficientData(
            f"insufficient history: {closed.height} closed deals, needs {MIN_CLOSED_DEALS}"
        )
    cut = closed["closed_at"][int(closed.height * 0.75)]
    train_leads = closed.filter(pl.col("closed_at") < cut)
    val = closed.filter(pl.col("closed_at") >= cut)
    train_ids = train_leads["lead_id"].implode()
    model = _fit(train_leads, visits.filter(pl.col("lead_id").is_in(train_ids)))
    p = model.win.predict_proba(_win_matrix(val, model.team_rates, model.user_rates, model.prior))[
        :, 1
    ]
    base = (
        val["user_id"]
        .fill_null(-1)
        .replace_strict(model.user_rates, default=model.prior, return_dtype=pl.Float64)
    )
    y = val["won"].to_numpy()
    _need_both(y, "won", "closed validation deals")
    val_snaps = stall_snapshots(
        visits.filter(pl.col("lead_id").is_in(val["lead_id"].implode())),
        model.stage_limits,
        model.never_rots,
    )
    ys = val_snaps["y"].to_numpy()
    _need_both(ys, "reached their stage's stall threshold", "validation visits")
    ps = model.stall.predict_proba(_stall_x(val_snaps, model.stall))[:, 1]
    metrics = {
        "win_roc_auc": float(roc_auc_score(y, p)),
        "win_baseline_roc_auc": float(roc_auc_score(y, base.to_numpy())),
        "stall_roc_auc": float(roc_auc_score(ys, ps)),
        "stall_baseline_roc_auc": float(roc_auc_score(ys, val_snaps["days_in_stage"].to_numpy())),
    }
    comparisons = [
        Comparison(
            "win_roc_auc",
            metrics["win_roc_auc"],
            "salesperson_win_rate",
            metrics["win_baseline_roc_auc"],
        ),
        Comparison(
            "stall_roc_auc",
            metrics["stall_roc_auc"],
            "days_in_stage",
            metrics["stall_baseline_roc_auc"],
        ),
    ]
    return DealTraining(_fit(leads, visits), comparisons, metrics)


def score(
    leads: pl.DataFrame,
    visits: pl.DataFrame,
    model: DealModel | None,
    version: str | None,
    now: datetime | None = None,
) -> pl.DataFrame:
    if model is None or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    leads = _prepare_leads(leads)
    open_leads = leads.filter(pl.col("outcome") == "open")
    current = _stall_frame(
        visits.filter(pl.col("is_current_stage") & (pl.col("outcome") == "open")),
        model.stage_limits,
        model.never_rots,
    ).select("lead_id", "days_in_stage", "limit", "overrun", "never_rots", "as_of_date")
    frame = open_leads.join(current, on="lead_id", how="left").with_columns(
        pl.col("overrun").fill_null(0.0),
        pl.col("never_rots").fill_null(0.0),
        pl.col("limit").fill_null(30.0),
    )
    win = model.win.predict_proba(
        _win_matrix(frame, model.team_rates, model.user_rates, model.prior)
    )[:, 1]
    stall = model.stall.predict_proba(_stall_x(frame, model.stall))[:, 1]
    never_rots = (frame["rotting_threshold_days"].fill_null(0) <= 0).to_numpy()
    if model.stall.n_features_in_ == 1:  # pre-snapshot versions
        stall = np.where(never_rots, stall * 0.5, stall)
    else:
        # the label's event has already happened: a deal past its stage's (Odoo) rotting
        # threshold is rotting; the model only forecasts for deals still under it. A stage
        # that never rots has only the p90 stand-in limit, which Odoo does not flag, so its
        # deals stay below any rotting one (halved, as Odoo's own signal says "never rots")
        rotting = ~never_rots & (frame["overrun"].to_numpy() >= np.log(2.0))
        stall = np.where(rotting, 1.0, np.where(never_rots, stall * 0.5, stall))
    as_of = frame["as_of_date"].drop_nulls()
    ref = as_of.max() if as_of.len() else None
    if ref is not None:
        quiet = frame.select(
            (
                pl.col("last_interaction_at").is_null()
                | (
                    (
                        pl.lit(ref).cast(pl.Date) - pl.col("last_interaction_at").dt.date()
                    ).dt.total_days()
                    > pl.col("limit")
                )
            ).alias("q")
        )["q"].to_numpy()
        stall = np.where(quiet, stall, stall * 0.5)
    scored_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "lead_id": frame["lead_id"].cast(pl.Int64),
            "company_id": frame["company_id"].cast(pl.Int64),
            "win_probability": win,
            "stall_probability": stall,
            "model_version": [version] * frame.height,
            "scored_at": [scored_at] * frame.height,
        },
        schema=SCORE_SCHEMA,
    )


def score_baseline(
    leads: pl.DataFrame,
    visits: pl.DataFrame,
    model: DealModel,
    label: str,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The baselines' scores, served while no version has passed: the salesperson's
    training-period win rate, and days in stage mapped monotonically to ``d / (d + 30)``
    (the baseline ranks by days in stage; the map only keeps it in [0, 1], it is not a
    calibrated probability)."""
    leads = _prepare_leads(leads)
    open_leads = leads.filter(pl.col("outcome") == "open")
    current = visits.filter(pl.col("is_current_stage") & (pl.col("outcome") == "open")).select(
        "lead_id", "days_in_stage"
    )
    frame = open_leads.join(current, on="lead_id", how="left").with_columns(
        pl.col("days_in_stage").cast(pl.Float64).fill_null(0.0)
    )
    win = (
        frame["user_id"]
        .fill_null(-1)
        .replace_strict(model.user_rates, default=model.prior, return_dtype=pl.Float64)
    )
    days = frame["days_in_stage"].to_numpy()
    scored_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "lead_id": frame["lead_id"].cast(pl.Int64),
            "company_id": frame["company_id"].cast(pl.Int64),
            "win_probability": win,
            "stall_probability": days / (days + 30.0),
            "model_version": [label] * frame.height,
            "scored_at": [scored_at] * frame.height,
        },
        schema=SCORE_SCHEMA,
    )
