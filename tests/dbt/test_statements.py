"""The financial statements (marts/finance/statements) reconciled to Odoo.

* the trial balance equals Odoo's posted journal items grouped by company and account,
  read through the project's own client over HTTP from the simulated company, and grouped
  from the recorded real Odoo 19 records;
* every company's balance sheet balances at every month end; the P&L's net profit is the
  change in current-year earnings; the cash-flow statement's net change is the cash
  position mart's change; the translated statements use Odoo's rates.

The simulated company's marts come from the shared ``small_marts`` build and the recorded
data's from test_dbt_build's full build (no dbt run of their own).
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.warehouse import Warehouse
from tests.dbt.conftest import query
from tests.dbt.raw_loader import RECORDINGS

pytestmark = pytest.mark.integration

CENT = Decimal("0.005")


def _d(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _id(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) else value


def _group_by_account(lines: list[dict[str, Any]]) -> dict[tuple[int, int], dict[str, Decimal]]:
    """What ``read_group(domain, ['debit:sum', 'credit:sum', 'balance:sum'],
    ['company_id', 'account_id'])`` answers for these journal items."""
    groups: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(
        lambda: {
            "debit": Decimal(0),
            "credit": Decimal(0),
            "balance": Decimal(0),
            "count": Decimal(0),
        }
    )
    for line in lines:
        if not _id(line["account_id"]):
            continue
        group = groups[(_id(line["company_id"]), _id(line["account_id"]))]
        for name in ("debit", "credit", "balance"):
            group[name] += _d(line[name])
        group["count"] += 1
    return dict(groups)


def _trial_balance_to_date(warehouse: Warehouse) -> dict[tuple[int, int], dict[str, Decimal]]:
    rows = query(
        warehouse,
        """
        select company_id, account_id,
               sum(debit) as debit, sum(credit) as credit,
               max(case when period_month_date = last_month then closing_balance end) as closing,
               sum(line_count) as line_count,
               sum(case when period_month_date = first_month then opening_balance end) as opening
        from (
            select *,
                   max(period_month_date) over (partition by company_id, account_id) as last_month,
                   min(period_month_date) over (partition by company_id, account_id) as first_month
            from finance.fct_trial_balance_monthly
        ) as tb
        group by 1, 2
        """,
    )
    return {
        (r["company_id"], r["account_id"]): {
            "debit": _d(r["debit"]),
            "credit": _d(r["credit"]),
            "balance": _d(r["closing"]),
            "count": Decimal(int(r["line_count"])),
            "opening": _d(r["opening"]),
        }
        for r in rows
    }


def _assert_trial_balance_matches(
    expected: dict[tuple[int, int], dict[str, Decimal]],
    actual: dict[tuple[int, int], dict[str, Decimal]],
) -> None:
    assert set(actual) == set(expected)
    for key, group in expected.items():
        row = actual[key]
        assert row["opening"] == 0, key
        assert row["count"] == group["count"], key
        for name in ("debit", "credit", "balance"):
            assert abs(row[name] - group[name]) < CENT, (key, name, row[name], group[name])


# --- the simulated company, read through the project's client -------------------------------


@pytest.fixture(scope="module", params=[19, 17], ids=["odoo19-json2", "odoo17-jsonrpc"])
def sim_client(request, small_company_tables) -> Iterator[OdooClient]:
    """The project's client on the simulated company posing as Odoo 19 (JSON-2, which answers
    ``formatted_read_group``) and as Odoo 17 (JSON-RPC, ``read_group`` only)."""
    from simulator.server import SimulatorServer
    from simulator.store import OdooStore
    from simulator.versions import ODOO_17, ODOO_19

    store = OdooStore(
        tables=copy.deepcopy(small_company_tables.tables), now=small_company_tables.now
    )
    version = ODOO_19 if request.param == 19 else ODOO_17
    server = SimulatorServer(store, version=version).start()
    config = OdooConfig(
        url=server.url,
        db=store.db,
        username="admin",
        api_key=store.api_key_for("admin"),
        transport="json2" if request.param == 19 else "jsonrpc",
        max_retries=1,
        backoff_base=0.01,
    )
    try:
        with OdooClient(config) as client:
            client.connect()
            yield client
    finally:
        server.stop()


def _companies(client: OdooClient) -> list[int]:
    return [c["id"] for c in client.search_read("res.company", [], ["id"], load="")]


def _server_trial_balance(
    client: OdooClient, companies: list[int]
) -> dict[tuple[int, int], dict[str, Decimal]]:
    """The server's own totals: posted journal items grouped by company and account."""
    groups = client.read_group(
        "account.move.line",
        [["parent_state", "=", "posted"]],
        ["company_id", "account_id"],
        ["debit:sum", "credit:sum", "balance:sum"],
        context={"allowed_company_ids": companies},
    )
    return {
        (_id(g["company_id"]), _id(g["account_id"])): {
            "debit": _d(g["debit:sum"]),
            "credit": _d(g["credit:sum"]),
            "balance": _d(g["balance:sum"]),
            "count": Decimal(int(g["__count"])),
        }
        for g in groups
        if g["account_id"]
    }


