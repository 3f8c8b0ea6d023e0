"""Forecasts for the next quarter: monthly revenue and weekly net cash flow per company,
weekly demand of the top products; with seasonal-naive and exponential-smoothing baselines
in the same rolling-origin backtest, MASE and prediction-interval coverage.

The candidate (:class:`ForecastModel`) picks a method per kind of series; see its docstring.
Two years of history are too short for seasonal exponential smoothing to learn a year's
shape, so the annual pattern comes from Fourier terms in a regression where it matters.

MASE is scaled by the in-sample one-step naive MAE of each origin's training window (the
seasonal scale needs more years than the data has). The model passes only when it beats
*both* baselines on *every* kind of series (revenue, net cash, demand) — one comparison per
kind in ``ml.model_runs``, never a mean across kinds that a good kind could carry.

Intervals are conformal: the 10% and 90% quantiles of the backtest's own forecast errors
(scaled by the series' naive MAE and by the square root of the step ahead), per kind. In
the backtest each origin's interval uses only the errors of *earlier* origins (two extra
calibration origins come first), so the reported coverage is out of sample; the served
intervals use the errors of every origin.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, replace
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
CASH_HALF_LIVES = (13.0, 26.0, 52.0, 104.0)
CALIBRATION_ORIGINS = 2
INTERVAL = (0.1, 0.9)


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


def _pick_regression_half_life(
    model: ForecastModel, y: np.ndarray, periods: list[date], grain: str, h: int, inner: int = 3
) -> float:
    """The calendar regression's recency half-life that forecast the last ``inner`` quarters
    *of the training window* best (inner backtest; nothing after the cut is seen)."""
    best, best_err = model.cash_half_life, float("inf")
    for hl in CASH_HALF_LIVES:
        errs = []
        for k in range(inner, 0, -1):
            cut = len(y) - k * h
            if cut < 2 * h:
                continue
            fc, _ = model._regression(y[:cut], periods[:cut], grain, h, hl)
            errs.append(float(np.mean(np.abs(y[cut : cut + h] - fc))))
        if errs and np.mean(errs) < best_err:
            best, best_err = hl, float(np.mean(errs))
    return best


REVENUE_WEIGHTS = (0.0, 0.5, 1.0)


def _pick_revenue_weight(
    model: ForecastModel,
    y: np.ndarray,
    periods: list[date],
    grain: str,
    h: int,
    season: int,
    inner: int = 3,
) -> float:
    """The weight of the calendar regression against ETS (0, 0.5 or 1) that forecast the
    last ``inner`` quarters of the training window best (inner backtest; ties keep the even
    blend)."""
    errs: dict[float, list[float]] = {w: [] for w in REVENUE_WEIGHTS}
    for k in range(inner, 0, -1):
        cut = len(y) - k * h
        if cut < 2 * h + 3:
            continue
        reg, _ = model._regression(y[:cut], periods[:cut], grain, h)
        other = ets(y[:cut], season, h)
        for w in REVENUE_WEIGHTS:
            fc = w * reg + (1 - w) * other
            errs[w].append(float(np.mean(np.abs(y[cut : cut + h] - fc))))
    if not errs[0.5]:
        return 0.5
    means = {w: float(np.mean(e)) for w, e in errs.items()}
    best = min(means, key=lambda w: (means[w], w != 0.5))
    return best


@dataclass(frozen=True)
class ForecastModel:
    """One method per kind of series, each chosen for what drives that kind (and checked on
    the small company's backtest, never on the medium one that is reported):

    - revenue: growth and the year's shape -> the mean of a calendar regression (ridge on a
      recency-weighted trend + annual Fourier terms) and damped-trend ETS;
    - weekly net cash: calendar-driven flows (month-end payroll and bills, quarterly tax days)
      around a slowly moving level -> the calendar regression alone, its recency half-life
      (13-104 weeks) picked per series by an inner backtest on its own training window (the
      former mean of ETS and a level only tied ETS: neither sees the calendar);
    - product demand: spiky orders around a moving level -> a recency-weighted level whose
      half-life (4-52 weeks) is picked per series by an inner backtest on its own training
      window (ETS chases the spikes, seasonal naive repeats them).

    Intervals: conformal (see the module doc) once ``quantiles`` are calibrated; before
    that, normal 80% with the spread of the method's own training residuals.
    """

    half_life: float = 26.0
    alpha: float = 1.0
    cash_half_life: float = 52.0
    # per kind: (low, high) quantiles of errors / (naive MAE x sqrt(step))
    quantiles: dict[str, tuple[float, float]] = field(default_factory=dict)

    def interval(
        self, kind: str, y: np.ndarray, yhat: np.ndarray, sigma: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """80% interval around ``yhat``: conformal when calibrated for ``kind``."""
        quantiles = getattr(self, "quantiles", {})  # artefacts saved before calibration
        if kind in quantiles:
            lo_q, hi_q = quantiles[kind]
            width = _scale(y) * np.sqrt(np.arange(1, len(yhat) + 1))
            lo, hi = yhat + lo_q * width, yhat + hi_q * width
            return np.minimum(lo, yhat), np.maximum(hi, yhat)
        return yhat - INTERVAL_Z * sigma, yhat + INTERVAL_Z * sigma

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
        if kind == "net_cash_weekly":
            hl = _pick_regression_half_life(self, y, periods, grain, h)
            return self._regression(y, periods, grain, h, hl)
        reg, sigma = self._regression(y, periods, grain, h)
        other = ets_forecast if ets_forecast is not None else ets(y, season, h)
        w = _pick_revenue_weight(self, y, periods, grain, h, season)
        return w * reg + (1 - w) * other, sigma

    def _regression(
        self, y: np.ndarray, periods: list[date], grain: str, h: int, half_life: float = 0.0
    ) -> tuple[np.ndarray, float]:
        future = [_next_period(periods[-1], grain, k) for k in range(1, h + 1)]
        x = _calendar(periods, grain, periods[0])
        xf = _calendar(future, grain, periods[0])
        mu, sd = x.mean(axis=0), x.std(axis=0)
        sd[sd == 0] = 1.0
        w = 0.5 ** (np.arange(len(y))[::-1] / (half_life or self.half_life))
        model = Ridge(alpha=self.alpha).fit((x - mu) / sd, y, sample_weight=w)
        resid = y - model.predict((x - mu) / sd)
        sigma = float(np.sqrt(np.average(resid**2, weights=w)))
        return model.predict((xf - mu) / sd), sigma


@dataclass
class BacktestResult:
    """Per method, the MASE of each (series kind, origin) and the candidate's interval hits;
    ``per_series`` keys the same MASE by series (``name@company``); ``quantiles`` are the
    conformal quantiles from every origin's errors (what the served model uses)."""

    mase: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    covered: list[tuple[str, bool]] = field(default_factory=list)
    per_series: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    quantiles: dict[str, tuple[float, float]] = field(default_factory=dict)

    def mean(self, method: str, kind: str | None = None) -> float:
        values = [v for k, v in self.mase.get(method, []) if v == v and kind in (None, k)]
        return float(np.mean(values)) if values else float("nan")

    def coverage(self, kind: str | None = None) -> float:
        hits = [c for k, c in self.covered if kind in (None, k)]
        return float(np.mean(hits)) if hits else float("nan")


