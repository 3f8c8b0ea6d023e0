"""Deal and stock-out scores: end to end through their Dagster assets and checks on the
small company, contract columns, and the planted scenarios ranked near the top."""

from __future__ import annotations

import polars as pl
import pytest
from dagster import materialize

from ml.lifecycle import load_runs
from ml.warehouse_io import read_sql
from orchestration.assets.ml import ml_assets, ml_checks
from orchestration.resources import WarehouseResource

DEAL_COLUMNS = [
    "lead_id",
    "company_id",
    "win_probability",
    "stall_probability",
    "model_version",
    "scored_at",
]
STOCKOUT_COLUMNS = [
    "company_id",
    "product_id",
    "warehouse_id",
    "stockout_probability",
    "expected_stockout_date",
    "lead_time_days",
    "review_stockout_probability",
    "model_version",
    "scored_at",
]


@pytest.mark.integration
def test_deal_and_stockout_assets_end_to_end(ml_warehouse, small_marts):
    names = {"deal_scores", "stockout_predictions"}
    assets = [a for a in ml_assets if a.key.path[-1] in names]
    checks = [c for c in ml_checks if any(k.asset_key.path[-1] in names for k in c.check_keys)]
    result = materialize(
        [*assets, *checks], resources={"warehouse": WarehouseResource(url=ml_warehouse.url)}
    )
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == 2
    # each check says whether its newest version beat its baseline beyond noise; on the
    # small company the deal models do not (their baselines serve), the demand model does
    runs = load_runs(ml_warehouse)
    for model in ("deals", "stockout"):
        mine = runs.filter((pl.col("model_name") == model) & (pl.col("model_version") == "v1"))
        assert evaluations[f"{model}_beats_baseline"] == bool(mine["passed"].all())
    served = runs.filter(pl.col("is_serving") & (pl.col("model_name") == "deals"))
    assert served["model_version"].unique().len() == 1

    deals = read_sql(ml_warehouse, "select * from ml.deal_scores")
    assert deals.columns == DEAL_COLUMNS
    assert deals["win_probability"].is_between(0, 1).all()
    assert deals["stall_probability"].is_between(0, 1).all()
    # the obvious case: every planted stalled deal (stuck, not a word) ranks above every
    # deal stuck as long but still being worked (the simulator's control). Not "top decile":
    # the leads left untouched in New for months are as stalled, and rank with them.
    stalled = {r["lead_id"] for r in small_marts.ground_truth["scenarios"]["stalled_deals"]}
    slow = set(small_marts.ground_truth["controls"]["slow_but_active_deals"])
    ranked = deals.sort("stall_probability", descending=True)["lead_id"].to_list()
    assert stalled and slow and (stalled | slow) <= set(ranked)
    assert max(ranked.index(i) for i in stalled) < min(ranked.index(i) for i in slow)

    stock = read_sql(ml_warehouse, "select * from ml.stockout_predictions")
    assert stock.columns == STOCKOUT_COLUMNS
    assert stock["stockout_probability"].is_between(0, 1).all()
    # the lead time is inside the review horizon: running out within it is never likelier
    assert (stock["review_stockout_probability"] >= stock["stockout_probability"]).all()
    planted = {
        (r["product_id"], r["warehouse_id"])
        for r in small_marts.ground_truth["scenarios"]["stockout_products"]
    }
    ranked_stock = stock.sort("stockout_probability", descending=True)
    top_stock = set(
        zip(
            ranked_stock["product_id"].head(max(len(planted), 2 * stock.height // 10)),
            ranked_stock["warehouse_id"].head(max(len(planted), 2 * stock.height // 10)),
            strict=True,
        )
    )
    assert planted and planted <= top_stock
    assert (
        stock.filter(pl.col("stockout_probability") > 0.5)["expected_stockout_date"].null_count()
        == 0
    )


ANOMALY_COLUMNS = [
    "kind",
    "record_model",
    "record_id",
    "company_id",
    "score",
    "method",
    "reason",
    "model_version",
    "scored_at",
]


@pytest.mark.integration
def test_anomalies_asset_flags_planted_duplicates_with_reasons(ml_warehouse, small_marts):
    assets = [a for a in ml_assets if a.key.path == ["ml", "anomalies"]]
    checks = [
        c for c in ml_checks if any(k.asset_key.path == ["ml", "anomalies"] for k in c.check_keys)
    ]
    result = materialize(
        [*assets, *checks], resources={"warehouse": WarehouseResource(url=ml_warehouse.url)}
    )
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    # the check is the bootstrap gate recorded in ml.model_runs, with its noise margin
    run = read_sql(
        ml_warehouse,
        "select * from ml.model_runs where model_name = 'anomalies' and status = 'trained'",
    ).row(0, named=True)
    assert run["metric_name"] == "injected_anomaly_ap" and run["n_pairs"] > 0
    assert run["difference_low"] < run["difference"] < run["difference_high"]
    assert evaluation.passed == run["passed"] == (run["difference_low"] > 0)
    flags = read_sql(ml_warehouse, "select * from ml.anomalies")
    assert flags.columns == ANOMALY_COLUMNS
    assert flags["reason"].str.len_chars().min() > 10
    assert set(flags["kind"]) <= {"journal_entry", "expense"}
    duplicates = flags.filter(pl.col("method") == "duplicate_rule")["record_id"].to_list()
    pairs = [
        set(d["expense_ids"]) for d in small_marts.ground_truth["scenarios"]["duplicate_expenses"]
    ]
    assert pairs and all(pair & set(duplicates) for pair in pairs)
    assert all(any(i in pair for pair in pairs) for i in duplicates)
    entries = flags.filter(pl.col("kind") == "journal_entry")
    served = "isolation_forest" if run["passed"] else "amount_zscore"
    assert entries.height > 0 and (entries["method"] == served).all()


@pytest.mark.integration
def test_never_passed_model_serves_its_baseline_then_a_passing_version_replaces_it(
    ml_warehouse, monkeypatch: pytest.MonkeyPatch
):
    """Before any version passes, the baseline's scores are written (labelled as such), never
    an empty table; the first passing version then takes over and the baseline row stops
    serving."""
    from ml import pipelines, stockout
    from ml.lifecycle import load_runs

    real_train = stockout.train

    def failing(demand, cover, model=None, moves=None):  # type: ignore[no-untyped-def]
        trained = real_train(demand, cover, model, moves=moves)
        c = trained.comparisons[0]
        worse = type(c)(c.metric_name, c.baseline_value + 1.0, c.baseline_name, c.baseline_value)
        return stockout.StockoutTraining(trained.model, [worse], trained.metrics)

    monkeypatch.setattr(stockout, "train", failing)
    first = pipelines.run_stockout(ml_warehouse)
    assert not first.candidate_passed and first.serving_version == "baseline:flat_28d_mean"
    stock = read_sql(ml_warehouse, "select * from ml.stockout_predictions")
    assert stock.height > 0 and set(stock["model_version"]) == {"baseline:flat_28d_mean"}
    assert stock["stockout_probability"].is_between(0, 1).all()
    runs = load_runs(ml_warehouse).filter(pl.col("model_name") == "stockout")
    serving = runs.filter(pl.col("is_serving"))
    assert set(serving["model_version"]) == {"baseline:flat_28d_mean"}
    assert not serving["passed"].any()

    monkeypatch.setattr(stockout, "train", real_train)
    second = pipelines.run_stockout(ml_warehouse)
    assert second.candidate_passed and second.serving_version == "v2"
    stock = read_sql(ml_warehouse, "select * from ml.stockout_predictions")
    assert set(stock["model_version"]) == {"v2"}
    runs = load_runs(ml_warehouse).filter(pl.col("model_name") == "stockout")
    assert set(runs.filter(pl.col("is_serving"))["model_version"]) == {"v2"}
