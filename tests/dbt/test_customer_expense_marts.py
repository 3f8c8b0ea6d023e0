"""The customer and expense marts on the small simulated company, on DuckDB and PostgreSQL,
graded against the simulator's scenario ground truth and against independent recomputations
from the simulated Odoo's own records (not from the warehouse)."""

from __future__ import annotations

import copy
import itertools
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from odoo_api.warehouse import Warehouse
from tests.conftest import PG_ADMIN_DSN
from tests.dbt.conftest import query, run_dbt
from tests.dbt.raw_loader import load_tables, store_tables

pytestmark = pytest.mark.integration

MARTS = (
    "+fct_customer_features_monthly",
    "+dim_customers",
    "+fct_expense_spend_monthly",
    "+fct_expense_duplicate_candidates",
)
WINDOW_DAYS = 7  # expense_duplicate_window_days, the project default


@dataclass
class BuiltMarts:
    warehouse: Warehouse
    store: Any
    ground_truth: dict[str, Any]


def _postgres_database() -> Iterator[Warehouse]:
    import psycopg2

    try:
        admin = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: start it (see README): {exc}")
    admin.autocommit = True
    name = f"coo_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    try:
        yield Warehouse.from_url(f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}")
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,)
            )
            cur.execute(f'drop database if exists "{name}"')
        admin.close()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def marts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, small_company_tables
) -> Iterator[BuiltMarts]:
    """The customer and expense marts built once per warehouse kind (a dbt build of the
    marts and everything upstream takes most of this module's time)."""
    from simulator.store import OdooStore

    store = OdooStore(
        tables=copy.deepcopy(small_company_tables.tables), now=small_company_tables.now
    )
    work = tmp_path_factory.mktemp(f"marts_{request.param}")
    if request.param == "duckdb":
        warehouses: Iterator[Warehouse] = iter(
            [Warehouse.from_url(f"duckdb:///{work / 'warehouse.duckdb'}")]
        )
    else:
        warehouses = _postgres_database()
    warehouse = next(warehouses)
    try:
        load_tables(warehouse, store_tables(store))
        run = run_dbt(
            warehouse,
            ["build", "--select", *MARTS, "--indirect-selection", "cautious"],
            Path(work) / "dbt",
        )
        assert run.returncode == 0, run.output[-6000:]
        assert "ERROR=0" in run.output
        yield BuiltMarts(warehouse, store, small_company_tables.ground_truth)
    finally:
        for _ in warehouses:  # finish the generator: drops the PostgreSQL database
            pass


