"""Stock-out risk per product and warehouse within the replenishment lead time.

Demand model: an exponentially weighted daily level times day-of-week factors from the last
26 weeks (weekly seasonality), with the variance of the daily residuals. The level's
half-life (7, 14 or 28 days) is picked per series by an inner backtest on that series' own
history before the forecast origin: a product whose demand is ramping up needs a short
memory to follow it, a steady one is better served by a long, less noisy one (no single
half-life beat the flat mean on both the small and the medium company). Over a window cumulative demand is approximately
normal, and the stock-out probability is P(demand over the window > on hand + incoming).

Two windows, two columns, so each says what it means:

- ``stockout_probability``: over the replenishment **lead time** (the issue's question: will
  it run out before a purchase placed today could arrive?);
- ``review_stockout_probability``: over the lead time plus one monthly review period (an
  order placed at the next review still takes the lead time to arrive), the horizon a
  buyer reviewing monthly has to cover. It is always >= the lead-time figure.

The expected date is the first day the expected cumulative demand exceeds the stock.

Backtest: at rolling origins in the last 12 weeks, the lead-time demand forecast is compared
with what was delivered, against a flat 28-day-mean baseline (MAE; lower is better).

Graded on what happened (``graded_backtest``): at past as-of dates every 14 days, with each
product's own lead time, the stock-out probability from the history up to that date against
whether on hand actually reached zero within the lead time after it (on hand on a past day =
today's on hand minus the net movements since, ``operations.fct_stock_moves_daily``). The
stock it has to last on is on hand then plus what arrived within the lead time (the
receipts already on order). Compared with the days-of-cover rule a buyer uses (stock-out
when stock / 28-day mean daily demand < lead time) by Brier score, on the same rows,
resampled by product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from ml.evaluation import CalibrationReport, brier, calibration_report, roc_auc
from ml.lifecycle import Comparison, InsufficientData

MODEL_NAME = "stockout"
HALF_LIFE_DAYS = 14.0
HALF_LIFE_CHOICES = (7.0, 14.0, 28.0)
INNER_ORIGINS = 4  # inner backtest: this many 14-day windows at the end of the history
INNER_LEAD = 14
SEASON_WEEKS = 26
# an order placed at the next review (monthly) still takes the lead time to arrive: the
# review column covers lead time + one review period
REVIEW_DAYS = 30

DEMAND_SQL = """
select product_id, warehouse_id, company_id, demand_date,
       delivered_qty - coalesce(returned_qty, 0) as qty
from operations.fct_stock_demand_daily
"""
COVER_SQL = """
select product_id, warehouse_id, company_id, as_of_date, on_hand_qty, incoming_qty,
       lead_time_days
