"""Churn: the time split never trains on the future, the asset writes the contract table,
and a broken retrain is stopped by its asset check while the good version keeps serving."""

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
def test_time_split_never_trains_on_the_future(ml_warehouse):
    prepared = churn.prepare(read_sql(ml_warehouse, churn.FEATURES_SQL))
    split = churn.time_split(prepared)
    assert split.train.height > 0 and split.validation.height > 0
    last_train_label_end = split.train["period_end_date"].max() + timedelta(
        days=churn.LABEL_HORIZON_DAYS
    )
    assert last_train_label_end <= split.validation["period_end_date"].min()
    assert split.train["period_month_date"].max() < split.validation["period_month_date"].min()


@pytest.mark.integration
def test_churn_asset_writes_contract_table_and_passes_its_check(ml_warehouse):
    result = _materialize(ml_warehouse)
    assert result.success
    evals = result.get_asset_check_evaluations()
    assert [e.passed for e in evals] == [True]
    scores = read_sql(ml_warehouse, "select * from ml.churn_scores")
    assert scores.columns == CHURN_COLUMNS
    assert scores.height > 20
    assert scores["churn_probability"].is_between(0, 1).all()
    assert sorted(scores["risk_rank"].to_list()) == list(range(1, scores.height + 1))
    reasons = json.loads(scores["top_reasons"][0])
    assert {"feature", "value", "contribution"} <= set(reasons[0])
    assert reasons[0]["contribution"] >= reasons[-1]["contribution"]
    runs = load_runs(ml_warehouse)
    assert set(runs["metric_name"]) >= {"roc_auc"}
    assert runs.filter(pl.col("is_serving"))["model_version"].unique().to_list() == ["v1"]


@pytest.mark.integration
def test_broken_model_is_stopped_by_its_check_and_good_version_keeps_serving(
    ml_warehouse, monkeypatch
):
    assert _materialize(ml_warehouse).success  # v1: a good model
    good = read_sql(ml_warehouse, "select * from ml.churn_scores")

    def broken() -> Pipeline:  # predicts at random: cannot beat the recency rule
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median")),
                ("scale", StandardScaler()),
                ("model", DummyClassifier(strategy="uniform", random_state=0)),
            ]
        )

    monkeypatch.setattr(churn, "make_pipeline", broken)
    result = _materialize(ml_warehouse)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed is False
    runs = load_runs(ml_warehouse)
    v2 = runs.filter(pl.col("model_version") == "v2")
    assert v2.height > 0 and not v2["passed"].any() and not v2["is_serving"].any()
    assert runs.filter(pl.col("is_serving"))["model_version"].unique().to_list() == ["v1"]
    served = read_sql(ml_warehouse, "select * from ml.churn_scores")
    assert served["model_version"].unique().to_list() == ["v1"]
    assert served["churn_probability"].to_list() == good["churn_probability"].to_list()