def test_trial_balance_equals_odoos_read_group_by_account_on_the_simulator(
    small_marts, sim_client: OdooClient
) -> None:
    companies = _companies(sim_client)
    assert len(companies) == 2
    expected = _server_trial_balance(sim_client, companies)
    assert len(expected) > 20
    assert sum(g["count"] for g in expected.values()) > 1000
    warehouse = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    _assert_trial_balance_matches(expected, _trial_balance_to_date(warehouse))
    # every month: opening + debit - credit = closing, and the next month opens at it
    broken = query(
        warehouse,
        """
        select count(*) as n from (
            select *, lag(closing_balance) over (
                partition by company_id, account_id order by period_month_date) as previous_closing
            from finance.fct_trial_balance_monthly
        ) as tb
        where abs(opening_balance + debit - credit - closing_balance) >= 0.005
           or abs(opening_balance - coalesce(previous_closing, 0)) >= 0.005
        """,
    )
    assert broken[0]["n"] == 0


def test_the_servers_grouping_equals_the_items_it_serves(sim_client: OdooClient) -> None:
    """The simulator's read_group / formatted_read_group against its own search_read, so the
    reconciliation above compares the marts with an independent computation."""
    companies = _companies(sim_client)
    lines = sim_client.search_read(
        "account.move.line",
        [["parent_state", "=", "posted"]],
        ["company_id", "account_id", "debit", "credit", "balance"],
        load="",
        context={"allowed_company_ids": companies},
    )
    assert _server_trial_balance(sim_client, companies) == _group_by_account(lines)


# --- the recorded real Odoo 19 records ------------------------------------------------------


def assert_statements_reconcile_to_recorded_odoo19(warehouse: Warehouse) -> None:
    """On a warehouse built from the recorded real Odoo 19 records (called by
    test_dbt_build's full build of them, on DuckDB and PostgreSQL, to spare a dbt run): the
    trial balance equals the posted journal items grouped by company and account, the
    balance sheets balance and net profit is the change in current-year earnings."""
    records = json.loads((RECORDINGS / "records" / "account.move.line.json").read_text())
    posted = [r for r in records if r["parent_state"] == "posted"]
    assert posted
    _assert_trial_balance_matches(_group_by_account(posted), _trial_balance_to_date(warehouse))
    _assert_balance_sheets_balance(warehouse, min_companies=2)
    _assert_net_profit_is_the_change_in_current_year_earnings(warehouse)


# --- statements on the simulated company ----------------------------------------------------


@pytest.fixture(scope="module")
def sim_warehouse(small_marts) -> Warehouse:
    return Warehouse.from_url(f"duckdb:///{small_marts.path}")


def _assert_balance_sheets_balance(warehouse: Warehouse, min_companies: int) -> None:
    rows = query(
        warehouse,
        """
        select company_id, as_of_date,
               sum(case when line_code = 'total_assets' then amount end) as assets,
               sum(case when line_code = 'total_liabilities' then amount end) as liabilities,
               sum(case when line_code = 'total_equity' then amount end) as equity,
               sum(case when section_code = 'assets' and not is_total then amount end) as asset_lines
        from finance.fct_balance_sheet_monthly
        group by 1, 2
        """,
    )
    assert len({r["company_id"] for r in rows}) >= min_companies
    for r in rows:
        assert abs(_d(r["assets"]) - _d(r["liabilities"]) - _d(r["equity"])) < CENT, r
        assert abs(_d(r["assets"]) - _d(r["asset_lines"])) < CENT, r