from operations.fct_stock_cover
"""
MOVES_SQL = """
select product_id, warehouse_id, company_id, moved_date, qty_in, qty_out
from operations.fct_stock_moves_daily
"""
# what this model reads (its lineage: orchestration/lineage.py makes the Dagster deps of it)
READS = (
    "operations.fct_stock_demand_daily",
    "operations.fct_stock_cover",
    "operations.fct_stock_moves_daily",
)
GRADE_STEP_DAYS = 14
GRADE_ORIGINS = 26  # a year of as-of dates, 14 days apart
COVER_RULE = "days_of_cover_rule"

SCORE_SCHEMA: dict[str, Any] = {
    "company_id": pl.Int64,
    "product_id": pl.Int64,
    "warehouse_id": pl.Int64,
    "stockout_probability": pl.Float64,
    "expected_stockout_date": pl.Date,
    "lead_time_days": pl.Int64,
    "review_stockout_probability": pl.Float64,
    "model_version": pl.Utf8,
    "scored_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class DemandModel:
    """Parameters (not data): the smoothing half-life (or the choices the inner backtest
    picks from per series; empty = always ``half_life_days``) and the seasonal window."""

    half_life_days: float = HALF_LIFE_DAYS
    season_weeks: int = SEASON_WEEKS
    half_life_choices: tuple[float, ...] = ()

    def pick_half_life(self, history: np.ndarray, start_dow: int) -> float:
        """The choice with the lowest 14-day-demand MAE over the last ``INNER_ORIGINS``
        windows of ``history`` itself (so a backtest origin never sees its own future)."""
        n = len(history)
        if not self.half_life_choices or n < 56 + INNER_LEAD * INNER_ORIGINS:
            return self.half_life_days
        best, best_err = self.half_life_days, float("inf")
        for hl in self.half_life_choices:
            fixed = DemandModel(hl, self.season_weeks)
            err = 0.0
            for k in range(1, INNER_ORIGINS + 1):
                cut = n - k * INNER_LEAD
                dow = (start_dow - (n - cut)) % 7
                mean, _ = fixed.forecast(history[:cut], dow, INNER_LEAD)
                err += abs(mean.sum() - history[cut : cut + INNER_LEAD].sum())
            if err < best_err - 1e-9:
                best, best_err = hl, err
        return best

    def forecast(
        self, history: np.ndarray, start_dow: int, horizon: int
    ) -> tuple[np.ndarray, float]:
        """Daily means for ``horizon`` days after ``history`` (oldest first) and the daily
        residual variance. ``start_dow`` is the weekday of the first forecast day."""
        if self.half_life_choices:
            hl = self.pick_half_life(history, start_dow)
            return DemandModel(hl, self.season_weeks).forecast(history, start_dow, horizon)
        n = len(history)
        if n == 0:
            return np.zeros(horizon), 0.0
        w = 0.5 ** (np.arange(n)[::-1] / self.half_life_days)
        season = history[-self.season_weeks * 7 :]
        dows = (np.arange(len(season)) - len(season) + start_dow) % 7
        overall = season.mean()
        factors = np.ones(7)
        if overall > 0:
            for d in range(7):
                sel = season[dows == d]
                if len(sel):
                    factors[d] = sel.mean() / overall
        hist_dows = (np.arange(n) - n + start_dow) % 7
        deseason = history / np.where(factors[hist_dows] > 0, factors[hist_dows], 1.0)
        level = float((w * deseason).sum() / w.sum())
        fitted = level * factors[hist_dows[-len(season) :]]
        var = float(np.var(season - fitted)) if len(season) > 1 else level
        days = (start_dow + np.arange(horizon)) % 7
        return level * factors[days], var


@dataclass(frozen=True)
class FlatMeanModel(DemandModel):
    """The backtest's baseline as a forecaster: the flat mean of the last 28 days (and its
    daily variance). Served while no demand model version has passed."""

    window_days: int = 28

    def forecast(
        self, history: np.ndarray, start_dow: int, horizon: int
    ) -> tuple[np.ndarray, float]:
        recent = history[-self.window_days :]
        if len(recent) == 0:
            return np.zeros(horizon), 0.0
        return np.full(horizon, float(recent.mean())), float(np.var(recent))


def _dense(demand: pl.DataFrame, end: date) -> dict[tuple[int, int, int], tuple[date, np.ndarray]]:
    """Per (company, product, warehouse): first day and daily quantities up to ``end``."""
    out = {}
    for (cid, pid, wid), grp in demand.group_by(["company_id", "product_id", "warehouse_id"]):
        start: date = grp["demand_date"].min()  # type: ignore[assignment]
        days = (end - start).days + 1
        arr = np.zeros(max(days, 0))
        idx = np.array([(d - start).days for d in grp["demand_date"].to_list()])
        keep = idx < days
        np.add.at(arr, idx[keep], grp["qty"].to_numpy().astype(float)[keep])
        out[(int(cid), int(pid), int(wid))] = (start, arr)  # type: ignore[call-overload]
    return out


@dataclass(frozen=True)
class StockoutTraining:
    model: DemandModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    # held-out calibration of the graded stock-out probability and of the rule
    reports: dict[str, CalibrationReport] = field(default_factory=dict)


def backtest(
    demand: pl.DataFrame, as_of: date, model: DemandModel, lead: int = 14
) -> dict[str, float]:
    """Rolling origins every 14 days over the last 12 weeks: MAE of lead-time demand."""
    series = _dense(demand, as_of)
    err_m, err_b = [], []
    for start, arr in series.values():
        if arr.sum() <= 0 or len(arr) < 120:
            continue
        for back in range(lead + 70, lead - 1, -14):
            cut = len(arr) - back
            if cut < 56:
                continue
            hist, actual = arr[:cut], arr[cut : cut + lead].sum()
            dow = (start + timedelta(days=cut)).weekday()
            mean, _ = model.forecast(hist, dow, lead)
            err_m.append(abs(mean.sum() - actual))
            base, _ = FlatMeanModel().forecast(hist, dow, lead)
            err_b.append(abs(base.sum() - actual))
    return {
        "mae_leadtime_demand": float(np.mean(err_m)) if err_m else float("nan"),
        "baseline_mae_leadtime_demand": float(np.mean(err_b)) if err_b else float("nan"),
        "backtest_points": float(len(err_m)),
    }


@dataclass(frozen=True)
class Graded:
    """Per (product x warehouse, past as-of date): the model's probability, the rule's 0/1
    and whether on hand reached zero within the lead time."""

    probability: np.ndarray
    rule: np.ndarray
    happened: np.ndarray
    groups: np.ndarray


def _on_hand_history(
    moves: pl.DataFrame, cover: pl.DataFrame, start: date, end: date
) -> dict[tuple[int, int, int], np.ndarray]:
    """End-of-day on hand per (company, product, warehouse) for each day ``start..end``:
    today's on hand minus the net movements after each day."""
    days = (end - start).days + 1
    out = {}
    by_key = {
        (int(k[0]), int(k[1]), int(k[2])): g  # type: ignore[call-overload]
        for k, g in moves.group_by(["company_id", "product_id", "warehouse_id"])
    }
    for r in cover.to_dicts():
        key = (int(r["company_id"]), int(r["product_id"]), int(r["warehouse_id"]))
        net = np.zeros(days)
        later = 0.0
        g = by_key.get(key)
        if g is not None:
            for d, qin, qout in zip(
                g["moved_date"].to_list(),
                g["qty_in"].to_list(),
                g["qty_out"].to_list(),
                strict=True,
            ):
                delta = float(qin or 0) - float(qout or 0)
                if d > end:
                    later += delta
                elif d >= start:
                    net[(d - start).days] += delta
        # on hand at end of day i = now - later - sum(net[i+1:])
        after = np.concatenate([np.cumsum(net[::-1])[::-1][1:], [0.0]])
        out[key] = float(r["on_hand_qty"] or 0) - later - after
    return out


