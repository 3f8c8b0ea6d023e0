"""The forecasting engine (statsforecast models chosen by an inner backtest, conformal
intervals) and the noise-margin gate, on synthetic series whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from ml import forecast_engine as fe
from ml.lifecycle import Comparison

pytestmark = pytest.mark.unit


# ---- the gate: a Diebold-Mariano test on paired losses --------------------------------------


def test_the_gate_refuses_a_tie():
    losses = [0.9, 1.1, 0.8, 1.3, 1.0, 0.7, 1.2, 0.95]
    c = Comparison.paired("mase_demand", losses, "ets", losses)
    assert c.difference == 0 and c.p_value == 1.0
    assert not c.passed


def test_the_gate_refuses_a_win_inside_the_noise():
    rng = np.random.default_rng(3)
    base = rng.uniform(0.5, 1.5, 12)
    model = base + rng.normal(-0.02, 0.3, 12)  # a little better on average, very noisy
    c = Comparison.paired("mase_demand", model, "ets", base)
    assert c.metric_value < c.baseline_value  # the old gate (<=) would have passed it
    assert c.difference_low < 0 < c.difference_high
    assert not c.passed


def test_the_gate_passes_a_clear_win_and_says_by_how_much():
    rng = np.random.default_rng(4)
    base = rng.uniform(0.5, 1.5, 20)
    model = base * 0.8 + rng.normal(0, 0.02, 20)
    c = Comparison.paired("mase_revenue_monthly", model, "seasonal_naive", base)
    assert c.passed
    assert c.difference_high < 0 and c.p_value < 0.01 and c.n_pairs == 20
    assert c.difference == pytest.approx(float(np.mean(model - base)))
    text = c.describe()
    assert "95% CI" in text and "p " in text and "n 20" in text


def test_the_gate_for_a_larger_is_better_metric():
    base = np.linspace(0.6, 0.7, 10)
    c = Comparison.paired("roc_auc", base + 0.05 + np.linspace(0, 0.01, 10), "rule", base)
    assert c.passed and c.difference_low > 0
    worse = Comparison.paired("roc_auc", base - 0.05, "rule", base)
    assert not worse.passed


def test_the_gate_without_evidence_fails():
    one = Comparison.paired("mase_x", [0.1], "ets", [5.0])
    assert one.n_pairs == 1 and not one.passed
    none = Comparison.paired("mase_x", [float("nan")] * 3, "ets", [1.0, 2.0, 3.0])
    assert none.n_pairs == 0 and not none.passed
    # non-finite pairs are dropped, the rest still judged
    some = Comparison.paired(
        "mase_x", [0.5, 0.5, float("inf"), 0.51, 0.49], "ets", [1.0, 1.1, 1.0, 0.9, 1.0]
    )
    assert some.n_pairs == 4 and some.passed


def test_a_comparison_round_trips_through_a_model_runs_row():
    c = Comparison.paired("mase_demand", [0.5, 0.6, 0.55], "ets", [0.9, 1.0, 0.95])
    row = {
        "metric_name": c.metric_name,
        "metric_value": c.metric_value,
        "baseline_name": c.baseline_name,
        "baseline_value": c.baseline_value,
        "difference": c.difference,
        "difference_low": c.difference_low,
        "difference_high": c.difference_high,
        "p_value": c.p_value,
        "n_pairs": c.n_pairs,
    }
    assert Comparison.from_row(row) == c
    plain = Comparison.from_row(row | {"p_value": None, "difference": None})
    assert not plain.has_margin and plain.passed  # the old rule: at least as good


# ---- the engine -------------------------------------------------------------------------------


def _seasonal_trend(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 1.5 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n)


def test_the_engine_beats_seasonal_naive_on_a_trending_seasonal_series():
    """Seasonal naive repeats last year's level; a growing series leaves it a year behind."""
    y = _seasonal_trend(84, 1)
    h = 12
    cache = fe.FitCache()
    engine, naive = [], []
    for cut in fe.origins(len(y), h, 2, 48):
        out = fe.forecast(y[:cut], 12, h, cache=cache)
        assert out.state == fe.STATE_OK and out.windows > 0
        scale = fe.seasonal_scale(y[:cut], 12)
        actual = y[cut : cut + h]
        engine.append(fe.mase(actual, out.mean, scale))
        naive.append(fe.mase(actual, fe.seasonal_naive(y[:cut], 12, h), scale))
    assert np.mean(engine) < 0.6 * np.mean(naive)


def test_conformal_intervals_cover_near_nominal():
    """80% intervals on 40 AR(1) series with a level shift the models do not know about:
    out-of-sample coverage lands near 0.8 (the models' own intervals are the shape only)."""
    rng = np.random.default_rng(7)
    hits = []
    for _ in range(40):
        e = rng.standard_t(5, 70)
        y = np.empty(70)
        y[0] = e[0]
        for t in range(1, 70):
            y[t] = 0.6 * y[t - 1] + e[t]
        y = 50 + 4 * y
        out = fe.forecast(y[:64], 1, 6, models=("ets", "theta"))
        assert out.state == fe.STATE_OK
        hits.extend((y[64:] >= out.lower) & (y[64:] <= out.upper))
    assert 0.72 <= float(np.mean(hits)) <= 0.88


