"""Forecasts for the next quarter: monthly revenue and weekly net cash flow per company,
weekly demand of the top products; with seasonal-naive and exponential-smoothing baselines
in the same rolling-origin backtest, MASE and prediction-interval coverage.

The candidate (:class:`ForecastModel`) picks a method per kind of series; see its docstring.
Two years of history are too short for seasonal exponential smoothing to learn a year's
shape, so the annual pattern comes from Fourier terms in a regression where it matters.

MASE is scaled by the in-sample one-step naive MAE of each origin's training window (the
seasonal scale needs more years than the data has).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.linear_model import Ridge

from ml.lifecycle import Comparison

logger = logging.getLogger(__name__)

MODEL_NAME = "forecasts"
MODEL_LABEL = "family_blend"
INTERVAL_Z = 1.2816  # 80% two-sided normal interval
TOP_PRODUCTS = 5

REVENUE_SQL = """
select company_id, period_month_date as period_start, -sum(balance) as y
from finance.fct_general_ledger
where account_type in ('income', 'income_other')
group by all
"""
CASH_SQL = """
select company_id, cast(date_trunc('week', accounting_date) as date) as period_start,
       sum(balance) as y
from finance.fct_general_ledger
where account_type = 'asset_cash'
group by all
"""
DEMAND_SQL = """
select company_id, product_id, cast(date_trunc('week', demand_date) as date) as period_start,
       sum(delivered_qty - coalesce(returned_qty, 0)) as y
from operations.fct_stock_demand_daily
group by all
"""
AS_OF_SQL = "select max(as_of_date) as as_of from finance.fct_cash_position"

SCORE_SCHEMA: dict[str, Any] = {
    "series": pl.Utf8,
    "company_id": pl.Int64,
    "period_start": pl.Date,
    "period_grain": pl.Utf8,
    "yhat": pl.Float64,
    "yhat_lower": pl.Float64,
    "yhat_upper": pl.Float64,
    "model": pl.Utf8,
    "model_version": pl.Utf8,
    "created_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class Series:
    name: str
    company_id: int
    grain: str  # 'month' | 'week'
    periods: list[date]
    y: np.ndarray
    season: int  # 12 for months, 52 for weeks
    horizon: int  # a quarter: 3 months or 13 weeks


def _next_period(d: date, grain: str, k: int = 1) -> date:
    if grain == "week":
        return d + timedelta(weeks=k)
    month = d.month - 1 + k
    return date(d.year + month // 12, month % 12 + 1, 1)


def _complete(frame: pl.DataFrame, grain: str, as_of: date) -> tuple[list[date], np.ndarray]:
    """Every period between the first and the last *complete* one, gaps filled with 0."""
    if frame.is_empty():
        return [], np.zeros(0)
    values = dict(
        zip(frame["period_start"].to_list(), frame["y"].cast(pl.Float64).to_list(), strict=True)
    )
    start = min(values)
    periods = []
    d = _next_period(start, grain)  # the first period is usually partial (data starts mid-way)
    while _next_period(d, grain) <= as_of + timedelta(days=1):
        periods.append(d)
        d = _next_period(d, grain)
    return periods, np.array([values.get(p, 0.0) for p in periods])


def build_series(
    revenue: pl.DataFrame, cash: pl.DataFrame, demand: pl.DataFrame, as_of: date
) -> list[Series]:
    out: list[Series] = []
    for (cid,), grp in revenue.group_by(["company_id"]):
        periods, y = _complete(grp, "month", as_of)
        out.append(Series("revenue_monthly", int(cid), "month", periods, y, 12, 3))  # type: ignore[arg-type]
    for (cid,), grp in cash.group_by(["company_id"]):
        periods, y = _complete(grp, "week", as_of)
        out.append(Series("net_cash_weekly", int(cid), "week", periods, y, 52, 13))  # type: ignore[arg-type]
    totals = (
        demand.group_by(["company_id", "product_id"])
        .agg(pl.col("y").sum())
        .sort("y", descending=True)
    )
    for cid in sorted(totals["company_id"].unique().to_list()):
        top = totals.filter(pl.col("company_id") == cid).head(TOP_PRODUCTS)["product_id"].to_list()
        for pid in top:
            grp = demand.filter((pl.col("company_id") == cid) & (pl.col("product_id") == pid))
            periods, y = _complete(grp, "week", as_of)
            out.append(Series(f"demand:{pid}", int(cid), "week", periods, y, 52, 13))
    return [s for s in out if len(s.y) >= 2 * s.horizon + 6]


# ---- forecasters: (history, periods of history, future periods, season) -> point forecast


def seasonal_naive(y: np.ndarray, season: int, h: int) -> np.ndarray:
    if len(y) >= season:
        return np.array([y[len(y) - season + (i % season)] for i in range(h)])
    return np.repeat(y[-1], h)


def ets(y: np.ndarray, season: int, h: int) -> np.ndarray:
    """Holt's damped-trend exponential smoothing (seasonal when two full seasons exist)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "add" if len(y) >= 2 * season + 2 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=season if seasonal else None,
            initialization_method="estimated",
        ).fit()
        return np.asarray(model.forecast(h), dtype=float)


