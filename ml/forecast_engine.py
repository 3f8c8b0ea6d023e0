"""The forecasting engine: the field's own statistical models, chosen per series by an inner
rolling-origin backtest, with conformal prediction intervals from that backtest's errors.

Why this shape (see DECISIONLOG "## ML"): the M4 competition and everything after it showed
that AutoETS, AutoARIMA and the Theta method, and above all their equal-weight combination,
are hard to beat on business series; a hand-made model has to beat *them*, not seasonal naive.
So the engine runs statsforecast's ``AutoETS``, ``AutoARIMA`` and ``AutoTheta`` (each with its
own automatic specification search) and their combination, plus any extra candidates the
caller knows about (e.g. a calendar regression for cash), backtests every candidate on the
last few windows *of the training data itself*, and serves the one with the lowest scaled
error there. Nothing after the forecast origin is ever seen.

Intervals are split conformal, normalised by each model's own uncertainty shape: on every
inner window the score of a step is ``|actual - forecast| / sd`` (``sd`` from the model's own
80% interval at that step), the interval is the forecast +- the conformal quantile of those
scores x the final fit's ``sd``. The model says how uncertainty grows with the step; the
rolling-origin errors say how wide it really is (the models' own intervals under-cover on
trending and shifting series).

Too little data is a state, not an exception: an empty, too short, constant or partly
missing series returns an :class:`EngineForecast` whose ``state`` and ``reason`` say what was
done (a simpler method, or no forecast), never raises. Plain functions, no Dagster.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

LEVEL = 0.8  # the served interval: 80%
Z80 = 1.2815515655446004  # the normal quantile of 0.9, to read a model's sd off its 80% interval
LIBRARY_MODELS = ("ets", "arima", "theta")
COMBINATION = "comb"  # equal-weight mean of the library models that fitted
INNER_WINDOWS = 3  # the inner backtest spans this many horizons before the forecast origin
MIN_POINTS = 3  # below this there is nothing to forecast from
MIN_TRAIN = 8  # the shortest training window an inner backtest window may use
# above this many periods AutoARIMA searches with the CSS approximation, as R's auto.arima does
ARIMA_APPROXIMATION_LENGTH = 150

STATE_OK = "ok"
STATE_SHORT = "short_history"  # too short for an inner backtest: combination, model intervals
STATE_CONSTANT = "constant"
STATE_INSUFFICIENT = "insufficient_history"  # fewer than MIN_POINTS values: no forecast
STATE_EMPTY = "empty"  # no finite value at all: no forecast


@dataclass(frozen=True)
class Fit:
    """One model's forecast from one origin: the point forecast and the standard deviation
    its own 80% interval implies at each step (NaN where the model gives none)."""

    mean: np.ndarray
    sd: np.ndarray


# an extra candidate: (training values, horizon) -> Fit, or None when it cannot fit
Candidate = Callable[[np.ndarray, int], Fit | None]


@dataclass(frozen=True)
class EngineForecast:
    """The engine's answer for one series at one origin.

    ``mean``/``lower``/``upper`` are empty when there is no forecast (``state`` empty or
    insufficient). ``components`` holds each library model's own forecast from the same
    origin (``ets`` is exactly the AutoETS baseline), ``inner_mase`` each candidate's mean
    scaled error on the inner windows (what chose ``method``)."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: str
    state: str
    reason: str
    inner_mase: dict[str, float] = field(default_factory=dict)
    components: dict[str, np.ndarray] = field(default_factory=dict)
    windows: int = 0  # inner windows used
    interval_scale: float = float("nan")  # the conformal quantile of the normalised scores

    @property
    def has_forecast(self) -> bool:
        return len(self.mean) > 0


# ---- input hygiene -----------------------------------------------------------------------


def clean(y: np.ndarray | list[float]) -> tuple[np.ndarray, int]:
    """The series as finite floats: non-finite values (NaN, inf) inside are linearly
    interpolated between their finite neighbours and carried at the ends, so the last
    element stays the last period. Returns the values and how many were filled."""
    arr = np.asarray(y, dtype=float).ravel()
    ok = np.isfinite(arr)
    missing = int((~ok).sum())
    if missing == 0 or not ok.any():
        return (arr if missing == 0 else np.zeros(0)), missing
    idx = np.arange(len(arr))
    return np.interp(idx, idx[ok], arr[ok]), missing


def naive_scale(train: np.ndarray) -> float:
    """Mean absolute one-step change of the training window: the MASE denominator that still
    exists on a series shorter than two seasons."""
    if len(train) < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(train))))


