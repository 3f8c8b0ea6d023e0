"""The operations marts on the small simulated company, on DuckDB and PostgreSQL: stock
levels against an independent recompute from the raw rows, the stock-out and late-supplier
scenarios against the simulator's ground truth and its negative controls."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest

from odoo_api.warehouse import Warehouse
from tests.dbt.conftest import query
from tests.dbt.raw_loader import load_tables, store_tables

pytestmark = pytest.mark.integration

MARTS = (
    "fct_stock_levels",
    "fct_stock_demand_daily",
    "fct_stock_cover",
    "fct_reorder_points",
    "fct_purchase_receipts",
    "fct_supplier_performance",
    "fct_order_fulfilments",
)
OPEN_STATES = {"waiting", "confirmed", "partially_available", "assigned"}


def _build(warehouse: Warehouse, dbt_runner, variables: dict[str, Any] | None = None) -> None:
    # The marts and everything upstream; res_partners too, so that the relationship tests to
    # it run. Cautious: tests of upstream models that point outside the selection stay out.
    args = ["build", "--select", *(f"+{m}" for m in MARTS), "stg_odoo__res_partners"]
    args += ["--indirect-selection", "cautious"]
    if variables:
        args += ["--vars", json.dumps(variables)]
    run = dbt_runner(warehouse, args)
    assert run.returncode == 0, run.output[-6000:]
    assert "ERROR=0" in run.output
    # The unit tests of the cover arithmetic ran (and passed) in this build.
    assert "test_stock_cover_zero_demand_and_stockout_arithmetic" in run.output


# --- independent recomputes from the raw rows ---------------------------------------------


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict[str, Any]]:
    return tables[name].to_pylist() if name in tables else []


def _location_warehouses(tables: dict[str, pa.Table]) -> dict[int, int | None]:
    """Internal location -> warehouse, by the warehouse's view location in parent_path."""
    views = {w["view_location_id"]: w["id"] for w in _rows(tables, "stock_warehouse")}
    out: dict[int, int | None] = {}
    for loc in _rows(tables, "stock_location"):
        if loc["usage"] != "internal":
            continue
        ancestors = [int(p) for p in (loc["parent_path"] or "").split("/") if p]
        out[loc["id"]] = next((views[a] for a in ancestors if a in views), None)
    return out


def _usages(tables: dict[str, pa.Table]) -> dict[int, str]:
    return {loc["id"]: loc["usage"] for loc in _rows(tables, "stock_location")}


def _python_levels(tables: dict[str, pa.Table]) -> dict[tuple[int, int], dict[str, float]]:
    internal = _location_warehouses(tables)
    out: dict[tuple[int, int], dict[str, float]] = defaultdict(
        lambda: {"on_hand": 0.0, "reserved": 0.0, "incoming": 0.0}
    )
    for quant in _rows(tables, "stock_quant"):
        wh = internal.get(quant["location_id"])
        if wh is not None:
            out[(quant["product_id"], wh)]["on_hand"] += quant["quantity"] or 0.0
            out[(quant["product_id"], wh)]["reserved"] += quant["reserved_quantity"] or 0.0
    for move in _rows(tables, "stock_move"):
        if move["state"] not in OPEN_STATES:
            continue
        dest = internal.get(move["location_dest_id"])
        if dest is not None and internal.get(move["location_id"]) != dest:
            out[(move["product_id"], dest)]["incoming"] += move["product_qty"]
    return dict(out)


def _python_daily_demand(
    tables: dict[str, pa.Table], as_of: date, days: int
) -> dict[tuple[int, int], float]:
    """Average daily quantity delivered to customers over the `days` ending on `as_of`."""
    internal = _location_warehouses(tables)
    usage = _usages(tables)
    first = as_of - timedelta(days=days - 1)
    total: dict[tuple[int, int], float] = defaultdict(float)
    for move in _rows(tables, "stock_move"):
        wh = internal.get(move["location_id"])
        if move["state"] != "done" or wh is None:
            continue
        if usage.get(move["location_dest_id"]) != "customer":
            continue
        if first <= move["date"].date() <= as_of:
            total[(move["product_id"], wh)] += move["product_qty"]
    return {key: qty / days for key, qty in total.items()}


# --- the tests --------------------------------------------------------------------------