def _calendar(periods: list[date], grain: str, t0: date) -> np.ndarray:
    rows = []
    for p in periods:
        if grain == "week":
            days = [p + timedelta(days=i) for i in range(7)]
            month_ends = sum((d + timedelta(days=1)).day == 1 for d in days)
            tax_days = sum(d.day == 20 and d.month in (1, 4, 7, 10) for d in days)
            doy = p.timetuple().tm_yday / 365.25
            t = (p - t0).days / 7.0
            rows.append([t, month_ends, tax_days, *_fourier(doy, 2)])
        else:
            doy = (p.month - 0.5) / 12.0
            t = (p.year - t0.year) * 12 + p.month - t0.month
            rows.append([t, *_fourier(doy, 1)])
    return np.array(rows, dtype=float)


def _fourier(x: float, k: int) -> list[float]:
    return [f(2 * np.pi * (i + 1) * x) for i in range(k) for f in (np.sin, np.cos)]


def _ewm_level(y: np.ndarray, half_life: float) -> tuple[float, float]:
    """Recency-weighted mean and the weighted spread around it."""
    w = 0.5 ** (np.arange(len(y))[::-1] / half_life)
    level = float((w * y).sum() / w.sum())
    return level, float(np.sqrt(np.average((y - level) ** 2, weights=w)))


HALF_LIVES = (4.0, 8.0, 13.0, 26.0, 52.0)


def _pick_half_life(y: np.ndarray, h: int, inner: int = 4) -> float:
    """The level's half-life that forecast best over the last ``inner`` quarters *of the
    training window itself* (an inner backtest: no value after the cut is ever seen)."""
    best, best_err = HALF_LIVES[-1], float("inf")
    for hl in HALF_LIVES:
        errs = []
        for k in range(inner, 0, -1):
            cut = len(y) - k * h
            if cut < h:
                continue
            level, _ = _ewm_level(y[:cut], hl)
            errs.append(float(np.mean(np.abs(y[cut : cut + h] - level))))
        if errs and np.mean(errs) < best_err:
            best, best_err = hl, float(np.mean(errs))
    return best


@dataclass(frozen=True)
class ForecastModel:
    """One method per kind of series, each chosen for what drives that kind (and checked on
    the small company's backtest, never on the medium one that is reported):

    - revenue: growth and the year's shape -> the mean of a calendar regression (ridge on a
      recency-weighted trend + annual Fourier terms) and damped-trend ETS;
    - weekly net cash: close to noise around a slowly moving level -> the mean of ETS and a
      13-week recency-weighted level;
    - product demand: spiky orders around a moving level -> a recency-weighted level whose
      half-life (4-52 weeks) is picked per series by an inner backtest on its own training
      window (ETS chases the spikes, seasonal naive repeats them).

    Intervals: normal, 80%, with the spread of the method's own training residuals.
    """

    half_life: float = 26.0
    alpha: float = 1.0
    cash_half_life: float = 13.0

    def fit_predict(
        self,
        kind: str,
        y: np.ndarray,
        periods: list[date],
        grain: str,
        h: int,
        ets_forecast: np.ndarray | None = None,
    ) -> tuple[np.ndarray, float]:
        """Point forecast for the next ``h`` periods and the interval's sigma."""
        season = 52 if grain == "week" else 12
        if kind == "demand":
            level, sigma = _ewm_level(y, _pick_half_life(y, h))
            return np.repeat(level, h), sigma
        other = ets_forecast if ets_forecast is not None else ets(y, season, h)
        if kind == "net_cash_weekly":
            level, sigma = _ewm_level(y, self.cash_half_life)
            return 0.5 * (np.repeat(level, h) + other), sigma
        reg, sigma = self._regression(y, periods, grain, h)
        return 0.5 * (reg + other), sigma

    def _regression(
        self, y: np.ndarray, periods: list[date], grain: str, h: int
    ) -> tuple[np.ndarray, float]:
        future = [_next_period(periods[-1], grain, k) for k in range(1, h + 1)]
        x = _calendar(periods, grain, periods[0])
        xf = _calendar(future, grain, periods[0])
        mu, sd = x.mean(axis=0), x.std(axis=0)
        sd[sd == 0] = 1.0
        w = 0.5 ** (np.arange(len(y))[::-1] / self.half_life)
        model = Ridge(alpha=self.alpha).fit((x - mu) / sd, y, sample_weight=w)
        resid = y - model.predict((x - mu) / sd)
        sigma = float(np.sqrt(np.average(resid**2, weights=w)))
        return model.predict((xf - mu) / sd), sigma