def _assert_net_profit_is_the_change_in_current_year_earnings(warehouse: Warehouse) -> None:
    earnings = query(
        warehouse,
        """
        select bs.company_id, bs.period_month_date, fm.fiscal_year_start_date, bs.amount
        from finance.fct_balance_sheet_monthly as bs
        inner join finance.dim_fiscal_months as fm
            on bs.company_id = fm.company_id and bs.period_month_date = fm.period_month_date
        where bs.line_code = 'current_year_earnings'
        """,
    )
    allocated = {
        (r["company_id"], r["period_month_date"]): _d(r["movement"])
        for r in query(
            warehouse,
            """
            select company_id, period_month_date, sum(-net_movement) as movement
            from finance.fct_trial_balance_monthly
            where account_type = 'equity_unaffected'
            group by 1, 2
            """,
        )
    }
    net_profit = {
        (r["company_id"], r["period_start_date"]): _d(r["amount"])
        for r in query(
            warehouse,
            "select company_id, period_start_date, amount from finance.fct_profit_and_loss "
            "where period_grain = 'month' and line_code = 'net_profit'",
        )
    }
    cye = {(r["company_id"], r["period_month_date"]): r for r in earnings}
    checked = 0
    for (company, month), row in cye.items():
        previous_month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        opening = (
            Decimal(0)
            if month == row["fiscal_year_start_date"]
            else _d(cye.get((company, previous_month), {"amount": 0})["amount"])
        )
        change = _d(row["amount"]) - opening - allocated.get((company, month), Decimal(0))
        assert abs(change - net_profit[(company, month)]) < CENT, (company, month)
        checked += 1
    assert checked == len(net_profit)
    # the fiscal-year grain: the year's net profit is the earnings at its last month
    years = query(
        warehouse,
        """
        select pl.company_id, pl.amount, bs.amount as earnings
        from finance.fct_profit_and_loss as pl
        inner join finance.fct_balance_sheet_monthly as bs
            on pl.company_id = bs.company_id
            and bs.as_of_date = pl.period_end_date
            and bs.line_code = 'current_year_earnings'
        where pl.period_grain = 'fiscal_year' and pl.line_code = 'net_profit'
        """,
    )
    assert years
    unaffected = query(
        warehouse,
        "select count(*) as n from finance.fct_trial_balance_monthly "
        "where account_type = 'equity_unaffected' and net_movement <> 0",
    )[0]["n"]
    if unaffected == 0:
        for r in years:
            assert abs(_d(r["amount"]) - _d(r["earnings"])) < CENT, r


def test_balance_sheet_balances_for_every_company_and_month(sim_warehouse: Warehouse) -> None:
    _assert_balance_sheets_balance(sim_warehouse, min_companies=2)
    months = query(
        sim_warehouse,
        "select count(distinct as_of_date) as n from finance.fct_balance_sheet_monthly",
    )[0]["n"]
    assert months >= 12


def test_net_profit_is_the_change_in_current_year_earnings(sim_warehouse: Warehouse) -> None:
    _assert_net_profit_is_the_change_in_current_year_earnings(sim_warehouse)
    # quarters and fiscal years add up their months; comparisons point at the right period
    rows = query(
        sim_warehouse,
        """
        select p.company_id, p.period_grain, p.period_start_date, p.amount,
               p.previous_period_amount, p.last_year_amount,
               (select sum(m.amount) from finance.fct_profit_and_loss as m
                where m.company_id = p.company_id and m.period_grain = 'month'
                  and m.line_code = p.line_code
                  and m.period_start_date between p.period_start_date and p.period_end_date)
                 as months_sum
        from finance.fct_profit_and_loss as p
        where p.line_code = 'net_profit'
        """,
    )
    by_key = {(r["company_id"], r["period_grain"], r["period_start_date"]): r for r in rows}
    for r in rows:
        assert abs(_d(r["amount"]) - _d(r["months_sum"])) < CENT, r
        ly_start = date(r["period_start_date"].year - 1, r["period_start_date"].month, 1)
        last_year = by_key.get((r["company_id"], r["period_grain"], ly_start))
        if last_year is not None:
            assert r["last_year_amount"] == last_year["amount"]
        else:
            assert r["last_year_amount"] is None


def test_cash_flow_net_change_equals_the_cash_position_change(sim_warehouse: Warehouse) -> None:
    statement = query(
        sim_warehouse,
        """
        select company_id, period_month_date, method, amount
        from finance.fct_cash_flow_statement_monthly
        where line_code = 'net_change_in_cash'
        """,
    )
    flows = {
        (r["company_id"], r["period_month_date"]): _d(r["net_cash_flow"])
        for r in query(sim_warehouse, "select * from finance.fct_cash_flows_monthly")
    }
    assert {r["method"] for r in statement} == {"direct", "indirect"}
    for r in statement:
        mart = flows.get((r["company_id"], r["period_month_date"]), Decimal(0))
        assert abs(_d(r["amount"]) - mart) < CENT, r
    # and all months together are the cash position at the report date
    position = {
        r["company_id"]: _d(r["cash"])
        for r in query(
            sim_warehouse,
            "select company_id, sum(balance) as cash from finance.fct_cash_position group by 1",
        )
    }
    total: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for r in statement:
        total[(r["company_id"], r["method"])] += _d(r["amount"])
    assert position
    for (company, _method), change in total.items():
        assert abs(change - position[company]) < CENT, (company, change, position[company])
    # the indirect method has depreciation added back and working capital moving
    moving = query(
        sim_warehouse,
        "select line_code, sum(abs(amount)) as moved from finance.fct_cash_flow_statement_monthly "
        "where method = 'indirect' group by 1",
    )
    moved = {r["line_code"]: _d(r["moved"]) for r in moving}
    assert moved["depreciation"] > 0 and moved["receivables"] > 0 and moved["payables"] > 0