def test_nothing_after_the_origin_is_ever_seen():
    y = _seasonal_trend(60, 2)
    changed = y.copy()
    changed[48:] = 1e6
    a = fe.forecast(y[:48], 12, 6, models=("ets", "theta"))
    b = fe.forecast(changed[:48], 12, 6, models=("ets", "theta"))
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.upper, b.upper)


@pytest.mark.parametrize(
    ("values", "state", "has_forecast"),
    [
        ([], fe.STATE_EMPTY, False),
        ([float("nan")] * 10, fe.STATE_EMPTY, False),
        ([5.0, 6.0], fe.STATE_INSUFFICIENT, False),
        ([7.0] * 30, fe.STATE_CONSTANT, True),
        ([1.0, 2.0, 3.0, 2.0, 4.0], fe.STATE_SHORT, True),
    ],
)
def test_odd_series_are_a_state_not_an_exception(values, state, has_forecast):
    out = fe.forecast(np.array(values, dtype=float), 12, 3)
    assert out.state == state and out.reason
    assert out.has_forecast is has_forecast
    if has_forecast:
        assert len(out.mean) == 3 and np.isfinite(out.mean).all()
        assert (out.lower <= out.mean).all() and (out.mean <= out.upper).all()
    else:
        assert len(out.mean) == len(out.lower) == len(out.upper) == 0


def test_missing_and_infinite_values_are_filled_not_propagated():
    y = _seasonal_trend(50, 3)
    y[[10, 11, 30]] = np.nan
    y[20] = np.inf
    out = fe.forecast(y, 12, 4, models=("ets", "theta"))
    assert out.state == fe.STATE_OK and "4 missing values" in out.reason
    assert np.isfinite(out.mean).all() and np.isfinite(out.lower).all()


def test_negative_and_intermittent_series_forecast():
    rng = np.random.default_rng(5)
    cash = rng.normal(0, 1000, 80) - 200  # net cash flow: mostly negative, mean near 0
    demand = rng.poisson(0.3, 80) * rng.integers(1, 20, 80)  # mostly zero weeks
    for y in (cash, demand.astype(float)):
        out = fe.forecast(y, 52, 13)
        assert out.state == fe.STATE_OK
        assert np.isfinite(out.mean).all() and (out.upper >= out.lower).all()
        assert out.method == fe.WEIGHTED and abs(sum(out.weights.values()) - 1) < 1e-9


def test_an_extra_candidate_weighs_most_when_it_forecasts_best_and_drops_when_it_breaks():
    t = np.arange(60.0)
    y = 10 + np.where(t % 4 == 0, 30.0, 0.0)  # a spike every 4th period: no season the models see

    def knows_the_pattern(train: np.ndarray, h: int) -> fe.Fit:
        k = np.arange(len(train), len(train) + h)
        return fe.Fit(10 + np.where(k % 4 == 0, 30.0, 0.0), np.full(h, 1.0))

    def broken(train: np.ndarray, h: int) -> fe.Fit:
        raise RuntimeError("boom")

    out = fe.forecast(y, 1, 8, extra={"pattern": knows_the_pattern, "broken": broken})
    assert out.method == fe.WEIGHTED and "broken" not in out.weights
    assert max(out.weights, key=lambda c: out.weights[c]) == "pattern"
    assert out.weights["pattern"] > 0.95  # it made no error on the inner windows
    assert np.allclose(out.mean, knows_the_pattern(y, 8).mean, atol=1.0)


def test_the_interval_follows_the_recent_windows_when_they_are_worse():
    calm = [np.full(4, 0.5)] * 6
    rough = [np.full(4, 2.0)] * 6
    assert fe.interval_quantile(calm + rough) == pytest.approx(2.0)
    # calmer recent windows never narrow it below what all the windows say
    assert fe.interval_quantile(rough + calm) == pytest.approx(
        fe.conformal_quantile(np.concatenate(rough + calm))
    )
    assert np.isnan(fe.interval_quantile([]))


def test_the_interval_holds_every_library_model_forecast():
    mean = np.array([10.0, 10.0, 10.0])
    shape = np.array([1.0, 1.0, 1.0])
    agree = fe.interval_width(shape, 1.5, mean, {"ets": mean, "arima": mean})
    assert agree == pytest.approx(shape * 1.5)
    theta = np.array([10.0, 13.0, 16.0])  # a straight trend where the others flatten
    width = fe.interval_width(shape, 1.5, mean, {"ets": mean, "theta": theta, "level": mean + 99})
    assert (mean + width >= theta).all() and (width[1:] > agree[1:]).all()
    assert width[0] == pytest.approx(1.5)  # an extra candidate's forecast is not a model's
    # no quantile (no inner window): the models' own 80% interval
    assert fe.interval_width(shape, float("nan"), mean, {}) == pytest.approx(shape * fe.Z80)
