"""Forecasts for the next quarter: monthly revenue and weekly net cash flow per company,
weekly demand of the top products, from the forecasting engine (:mod:`ml.forecast_engine`:
statsforecast's AutoETS, AutoARIMA, AutoTheta and their combination, plus the calendar
regression / recency-weighted level that know these kinds of series, chosen per series by
an inner rolling-origin backtest, with conformal 80% intervals).

The gate, per kind of series (each kind is gated and served on its own, as
``forecasts.<kind>`` in ``ml.model_runs``): a rolling-origin backtest over the last four
quarters (origins one horizon apart, so test windows do not overlap) scores the engine,
seasonal naive (12 months / 52 weeks) and AutoETS with MASE, scaled by the in-sample
one-step naive MAE of each origin's training window (the seasonal scale needs more years
than the data has). The engine's version serves a kind only when it beats *both* baselines
beyond noise: a Diebold-Mariano test on the paired per-(series, origin) MASE differences
(:meth:`ml.lifecycle.Comparison.paired`), whose 95% interval must lie below 0. A tie, or a
win inside the noise, fails, and that kind is served by the better baseline (or the last
version that passed).

The engine's intervals are calibrated on its own inner windows, which lie before each
origin, so the coverage the backtest reports is out of sample.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.linear_model import Ridge

from ml import forecast_engine as fe
from ml.lifecycle import Comparison

logger = logging.getLogger(__name__)

MODEL_NAME = "forecasts"
MODEL_LABEL = "engine"
KINDS = ("revenue_monthly", "net_cash_weekly", "demand")
BASELINES = ("seasonal_naive", "ets")  # ets: statsforecast's AutoETS, as the engine runs it
BACKTEST_ORIGINS = 4  # the last four quarters
INTERVAL_Z = fe.Z80  # 80% two-sided normal interval
TOP_PRODUCTS = 5

REVENUE_SQL = """
select company_id, period_month_date as period_start, -sum(balance) as y
from finance.fct_general_ledger
where account_type in ('income', 'income_other')
group by 1, 2
"""
CASH_SQL = """
select company_id, cast(date_trunc('week', accounting_date) as date) as period_start,
       sum(balance) as y
from finance.fct_general_ledger
where account_type = 'asset_cash'
group by 1, 2
"""
DEMAND_SQL = """
select company_id, product_id, cast(date_trunc('week', demand_date) as date) as period_start,
       sum(delivered_qty - coalesce(returned_qty, 0)) as y