def test_operations_marts_on_simulated_company(
    warehouse: Warehouse, dbt_runner, small_store, small_company_tables
) -> None:
    tables = store_tables(small_store)
    load_tables(warehouse, tables)
    _build(warehouse, dbt_runner)
    truth = small_company_tables.ground_truth
    as_of = small_company_tables.as_of

    # Stock levels equal the raw quants and open moves, per product and warehouse.
    expected_levels = _python_levels(tables)
    levels = {
        (r["product_id"], r["warehouse_id"]): r
        for r in query(warehouse, "select * from operations.fct_stock_levels")
    }
    assert sum(v["on_hand"] for v in expected_levels.values()) > 0
    assert set(levels) == set(expected_levels)
    for key, want in expected_levels.items():
        got = levels[key]
        assert float(got["on_hand_qty"]) == pytest.approx(want["on_hand"]), key
        assert float(got["reserved_qty"]) == pytest.approx(want["reserved"]), key
        assert float(got["incoming_qty"]) == pytest.approx(want["incoming"]), key

    # The as-of date defaults to the latest day in the data: the simulator's as-of.
    cover = {
        (r["product_id"], r["warehouse_id"]): r
        for r in query(warehouse, "select * from operations.fct_stock_cover")
    }
    assert {r["as_of_date"] for r in cover.values()} == {as_of}

    # Stock-out arithmetic: as-of + floor((on hand + incoming) / the higher of the 90- and
    # 30-day delivery rates), recomputed from the raw rows for every product with demand.
    rate_90 = _python_daily_demand(tables, as_of, 90)
    rate_30 = _python_daily_demand(tables, as_of, 30)
    checked = 0
    for key, row in cover.items():
        rate = max(rate_90.get(key, 0.0), rate_30.get(key, 0.0))
        if rate == 0:
            assert row["days_of_cover"] is None and row["estimated_stockout_date"] is None, key
            assert row["is_stockout_within_lead_time"] is False, key
            continue
        stock = expected_levels.get(key, {"on_hand": 0.0, "incoming": 0.0})
        days = math.floor((stock["on_hand"] + stock["incoming"]) / rate)
        assert float(row["daily_demand"]) == pytest.approx(rate, abs=1e-4), key
        assert row["estimated_stockout_date"] == as_of + timedelta(days=days), key
        checked += 1
    assert checked >= 10

    # Every scenario stock-out product is flagged: it runs out before a purchase placed on
    # the as-of date could arrive, with the vendor's lead time as the simulator drew it.
    stockouts = truth["scenarios"]["stockout_products"]
    assert stockouts
    for product in stockouts:
        row = cover[(product["product_id"], product["warehouse_id"])]
        assert row["is_stockout_within_lead_time"] is True, product
        assert row["lead_time_days"] == product["lead_time_days"], product
        assert float(row["on_hand_qty"]) == product["on_hand"], product
        key = (product["product_id"], product["warehouse_id"])
        assert max(rate_90.get(key, 0.0), rate_30.get(key, 0.0)) == pytest.approx(
            product["daily_demand"], abs=1e-3
        ), product
        stockout = row["estimated_stockout_date"]
        assert stockout < as_of + timedelta(days=product["lead_time_days"]), product
        # The truth also subtracts deliveries already promised, so it can only be earlier.
        assert stockout >= date.fromisoformat(product["estimated_stockout_date"]), product

    # Rising demand that is replenished normally is not a stock-out risk anywhere.
    warehouses = {
        w["company_id"]: w["id"]
        for w in query(warehouse, "select id, company_id from raw_odoo.stock_warehouse")
    }
    controls = truth["controls"]["rising_demand_replenished"]
    assert controls
    for product in controls:
        row = cover[(product["product_id"], warehouses[product["company_id"]])]
        assert row["has_demand"] is True, product
        assert row["is_stockout_within_lead_time"] is False, product
    flagged = {key for key, row in cover.items() if row["is_stockout_within_lead_time"]}
    assert flagged == {(p["product_id"], p["warehouse_id"]) for p in stockouts}

    # Reorder points: below the minimum exactly when the forecast (on hand + incoming -
    # outgoing) is, against the raw orderpoints.
    points = {
        r["orderpoint_id"]: r
        for r in query(warehouse, "select * from operations.fct_reorder_points")
    }
    raw_points = _rows(tables, "stock_warehouse_orderpoint")
    assert raw_points and set(points) == {p["id"] for p in raw_points}
    for point in raw_points:
        level = levels.get((point["product_id"], point["warehouse_id"]))
        forecast = float(level["forecast_qty"]) if level else 0.0
        assert points[point["id"]]["is_below_reorder_point"] is (
            forecast < point["product_min_qty"]
        )

    _assert_supplier_performance(warehouse, truth)
    _assert_fulfilments(warehouse, tables)