def _scale(train: np.ndarray) -> float:
    return float(np.mean(np.abs(np.diff(train)))) if len(train) > 1 else 0.0


def _mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray) -> float:
    scale = _scale(train)
    return float(np.mean(np.abs(actual - forecast)) / scale) if scale > 0 else float("nan")


def _quantiles(errors: list[float]) -> tuple[float, float] | None:
    if len(errors) < 5:
        return None
    # symmetric: the 80% quantile of the absolute error (two tails from a few dozen errors
    # are too noisy; the centre is the point forecast)
    q = float(np.quantile(np.abs(np.array(errors)), INTERVAL[1] - INTERVAL[0]))
    return -q, q


def backtest(
    series: list[Series],
    model: ForecastModel,
    origins: int = 4,
    calibration_origins: int = CALIBRATION_ORIGINS,
) -> BacktestResult:
    """Rolling origins: the last ``origins`` cut points, one horizon apart (a quarter), each
    forecasting the following quarter from the history before it only. ``calibration_origins``
    earlier cuts only feed the conformal errors (their MASE is not reported)."""
    result = BacktestResult()
    # per kind and origin index (0 = oldest): errors / (scale x sqrt(step)), and the
    # (actual, forecast, scale) triples whose coverage is judged on earlier origins' errors
    errors: dict[tuple[str, int], list[float]] = {}
    judged: list[tuple[str, int, np.ndarray, np.ndarray, np.ndarray]] = []
    total = origins + calibration_origins
    for s in series:
        kind = s.name.split(":")[0]
        key = f"{s.name}@{s.company_id}"
        for j, k in enumerate(range(total, 0, -1)):
            cut = len(s.y) - k * s.horizon
            if cut < s.horizon + 6:
                continue
            train, actual = s.y[:cut], s.y[cut : cut + s.horizon]
            base_ets = ets(train, s.season, s.horizon)
            yhat, _sigma = model.fit_predict(
                kind, train, s.periods[:cut], s.grain, s.horizon, base_ets
            )
            scale = _scale(train)
            width = scale * np.sqrt(np.arange(1, s.horizon + 1))
            if scale > 0:
                errors.setdefault((kind, j), []).extend(((actual - yhat) / width).tolist())
            if j < calibration_origins:
                continue
            judged.append((kind, j, actual, yhat, width))
            baselines = {
                "seasonal_naive": seasonal_naive(train, s.season, s.horizon),
                "ets": base_ets,
            }
            entries = {MODEL_LABEL: _mase(actual, yhat, train)} | {
                name: _mase(actual, fc, train) for name, fc in baselines.items()
            }
            for name, value in entries.items():
                result.mase.setdefault(name, []).append((kind, value))
                result.per_series.setdefault(key, {}).setdefault(name, []).append(value)
    for kind, j, actual, yhat, width in judged:
        earlier = [e for (kd, i), errs in errors.items() if kd == kind and i < j for e in errs]
        q = _quantiles(earlier)
        if q is None:
            lo, hi = yhat - INTERVAL_Z * width, yhat + INTERVAL_Z * width
        else:
            lo, hi = yhat + q[0] * width, yhat + q[1] * width
        result.covered.extend((kind, bool(v)) for v in (actual >= lo) & (actual <= hi))
    for kind in {kd for kd, _ in errors}:
        q = _quantiles([e for (kd, _), errs in errors.items() if kd == kind for e in errs])
        if q is not None:
            result.quantiles[kind] = q
    return result