def _daily_in(
    moves: pl.DataFrame, start: date, end: date
) -> dict[tuple[int, int, int], np.ndarray]:
    """Quantity received per (company, product, warehouse) on each day ``start..end``."""
    days = (end - start).days + 1
    rows = moves.filter(
        (pl.col("qty_in") > 0) & (pl.col("moved_date") >= start) & (pl.col("moved_date") <= end)
    )
    out: dict[tuple[int, int, int], np.ndarray] = {}
    for r in rows.iter_rows(named=True):
        key = (int(r["company_id"]), int(r["product_id"]), int(r["warehouse_id"]))
        arr = out.setdefault(key, np.zeros(days))
        arr[(r["moved_date"] - start).days] += float(r["qty_in"])
    return out


def graded_backtest(
    demand: pl.DataFrame,
    moves: pl.DataFrame,
    cover: pl.DataFrame,
    model: DemandModel,
    origins: int = GRADE_ORIGINS,
    step: int = GRADE_STEP_DAYS,
) -> Graded:
    """See the module doc: probability vs what happened at past as-of dates."""
    empty = np.zeros(0)
    if cover.is_empty() or demand.is_empty() or moves.is_empty():
        return Graded(empty, empty, empty, empty)
    as_of: date = cover["as_of_date"].max()  # type: ignore[assignment]
    leads = {
        (int(r["company_id"]), int(r["product_id"]), int(r["warehouse_id"])): int(
            r["lead_time_days"] or 14
        )
        for r in cover.to_dicts()
    }
    longest = max(leads.values())
    first = as_of - timedelta(days=longest + step * (origins - 1))
    on_hand = _on_hand_history(moves, cover, first, as_of)
    receipts = _daily_in(moves, first, as_of)
    series = _dense(demand, as_of)
    probs, rules, happened, groups = [], [], [], []
    for key, lead in leads.items():
        if key not in series or key not in on_hand:
            continue
        start, arr = series[key]
        oh = on_hand[key]
        for k in range(origins):
            t = as_of - timedelta(days=lead + step * k)
            i = (t - first).days
            cut = (t - start).days + 1
            if i < 0 or cut < 56:
                continue
            window = oh[i + 1 : i + 1 + lead]
            if len(window) < lead:
                continue
            got = receipts.get(key)
            arriving = float(got[i + 1 : i + 1 + lead].sum()) if got is not None else 0.0
            stock = max(float(oh[i]), 0.0) + arriving
            hist = arr[:cut]
            mean, var = model.forecast(hist, (t + timedelta(days=1)).weekday(), lead)
            probs.append(_probability(mean, var, lead, stock))
            daily = float(hist[-28:].mean()) if len(hist) else 0.0
            rules.append(float(daily > 0 and stock / daily < lead))
            happened.append(float((window <= 1e-9).any()))
            groups.append(f"{key[0]}:{key[1]}:{key[2]}")
    return Graded(np.array(probs), np.array(rules), np.array(happened), np.array(groups))


