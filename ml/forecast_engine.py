"""The forecasting engine: the field's own statistical models, weighted per series by an inner
rolling-origin backtest, with conformal prediction intervals from that backtest's errors.

Why this shape (see DECISIONLOG "## ML"): the M4 competition and everything after it showed
that AutoETS, AutoARIMA and the Theta method, and above all combinations of them, are hard to
beat on business series; a hand-made model has to beat *them*, not seasonal naive. So the
engine runs statsforecast's ``AutoETS``, ``AutoARIMA`` and ``AutoTheta`` (each with its own
automatic specification search), seasonal naive, and any extra candidates the caller knows
about (e.g. a calendar regression for cash), backtests every candidate on windows at every
period of the last few horizons *of the training data itself*, and serves their mean
weighted by 1 / inner error (scaled MAE). On 47 public series this beat picking the single
best candidate and the equal-weight combination (DECISIONLOG). Nothing after the forecast
origin is ever seen: the library models are fitted at the start of the inner backtest and
carried forward with those parameters (statsforecast's ``forward``).

Intervals are split conformal, normalised by the models' own uncertainty shape: on every
inner window the score of a step is ``|actual - forecast| / sd`` (``sd`` from the models'
own 80% intervals at that step); the half-width is the conformal quantile of those scores
(over all windows, or the recent half's when larger) x the final fit's ``sd``, combined in
quadrature with the spread of the library models' own forecasts around the served one.

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
SEASONAL_NAIVE = "seasonal_naive"
WEIGHTED = "weighted"  # the engine's forecast: candidates weighted by their inner error
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
    weights: dict[str, float] = field(default_factory=dict)  # of each candidate in the mix
    # the conformal scores (inner window x step: |error| / the interval's shape there) and
    # the final forecast's shape (half-width / quantile) per step
    scores: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    shape: np.ndarray = field(default_factory=lambda: np.zeros(0))

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


def _library_model(name: str, season: int, n: int, approximate: bool | None = None) -> Any:
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    m = _seasons(season, n)[name]
    if name == "ets":
        return AutoETS(season_length=m)
    if name == "arima":
        if approximate is None:  # R's auto.arima rule
            approximate = n > ARIMA_APPROXIMATION_LENGTH or m > 12
        return AutoARIMA(season_length=m, approximation=approximate)
    if name == "theta":
        return AutoTheta(season_length=m)
    raise ValueError(f"unknown model {name!r}")


def _as_fit(out: dict[str, Any], h: int) -> Fit | None:
    mean = np.asarray(out["mean"], dtype=float)
    if mean.shape != (h,) or not np.isfinite(mean).all():
        return None
    sd = (np.asarray(out["hi-80"], dtype=float) - np.asarray(out["lo-80"], dtype=float)) / (2 * Z80)
    return Fit(mean, np.where(np.isfinite(sd) & (sd > 0), sd, np.nan))


def fit_library(
    name: str, y: np.ndarray, season: int, h: int, approximate: bool | None = None
) -> tuple[Any, Fit] | None:
    """statsforecast's ``AutoETS`` / ``AutoARIMA`` / ``AutoTheta`` fitted on ``y`` (each with
    its own automatic specification search) and its forecast from the end of ``y``; None
    when the model cannot fit (one model failing on odd data is a state, not an error).
    ``approximate``: AutoARIMA searches orders by conditional sum of squares (then fits the
    chosen one by maximum likelihood); None follows R's rule (only for long series)."""
    model = _library_model(name, season, len(y), approximate)
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
    name: str,
    y: np.ndarray,
    season: int,
    h: int,
    cache: FitCache,
    approximate: bool | None = None,
) -> tuple[Any, Fit] | None:
    return cache.get(name, len(y), lambda: fit_library(name, y, season, h, approximate))


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
    approximate: bool | None = None,
) -> Paths:
    """Each candidate's forecasts for the final cut and the inner backtest. The library
    models are fitted once at the first inner cut (the anchor) and carried forward with those
    parameters to every later inner cut, so no inner forecast uses a value after its own cut,
    nor parameters estimated on one; extra candidates are refitted at every cut."""
    cache = cache or FitCache()
    final: dict[str, Fit] = {}
    for name in models:
        fitted = _library(name, values, season, h, cache, approximate)
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
    anchors = {
        name: _library(name, values[: cuts[0]], season, h, cache, approximate) for name in models
    }
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