@dataclass
class BacktestResult:
    """Per method, the MASE of each (series kind, origin) and the candidate's interval hits."""

    mase: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    covered: list[tuple[str, bool]] = field(default_factory=list)

    def mean(self, method: str, kind: str | None = None) -> float:
        values = [v for k, v in self.mase.get(method, []) if v == v and kind in (None, k)]
        return float(np.mean(values)) if values else float("nan")

    def coverage(self, kind: str | None = None) -> float:
        hits = [c for k, c in self.covered if kind in (None, k)]
        return float(np.mean(hits)) if hits else float("nan")


def _mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray) -> float:
    scale = np.mean(np.abs(np.diff(train))) if len(train) > 1 else 0.0
    return float(np.mean(np.abs(actual - forecast)) / scale) if scale > 0 else float("nan")


def backtest(series: list[Series], model: ForecastModel, origins: int = 4) -> BacktestResult:
    """Rolling origins: the last ``origins`` cut points, one horizon apart (a quarter), each
    forecasting the following quarter from the history before it only."""
    result = BacktestResult()
    methods: dict[str, Callable[[Series, int], np.ndarray]] = {
        "seasonal_naive": lambda s, cut: seasonal_naive(s.y[:cut], s.season, s.horizon),
        "ets": lambda s, cut: ets(s.y[:cut], s.season, s.horizon),
    }
    for s in series:
        for k in range(origins, 0, -1):
            cut = len(s.y) - k * s.horizon
            if cut < s.horizon + 6:
                continue
            kind = s.name.split(":")[0]
            train, actual = s.y[:cut], s.y[cut : cut + s.horizon]
            baselines = {name: fn(s, cut) for name, fn in methods.items()}
            yhat, sigma = model.fit_predict(
                kind, train, s.periods[:cut], s.grain, s.horizon, baselines["ets"]
            )
            result.mase.setdefault(MODEL_LABEL, []).append((kind, _mase(actual, yhat, train)))
            lo, hi = yhat - INTERVAL_Z * sigma, yhat + INTERVAL_Z * sigma
            result.covered.extend((kind, bool(v)) for v in (actual >= lo) & (actual <= hi))
            for name, fc in baselines.items():
                result.mase.setdefault(name, []).append((kind, _mase(actual, fc, train)))
    return result


@dataclass(frozen=True)
class ForecastTraining:
    model: ForecastModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    by_series: dict[str, dict[str, float]]


def train(series: list[Series], model: ForecastModel | None = None) -> ForecastTraining:
    model = model or ForecastModel()
    result = backtest(series, model)
    by_series = {
        kind or "all": {
            "mase": result.mean(MODEL_LABEL, kind),
            "mase_seasonal_naive": result.mean("seasonal_naive", kind),
            "mase_ets": result.mean("ets", kind),
            "interval_coverage_80": result.coverage(kind),
        }
        for kind in (None, "revenue_monthly", "net_cash_weekly", "demand")
    }
    metrics = by_series["all"]
    comparisons = [
        Comparison("mase", metrics["mase"], "seasonal_naive", metrics["mase_seasonal_naive"]),
        Comparison("mase", metrics["mase"], "ets", metrics["mase_ets"]),
    ]
    return ForecastTraining(model, comparisons, metrics, by_series)


def forecast(
    series: list[Series],
    model: ForecastModel | None,
    version: str | None,
    now: datetime | None = None,
) -> pl.DataFrame:
    if model is None or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    created = (now or datetime.now(UTC)).replace(tzinfo=None)
    rows = []
    for s in series:
        yhat, sigma = model.fit_predict(s.name.split(":")[0], s.y, s.periods, s.grain, s.horizon)
        for k in range(s.horizon):
            rows.append(
                {
                    "series": s.name,
                    "company_id": s.company_id,
                    "period_start": _next_period(s.periods[-1], s.grain, k + 1),
                    "period_grain": s.grain,
                    "yhat": float(yhat[k]),
                    "yhat_lower": float(yhat[k] - INTERVAL_Z * sigma),
                    "yhat_upper": float(yhat[k] + INTERVAL_Z * sigma),
                    "model": MODEL_LABEL,
                    "model_version": version,
                    "created_at": created,
                }
            )
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)