def seasonal_naive(y: np.ndarray, season: int, h: int) -> np.ndarray:
    """The value one season ago (the last value when the series is shorter than a season)."""
    if len(y) == 0:
        return np.zeros(0)
    if season > 1 and len(y) >= season:
        return np.array([y[len(y) - season + (i % season)] for i in range(h)], dtype=float)
    return np.repeat(float(y[-1]), h)


# ---- the library models ---------------------------------------------------------------------


def _seasons(season: int, n: int) -> dict[str, int]:
    """The season length each model is given. ETS and ARIMA model a season only when two full
    ones exist and it is short (R's ets refuses periods over 24; seasonal ARIMA on 52 weeks is
    slow and rarely better); Theta decomposes classically, which works for any period."""
    two = n >= 2 * season + 2
    return {
        "ets": season if 1 < season <= 24 and two else 1,
        "arima": season if 1 < season <= 12 and two else 1,
        "theta": season if season > 1 and n >= 2 * season else 1,
    }


def _library_model(name: str, season: int, n: int) -> Any:
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    m = _seasons(season, n)[name]
    if name == "ets":
        return AutoETS(season_length=m)
    if name == "arima":
        approx = n > ARIMA_APPROXIMATION_LENGTH or m > 12
        return AutoARIMA(season_length=m, approximation=approx)
    if name == "theta":
        return AutoTheta(season_length=m)
    raise ValueError(f"unknown model {name!r}")


def _as_fit(out: dict[str, Any], h: int) -> Fit | None:
    mean = np.asarray(out["mean"], dtype=float)
    if mean.shape != (h,) or not np.isfinite(mean).all():
        return None
    sd = (np.asarray(out["hi-80"], dtype=float) - np.asarray(out["lo-80"], dtype=float)) / (2 * Z80)
    return Fit(mean, np.where(np.isfinite(sd) & (sd > 0), sd, np.nan))


def fit_library(name: str, y: np.ndarray, season: int, h: int) -> tuple[Any, Fit] | None:
    """statsforecast's ``AutoETS`` / ``AutoARIMA`` / ``AutoTheta`` fitted on ``y`` (each with
    its own automatic specification search) and its forecast from the end of ``y``; None
    when the model cannot fit (one model failing on odd data is a state, not an error)."""
    model = _library_model(name, season, len(y))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model.fit(y=y.astype(float))
            fit = _as_fit(model.predict(h=h, level=[80]), h)
    except Exception as exc:
        logger.debug("%s did not fit on %d points: %s", name, len(y), exc)
        return None
    return (model, fit) if fit is not None else None


def fit_model(name: str, y: np.ndarray, season: int, h: int) -> Fit | None:
    """The forecast of one library model fitted on ``y`` (None when it cannot fit)."""
    fitted = fit_library(name, y, season, h)
    return fitted[1] if fitted else None