from operations.fct_stock_demand_daily
group by 1, 2, 3
"""
AS_OF_SQL = "select max(as_of_date) as as_of from finance.fct_cash_position"
# what this model reads (its lineage: orchestration/lineage.py makes the Dagster deps of it)
READS = (
    "finance.fct_general_ledger",
    "finance.fct_cash_position",
    "operations.fct_stock_demand_daily",
)

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

    @property
    def kind(self) -> str:
        return kind_of(self.name)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.company_id}"


def kind_of(name: str) -> str:
    """``demand:<product>`` -> ``demand``; the other names are their kind."""
    return name.split(":")[0]


def part_name(kind: str) -> str:
    """The name each kind is gated and served under in ``ml.model_runs``."""
    return f"{MODEL_NAME}.{kind}"


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
    y: np.ndarray, periods: list[date], grain: str, h: int, default: float, inner: int = 3
) -> float:
    """The calendar regression's recency half-life that forecast the last ``inner`` quarters
    *of the training window* best (inner backtest; nothing after the cut is seen)."""
    best, best_err = default, float("inf")
    for hl in CASH_HALF_LIVES:
        errs = []
        for k in range(inner, 0, -1):
            cut = len(y) - k * h
            if cut < 2 * h:
                continue
            fc, _ = regression(y[:cut], periods[:cut], grain, h, hl)
            errs.append(float(np.mean(np.abs(y[cut : cut + h] - fc))))
        if errs and np.mean(errs) < best_err:
            best, best_err = hl, float(np.mean(errs))
    return best


def regression(
    y: np.ndarray,
    periods: list[date],
    grain: str,
    h: int,
    half_life: float = 26.0,
    alpha: float = 1.0,
) -> tuple[np.ndarray, float]:
    """Ridge regression on the calendar (recency-weighted trend, annual Fourier terms and,
    weekly, month-end and quarterly tax days): the point forecast and the weighted residual
    spread."""
    future = [_next_period(periods[-1], grain, k) for k in range(1, h + 1)]
    x = _calendar(periods, grain, periods[0])
    xf = _calendar(future, grain, periods[0])
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    w = 0.5 ** (np.arange(len(y))[::-1] / half_life)
    model = Ridge(alpha=alpha).fit((x - mu) / sd, y, sample_weight=w)
    resid = y - model.predict((x - mu) / sd)
    sigma = float(np.sqrt(np.average(resid**2, weights=w)))
    return model.predict((xf - mu) / sd), sigma


@dataclass(frozen=True)
class ForecastModel:
    """The served forecaster's configuration (the artefact of a version; the statistical
    models are refitted on the latest data at every run).

    The engine (see :mod:`ml.forecast_engine`) chooses per series, by an inner backtest on
    the training window, between AutoETS, AutoARIMA, AutoTheta, their combination and one
    extra candidate per kind, built for what drives that kind (``extras``):

    - revenue: growth and the year's shape -> a calendar regression (ridge on a recency-
      weighted trend + annual Fourier terms);
    - weekly net cash: calendar-driven flows (month-end payroll and bills, quarterly tax days)
      -> the calendar regression, its recency half-life (13-104 weeks) picked per series by
      an inner backtest on its own training window;
    - product demand: spiky orders around a moving level -> a recency-weighted level whose
      half-life (4-52 weeks) is picked the same way.
    """

    half_life: float = 26.0
    alpha: float = 1.0
    cash_half_life: float = 52.0
    windows: int = fe.INNER_WINDOWS
    extras: bool = True
    # AutoARIMA's order search by conditional sum of squares: 0.22 s instead of 0.77 s per
    # fit on a two-year weekly series, and ARIMA is 97% of the engine's time; the daily run
    # refits every model at every backtest origin, so it pays this ~40 times
    arima_approximation: bool = True

    def candidates(self, kind: str, periods: list[date], grain: str) -> dict[str, fe.Candidate]:
        """The kind's extra candidate for the engine (none when ``extras`` is off)."""
        if not getattr(self, "extras", True):
            return {}
        half_life = getattr(self, "half_life", 26.0)
        alpha = getattr(self, "alpha", 1.0)
        cash_half_life = getattr(self, "cash_half_life", 52.0)

        def level(train: np.ndarray, h: int) -> fe.Fit:
            value, sigma = _ewm_level(train, _pick_half_life(train, h))
            return fe.Fit(np.repeat(value, h), np.full(h, sigma))

        def calendar(train: np.ndarray, h: int) -> fe.Fit:
            past = periods[: len(train)]
            hl = half_life
            if kind == "net_cash_weekly":
                hl = _pick_regression_half_life(train, past, grain, h, cash_half_life)
            mean, sigma = regression(train, past, grain, h, hl, alpha)
            return fe.Fit(mean, np.full(h, sigma))

        if kind == "demand":
            return {"level": level}
        return {"calendar_regression": calendar}

    def engine_forecast(
        self,
        kind: str,
        y: np.ndarray,
        periods: list[date],
        grain: str,
        h: int,
        cache: fe.FitCache | None = None,
    ) -> fe.EngineForecast:
        """The engine's forecast of the ``h`` periods after ``y`` with its 80% interval."""
        season = 52 if grain == "week" else 12
        return fe.forecast(
            y,
            season,
            h,
            windows=getattr(self, "windows", fe.INNER_WINDOWS),
            extra=self.candidates(kind, periods, grain),
            cache=cache,
            approximate=getattr(self, "arima_approximation", True),
        )


