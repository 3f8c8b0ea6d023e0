"""Forecasts: the asset writes next-quarter forecasts with intervals for every series and its
check compares the backtest MASE with both baselines, beyond noise, per kind of series; the
backtest never sees the future."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from dagster import materialize

from ml import forecast_engine as fe
from ml import forecasting
from ml.lifecycle import load_runs
from ml.warehouse_io import read_sql
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.resources import WarehouseResource

FORECAST_COLUMNS = [
    "series",
    "company_id",
    "period_start",
    "period_grain",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "model",
    "model_version",
    "created_at",
]


@pytest.mark.unit
def test_backtest_forecast_depends_only_on_history_before_the_origin():
    rng = np.random.default_rng(1)
    periods = [date(2025, 1, 6) + timedelta(weeks=i) for i in range(80)]
    y = 100 + rng.normal(0, 10, 80)
    model = forecasting.ForecastModel()
    cut = 60
    for kind in ("demand", "net_cash_weekly"):
        before = model.engine_forecast(kind, y[:cut], periods[:cut], "week", 13)
        changed = y.copy()
        changed[cut:] = 10_000.0  # a wildly different future
        after = model.engine_forecast(kind, changed[:cut], periods[:cut], "week", 13)
        assert np.allclose(before.mean, after.mean) and np.allclose(before.upper, after.upper)
    series = [forecasting.Series("demand:1", 1, "week", periods, y, 52, 13)]
    spiked = [forecasting.Series("demand:1", 1, "week", periods, np.r_[y[:-1], 1e6], 52, 13)]
    # the last point is only ever an actual (never history), so only the errors move
    a, b = forecasting.backtest(series, model), forecasting.backtest(spiked, model)
    assert a.mean("ets") != b.mean("ets")
    assert len(a.mase["ets"]) == len(b.mase["ets"]) == 4
    assert a.losses("engine", "demand")[:3] == b.losses("engine", "demand")[:3]


def _materialize_forecasts(ml_warehouse):
    assets = [a for a in ml_assets if a.key.path == ["ml", "forecasts"]]
    checks = [
        c for c in ml_checks if any(k.asset_key.path == ["ml", "forecasts"] for k in c.check_keys)
    ]
    return materialize(
        [*assets, *checks], resources={"warehouse": WarehouseResource(url=ml_warehouse.url)}
    )


@pytest.mark.integration
def test_forecast_asset_end_to_end(ml_warehouse):
    result = _materialize_forecasts(ml_warehouse)
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    runs = load_runs(ml_warehouse).filter(pl.col("model_name").str.starts_with("forecasts."))
    # each kind is gated on its own, against both baselines, with a noise margin
    assert set(runs["model_name"]) == {
        "forecasts.revenue_monthly",
        "forecasts.net_cash_weekly",
        "forecasts.demand",
    }
    candidates = runs.filter(pl.col("model_version") == "v1")
    assert set(candidates["baseline_name"]) == {"seasonal_naive", "ets"}
    assert candidates["p_value"].is_not_null().all() and candidates["n_pairs"].min() >= 8
    assert (candidates["difference_low"] <= candidates["difference_high"]).all()
    for name in candidates["model_name"].unique().to_list():
        mine = candidates.filter(pl.col("model_name") == name)
        # a kind passes only when both intervals of the difference lie below 0
        assert mine["passed"].all() == (mine["difference_high"] < 0).all()
    assert evaluation.passed == bool(candidates["passed"].all())
    # the check says by how much, per kind and baseline
    described = {str(k): str(v.value) for k, v in evaluation.metadata.items()}
    assert "mase_demand vs ets" in described
    assert "95% CI" in described["mase_demand vs ets"]
    # every kind is served: by the engine where it passed, else by its better baseline
    serving = runs.filter(pl.col("is_serving"))
    assert set(serving["model_name"]) == set(runs["model_name"])
    frame = read_sql(ml_warehouse, "select * from ml.forecasts")
    assert frame.columns == FORECAST_COLUMNS
    counts = frame.group_by("series", "company_id").len()
    assert counts.height >= 4  # revenue and cash for each company, plus demand series
    kinds = {s.split(":")[0] for s in frame["series"]}
    assert kinds == {"revenue_monthly", "net_cash_weekly", "demand"}
    months = frame.filter(pl.col("series") == "revenue_monthly")
    assert (months["period_grain"] == "month").all()
    assert (
        months.group_by("company_id").len()["len"].to_list()
        == [3] * months["company_id"].n_unique()
    )
    weeks = frame.filter(pl.col("series") == "net_cash_weekly")
    assert set(weeks.group_by("company_id").len()["len"].to_list()) == {13}
    assert (frame["yhat_lower"] <= frame["yhat"]).all() and (
        frame["yhat"] <= frame["yhat_upper"]
    ).all()
    for r in serving.select("model_name", "model_version").unique().to_dicts():
        kind = r["model_name"].split(".")[1]
        mine = frame.filter(pl.col("series").str.split(":").list.first() == kind)
        assert mine["model_version"].unique().to_list() == [r["model_version"]]


@pytest.mark.integration
def test_without_a_passing_version_the_better_baseline_forecasts(ml_warehouse, monkeypatch):
    def far_off(self, kind, y, periods, grain, h, cache=None):
        # a retrain gone wrong: every forecast a billion
        flat = np.full(h, 1e9)
        return fe.EngineForecast(flat, flat - 1, flat + 1, "broken", fe.STATE_OK, "broken")

    monkeypatch.setattr(forecasting.ForecastModel, "engine_forecast", far_off)
    result = _materialize_forecasts(ml_warehouse)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed is False
    runs = load_runs(ml_warehouse).filter(pl.col("model_name").str.starts_with("forecasts."))
    frame = read_sql(ml_warehouse, "select * from ml.forecasts")
    for name in runs["model_name"].unique().to_list():
        kind = name.split(".")[1]
        candidate = runs.filter((pl.col("model_name") == name) & (pl.col("model_version") == "v1"))
        assert not candidate["passed"].any()
        # the better baseline on this kind's own series serves it, labelled as such
        mase = {
            b: candidate.filter(pl.col("baseline_name") == b)["baseline_value"].mean()
            for b in ("seasonal_naive", "ets")
        }
        [label] = runs.filter((pl.col("model_name") == name) & pl.col("is_serving"))[
            "model_version"
        ].unique()
        mine = frame.filter(pl.col("series").str.split(":").list.first() == kind)
        [method] = mine["model"].unique().to_list()
        assert label == f"baseline:{method}" and method == min(mase, key=lambda b: mase[b])
        assert mine["model_version"].unique().to_list() == [label]
    assert frame["yhat"].max() < 1e8  # the baseline's numbers, not the broken model's
    assert {s.split(":")[0] for s in frame["series"]} == {
        "revenue_monthly",
        "net_cash_weekly",
        "demand",
    }
    assert (frame["yhat_lower"] <= frame["yhat"]).all()
    assert (frame["yhat"] <= frame["yhat_upper"]).all()
