"""The gate's noise margin (paired bootstrap) and the calibration figures, on synthetic data
whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ml.evaluation import (
    brier,
    calibration_report,
    expected_calibration_error,
    paired_bootstrap_ci,
    roc_auc,
)
from ml.lifecycle import Comparison


def _data(n: int = 400, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    good = y + rng.normal(0, 0.8, n)  # informative
    noise = rng.normal(0, 1, n)  # random
    return y, good, noise


@pytest.mark.unit
def test_rank_auc_equals_sklearns():
    y, good, noise = _data()
    assert roc_auc(y, good) == pytest.approx(roc_auc_score(y, good))
    rounded = np.round(noise, 1)  # with ties
    assert roc_auc(y, rounded) == pytest.approx(roc_auc_score(y, rounded))
    assert np.isnan(roc_auc(np.ones(3), np.arange(3)))


@pytest.mark.unit
def test_a_clear_win_passes_and_says_by_how_much():
    y, good, noise = _data()
    c = Comparison.bootstrap("roc_auc", roc_auc, y, good, "noise", noise)
    assert c.passed
    assert c.difference == pytest.approx(roc_auc(y, good) - roc_auc(y, noise))
    assert 0 < c.difference_low < c.difference < c.difference_high
    assert c.p_value < 0.01 and c.n_pairs == 400
    assert "95% CI" in c.describe()


@pytest.mark.unit
def test_a_tie_and_a_win_within_noise_fail():
    y, good, _ = _data()
    tie = Comparison.bootstrap("roc_auc", roc_auc, y, good, "same", good)
    assert not tie.passed and tie.difference == 0
    rng = np.random.default_rng(5)
    # a hair better on these rows, but the interval straddles 0
    nudged = good + rng.normal(0, 0.05, len(good))
    c = Comparison.bootstrap("roc_auc", roc_auc, y, nudged, "good", good)
    assert c.difference_low < 0 < c.difference_high
    assert not c.passed
    # the metric a plain comparison would let through: the margin does not
    assert not (c.metric_value >= c.baseline_value and c.passed)


@pytest.mark.unit
def test_lower_is_better_metrics_pass_on_the_lower_side():
    y, good, _ = _data()
    p_good = 1 / (1 + np.exp(-(good - 0.5) * 3))
    p_bad = np.full(len(y), 0.5)
    c = Comparison.bootstrap("brier", brier, y, p_good, "constant", p_bad)
    assert c.difference < 0 and c.difference_high < 0 and c.passed
    reverse = Comparison.bootstrap("brier", brier, y, p_bad, "model", p_good)
    assert not reverse.passed
    # a prefixed name is still a loss (the deal and stock-out gates name theirs so)
    prefixed = Comparison.bootstrap("win_brier", brier, y, p_good, "constant", p_bad)
    assert prefixed.passed and prefixed.p_value < 0.05


@pytest.mark.unit
def test_groups_resample_whole_clusters():
    """Ten copies of each row are not ten times the evidence: resampled by group, the
    interval is as wide as on the rows once; resampled by row it is far too narrow."""
    y, good, noise = _data(n=60, seed=3)
    rep = np.repeat(np.arange(60), 10)
    once = paired_bootstrap_ci(roc_auc, y, good, noise)
    by_row = paired_bootstrap_ci(roc_auc, y[rep], good[rep], noise[rep])
    by_group = paired_bootstrap_ci(roc_auc, y[rep], good[rep], noise[rep], groups=rep)
    width = lambda ci: ci.high - ci.low  # noqa: E731
    assert by_group.n == 60 and by_row.n == 600
    assert width(by_row) < 0.5 * width(once)
    assert width(by_group) == pytest.approx(width(once), rel=0.35)


@pytest.mark.unit
def test_no_evidence_without_both_classes_or_rows():
    ci = paired_bootstrap_ci(roc_auc, [1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])
    assert np.isnan(ci.low) and ci.p_value == 1.0
    c = Comparison.bootstrap("roc_auc", roc_auc, [np.nan, 1], [0.1, 0.2], "b", [0.2, 0.1])
    assert not c.passed


@pytest.mark.unit
def test_calibration_report_tells_calibrated_from_overconfident():
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 5000)
    y = (rng.uniform(0, 1, 5000) < p).astype(int)  # calibrated by construction
    over = np.where(p > 0.5, 0.99, 0.01)  # same ranking, overconfident
    good, bad = calibration_report(y, p), calibration_report(y, over)
    assert good.ece < 0.03 < 0.2 < bad.ece
    assert good.brier < bad.brier and good.log_loss < bad.log_loss
    assert sum(r["n"] for r in good.table) == 5000
    assert all(abs(r["predicted"] - r["observed"]) < 0.08 for r in good.table)
    assert expected_calibration_error(y, p) == pytest.approx(good.ece)