@dataclass
class BacktestResult:
    """Per method (the engine, each baseline), the MASE of every (series, origin) in the
    same order for every method, so they pair up for the noise test; the engine's interval
    hits; which candidate the engine chose and in which state, per kind."""

    mase: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    covered: list[tuple[str, bool]] = field(default_factory=list)
    per_series: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    chosen: dict[str, dict[str, int]] = field(default_factory=dict)
    states: dict[str, dict[str, int]] = field(default_factory=dict)

    def losses(self, method: str, kind: str) -> list[float]:
        return [v for k, v in self.mase.get(method, []) if k == kind]

    def mean(self, method: str, kind: str | None = None) -> float:
        values = [v for k, v in self.mase.get(method, []) if v == v and kind in (None, k)]
        return float(np.mean(values)) if values else float("nan")

    def coverage(self, kind: str | None = None) -> float:
        hits = [c for k, c in self.covered if kind in (None, k)]
        return float(np.mean(hits)) if hits else float("nan")


def _scale(train: np.ndarray) -> float:
    return fe.naive_scale(train)


def _mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray) -> float:
    return fe.mase(actual, forecast, _scale(train))


def baseline_forecast(
    name: str, y: np.ndarray, season: int, h: int, cache: fe.FitCache | None = None
) -> np.ndarray:
    """A baseline's point forecast: seasonal naive, or AutoETS (seasonal naive where
    AutoETS cannot fit), the very fit the engine's own ETS candidate uses."""
    naive = fe.seasonal_naive(y, season, h)
    if name == "seasonal_naive":
        return naive
    cache = cache or fe.FitCache()
    fitted = cache.get("ets", len(y), lambda: fe.fit_library("ets", y, season, h))
    return fitted[1].mean if fitted is not None else naive


def backtest(
    series: list[Series],
    model: ForecastModel,
    origins: int = BACKTEST_ORIGINS,
    caches: dict[str, fe.FitCache] | None = None,
) -> BacktestResult:
    """Rolling origins: the last ``origins`` cut points, one horizon apart (a quarter), each
    forecasting the following quarter from the history before it only. ``caches`` (one per
    series key) keeps the fits for the served forecast, whose inner windows are these
    origins."""
    result = BacktestResult()
    caches = caches if caches is not None else {}
    for s in series:
        kind = s.kind
        cache = caches.setdefault(s.key, fe.FitCache())
        for cut in fe.origins(len(s.y), s.horizon, origins, s.horizon + 6):
            train, actual = s.y[:cut], s.y[cut : cut + s.horizon]
            out = model.engine_forecast(kind, train, s.periods[:cut], s.grain, s.horizon, cache)
            counts = result.states.setdefault(kind, {})
            counts[out.state] = counts.get(out.state, 0) + 1
            if not out.has_forecast:
                continue
            chosen = result.chosen.setdefault(kind, {})
            chosen[out.method] = chosen.get(out.method, 0) + 1
            clean_train, _ = fe.clean(train)
            entries = {MODEL_LABEL: _mase(actual, out.mean, clean_train)} | {
                b: _mase(
                    actual,
                    baseline_forecast(b, clean_train, s.season, s.horizon, cache),
                    clean_train,
                )
                for b in BASELINES
            }
            for name, value in entries.items():
                result.mase.setdefault(name, []).append((kind, value))
                result.per_series.setdefault(s.key, {}).setdefault(name, []).append(value)
            inside = (actual >= out.lower) & (actual <= out.upper)
            result.covered.extend((kind, bool(v)) for v in inside)
    return result


@dataclass(frozen=True)
class ForecastTraining:
    """The candidate and its evidence: per kind the noise-margin comparisons with each
    baseline; ``caches`` holds the fits the backtest made, for the served forecast."""

    model: ForecastModel
    comparisons: list[Comparison]
    metrics: dict[str, float]
    by_series: dict[str, dict[str, float]]
    per_series: dict[str, dict[str, float]] = field(default_factory=dict)
    by_kind: dict[str, list[Comparison]] = field(default_factory=dict)
    chosen: dict[str, dict[str, int]] = field(default_factory=dict)
    states: dict[str, dict[str, int]] = field(default_factory=dict)
    caches: dict[str, fe.FitCache] = field(default_factory=dict, compare=False, repr=False)