@dataclass(frozen=True)
class ForecastTraining:
    model: ForecastModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    by_series: dict[str, dict[str, float]]
    per_series: dict[str, dict[str, float]] = field(default_factory=dict)


def train(series: list[Series], model: ForecastModel | None = None) -> ForecastTraining:
    model = model or ForecastModel()
    result = backtest(series, model)
    model = replace(model, quantiles=result.quantiles)
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
    # one comparison per kind of series and baseline: every kind must beat both
    comparisons = [
        Comparison(f"mase_{kind}", v["mase"], baseline, v[f"mase_{baseline}"])
        for kind, v in by_series.items()
        if kind != "all" and v["mase"] == v["mase"]
        for baseline in ("seasonal_naive", "ets")
    ]
    per_series = {
        key: {name: float(np.nanmean(values)) for name, values in methods.items()}
        for key, methods in result.per_series.items()
    }
    return ForecastTraining(model, comparisons, metrics, by_series, per_series)


def forecast(
    series: list[Series],
    model: ForecastModel | None,
    version: str | None,
    now: datetime | None = None,
) -> pl.DataFrame:
    if model is None or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    rows = []
    for s in series:
        kind = s.name.split(":")[0]
        yhat, sigma = model.fit_predict(kind, s.y, s.periods, s.grain, s.horizon)
        lower, upper = model.interval(kind, s.y, yhat, sigma)
        rows.extend(_rows(s, yhat, lower, upper, MODEL_LABEL, version, now))
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def best_baseline(training: ForecastTraining) -> str:
    """The baseline with the lower mean MASE over every series: served while no version of
    the model has passed."""
    m = training.metrics
    return min(("seasonal_naive", "ets"), key=lambda b: (m[f"mase_{b}"], b))


def forecast_baseline(
    series: list[Series], baseline: str, label: str, now: datetime | None = None
) -> pl.DataFrame:
    """Forecasts of the ``baseline`` method (``seasonal_naive`` or ``ets``), with a normal
    80% interval whose spread is the naive one-step error (MAE x 1.25 ~ its standard
    deviation) growing with the square root of the step."""
    rows = []
    for s in series:
        if baseline == "ets":
            yhat = ets(s.y, s.season, s.horizon)
        else:
            yhat = seasonal_naive(s.y, s.season, s.horizon)
        width = 1.25 * _scale(s.y) * np.sqrt(np.arange(1, s.horizon + 1))
        lower, upper = yhat - INTERVAL_Z * width, yhat + INTERVAL_Z * width
        rows.extend(_rows(s, yhat, lower, upper, baseline, label, now))
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def _rows(
    s: Series,
    yhat: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    method: str,
    version: str,
    now: datetime | None,
) -> list[dict[str, Any]]:
    created = (now or datetime.now(UTC)).replace(tzinfo=None)
    return [
        {
            "series": s.name,
            "company_id": s.company_id,
            "period_start": _next_period(s.periods[-1], s.grain, k + 1),
            "period_grain": s.grain,
            "yhat": float(yhat[k]),
            "yhat_lower": float(lower[k]),
            "yhat_upper": float(upper[k]),
            "model": method,
            "model_version": version,
            "created_at": created,
        }
        for k in range(s.horizon)
    ]
