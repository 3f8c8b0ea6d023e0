"""The Financial statements page (AppTest) on the small company's marts: the figures are the
marts', the currency is the company's, the period picker, the drill-down to accounts and
journal items, and the group view with the translation difference."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from apps.streamlit.ui import money

pytestmark = pytest.mark.integration


def _one(path: Path, sql: str) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        assert row is not None
        return row
    finally:
        con.close()


def test_statements_of_the_euro_company_with_drill_down(dashboard_env, open_page):
    at = open_page("statements", company=2)
    start = _one(
        dashboard_env,
        "select max(period_start_date) from finance.fct_profit_and_loss "
        "where company_id = 2 and period_grain = 'month' and is_complete",
    )[0]
    net = _one(
        dashboard_env,
        "select amount from finance.fct_profit_and_loss where company_id = 2 "
        f"and period_grain = 'month' and period_start_date = '{start}' and line_code = 'net_profit'",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Net profit"] == money(net, "EUR")
    assets = _one(
        dashboard_env,
        "select amount from finance.fct_balance_sheet_monthly where company_id = 2 "
        f"and period_month_date = '{start}' and line_code = 'total_assets'",
    )[0]
    assert metrics["Total assets"] == money(assets, "EUR")
    assert metrics["Debit"] == metrics["Credit"]  # the trial balance of the period balances
    pnl = at.dataframe[0].value
    assert list(pnl["line_name"])[-1] == "Net profit"
    # the XLSX export holds every statement of the period

    xlsx = next(b for b in at.get("download_button") if b.proto.label.endswith("(XLSX)"))
    assert xlsx.proto.label == "Download all statements (XLSX)"

    # drill down: operating expenses -> its accounts -> one account's journal items
    at.selectbox(key="pnl_line").set_value("operating_expenses").run()
    assert not at.exception
    accounts = at.dataframe[1].value
    assert set(accounts["account_type"]) == {"expense"}
    account = int(at.selectbox(key="pnl_account").value)
    items = at.dataframe[2].value
    expected = _one(
        dashboard_env,
        "select count(*) from finance.fct_general_ledger where company_id = 2 "
        f"and account_id = {account} and period_month_date = '{start}'",
    )[0]
    assert len(items) == expected > 0

    # a fiscal year: the P&L adds the year's months
    at.segmented_control(key="statements_grain").set_value("fiscal_year").run()
    assert not at.exception
    year_start = _one(
        dashboard_env,
        "select max(period_start_date) from finance.fct_profit_and_loss "
        "where company_id = 2 and period_grain = 'fiscal_year' and is_complete",
    )[0]
    months_sum = _one(
        dashboard_env,
        "select sum(amount) from finance.fct_profit_and_loss where company_id = 2 "
        f"and period_grain = 'month' and period_start_date >= '{year_start}' "
        f"and period_start_date < cast('{year_start}' as date) + interval 12 month "
        "and line_code = 'net_profit'",
    )[0]
    assert {m.label: m.value for m in at.metric}["Net profit"] == money(months_sum, "EUR")


def test_group_view_in_the_reporting_currency(dashboard_env, open_page):
    at = open_page("statements", company=1)
    at.segmented_control(key="statements_scope").set_value("group").run()
    assert not at.exception
    assert any("Group in USD, 2 companies" in s.value for s in at.subheader)
    balance_sheet = at.dataframe[1].value
    assert "Translation difference" in set(balance_sheet["line_name"])


@pytest.mark.unit
def test_xlsx_export_round_trips_every_sheet() -> None:
    import io

    import pandas as pd

    from apps.streamlit.ui import xlsx_bytes

    pnl = pd.DataFrame({"line_name": ["Operating income", "Net profit"], "amount": [10.5, -2.25]})
    kpis = pd.DataFrame({"kpi_name": ["Gross margin"], "kpi_value": [0.4]})
    data = xlsx_bytes({"Profit and loss": pnl, "A sheet name longer than thirty-one chars": kpis})
    back = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(back) == ["Profit and loss", "A sheet name longer than thirty"]
    pd.testing.assert_frame_equal(back["Profit and loss"], pnl)
    pd.testing.assert_frame_equal(back["A sheet name longer than thirty"], kpis)
