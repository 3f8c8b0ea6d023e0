"""Deals: point-in-time features (time travel), labels that are not features, baselines that
rank the obvious case first, and the gate's margin."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from ml import deal_features as pit
from ml import deals
from ml.warehouse_io import read_sql
from odoo_api.warehouse import Warehouse


@pytest.fixture(scope="module")
def deal_data(small_marts):
    wh = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    leads = read_sql(wh, deals.LEADS_SQL)
    events = read_sql(wh, deals.EVENTS_SQL)
    as_of = read_sql(wh, deals.AS_OF_SQL)["as_of"][0]
    return leads, events, as_of


@pytest.fixture(scope="module")
def trained(deal_data):
    return deals.train(*deal_data)


@pytest.mark.unit
def test_features_rebuilt_from_a_warehouse_truncated_at_the_snapshot_are_equal(deal_data):
    leads, events, as_of = deal_data
    until = deals.as_of_datetime(as_of, pit.prepare_leads(leads))
    check = pit.time_travel(leads, events, until, n=40, seed=7)
    assert check.checked == 40
    assert check.passed, check.differing[:3]
    # the check has teeth: the end-of-life columns the old model read differ at snapshots
    prepared = pit.prepare_leads(leads)
    closed = prepared.filter(pl.col("outcome").is_in(["won", "lost"]))
    row = closed.row(0, named=True)
    then, _ = pit.truncate(
        prepared, pit.prepare_events(events), row["closed_at"] - timedelta(days=1)
    )
    assert then.filter(pl.col("lead_id") == row["lead_id"])["outcome"].to_list() == ["open"]


@pytest.mark.unit
def test_no_feature_reads_the_outcome(deal_data):
    """The columns that gave the outcome away are gone: the lead type, planned activities
    and final message counts are not features, and a won and a lost deal alike have zero
    activities done at their first snapshot."""
    leaky = {"is_opportunity", "activity_count", "message_count", "probability", "lead_type"}
    assert not leaky & set(deals.WIN_FEATURES) and not leaky & set(deals.STALL_FEATURES)
    leads, events, as_of = deal_data
    prepared, ev = pit.prepare_leads(leads), pit.prepare_events(events)
    until = deals.as_of_datetime(as_of, prepared)
    snaps = deals.win_snapshots(prepared, ev, until)
    first = snaps.filter(pl.col("snapshot_at") == pl.col("snapshot_at").min().over("lead_id"))
    assert first["stage_changes"].median() == 1  # a day after creation: the first stage
    won_stage = events.filter(pl.col("is_won_stage").fill_null(False))["stage_sequence"].min()
    assert (first["stage_sequence"] < won_stage).all()  # no deal is already in Won
    by_outcome = first.group_by("won").agg(pl.col("activities_done").mean())
    assert by_outcome.height == 2 and by_outcome["activities_done"].max() < 1


@pytest.mark.unit
def test_stall_label_looks_forward_and_is_not_a_feature(deal_data):
    leads, events, as_of = deal_data
    prepared, ev = pit.prepare_leads(leads), pit.prepare_events(events)
    until = deals.as_of_datetime(as_of, prepared)
    snaps = deals.stall_snapshots(prepared, ev, until)
    assert set(snaps["stalled"].unique().to_list()) == {0, 1}
    # every label window is over by the as-of date
    assert snaps["snapshot_at"].max() <= until - timedelta(days=deals.STALL_HORIZON_DAYS)
    # the old tautology is gone: time in stage (also over its threshold, also quiet) does
    # not decide the label; both outcomes occur above each one's median
    for f in ("days_in_stage", "overrun", "days_quiet"):
        x = snaps[f].fill_null(0).to_numpy()
        hi = snaps.filter(pl.Series(x > np.median(x)))["stalled"]
        if hi.len():
            assert 0 < hi.mean() < 1, f  # type: ignore[operator]


@pytest.mark.unit
def test_gate_compares_on_the_same_snapshots_with_a_margin(trained):
    names = {c.metric_name: c for c in trained.comparisons}
    assert set(names) == {"win_roc_auc", "win_brier", "stall_roc_auc", "stall_brier"}
    for c in names.values():
        assert c.difference_low <= c.difference <= c.difference_high
        assert c.n_pairs >= 10  # deals resampled, not snapshots
        assert c.passed == (
            c.difference_high < 0 if c.metric_name.endswith("brier") else c.difference_low > 0
        )
    assert names["win_roc_auc"].baseline_name == deals.WIN_BASELINE
    for key in ("win_ece", "stall_ece", "win_baseline_brier", "stall_baseline_log_loss"):
        assert np.isfinite(trained.metrics[key])


def _probe(stage_sequence: float, days_in_stage: float, age: float, quiet: float) -> dict:
    return {
        "lead_id": 0,
        "company_id": 1,
        "stage_sequence": stage_sequence,
        "days_in_stage": days_in_stage,
        "log_days_in_stage": float(np.log1p(days_in_stage)),
        "age_days": age,
        "stage_changes": 2.0,
        "log_amount": 8.0,
        "priority": 1.0,
        "activities_done": 1.0,
        "messages": 1.0,
        "interactions_30d": 0.0 if quiet > 30 else 2.0,
        "days_since_interaction": quiet,
        "days_quiet": min(days_in_stage, quiet),
        "user_rate": 0.4,
        "overrun": days_in_stage / 15.0,
        "stage_rots": True,
    }


@pytest.mark.unit
def test_baselines_rank_the_obvious_case_first(trained):
    """Hand-built: a deal sixty days in its stage without a word is likelier to stall than
    one that moved in two days ago, and than one sixty days in its stage but worked on
    yesterday; the stage-and-age table says what history says about a late stage."""
    model = trained.model
    stuck, fresh, worked = _probe(2, 60, 80, 60), _probe(2, 2, 80, 1), _probe(2, 60, 80, 1)
    frame = pl.DataFrame([stuck, fresh, worked])
    p = model.stall_baseline_probability(frame)
    assert p[0] > p[1] and p[0] > p[2]
    rates = model.win_baseline
    first, last = min(rates.stages), max(rates.stages)
    late = pl.DataFrame([_probe(last, 5, 30, 5), _probe(first, 5, 30, 5)])
    order = model.win_baseline_probability(late)
    assert (order[0] > order[1]) == (rates.stages[last] > rates.stages[first])
    assert rates.stages[last] != rates.stages[first]


@pytest.mark.unit
def test_scores_cover_every_open_deal(deal_data, trained):
    leads, events, as_of = deal_data
    for scores in (
        deals.score(leads, events, as_of, trained.model, "v1"),
        deals.score_baseline(leads, events, as_of, trained.model, "baseline:x"),
    ):
        open_ids = set(leads.filter(pl.col("outcome") == "open")["lead_id"].to_list())
        assert set(scores["lead_id"].to_list()) == open_ids
        assert scores["win_probability"].is_between(0, 1).all()
        assert scores["stall_probability"].is_between(0, 1).all()
    assert deals.score(leads, events, as_of, object(), "v0").is_empty()  # an old artefact


@pytest.mark.unit
def test_snapshots_of_a_deal_never_reach_past_its_close(deal_data):
    leads, _, as_of = deal_data
    prepared = pit.prepare_leads(leads)
    until = deals.as_of_datetime(as_of, prepared)
    grid = pit.snapshot_grid(prepared, until, deals.SNAPSHOT_STEP_DAYS, closed_only=True)
    joined = grid.join(prepared.select("lead_id", "created_at", "closed_at"), on="lead_id")
    assert (joined["snapshot_at"] < joined["closed_at"]).all()
    assert (joined["snapshot_at"] > joined["created_at"]).all()
    assert isinstance(until, datetime)


@pytest.mark.unit
def test_a_company_without_deals_is_insufficient_not_a_failure(deal_data):
    from ml.lifecycle import InsufficientData

    leads, events, _ = deal_data
    with pytest.raises(InsufficientData, match="no deals"):
        deals.train(leads.clear(), events.clear(), None)