def _assert_supplier_performance(warehouse: Warehouse, truth: dict[str, Any]) -> None:
    late = {s["partner_id"]: s for s in truth["scenarios"]["late_suppliers"]}
    one_late = set(truth["controls"]["one_late_receipt_vendors"])
    assert late and one_late

    # Receipts reconcile with the truth over the whole history: count and mean days late.
    receipts = query(
        warehouse,
        "select partner_id, count(*) as n, avg(cast(days_late as double precision)) as late"
        " from operations.fct_purchase_receipts group by partner_id",
    )
    by_vendor = {r["partner_id"]: r for r in receipts}
    for vendor, want in late.items():
        assert by_vendor[vendor]["n"] == want["receipts"], vendor
        assert round(float(by_vendor[vendor]["late"]), 1) == want["mean_days_late"], vendor

    rows = query(
        warehouse, "select * from operations.fct_supplier_performance order by on_time_rank"
    )
    ranked = [r["partner_id"] for r in rows]
    # The late suppliers are the worst-ranked vendors, below every other one on on-time rate.
    assert set(ranked[: len(late)]) == set(late), ranked
    worst_other = min(float(r["on_time_rate"]) for r in rows if r["partner_id"] not in late)
    for row in rows:
        if row["partner_id"] in late:
            assert float(row["on_time_rate"]) < worst_other, row
            assert row["is_chronically_late"] is True, row
    # One late receipt is not a pattern; nor is anyone else chronically late.
    for row in rows:
        if row["partner_id"] in one_late:
            assert row["is_chronically_late"] is False, row
            assert row["on_time_rank"] > len(late), row
            assert float(row["avg_days_late"]) < min(s["mean_days_late"] for s in late.values())
    assert {r["partner_id"] for r in rows if r["is_chronically_late"]} == set(late)


def _assert_fulfilments(warehouse: Warehouse, tables: dict[str, pa.Table]) -> None:
    """Confirmation to last delivery, in UTC days, against the raw orders and pickings."""
    usage = _usages(tables)
    done: dict[int, list[date]] = defaultdict(list)
    still_open: set[int] = set()
    for picking in _rows(tables, "stock_picking"):
        if picking["sale_id"] is None or usage.get(picking["location_dest_id"]) != "customer":
            continue
        if picking["state"] == "done":
            done[picking["sale_id"]].append(picking["date_done"].date())
        elif picking["state"] in OPEN_STATES:
            still_open.add(picking["sale_id"])
    orders = {o["id"]: o for o in _rows(tables, "sale_order") if o["state"] in ("sale", "done")}
    expected = {
        sid: (max(days) - orders[sid]["date_order"].date()).days
        for sid, days in done.items()
        if sid in orders and sid not in still_open
    }
    rows = query(warehouse, "select * from operations.fct_order_fulfilments")
    got = {r["sale_order_id"]: r["fulfilment_days"] for r in rows if r["is_fully_delivered"]}
    assert len(expected) > 100
    assert got == expected
    assert {r["sale_order_id"] for r in rows if not r["is_fully_delivered"]} == (
        still_open & set(orders)
    )


def test_demand_window_and_as_of_vars(
    warehouse: Warehouse, dbt_runner, small_store, small_company_tables
) -> None:
    """With a 30-day window and no recent-rate guard the daily demand is the simulator's own
    30-day rate; an earlier as-of date moves the window and ignores later deliveries."""
    tables = store_tables(small_store)
    load_tables(warehouse, tables)
    as_of = small_company_tables.as_of - timedelta(days=45)
    _build(
        warehouse,
        dbt_runner,
        {
            "demand_window_days": 30,
            "demand_recent_window_days": 0,
            "operations_as_of": as_of.isoformat(),
        },
    )
    expected = _python_daily_demand(tables, as_of, 30)
    rows = query(
        warehouse,
        "select product_id, warehouse_id, as_of_date, window_daily_demand, daily_demand,"
        " recent_daily_demand from operations.fct_stock_cover",
    )
    assert {r["as_of_date"] for r in rows} == {as_of}
    with_demand = 0
    for row in rows:
        want = expected.get((row["product_id"], row["warehouse_id"]), 0.0)
        assert row["recent_daily_demand"] is None
        assert float(row["daily_demand"]) == pytest.approx(want, abs=1e-4), row
        with_demand += want > 0
    assert with_demand >= 10