def test_translation_uses_odoo_rates_and_the_group_balances(
    sim_warehouse: Warehouse, small_company_tables
) -> None:
    rates = small_company_tables.tables["res.currency.rate"].values()
    companies = {
        r["company_id"]: r
        for r in query(sim_warehouse, "select * from finance.fct_reporting_currency_rates_monthly")
    }
    assert {r["company_currency_id"] for r in companies.values()} == {1, 2}
    eur_company = next(c for c, r in companies.items() if r["company_currency_id"] == 2)
    month_ends = query(
        sim_warehouse,
        f"select period_month_date, closing_rate from finance.fct_reporting_currency_rates_monthly "
        f"where company_id = {eur_company}",
    )
    for row in month_ends:
        month: date = row["period_month_date"]
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        usd = [
            r
            for r in rates
            if r["company_id"] == eur_company
            and r["currency_id"] == 1
            and date.fromisoformat(str(r["name"])[:10]) < end
        ]
        if not usd:
            continue
        latest = max(usd, key=lambda r: str(r["name"]))
        assert abs(float(row["closing_rate"]) - latest["rate"]) < 1e-9, month
    translated = query(
        sim_warehouse,
        """
        select period_month_date, line_code, sum(amount) as amount,
               sum(case when company_currency_id = 2 then amount end) as eur_company_amount
        from finance.fct_statements_translated_monthly
        where statement = 'balance_sheet'
        group by 1, 2
        """,
    )
    consolidated = {
        (r["period_month_date"], r["line_code"]): _d(r["amount"])
        for r in query(
            sim_warehouse,
            "select * from finance.fct_consolidated_statements_monthly "
            "where statement = 'balance_sheet'",
        )
    }
    differences = [
        _d(r["eur_company_amount"])
        for r in translated
        if r["line_code"] == "translation_difference"
    ]
    assert any(abs(d) > 1 for d in differences), "a EUR company reporting in USD has one"
    per_month: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for r in translated:
        assert abs(consolidated[(r["period_month_date"], r["line_code"])] - _d(r["amount"])) < CENT
        per_month[r["period_month_date"]][r["line_code"]] = _d(r["amount"])
    for month, lines in per_month.items():
        assert (
            abs(lines["total_assets"] - lines["total_liabilities"] - lines["total_equity"]) < CENT
        ), month


def test_kpis_follow_from_the_statements(sim_warehouse: Warehouse) -> None:
    kpis = query(
        sim_warehouse,
        """
        select k.company_id, k.period_month_date, k.kpi_code, k.kpi_value, k.previous_month_value
        from finance.fct_financial_kpis_monthly as k
        where k.kpi_code in ('gross_margin', 'current_ratio', 'working_capital')
        """,
    )
    pnl = {
        (r["company_id"], r["period_start_date"], r["line_code"]): _d(r["amount"])
        for r in query(
            sim_warehouse,
            "select * from finance.fct_profit_and_loss where period_grain = 'month'",
        )
    }
    bs = {
        (r["company_id"], r["period_month_date"], r["line_code"]): _d(r["amount"])
        for r in query(sim_warehouse, "select * from finance.fct_balance_sheet_monthly")
    }
    checked = 0
    for r in kpis:
        key = (r["company_id"], r["period_month_date"])
        if r["kpi_code"] == "gross_margin" and pnl[(*key, "operating_income")] != 0:
            expected = pnl[(*key, "gross_profit")] / pnl[(*key, "operating_income")]
            assert abs(Decimal(str(r["kpi_value"])) - expected) < Decimal("1e-6")
            checked += 1
        if r["kpi_code"] == "working_capital":
            expected = bs[(*key, "total_current_assets")] - bs[(*key, "total_current_liabilities")]
            assert abs(Decimal(str(r["kpi_value"])) - expected) < CENT
            checked += 1
    assert checked > 20