def train(
    demand: pl.DataFrame,
    cover: pl.DataFrame,
    model: DemandModel | None = None,
    moves: pl.DataFrame | None = None,
) -> StockoutTraining:
    model = model or DemandModel(half_life_choices=HALF_LIFE_CHOICES)
    if cover.is_empty() or demand.is_empty():
        empty = (
            "operations.fct_stock_cover"
            if cover.is_empty()
            else "operations.fct_stock_demand_daily"
        )
        raise InsufficientData(
            f"no stock data: {empty} has no rows (stock not installed, or no product "
            "stocked and delivered yet); needs 1 stocked product with deliveries"
        )
    as_of: date = cover["as_of_date"].max()  # type: ignore[assignment]
    metrics = backtest(demand, as_of, model)
    comparisons = [
        Comparison(
            "mae_leadtime_demand",
            metrics["mae_leadtime_demand"],
            "flat_28d_mean",
            metrics["baseline_mae_leadtime_demand"],
        )
    ]
    reports: dict[str, CalibrationReport] = {}
    if moves is not None:
        graded = graded_backtest(demand, moves, cover, model)
        metrics["graded_points"] = float(len(graded.happened))
        metrics["graded_stockouts"] = float(graded.happened.sum())
        if len(graded.happened) and 0 < graded.happened.sum() < len(graded.happened):
            c = Comparison.bootstrap(
                "stockout_brier",
                brier,
                graded.happened,
                graded.probability,
                COVER_RULE,
                graded.rule,
                groups=graded.groups,
            )
            comparisons.append(c)
            metrics["stockout_brier"] = c.metric_value
            metrics["baseline_stockout_brier"] = c.baseline_value
            metrics["stockout_roc_auc"] = roc_auc(graded.happened, graded.probability)
            metrics["baseline_stockout_roc_auc"] = roc_auc(graded.happened, graded.rule)
            reports["stockout"] = calibration_report(graded.happened, graded.probability)
            reports["stockout_baseline"] = calibration_report(graded.happened, graded.rule)
            metrics |= reports["stockout"].metrics("stockout")
    return StockoutTraining(model, comparisons, metrics, reports)


def _probability(mean: np.ndarray, var: float, days: int, stock: float) -> float:
    """P(cumulative demand over the first ``days`` days > ``stock``), normal approximation
    with the residual variance plus Poisson noise (so a flat history still has spread)."""
    mu = float(mean[:days].sum())
    sd = math.sqrt(max(var, 0.0) * days + mu)
    if mu <= 0:
        return 0.0
    if sd <= 0:
        return float(mu > stock)
    return 0.5 * math.erfc((stock - mu) / (sd * math.sqrt(2)))


def score(
    demand: pl.DataFrame,
    cover: pl.DataFrame,
    model: DemandModel | None,
    version: str | None,
    now: datetime | None = None,
) -> pl.DataFrame:
    if model is None or version is None or cover.is_empty():
        return pl.DataFrame(schema=SCORE_SCHEMA)
    as_of: date = cover["as_of_date"].max()  # type: ignore[assignment]
    # the last days before the as-of date may not be delivered yet: forecast from the last
    # day with any recorded demand, so trailing empty days do not read as a demand drop
    last: date = min(demand["demand_date"].max() or as_of, as_of)  # type: ignore[type-var,assignment]
    series = _dense(demand, last)
    gap = (as_of - last).days
    rows = []
    scored_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    for r in cover.to_dicts():
        key = (int(r["company_id"]), int(r["product_id"]), int(r["warehouse_id"]))
        lead = int(r["lead_time_days"] or 14)
        stock = float(r["on_hand_qty"] or 0) + float(r["incoming_qty"] or 0)
        _start, arr = series.get(key, (as_of, np.zeros(0)))
        window = lead + REVIEW_DAYS
        horizon = max(window, 120) + gap
        mean, var = model.forecast(arr, (last + timedelta(days=1)).weekday(), horizon)
        mean = mean[gap:]  # the days between the last demand record and the as-of date
        prob = _probability(mean, var, lead, stock)
        review_prob = _probability(mean, var, window, stock)
        cum = np.cumsum(mean)
        hit = np.nonzero(cum > stock)[0]
        expected = as_of + timedelta(days=int(hit[0]) + 1) if len(hit) else None
        rows.append(
            {
                "company_id": key[0],
                "product_id": key[1],
                "warehouse_id": key[2],
                "stockout_probability": prob,
                "expected_stockout_date": expected,
                "lead_time_days": lead,
                "review_stockout_probability": review_prob,
                "model_version": version,
                "scored_at": scored_at,
            }
        )
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def score_baseline(
    demand: pl.DataFrame, cover: pl.DataFrame, label: str, now: datetime | None = None
) -> pl.DataFrame:
    """Stock-out probabilities from the flat 28-day mean (the baseline), served while no
    demand model version has passed."""
    return score(demand, cover, FlatMeanModel(), label, now)
