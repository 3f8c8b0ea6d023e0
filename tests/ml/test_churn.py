"""Churn: the time blocks never fit or calibrate on the future, eligibility is a filter (not
a label), the served ranking puts a silent regular customer first, the gate records its
noise margin, and while no version has ever passed the silence rule serves, labelled as
such."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
import pytest
from dagster import materialize
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml import churn
from ml.lifecycle import load_runs
from ml.warehouse_io import read_sql
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.resources import WarehouseResource

CHURN_COLUMNS = [
    "company_id",
    "partner_id",
    "customer_key",
    "churn_probability",
    "risk_rank",
    "top_reasons",
    "model_version",
    "scored_at",
]


def _churn_defs():
    assets = [a for a in ml_assets if a.key.path == ["ml", "churn_scores"]]
    checks = [c for c in ml_checks if "churn_beats_baseline" in str(c.check_keys)]
    return assets, checks


def _materialize(ml_warehouse):
    assets, checks = _churn_defs()
    return materialize(
        [*assets, *checks],
        resources={"warehouse": WarehouseResource(url=ml_warehouse.url)},
        raise_on_error=False,
    )


@pytest.mark.unit
def test_time_blocks_never_fit_or_calibrate_on_the_future(ml_warehouse):
    prepared = churn.prepare(read_sql(ml_warehouse, churn.FEATURES_SQL))
    horizon = timedelta(days=churn.LABEL_HORIZON_DAYS)
    for blocks in (churn.blocks(prepared), churn.blocks(prepared, validation_months=0)):
        assert blocks.train.height > 0 and blocks.calibration.height > 0
        # every training label closed before the first calibration period end
        assert (
            blocks.train["period_end_date"].max() + horizon
            <= blocks.calibration["period_end_date"].min()
        )
    split = churn.blocks(prepared)
    assert (
        split.calibration["period_end_date"].max() + horizon
        <= split.validation["period_end_date"].min()
    )
    # the served version is calibrated on the newest labelled months
    serving = churn.blocks(prepared, validation_months=0)
    assert (
        serving.calibration["period_month_date"].max()
        == split.validation["period_month_date"].max()
    )


@pytest.mark.unit
def test_eligibility_is_a_filter_applied_to_model_and_baseline_not_a_label(ml_warehouse):
    """Who can churn is decided before the label: an ineligible customer-month is left out
    (never labelled 0), so the label is not a function of a feature."""
    features = read_sql(ml_warehouse, churn.FEATURES_SQL)
    prepared = churn.prepare(features)
    outside = prepared.filter(~pl.col("eligible") & pl.col("churned").is_not_null())
    # outside the eligible rows both outcomes happen: eligibility did not decide the label
    assert set(outside["churned"].to_list()) == {0, 1}
    split = churn.blocks(prepared)
    for part in (split.train, split.calibration, split.validation):
        assert part["eligible"].all()
        assert (part["orders_to_date"] >= churn.MIN_ORDERS).all()
    # the label is no longer constant on any feature's low end: few orders a year can churn
    few = split.validation.filter(pl.col("orders_12m") < 4)
    assert few.height == 0 or few["churned"].sum() > 0
    scored = churn.current(features)
    assert scored.height > 0 and scored["eligible"].all()


def _two_customers() -> pl.DataFrame:
    return churn.probe().with_columns(
        pl.lit(1).alias("company_id"),
        pl.Series("partner_id", [1, 2]),
        pl.Series("customer_key", ["active", "silent"]),
    )


@pytest.mark.unit
def test_served_scores_put_a_silent_regular_customer_above_an_active_one(ml_warehouse):
    """The hand-built case: two regular customers on a 30-day rhythm, one ordered a week ago,
    the other silent for four gaps. Whatever serves (model or baseline) ranks the silent
    one first; on the small company, so does the baseline over the real customers."""
    features = read_sql(ml_warehouse, churn.FEATURES_SQL)
    trained = churn.train(features)
    model = trained.model
    two = _two_customers()
    for p in (model.predict(two), model.predict_baseline(two)):
        assert p[1] > p[0]
    assert churn.silent_first(model, baseline=True)
    required = [c for c in trained.comparisons if c.metric_name == "silent_regular_ranked_first"]
    assert required and required[0].passed == churn.silent_first(model)
    # a real silent regular customer (most gaps of silence) above the most recently active one
    baseline = churn.score_baseline(features, trained, "baseline:x")
    rows = churn.current(features).join(
        baseline.select("customer_key", "churn_probability"), on="customer_key"
    )
    silent = rows.sort("silence_in_gaps").row(-1, named=True)
    active = rows.sort("silence_in_gaps").row(0, named=True)
    assert silent["silence_in_gaps"] > 2 > active["silence_in_gaps"]
    assert silent["churn_probability"] > active["churn_probability"]


@pytest.mark.unit
def test_a_model_that_ranks_the_silent_customer_last_never_serves(ml_warehouse, monkeypatch):
    """A retrain whose recency coefficient came out backwards fails the required hand-built
    case even if its held-out metrics were to pass."""
    features = read_sql(ml_warehouse, churn.FEATURES_SQL)
    trained = churn.train(features)
    coef = trained.model.pipeline.named_steps["model"].coef_
    coef[:] = 0.0
    coef[0][churn.FEATURES.index("silence_in_gaps")] = -1.0
    assert not churn.silent_first(trained.model)
    # the gate's required row for it fails, and with it the version
    required = churn.Comparison(
        "silent_regular_ranked_first", float(churn.silent_first(trained.model)), "required", 1.0
    )
    assert not required.passed


def _check_scores(scores: pl.DataFrame) -> None:
    assert scores.columns == CHURN_COLUMNS
    assert scores.height > 10
    assert scores["churn_probability"].is_between(0, 1).all()
    assert sorted(scores["risk_rank"].to_list()) == list(range(1, scores.height + 1))
    reasons = json.loads(scores["top_reasons"][0])
    assert {"feature", "value", "contribution"} <= set(reasons[0])
    assert reasons[0]["contribution"] >= reasons[-1]["contribution"]


@pytest.mark.integration
def test_churn_asset_records_the_gate_with_its_margin_and_what_serves(ml_warehouse):
    result = _materialize(ml_warehouse)
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    runs = load_runs(ml_warehouse)
    v1 = runs.filter(pl.col("model_version") == "v1")
    assert set(v1["metric_name"]) == {"roc_auc", "brier", "silent_regular_ranked_first"}
    margin = v1.filter(pl.col("metric_name") == "roc_auc").row(0, named=True)
    # the margin is recorded: a 95% interval around the difference, on the same rows
    assert margin["difference_low"] <= margin["difference"] <= margin["difference_high"]
    assert margin["n_pairs"] > 10
    assert evaluation.passed == bool(v1["passed"].all())
    # calibration measured out of sample and stored with the version (and with the baseline)
    row = v1.row(0, named=True)
    assert row["calibrated"] and 0 <= row["ece"] <= 1 and 0 <= row["brier"] <= 1
    table = json.loads(row["reliability"])["churn"]["table"]
    assert sum(b["n"] for b in table) >= margin["n_pairs"]  # rows, at least one per customer
    assert all(0 <= b["predicted"] <= 1 and 0 <= b["observed"] <= 1 for b in table)
    assert "95% CI" in str(evaluation.metadata)
    scores = read_sql(ml_warehouse, "select * from ml.churn_scores")
    _check_scores(scores)
    [served] = runs.filter(pl.col("is_serving"))["model_version"].unique().to_list()
    assert scores["model_version"].unique().to_list() == [served]
    if not v1["passed"].all():
        assert served == f"baseline:{churn.BASELINE_NAME}"
        base = runs.filter(pl.col("model_version") == served).row(0, named=True)
        assert base["calibrated"] and "churn" in json.loads(base["reliability"])
        assert {json.loads(r)[0]["feature"] for r in scores["top_reasons"]} == {
            churn.BASELINE_FEATURE
        }


def _broken() -> Pipeline:
    """A retrain gone wrong: it says every customer churns, so it ranks nobody."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("model", DummyClassifier(strategy="constant", constant=1)),
        ]
    )


@pytest.mark.integration
def test_without_a_passing_version_the_silence_rule_serves(ml_warehouse, monkeypatch):
    monkeypatch.setattr(churn, "make_pipeline", _broken)
    result = _materialize(ml_warehouse)
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed is False
    runs = load_runs(ml_warehouse)
    [label] = runs.filter(pl.col("is_serving"))["model_version"].unique().to_list()
    assert label == f"baseline:{churn.BASELINE_NAME}"
    scores = read_sql(ml_warehouse, "select * from ml.churn_scores")
    _check_scores(scores)
    assert scores["model_version"].unique().to_list() == [label]
    # the probability ranks like the rule: silence in the customer's own gaps
    features = churn.current(read_sql(ml_warehouse, churn.FEATURES_SQL))
    joined = scores.join(features.select("customer_key", "silence_in_gaps"), on="customer_key")
    ranked = joined.sort("churn_probability")["silence_in_gaps"].fill_null(0.0).to_numpy()
    assert joined["churn_probability"].n_unique() > 1
    assert (ranked[1:] >= ranked[:-1] - 1e-9).all()
