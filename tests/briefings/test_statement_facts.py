"""The CFO briefing's figures from the financial statements (issue 20): month-to-date net
profit and gross margin against last month, and the account that moved profit most."""

from __future__ import annotations

import duckdb
import pytest

from alerts.sources import MartReader
from briefings.facts import ROLE_METRICS, company_metrics
from odoo_api.warehouse import Warehouse

pytestmark = pytest.mark.integration


def test_cfo_quotes_net_profit_gross_margin_and_the_account_behind_the_change(small_marts):
    with MartReader(Warehouse.from_url(f"duckdb:///{small_marts.path}")) as reader:
        metrics = company_metrics(reader, 2, "EUR")
    con = duckdb.connect(str(small_marts.path), read_only=True)
    try:
        months = con.execute(
            "select period_start_date, sum(case when line_code = 'net_profit' then amount end), "
            "sum(case when line_code = 'gross_profit' then amount end) "
            "/ sum(case when line_code = 'operating_income' then amount end) "
            "from finance.fct_profit_and_loss where company_id = 2 and period_grain = 'month' "
            "group by 1 order by 1 desc limit 2"
        ).fetchall()
        movers = con.execute(
            "select account_code, sum(case when period_month_date = ? then -net_movement "
            "else net_movement end) as change from finance.fct_trial_balance_monthly "
            "where company_id = 2 and statement = 'profit_and_loss' "
            "and period_month_date in (?, ?) group by 1 order by abs(change) desc",
            [months[0][0], months[0][0], months[1][0]],
        ).fetchall()
    finally:
        con.close()
    (_, net_now, margin_now), (_, net_before, margin_before) = months
    assert metrics["net_profit_mtd"]["value"] == pytest.approx(float(net_now), abs=0.01)
    assert metrics["net_profit_last_month"]["value"] == pytest.approx(float(net_before), abs=0.01)
    assert metrics["gross_margin_mtd"]["value"] == pytest.approx(100 * float(margin_now), abs=0.01)
    assert metrics["gross_margin_last_month"]["value"] == pytest.approx(
        100 * float(margin_before), abs=0.01
    )
    top = metrics["profit_change_top_account"]
    assert top["label"].startswith(
        f"Biggest change in profit vs last month: account {movers[0][0]}"
    )
    assert top["value"] == pytest.approx(float(movers[0][1]), abs=0.01)
    assert abs(top["value"]) >= abs(float(movers[1][1]))
    assert {"net_profit_mtd", "gross_margin_mtd", "profit_change_top_account"} <= set(
        ROLE_METRICS["cfo"]
    )