def train(series: list[Series], model: ForecastModel | None = None) -> ForecastTraining:
    model = model or ForecastModel()
    caches: dict[str, fe.FitCache] = {}
    result = backtest(series, model, caches=caches)
    kinds = [k for k in KINDS if result.losses(MODEL_LABEL, k)]
    # one noise-margin comparison per kind of series and baseline: each kind must beat both
    by_kind = {
        kind: [
            Comparison.paired(
                f"mase_{kind}",
                result.losses(MODEL_LABEL, kind),
                baseline,
                result.losses(baseline, kind),
            )
            for baseline in BASELINES
        ]
        for kind in kinds
    }
    by_series: dict[str, dict[str, float]] = {}
    for kind in (None, *kinds):
        values = {
            "mase": result.mean(MODEL_LABEL, kind),
            **{f"mase_{b}": result.mean(b, kind) for b in BASELINES},
            "interval_coverage_80": result.coverage(kind),
        }
        for c in by_kind.get(kind or "", []):
            values[f"diff_vs_{c.baseline_name}"] = _num(c.difference)
            values[f"diff_vs_{c.baseline_name}_low"] = _num(c.difference_low)
            values[f"diff_vs_{c.baseline_name}_high"] = _num(c.difference_high)
            values[f"p_vs_{c.baseline_name}"] = _num(c.p_value)
        by_series[kind or "all"] = values
    per_series = {
        key: {name: float(np.nanmean(values)) for name, values in methods.items()}
        for key, methods in result.per_series.items()
    }
    comparisons = [c for cs in by_kind.values() for c in cs]
    return ForecastTraining(
        model,
        comparisons,
        by_series["all"],
        by_series,
        per_series,
        by_kind,
        result.chosen,
        result.states,
        caches,
    )


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def forecast(
    series: list[Series],
    model: ForecastModel | None,
    version: str | None,
    now: datetime | None = None,
    caches: dict[str, fe.FitCache] | None = None,
) -> pl.DataFrame:
    """The served forecasts of ``series`` with the engine; a series the engine has no
    forecast for (empty or too short: its state) gets no rows."""
    if model is None or version is None:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    caches = caches or {}
    rows = []
    for s in series:
        out = model.engine_forecast(s.kind, s.y, s.periods, s.grain, s.horizon, caches.get(s.key))
        if not out.has_forecast:
            logger.info("%s: no forecast (%s)", s.key, out.reason)
            continue
        lower = np.minimum(out.lower, out.mean)
        upper = np.maximum(out.upper, out.mean)
        rows.extend(_rows(s, out.mean, lower, upper, out.method, version, now))
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def best_baseline(training: ForecastTraining, kind: str | None = None) -> str:
    """The baseline with the lower mean MASE (over the kind's series, or over all): served
    while no version of the model has passed."""
    m = training.by_series.get(kind or "all", training.metrics)
    return min(BASELINES, key=lambda b: (_finite(m.get(f"mase_{b}")), b))


def _finite(value: float | None) -> float:
    return value if value is not None and value == value else float("inf")


def forecast_baseline(
    series: list[Series],
    baseline: str,
    label: str,
    now: datetime | None = None,
    caches: dict[str, fe.FitCache] | None = None,
) -> pl.DataFrame:
    """Forecasts of the ``baseline`` method (``seasonal_naive`` or ``ets``), with a normal
    80% interval whose spread is the naive one-step error (MAE x 1.25 ~ its standard
    deviation) growing with the square root of the step."""
    caches = caches or {}
    rows = []
    for s in series:
        y, _ = fe.clean(s.y)
        if len(y) == 0:
            continue
        yhat = baseline_forecast(baseline, y, s.season, s.horizon, caches.get(s.key))
        width = 1.25 * _scale(y) * np.sqrt(np.arange(1, s.horizon + 1))
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