def forward(model: Any, y: np.ndarray, h: int) -> Fit | None:
    """The forecast from the end of ``y`` of a model fitted earlier, its parameters kept
    (statsforecast's ``forward``: a filter pass, no re-estimation; what makes an inner
    backtest with a window at every period affordable)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _as_fit(model.forward(y=y.astype(float), h=h, level=[80]), h)
    except Exception as exc:
        logger.debug("forward failed on %d points: %s", len(y), exc)
        return None


def combine(fits: list[Fit]) -> Fit:
    """Equal-weight mean of the forecasts; the sd is the mean of theirs (a combination's
    errors are correlated across its members, so this is not shrunk)."""
    mean = np.mean([f.mean for f in fits], axis=0)
    sds = np.array([f.sd for f in fits])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = np.nanmean(sds, axis=0) if np.isfinite(sds).any() else np.full(len(mean), np.nan)
    return Fit(mean, sd)


class FitCache:
    """Fitted library models keyed by (model, training length): a backtest's origins are one
    horizon apart and each origin's inner backtest is anchored a whole number of horizons
    back, so the anchors fall on earlier origins and each model is fitted once per cut. One
    cache per series (and per season and horizon)."""

    def __init__(self) -> None:
        self._fits: dict[tuple[str, int], tuple[Any, Fit] | None] = {}

    def get(
        self, name: str, n: int, compute: Callable[[], tuple[Any, Fit] | None]
    ) -> tuple[Any, Fit] | None:
        key = (name, n)
        if key not in self._fits:
            self._fits[key] = compute()
        return self._fits[key]


def _library(
    name: str, y: np.ndarray, season: int, h: int, cache: FitCache
) -> tuple[Any, Fit] | None:
    return cache.get(name, len(y), lambda: fit_library(name, y, season, h))


def _safe_extra(fn: Candidate, y: np.ndarray, h: int) -> Fit | None:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fit = fn(y, h)
    except Exception as exc:  # an extra candidate failing is a state too
        logger.debug("extra candidate failed on %d points: %s", len(y), exc)
        return None
    if fit is None or fit.mean.shape != (h,) or not np.isfinite(fit.mean).all():
        return None
    return Fit(fit.mean, np.where(np.isfinite(fit.sd) & (fit.sd > 0), fit.sd, np.nan))


def _with_combination(fits: dict[str, Fit]) -> dict[str, Fit]:
    members = [fits[n] for n in LIBRARY_MODELS if n in fits]
    if len(members) >= 2:
        fits[COMBINATION] = combine(members)
    return fits


@dataclass(frozen=True)
class Paths:
    """Every candidate's forecast from the end of the training data (``final``) and from each
    inner cut (``inner[c][i]`` forecasts ``values[cuts[i] : cuts[i] + h]``)."""

    final: dict[str, Fit]
    cuts: list[int]
    inner: dict[str, list[Fit | None]]


def inner_cuts(n: int, h: int, windows: int = INNER_WINDOWS) -> list[int]:
    """Training lengths of the inner backtest, oldest first: a window at every period from
    ``windows`` horizons before the end to one horizon before it, each forecasting the ``h``
    periods after its cut, all inside the training data, none shorter than ``MIN_TRAIN``."""
    first = max(n - windows * h, MIN_TRAIN, MIN_POINTS)
    return list(range(first, n - h + 1))


def paths(
    values: np.ndarray,
    season: int,
    h: int,
    windows: int = INNER_WINDOWS,
    extra: dict[str, Candidate] | None = None,
    cache: FitCache | None = None,
    models: tuple[str, ...] = LIBRARY_MODELS,
) -> Paths:
    """Each candidate's forecasts for the final cut and the inner backtest. The library
    models are fitted once at the first inner cut (the anchor) and carried forward with those
    parameters to every later inner cut, so no inner forecast uses a value after its own cut,
    nor parameters estimated on one; extra candidates are refitted at every cut."""
    cache = cache or FitCache()
    final: dict[str, Fit] = {}
    for name in models:
        fitted = _library(name, values, season, h, cache)
        if fitted is not None:
            final[name] = fitted[1]
    for name, fn in (extra or {}).items():
        fit = _safe_extra(fn, values, h)
        if fit is not None:
            final[name] = fit
    _with_combination(final)
    cuts = inner_cuts(len(values), h, windows)
    inner: dict[str, list[Fit | None]] = {c: [] for c in final}
    if not cuts:
        return Paths(final, cuts, inner)
    anchors = {name: _library(name, values[: cuts[0]], season, h, cache) for name in models}
    for cut in cuts:
        train = values[:cut]
        fits: dict[str, Fit] = {}
        for name, anchored in anchors.items():
            if anchored is None:
                continue
            fit = anchored[1] if cut == cuts[0] else forward(anchored[0], train, h)
            if fit is not None:
                fits[name] = fit
        for name, fn in (extra or {}).items():
            fit = _safe_extra(fn, train, h)
            if fit is not None:
                fits[name] = fit
        _with_combination(fits)
        for c in inner:
            inner[c].append(fits.get(c))
    return Paths(final, cuts, inner)


# ---- conformal ------------------------------------------------------------------------------


def conformal_quantile(scores: np.ndarray, level: float = LEVEL) -> float:
    """The split-conformal quantile: the ceil((n + 1) x level)-th smallest score (the
    finite-sample correction), the largest when n is too small for it."""
    s = np.sort(scores[np.isfinite(scores)])
    if len(s) == 0:
        return float("nan")
    k = min(len(s), math.ceil((len(s) + 1) * level))
    return float(s[k - 1])


def _width_shape(fit: Fit, scale: float) -> np.ndarray:
    """How the interval grows with the step: the model's own sd, or (where it has none)
    the naive scale x sqrt(step)."""
    fallback = scale * np.sqrt(np.arange(1, len(fit.mean) + 1))
    return np.where(np.isfinite(fit.sd), fit.sd, fallback)


# ---- the engine -----------------------------------------------------------------------------


def forecast(
    y: np.ndarray | list[float],
    season: int,
    h: int,
    *,
    level: float = LEVEL,
    windows: int = INNER_WINDOWS,
    extra: dict[str, Candidate] | None = None,
    candidates: tuple[str, ...] | None = None,
    cache: FitCache | None = None,
    models: tuple[str, ...] = LIBRARY_MODELS,
) -> EngineForecast:
    """Forecast the ``h`` periods after ``y`` (``season``: 12 monthly, 4 quarterly, 52 weekly,
    1 none): the candidate (``ets``, ``arima``, ``theta``, ``comb``, or an ``extra`` one) with
    the lowest mean scaled absolute error over the inner backtest, with a conformal ``level``
    interval. ``candidates`` restricts the choice (all by default), ``models`` the library
    models fitted (all three by default). ``cache`` shares fits between calls on prefixes of
    the same series (a backtest's origins)."""
    values, filled = clean(y)
    note = f"; {filled} missing values interpolated" if filled else ""
    empty = np.zeros(0)
    if len(values) == 0:
        return EngineForecast(empty, empty, empty, "none", STATE_EMPTY, "no finite value")
    if len(values) < MIN_POINTS:
        return EngineForecast(
            empty,
            empty,
            empty,
            "none",
            STATE_INSUFFICIENT,
            f"insufficient history: {len(values)} periods, needs {MIN_POINTS}{note}",
        )
    if np.ptp(values) == 0:
        flat = np.repeat(float(values[-1]), h)
        return EngineForecast(
            flat, flat, flat, "naive", STATE_CONSTANT, f"constant series: flat forecast{note}"
        )
    p = paths(values, season, h, windows, extra, cache, models)
    allowed = [c for c in p.final if candidates is None or c in candidates]
    components = {k: v.mean for k, v in p.final.items() if k in LIBRARY_MODELS}
    scale = naive_scale(values)
    if not allowed:
        mean = seasonal_naive(values, season, h)
        width = Z80 * 1.25 * scale * np.sqrt(np.arange(1, h + 1))
        return EngineForecast(
            mean,
            mean - width,
            mean + width,
            "seasonal_naive",
            STATE_SHORT,
            f"no model could be fitted on {len(values)} periods: seasonal naive{note}",
            components=components,
        )
    if not p.cuts:
        best = COMBINATION if COMBINATION in allowed else allowed[0]
        fit = p.final[best]
        width = Z80 * _width_shape(fit, scale)
        return EngineForecast(
            fit.mean,
            fit.mean - width,
            fit.mean + width,
            best,
            STATE_SHORT,
            f"too short for an inner backtest ({len(values)} periods, needs "
            f"{MIN_TRAIN + h}): {best} with the model's own 80% interval{note}",
            components=components,
        )
    # each candidate's scaled errors over the inner windows, and its normalised scores
    errors: dict[str, list[float]] = {c: [] for c in allowed}
    scores: dict[str, list[np.ndarray]] = {c: [] for c in allowed}
    for i, cut in enumerate(p.cuts):
        actual = values[cut : cut + h]
        window_scale = naive_scale(values[:cut]) or scale
        for c in allowed:
            fit = p.inner[c][i]
            if fit is None:
                errors[c].append(float("inf"))
                continue
            err = np.abs(actual - fit.mean)
            errors[c].append(float(err.mean() / window_scale) if window_scale > 0 else 0.0)
            scores[c].append(err / _width_shape(fit, window_scale))
    inner = {c: float(np.mean(e)) for c, e in errors.items()}
    # lowest inner error; ties go to the combination, then to the order of the candidates
    order = {c: i for i, c in enumerate([COMBINATION, *LIBRARY_MODELS, *(extra or {})])}
    best = min(allowed, key=lambda c: (inner[c], order.get(c, 99)))
    fit = p.final[best]
    q = conformal_quantile(np.concatenate(scores[best]) if scores[best] else np.zeros(0), level)
    width = _width_shape(fit, scale) * (q if np.isfinite(q) else Z80)
    return EngineForecast(
        fit.mean,
        fit.mean - width,
        fit.mean + width,
        best,
        STATE_OK,
        f"{best} had the lowest error on {len(p.cuts)} inner windows{note}",
        inner_mase=inner,
        components=components,
        windows=len(p.cuts),
        interval_scale=q,
    )


# ---- evaluation -----------------------------------------------------------------------------


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error over the horizon divided by ``scale`` (NaN when it is 0)."""
    if scale <= 0 or len(actual) == 0:
        return float("nan")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def seasonal_scale(train: np.ndarray, season: int) -> float:
    """M4's MASE denominator: the in-sample mean absolute seasonal difference (one-step when
    the series is shorter than a season and a bit)."""
    if season > 1 and len(train) > season:
        return float(np.mean(np.abs(train[season:] - train[:-season])))
    return naive_scale(train)


def origins(n: int, h: int, count: int, min_train: int, step: int | None = None) -> list[int]:
    """Rolling forecast origins (training lengths), oldest first: the last ``count`` cuts,
    ``step`` (default ``h``) apart, whose test window is fully observed and whose training
    window has at least ``min_train`` periods."""
    step = step or h
    cuts = [n - h - k * step for k in range(count)]
    return sorted(c for c in cuts if c >= min_train)