def interval_quantile(scores: list[np.ndarray], level: float = LEVEL) -> float:
    """The conformal quantile of the inner windows' scores (oldest window first): over all
    windows, or over the most recent half when that is larger (the windows nearest the
    origin are the most like what follows; a series whose behaviour changed late shows it
    there first)."""
    if not scores:
        return float("nan")
    q_all = conformal_quantile(np.concatenate(scores), level)
    recent = scores[-max(1, len(scores) // 2) :]
    q_recent = conformal_quantile(np.concatenate(recent), level)
    return float(np.nanmax([q_all, q_recent])) if np.isfinite([q_all, q_recent]).any() else q_all


def interval_width(
    shape: np.ndarray, q: float, mean: np.ndarray, components: dict[str, np.ndarray]
) -> np.ndarray:
    """The half-width at each step: the conformal quantile x the interval's shape, combined
    in quadrature with how far the library models' own forecasts lie from the served one
    (their disagreement, e.g. a damped against a straight trend, is uncertainty that windows
    on which they agreed cannot show). Without a quantile, the models' own 80% interval."""
    if not np.isfinite(q):
        return shape * Z80
    members = [
        c for name, c in components.items() if name in LIBRARY_MODELS and len(c) == len(mean)
    ]
    spread = np.max(np.abs(np.array(members) - mean), axis=0) if members else np.zeros(len(mean))
    return np.sqrt((shape * q) ** 2 + spread**2)


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
    approximate: bool | None = None,
) -> EngineForecast:
    """Forecast the ``h`` periods after ``y`` (``season``: 12 monthly, 4 quarterly, 52 weekly,
    1 none): the candidates (``ets``, ``arima``, ``theta``, ``seasonal_naive`` and the
    ``extra`` ones) weighted by 1 / their mean scaled absolute error over the inner backtest,
    with a conformal ``level`` interval. ``candidates`` restricts the choice (all by default), ``models`` the library
    models fitted (all three by default), ``approximate`` how AutoARIMA searches (see
    :func:`fit_library`). ``cache`` shares fits between calls on prefixes of the same series
    (a backtest's origins)."""
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
    p = paths(values, season, h, windows, extra, cache, models, approximate)
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
    # each base candidate's scaled error over the inner windows
    base = [c for c in allowed if c != COMBINATION]
    inner_fits = {c: p.inner[c] for c in base}
    inner_fits[SEASONAL_NAIVE] = [
        Fit(seasonal_naive(values[:cut], season, h), np.full(h, np.nan)) for cut in p.cuts
    ]
    finals = {c: p.final[c] for c in base}
    finals[SEASONAL_NAIVE] = Fit(seasonal_naive(values, season, h), np.full(h, np.nan))
    if candidates is not None:
        inner_fits = {c: f for c, f in inner_fits.items() if c in candidates}
        finals = {c: f for c, f in finals.items() if c in candidates}
    inner = {c: _inner_error(values, p.cuts, fits, h, scale) for c, fits in inner_fits.items()}
    usable = [c for c in inner if math.isfinite(inner[c])]
    if not usable:
        usable = list(inner)
        inner = dict.fromkeys(usable, 1.0)
    # weights inversely proportional to the inner error: the better a candidate forecast the
    # training data's own recent windows, the more it counts (a near-perfect one is capped)
    raw = {c: 1.0 / max(inner[c], 1e-6) for c in usable}
    total = sum(raw.values())
    weights = {c: w / total for c, w in raw.items()}
    fit = _mix(finals, weights)
    # conformal scores of the weighted forecast itself on every inner window
    scores, mix_errors = [], []
    for i, cut in enumerate(p.cuts):
        members = {c: inner_fits[c][i] for c in usable}
        if any(m is None for m in members.values()):
            continue
        mixed = _mix({c: m for c, m in members.items() if m is not None}, weights)
        window_scale = naive_scale(values[:cut]) or scale
        err = np.abs(values[cut : cut + h] - mixed.mean)
        mix_errors.append(float(err.mean() / window_scale) if window_scale > 0 else 0.0)
        scores.append(err / _width_shape(mixed, window_scale))
    q = interval_quantile(scores, level)
    width = interval_width(_width_shape(fit, scale), q, fit.mean, components)
    top = max(weights, key=lambda c: weights[c])
    inner[WEIGHTED] = float(np.mean(mix_errors)) if mix_errors else float("nan")
    return EngineForecast(
        fit.mean,
        fit.mean - width,
        fit.mean + width,
        WEIGHTED,
        STATE_OK,
        f"weighted by inner error over {len(p.cuts)} windows, most on {top} "
        f"({weights[top]:.0%}){note}",
        inner_mase=inner,
        components=components,
        windows=len(p.cuts),
        interval_scale=q,
        weights=weights,
        scores=np.array(scores) if scores else np.zeros((0, h)),
        shape=_width_shape(fit, scale),
    )


def _inner_error(
    values: np.ndarray, cuts: list[int], fits: list[Fit | None], h: int, scale: float
) -> float:
    """Mean over the inner windows of the MAE divided by the window's naive scale (inf when
    the candidate failed on any window: it cannot be weighted fairly)."""
    errors = []
    for cut, fit in zip(cuts, fits, strict=True):
        if fit is None:
            return float("inf")
        window_scale = naive_scale(values[:cut]) or scale
        err = float(np.mean(np.abs(values[cut : cut + h] - fit.mean)))
        errors.append(err / window_scale if window_scale > 0 else err)
    return float(np.mean(errors)) if errors else float("inf")


def _mix(fits: dict[str, Fit], weights: dict[str, float]) -> Fit:
    """The weighted mean forecast; its sd is the mean of the members' own (seasonal naive
    has none), the shape the conformal quantile scales."""
    names = [c for c in weights if c in fits]
    total = sum(weights[c] for c in names)
    mean = np.sum([weights[c] / total * fits[c].mean for c in names], axis=0)
    sds = np.array([fits[c].sd for c in names])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = np.nanmean(sds, axis=0) if np.isfinite(sds).any() else np.full(len(mean), np.nan)
    return Fit(np.asarray(mean, dtype=float), sd)


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
