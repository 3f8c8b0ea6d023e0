"""Anomaly validation: group statistics from the training window only, injected anomalies
written as journal entries (measured by the same feature code), the noise-margin gate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import average_precision_score

from ml import anomalies as an

SCHEMA = {
    "move_id": pl.Int64,
    "company_id": pl.Int64,
    "journal_id": pl.Int64,
    "move_type": pl.Utf8,
    "accounting_date": pl.Date,
    "account_id": pl.Int64,
    "debit": pl.Float64,
    "credit": pl.Float64,
    "created_at": pl.Datetime("us", "UTC"),
}


def _lines(months: int = 12, seed: int = 0) -> pl.DataFrame:
    """A company's manual entries: payroll on the 28th, rent on the 1st (journal 5) and a few
    accruals on random weekdays (journal 6), keyed in on weekday mornings."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    move = 100

    def entry(day: date, journal: int, debit: int, credit: int, amount: float) -> None:
        nonlocal move
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        created = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        for account, d, c in ((debit, amount, 0.0), (credit, 0.0, amount)):
            rows.append(
                dict(
                    move_id=move,
                    company_id=1,
                    journal_id=journal,
                    move_type="entry",
                    accounting_date=day,
                    account_id=account,
                    debit=d,
                    credit=c,
                    created_at=created,
                )
            )
        move += 1

    for m in range(months):
        first = date(2025 + m // 12, m % 12 + 1, 1)
        entry(first.replace(day=28), 5, 60, 10, 12_000 * float(rng.lognormal(0, 0.03)))
        entry(first, 5, 61, 10, 3_000.0)
        for _ in range(3):
            day = first.replace(day=int(rng.integers(2, 27)))
            entry(day, 6, 62, 20, float(rng.lognormal(7, 0.4)))
    return pl.DataFrame(rows, schema=SCHEMA)


def test_group_statistics_come_from_the_training_window_only():
    lines = _lines()
    cut = date(2025, 10, 1)
    train, later = lines.filter(pl.col("accounting_date") < cut), lines
    stats = an.fit_entry_stats(an.entry_moves(train))
    held = lines.filter(pl.col("accounting_date") >= cut)
    alone = an.entry_features(held.filter(pl.col("accounting_date") < date(2025, 11, 1)), stats)
    # the same October entries measured beside every later entry: not one feature moves
    together = an.entry_features(later, stats).filter(
        pl.col("move_id").is_in(alone["move_id"].to_list())
    )
    assert alone.height >= 5
    assert alone.select(an.ENTRY_FEATURES).equals(together.select(an.ENTRY_FEATURES))
    # ... whereas statistics fitted over everything (the old way) do move them
    leaky = an.entry_features(later).filter(pl.col("move_id").is_in(alone["move_id"].to_list()))
    assert not alone.select(an.ENTRY_FEATURES).equals(leaky.select(an.ENTRY_FEATURES))


def test_a_new_entry_counts_once_in_its_groups():
    lines = _lines()
    cut = date(2025, 10, 1)
    stats = an.fit_entry_stats(an.entry_moves(lines.filter(pl.col("accounting_date") < cut)))
    journal5 = 2 * 9  # payroll and rent, nine training months
    novel = lines.filter(pl.col("move_id") == lines["move_id"].max()).with_columns(
        pl.lit(5).cast(pl.Int64).alias("journal_id"),
        pl.when(pl.col("debit") > 0).then(70).otherwise(71).alias("account_id"),
    )
    row = an.entry_features(novel, stats).row(0, named=True)
    assert row["pair_rarity"] == pytest.approx(np.log(journal5 + 1))
    assert row["amount_vs_pair"] == 0.0  # no amount history on that pairing
    assert row["odd_day"] == 0.0  # alone on its pairing: no cycle to be off


def test_injected_entries_are_balanced_journal_entries_of_each_kind():
    lines = _lines(months=24)
    cut = date(2026, 7, 1)
    train = lines.filter(pl.col("accounting_date") < cut)
    held = lines.filter(pl.col("accounting_date") >= cut)
    fake, kinds = an.inject_entries(train, held, np.random.default_rng(1), per_kind=3)
    assert set(kinds.values()) == set(an.INJECTED_KINDS)
    assert fake.schema == held.schema
    assert set(fake["move_id"].to_list()) == set(kinds) and max(kinds) < 0
    sums = fake.group_by("move_id").agg(pl.col("debit").sum(), pl.col("credit").sum())
    assert np.allclose(sums["debit"], sums["credit"])
    stats = an.fit_entry_stats(an.entry_moves(train))
    feats = an.entry_features(pl.concat([held, fake]), stats)
    real = feats.filter(pl.col("move_id") > 0)
    by = {
        k: feats.filter(pl.col("move_id").is_in([m for m, v in kinds.items() if v == k]))
        for k in an.INJECTED_KINDS
    }
    assert (by["large_amount"]["amount_vs_journal"] > real["amount_vs_journal"].max()).all()
    assert (by["round_amount"]["round_amount"] >= 1).all()
    assert (by["unseen_pairing"]["pair_rarity"] > real["pair_rarity"].max()).all()
    assert (by["weekend_night"]["weekend"] == 1).all() and (by["weekend_night"]["night"] == 1).all()
    assert (by["off_cycle"]["odd_day"] > 0.9).all()
    assert real.filter(pl.col("journal_id") == 5)["odd_day"].mean() < 0.5  # the cycles


def test_average_precision_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        y[0] = 1
        s = rng.integers(0, 6, 40).astype(float)  # many ties
        assert an.average_precision(y, s) == pytest.approx(average_precision_score(y, s))


def _draws(model_signal: float, n: int = 40, fake: int = 5, draws: int = 5) -> list[an.Draw]:
    rng = np.random.default_rng(7)
    real = rng.normal(size=n)
    out = []
    for _ in range(draws):
        kinds = np.array([""] * n + ["large_amount"] * fake)
        noise = np.r_[real, rng.normal(size=fake)]
        y = (kinds != "").astype(float)
        out.append(an.Draw(kinds, noise + model_signal * y, rng.normal(size=n + fake)))
    return out


def test_the_forest_passes_only_beyond_the_bootstrap_noise():
    clear = an.bootstrap_comparison(_draws(4.0), np.random.default_rng(0))
    assert clear.passed and clear.difference_low is not None and clear.difference_low > 0
    assert "95% CI" in clear.describe()
    same = an.bootstrap_comparison(_draws(0.0), np.random.default_rng(0))
    assert not same.passed and same.difference_low is not None and same.difference_low < 0


EXPENSES = pl.DataFrame(
    schema={
        "expense_id": pl.Int64,
        "company_id": pl.Int64,
        "employee_id": pl.Int64,
        "product_id": pl.Int64,
        "expense_date": pl.Date,
        "total_amount": pl.Float64,
    }
)


@pytest.mark.parametrize("months", [6, 12])
def test_training_reports_every_injected_kind_against_the_amount_zscore(months):
    trained = an.train(_lines(months), EXPENSES)
    [gate] = trained.comparisons
    assert gate.baseline_name == "amount_zscore" and gate.has_margin
    assert 0 < gate.metric_value <= 1 and 0 < gate.baseline_value <= 1
    for kind in ("large_amount", "round_amount", "unseen_pairing", "weekend_night"):
        assert 0 < trained.metrics[f"injected_ap_{kind}"] <= 1
        assert 0 < trained.metrics[f"baseline_injected_ap_{kind}"] <= 1
    # the served model's statistics cover every entry; the scores use them
    assert trained.model.entry_stats is not None
    assert len(trained.model.entry_stats.move_ids) == _lines(months)["move_id"].n_unique()


def test_without_injected_entries_there_is_no_evidence_and_the_gate_fails():
    bare = [an.Draw(np.array([""] * 5), np.arange(5.0), np.arange(5.0))]
    gate = an.bootstrap_comparison(bare, np.random.default_rng(0))
    assert not gate.passed
