"""Stock-out probability graded on what happened: on hand rebuilt on past days, the days-of-
cover rule and the model on a hand-built product, and the backtest on the small company."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from ml import stockout
from ml.warehouse_io import read_sql
from odoo_api.warehouse import Warehouse

AS_OF = date(2026, 6, 30)


def _cover(on_hand: float, lead: int = 10) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "company_id": [1],
            "product_id": [7],
            "warehouse_id": [1],
            "as_of_date": [AS_OF],
            "on_hand_qty": [on_hand],
            "incoming_qty": [0.0],
            "lead_time_days": [lead],
        }
    )


def _product(daily: float, days: int = 200, receipts: dict[date, float] | None = None):
    """A product sold ``daily`` units every day up to AS_OF, and its stock movements."""
    dates = [AS_OF - timedelta(days=i) for i in range(days)][::-1]
    demand = pl.DataFrame(
        {
            "product_id": [7] * days,
            "warehouse_id": [1] * days,
            "company_id": [1] * days,
            "demand_date": dates,
            "qty": [daily] * days,
        }
    )
    rows = [{"moved_date": d, "qty_in": 0.0, "qty_out": daily} for d in dates]
    for d, q in (receipts or {}).items():
        rows.append({"moved_date": d, "qty_in": q, "qty_out": 0.0})
    moves = pl.DataFrame(rows).with_columns(
        pl.lit(7).alias("product_id"),
        pl.lit(1).alias("warehouse_id"),
        pl.lit(1).alias("company_id"),
    )
    return demand, moves


@pytest.mark.unit
def test_on_hand_is_rebuilt_backwards_from_today():
    _, moves = _product(2.0, days=10, receipts={AS_OF - timedelta(days=3): 50.0})
    history = stockout._on_hand_history(moves, _cover(40.0), AS_OF - timedelta(days=5), AS_OF)
    oh = history[(1, 7, 1)]
    # today 40; the day before: +2 sold today; the receipt 3 days ago added 50
    assert oh[-1] == 40.0 and oh[-2] == 42.0
    assert oh[-4] == 40.0 + 2 * 3 and oh[-5] == 40.0 + 2 * 4 - 50


@pytest.mark.unit
def test_the_rule_and_the_model_rank_the_obvious_case_first():
    """Hand-built: selling 2 a day with a 10-day lead time, 5 units on hand runs out and
    200 do not; both the days-of-cover rule and the model say so."""
    demand, _ = _product(2.0)
    hist = demand["qty"].to_numpy()
    model = stockout.DemandModel(half_life_choices=stockout.HALF_LIFE_CHOICES)
    mean, var = model.forecast(hist, 0, 10)
    short, plenty = (stockout._probability(mean, var, 10, s) for s in (5.0, 200.0))
    assert short > 0.9 > 0.1 > plenty
    rule = lambda stock: float(stock / hist[-28:].mean() < 10)  # noqa: E731
    assert rule(5.0) == 1.0 and rule(200.0) == 0.0


@pytest.mark.unit
def test_graded_backtest_marks_what_happened():
    """A product that ran dry ten days before today (stock hit zero, then a receipt) is a
    stock-out at the origins whose lead time covers that day, and not at the others."""
    dry = AS_OF - timedelta(days=10)
    demand, moves = _product(2.0, receipts={dry + timedelta(days=1): 300.0})
    # today's on hand: 300 received, 2 a day sold since: zero at the end of the dry day
    on_hand_now = 300.0 - 2.0 * 10
    graded = stockout.graded_backtest(
        demand, moves, _cover(on_hand_now, lead=10), stockout.DemandModel(), origins=6, step=7
    )
    assert len(graded.happened) == 6
    origins = [AS_OF - timedelta(days=10 + 7 * k) for k in range(6)]
    expected = [float(t < dry <= t + timedelta(days=10)) for t in origins]
    assert graded.happened.tolist() == expected
    assert set(graded.groups.tolist()) == {"1:7:1"}
    assert np.all((graded.probability >= 0) & (graded.probability <= 1))


@pytest.mark.integration
def test_stockout_training_is_graded_against_the_rule_on_the_small_company(small_marts):
    wh = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    demand = read_sql(wh, stockout.DEMAND_SQL)
    cover = read_sql(wh, stockout.COVER_SQL)
    moves = read_sql(wh, stockout.MOVES_SQL)
    trained = stockout.train(demand, cover, moves=moves)
    m = trained.metrics
    assert m["graded_points"] > 50 and m["graded_stockouts"] > 0
    names = {c.metric_name: c for c in trained.comparisons}
    assert {"mae_leadtime_demand", "stockout_brier"} <= set(names)
    c = names["stockout_brier"]
    assert c.baseline_name == stockout.COVER_RULE
    assert c.difference_low <= c.difference <= c.difference_high
    assert np.isfinite(m["stockout_ece"]) and "stockout" in trained.reports