def _records(store: Any, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
    return store.search_read(model, domain, fields, load="", context={"active_test": False})


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _month(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- expenses -------------------------------------------------------------------------------


def test_every_duplicate_pair_is_found_and_no_recurring_monthly_pair(marts: BuiltMarts) -> None:
    pairs = query(marts.warehouse, "select * from expenses.fct_expense_duplicate_candidates")
    found = {(r["expense_id"], r["duplicate_expense_id"]) for r in pairs}
    expected = {
        tuple(sorted(d["expense_ids"]))
        for d in marts.ground_truth["scenarios"]["duplicate_expenses"]
    }
    assert expected, "the simulated company should carry duplicate expenses"
    assert expected <= found, f"missed duplicates: {expected - found}"
    for row in pairs:
        assert 0 <= row["days_apart"] <= WINDOW_DAYS
        assert row["expense_id"] != row["duplicate_expense_id"]
        assert row["reason"].startswith("same employee, category and amount")

    # The control: the same phone amount claimed every month by the same employee.
    expenses = _records(
        marts.store,
        "hr.expense",
        [],
        ["id", "employee_id", "product_id", "total_amount_currency", "date"],
    )
    series: dict[tuple[Any, Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for e in expenses:
        series[(e["employee_id"], e["product_id"], e["total_amount_currency"])].append(e)
    recurring = {
        key: rows
        for key, rows in series.items()
        if len({_month(_as_date(r["date"])) for r in rows}) >= 6
    }
    assert recurring, "the simulated company should carry monthly recurring expenses"
    recurring_ids = {r["id"] for rows in recurring.values() for r in rows}
    control_pairs = 0
    for rows in recurring.values():
        ordered = sorted(rows, key=lambda r: _as_date(r["date"]))
        for first, second in itertools.pairwise(ordered):
            if (_as_date(second["date"]) - _as_date(first["date"])).days > WINDOW_DAYS:
                control_pairs += 1
                assert (min(first["id"], second["id"]), max(first["id"], second["id"])) not in found
    assert control_pairs > 10
    flagged_recurring = [
        p for p in pairs if p["expense_id"] in recurring_ids and p["days_apart"] > WINDOW_DAYS
    ]
    assert not flagged_recurring


def test_expense_spend_reconciles_and_flags_over_limit(marts: BuiltMarts) -> None:
    expenses = _records(
        marts.store,
        "hr.expense",
        [("state", "not in", ["draft", "refused"])],
        ["id", "employee_id", "product_id", "total_amount", "date"],
    )
    expected: dict[tuple[Any, Any, date], Decimal] = defaultdict(Decimal)
    for e in expenses:
        key = (e["employee_id"], e["product_id"], _month(_as_date(e["date"])))
        expected[key] += Decimal(str(e["total_amount"]))
    rows = query(marts.warehouse, "select * from expenses.fct_expense_spend_monthly")
    actual = {
        (r["employee_id"], r["product_id"], _as_date(r["expense_month_date"])): r for r in rows
    }
    assert set(actual) == set(expected)
    for key, amount in expected.items():
        assert abs(Decimal(str(actual[key]["amount"])) - amount) < Decimal("0.01"), key
    over = [r for r in rows if r["is_over_limit"]]
    assert over, "the seed policy should catch some months over the limit"
    for r in rows:
        if r["has_policy"]:
            assert r["is_over_limit"] == (r["amount"] > r["monthly_limit"])
        else:
            assert not r["is_over_limit"]


# --- customers ------------------------------------------------------------------------------


def test_monetary_value_equals_python_recompute(marts: BuiltMarts) -> None:
    invoices = _records(
        marts.store,
        "account.move",
        [("state", "=", "posted"), ("move_type", "in", ["out_invoice", "out_refund"])],
        [
            "commercial_partner_id",
            "partner_id",
            "company_id",
            "invoice_date",
            "amount_untaxed_signed",
        ],
    )
    rows = query(
        marts.warehouse,
        "select company_id, partner_id, period_month_date, as_of_date, revenue_3m, revenue_12m "
        "from customers.fct_customer_features_monthly",
    )
    as_of = _as_date(rows[0]["as_of_date"])
    checked = 0
    for row in rows:
        month = _as_date(row["period_month_date"])
        for months, column in ((3, "revenue_3m"), (12, "revenue_12m")):
            start = _add_months(month, -(months - 1))
            want = sum(
                (
                    Decimal(str(m["amount_untaxed_signed"] or 0))
                    for m in invoices
                    if (m["commercial_partner_id"] or m["partner_id"]) == row["partner_id"]
                    and m["company_id"] == row["company_id"]
                    and start <= _as_date(m["invoice_date"]) < _add_months(month, 1)
                    and _as_date(m["invoice_date"]) <= as_of
                ),
                Decimal(0),
            )
            got = Decimal(str(row[column]))
            assert abs(got - want) < Decimal("0.01"), (row["partner_id"], month, column)
            checked += want != 0
    assert checked > 100, "too few customer months with revenue: the test would prove little"


def test_churned_customers_stop_ordering_and_score_below_the_median(marts: BuiltMarts) -> None:
    churned = marts.ground_truth["scenarios"]["churned_customers"]
    assert churned
    orders = _records(
        marts.store,
        "sale.order",
        [("state", "in", ["sale", "done"])],
        ["partner_id", "company_id", "date_order"],
    )
    features = query(
        marts.warehouse,
        "select company_id, partner_id, period_month_date, orders_next_90d "
        "from customers.fct_customer_features_monthly",
    )
    customers = query(marts.warehouse, "select * from customers.dim_customers")
    median = statistics.median(c["health_score"] for c in customers)
    scores = {(c["company_id"], c["partner_id"]): c for c in customers}
    labelled = 0
    for c in churned:
        last = max(
            _as_date(o["date_order"])
            for o in orders
            if o["partner_id"] == c["partner_id"] and o["company_id"] == c["company_id"]
        )
        # the order is confirmed (date_order) a few days after the scenario's planned date
        assert timedelta(0) <= last - date.fromisoformat(c["last_order_date"]) <= timedelta(15)
        after = [
            f
            for f in features
            if f["partner_id"] == c["partner_id"]
            and f["company_id"] == c["company_id"]
            and _as_date(f["period_month_date"]) >= _month(last)
        ]
        assert after, c
        for f in after:
            if f["orders_next_90d"] is not None:
                labelled += 1
                assert f["orders_next_90d"] == 0, (c, f)
        customer = scores[(c["company_id"], c["partner_id"])]
        assert _as_date(customer["last_order_date"]) == last
        assert customer["health_score"] < median, (customer, median)
    assert labelled > 0, "no known label after a churned customer's last order"

    # Controls with a single quiet month keep a known, positive label somewhere after it.
    quiet = set(marts.ground_truth["controls"]["quiet_month_customers"])
    positive = {f["partner_id"] for f in features if (f["orders_next_90d"] or 0) > 0}
    assert quiet & positive


def test_late_payers_are_later_than_one_late_invoice_controls(marts: BuiltMarts) -> None:
    late = marts.ground_truth["scenarios"]["late_payers"]
    controls = set(marts.ground_truth["controls"]["one_late_invoice_customers"])
    customers = {
        c["partner_id"]: c
        for c in query(
            marts.warehouse,
            "select partner_id, avg_days_late, paid_invoice_count, payment_points "
            "from customers.dim_customers",
        )
    }
    late_delays = [
        float(customers[p["partner_id"]]["avg_days_late"])
        for p in late
        if p["partner_id"] in customers and customers[p["partner_id"]]["paid_invoice_count"]
    ]
    control_delays = [
        float(customers[p]["avg_days_late"])
        for p in controls
        if p in customers and customers[p]["avg_days_late"] is not None
    ]
    assert len(late_delays) == len(late)
    assert control_delays
    assert min(late_delays) > max(control_delays)
    for p in late:
        # same realised lateness as the simulator's own record of the payments
        assert abs(float(customers[p["partner_id"]]["avg_days_late"]) - p["mean_days_late"]) < 3
    late_points = max(float(customers[p["partner_id"]]["payment_points"]) for p in late)
    assert late_points < min(
        float(customers[p]["payment_points"]) for p in controls if p in customers
    )
