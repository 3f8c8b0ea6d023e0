"""Point-in-time features of deals: each row is a lead as it stood on a snapshot date, rebuilt
from what was dated on or before that date and nothing later.

From ``sales.fct_lead_events`` (the chatter): the stage the lead was in (the last stage change
on or before the snapshot), when it entered it, how many stage changes it had; activities
marked done and other interaction messages so far, and the days since the last one. Tracked
fields (salesperson, priority, expected revenue, team) are the lead's current value rolled
back through their tracked changes dated after the snapshot (the old value of the first
such change). The salesperson's win rate counts only deals that closed before the snapshot.

Never read here, because they are the state at the end of a deal's life: the current stage,
probability, type (lead/opportunity: every closed ``lead`` is lost), outcome, planned
activities (Odoo deletes them when done) and message totals. ``truncate`` builds what a
warehouse extracted on a given date would hold, for the time-travel test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

ROLLED_BACK = {  # tracked field -> (column of dim_leads, old-value column of the event)
    "user_id": ("user_id", "old_value_integer"),
    "team_id": ("team_id", "old_value_integer"),
    "priority": ("priority", "old_value_char"),
    "expected_revenue": ("expected_revenue", "old_value_float"),
}
RATE_STRENGTH = 10.0  # pseudo-deals shrinking a salesperson's win rate towards the prior
RECENT_DAYS = 30

FEATURES = [
    "stage_sequence",
    "days_in_stage",
    "log_days_in_stage",
    "age_days",
    "stage_changes",
    "log_amount",
    "priority",
    "activities_done",
    "messages",
    "interactions_30d",
    "days_since_interaction",
    "days_quiet",
    "user_rate",
]


def _naive(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """Timestamps as naive UTC microseconds (the marts' timestamptz come back zoned)."""
    out = []
    for c in cols:
        dtype = frame.schema[c]
        expr = pl.col(c)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        elif dtype == pl.Date:
            expr = expr.cast(pl.Datetime("us"))
        out.append(expr.cast(pl.Datetime("us")).alias(c))
    return frame.with_columns(out)


def prepare_leads(leads: pl.DataFrame) -> pl.DataFrame:
    return _naive(
        leads.with_columns(pl.col(pl.Decimal).cast(pl.Float64)), "created_at", "closed_at"
    ).with_columns(
        pl.col("expected_revenue").cast(pl.Float64),
        pl.col("priority").cast(pl.Utf8),
        (pl.col("outcome") == "won").cast(pl.Int8).alias("won"),
    )


def prepare_events(events: pl.DataFrame) -> pl.DataFrame:
    return _naive(events.with_columns(pl.col(pl.Decimal).cast(pl.Float64)), "event_at").sort(
        "event_at"
    )


def _rolled_back(snaps: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The tracked fields as of each snapshot: the old value of the first change after it,
    else the current value."""
    out = snaps
    for field, (column, old) in ROLLED_BACK.items():
        changes = events.filter(
            (pl.col("event_kind") == "field") & (pl.col("field_name") == field)
        ).select("lead_id", pl.col("event_at").alias("change_at"), pl.col(old).alias("_old"))
        if changes.is_empty():
            continue
        first_after = (
            out.select("lead_id", "snapshot_at")
            .join(changes, on="lead_id")
            .filter(pl.col("change_at") > pl.col("snapshot_at"))
            .group_by("lead_id", "snapshot_at")
            .agg(pl.col("_old").sort_by("change_at").first())
        )
        dtype = out.schema[column]
        out = out.join(first_after, on=["lead_id", "snapshot_at"], how="left").with_columns(
            pl.when(pl.col("_old").is_not_null())
            .then(pl.col("_old").cast(dtype, strict=False))
            .otherwise(pl.col(column))
            .alias(column)
        )
        out = out.drop("_old")
    return out


def _user_rates(snaps: pl.DataFrame, leads: pl.DataFrame) -> pl.Series:
    """Per snapshot: the salesperson's smoothed win rate over deals closed before it (and
    the prior, the overall rate of those deals)."""
    closed = (
        leads.filter(pl.col("outcome").is_in(["won", "lost"]) & pl.col("closed_at").is_not_null())
        .select("user_id", "closed_at", "won")
        .sort("closed_at")
    )
    if closed.is_empty():
        return pl.Series("user_rate", [0.5] * snaps.height, dtype=pl.Float64)
    overall = closed.with_columns(
        pl.col("won").cum_sum().alias("w_all"), pl.int_range(1, pl.len() + 1).alias("n_all")
    ).select("closed_at", "w_all", "n_all")
    mine = (
        closed.filter(pl.col("user_id").is_not_null())
        .with_columns(
            pl.col("won").cum_sum().over("user_id").alias("w"),
            pl.int_range(1, pl.len() + 1).over("user_id").alias("n"),
        )
        .select("user_id", "closed_at", "w", "n")
    )
    keyed = snaps.select(
        pl.int_range(0, pl.len()).alias("_row"),
        pl.col("user_id"),
        # strictly before the snapshot: a deal closing at the same instant is not yet known
        (pl.col("snapshot_at") - pl.duration(microseconds=1)).alias("_t"),
    ).sort("_t")
    joined = keyed.join_asof(
        overall, left_on="_t", right_on="closed_at", strategy="backward", check_sortedness=False
    )
    joined = joined.drop("closed_at").join_asof(
        mine,
        left_on="_t",
        right_on="closed_at",
        by="user_id",
        strategy="backward",
        check_sortedness=False,
    )
    prior = (pl.col("w_all").fill_null(0) + 1.0) / (pl.col("n_all").fill_null(0) + 2.0)
    rate = (pl.col("w").fill_null(0) + RATE_STRENGTH * prior) / (
        pl.col("n").fill_null(0) + RATE_STRENGTH
    )
    return joined.sort("_row").select(rate.alias("user_rate"))["user_rate"]


def features_at(leads: pl.DataFrame, events: pl.DataFrame, snaps: pl.DataFrame) -> pl.DataFrame:
    """One row per ``snaps`` row (``lead_id``, ``snapshot_at``): the lead as of then.

    ``leads`` and ``events`` as prepared by :func:`prepare_leads` / :func:`prepare_events`.
    Rows keep the order of ``snaps``; every other column of ``snaps`` is kept."""
    base = snaps.with_columns(pl.int_range(0, pl.len()).alias("_row")).join(
        leads.select("lead_id", "company_id", *[c for c, _ in ROLLED_BACK.values()], "created_at"),
        on="lead_id",
        how="left",
    )
    base = _rolled_back(base.sort("_row"), events)
    stage = (
        events.filter(pl.col("event_kind") == "stage")
        .select(
            "lead_id",
            pl.col("event_at").alias("entered_at"),
            "stage_sequence",
            "stage_id",
            pl.col("rotting_threshold_days").cast(pl.Float64).alias("_rot"),
            pl.int_range(1, pl.len() + 1).over("lead_id").alias("stage_changes"),
        )
        .sort("entered_at")
    )
    inter = (
        events.filter(pl.col("event_kind").is_in(["activity_done", "message"]))
        .select(
            "lead_id",
            pl.col("event_at").alias("last_interaction_at"),
            (pl.col("event_kind") == "activity_done")
            .cast(pl.Int64)
            .cum_sum()
            .over("lead_id")
            .alias("activities_done"),
            (pl.col("event_kind") == "message")
            .cast(pl.Int64)
            .cum_sum()
            .over("lead_id")
            .alias("messages"),
            pl.int_range(1, pl.len() + 1).over("lead_id").alias("_n_inter"),
        )
        .sort("last_interaction_at")
    )
    out = base.sort("snapshot_at").join_asof(
        stage,
        left_on="snapshot_at",
        right_on="entered_at",
        by="lead_id",
        strategy="backward",
        check_sortedness=False,
    )
    out = out.join_asof(
        inter,
        left_on="snapshot_at",
        right_on="last_interaction_at",
        by="lead_id",
        strategy="backward",
        check_sortedness=False,
    )
    # interactions more than RECENT_DAYS before the snapshot: the count then
    older = inter.select(
        "lead_id",
        (pl.col("last_interaction_at") + pl.duration(days=RECENT_DAYS)).alias("_shifted"),
        pl.col("_n_inter").alias("_n_old"),
    ).sort("_shifted")
    out = out.join_asof(
        older,
        left_on="snapshot_at",
        right_on="_shifted",
        by="lead_id",
        strategy="backward",
        check_sortedness=False,
    )
    out = out.sort("_row")
    days = lambda a, b: (pl.col(a) - pl.col(b)).dt.total_seconds() / 86400.0  # noqa: E731
    out = (
        out.with_columns(
            pl.col("entered_at").fill_null(pl.col("created_at")),
            pl.col("stage_changes").fill_null(0).cast(pl.Float64),
            pl.col("activities_done").fill_null(0).cast(pl.Float64),
            pl.col("messages").fill_null(0).cast(pl.Float64),
            (pl.col("_n_inter").fill_null(0) - pl.col("_n_old").fill_null(0))
            .cast(pl.Float64)
            .alias("interactions_30d"),
        )
        .with_columns(
            days("snapshot_at", "entered_at").clip(0).alias("days_in_stage"),
            days("snapshot_at", "created_at").clip(0).alias("age_days"),
            days("snapshot_at", "last_interaction_at")
            .fill_null(days("snapshot_at", "created_at"))
            .clip(0)
            .alias("days_since_interaction"),
            pl.col("expected_revenue")
            .cast(pl.Float64)
            .fill_null(0)
            .clip(0)
            .log1p()
            .alias("log_amount"),
            pl.col("priority").cast(pl.Float64, strict=False).fill_null(0).alias("priority"),
            pl.col("stage_sequence").cast(pl.Float64),
        )
        .with_columns(
            pl.col("days_in_stage").log1p().alias("log_days_in_stage"),
            # days since the last sign of life: a stage change or an interaction
            pl.min_horizontal("days_in_stage", "days_since_interaction").alias("days_quiet"),
            (pl.col("_rot").fill_null(0) > 0).alias("stage_rots"),
            pl.when(pl.col("_rot") > 0)
            .then(pl.col("days_in_stage") / pl.col("_rot"))
            .otherwise(None)
            .alias("overrun"),
        )
    )
    out = out.with_columns(_user_rates(out, leads))
    return out.drop("_row", "_n_inter", "_n_old", "_shifted", "_rot", strict=False)


def matrix(frame: pl.DataFrame, features: list[str] = FEATURES) -> np.ndarray:
    return frame.select(features).to_numpy().astype(float)


def snapshot_grid(
    leads: pl.DataFrame, until: datetime, step_days: int, closed_only: bool = False
) -> pl.DataFrame:
    """Snapshots of each lead every ``step_days`` from a day after its creation while it was
    open (before it closed) and before ``until``: (lead_id, snapshot_at)."""
    rows = leads
    if closed_only:
        rows = rows.filter(pl.col("outcome").is_in(["won", "lost"]))
    end = pl.min_horizontal(pl.col("closed_at").fill_null(pl.lit(until)), pl.lit(until))
    grid = (
        rows.filter(pl.col("created_at").is_not_null())
        .select(
            "lead_id",
            pl.datetime_ranges(
                pl.col("created_at") + pl.duration(days=1),
                end,
                interval=f"{step_days}d",
                closed="left",
            ).alias("snapshot_at"),
        )
        .explode("snapshot_at")
        .drop_nulls("snapshot_at")
    )
    return grid.with_columns(pl.col("snapshot_at").cast(pl.Datetime("us")))


def truncate(
    leads: pl.DataFrame, events: pl.DataFrame, at: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What a warehouse extracted at ``at`` would hold: the leads created by then, open if
    they closed later (no outcome, no close date), their tracked fields as they were then
    (the old value of the first tracked change after ``at``), and the events up to ``at``."""
    kept = events.filter(pl.col("event_at") <= at)
    later = events.filter((pl.col("event_at") > at) & (pl.col("event_kind") == "field"))
    out = (
        leads.filter(pl.col("created_at") <= at)
        .with_columns(
            pl.when(pl.col("closed_at") > at)
            .then(pl.lit("open"))
            .otherwise(pl.col("outcome"))
            .alias("outcome"),
            pl.when(pl.col("closed_at") > at)
            .then(None)
            .otherwise(pl.col("closed_at"))
            .alias("closed_at"),
        )
        .with_columns((pl.col("outcome") == "won").cast(pl.Int8).alias("won"))
    )
    for field, (column, old) in ROLLED_BACK.items():
        first = (
            later.filter(pl.col("field_name") == field)
            .group_by("lead_id")
            .agg(pl.col(old).sort_by("event_at").first().alias("_then"))
        )
        if first.is_empty():
            continue
        out = (
            out.join(first, on="lead_id", how="left")
            .with_columns(
                pl.coalesce(
                    pl.col("_then").cast(out.schema[column], strict=False), pl.col(column)
                ).alias(column)
            )
            .drop("_then")
        )
    return out, kept


@dataclass(frozen=True)
class TimeTravel:
    """Snapshots checked, and those whose features rebuilt from the truncated warehouse
    differ (lead, snapshot, columns)."""

    checked: int
    differing: list[tuple[int, datetime, list[str]]]

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.differing


COMPARED = [*FEATURES, "overrun", "stage_rots"]


def time_travel(
    leads: pl.DataFrame, events: pl.DataFrame, until: datetime, n: int = 40, seed: int = 0
) -> TimeTravel:
    """For ``n`` random snapshots of the deals' open lives: the features built from the whole
    warehouse equal those built from the warehouse truncated at the snapshot date."""
    leads, events = prepare_leads(leads), prepare_events(events)
    grid = snapshot_grid(leads, until, 7)
    if grid.is_empty():
        return TimeTravel(0, [])
    sample = grid.sample(min(n, grid.height), seed=seed)
    full = features_at(leads, events, sample)
    differing = []
    for i, row in enumerate(sample.iter_rows(named=True)):
        tl, te = truncate(leads, events, row["snapshot_at"])
        then = features_at(tl, te, sample.slice(i, 1))
        bad = [c for c in COMPARED if not _same(full[c][i], then[c][0])]
        if bad:
            differing.append((int(row["lead_id"]), row["snapshot_at"], bad))
    return TimeTravel(sample.height, differing)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a)) or (a != a and b != b)
    return a == b
