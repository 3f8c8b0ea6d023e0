"""The agents' read tool for the financial statements (issue 20) and the KPI metrics."""

from __future__ import annotations

import duckdb
import pytest

from agents import tools
from odoo_api.errors import ConfigError
from odoo_api.warehouse import Warehouse

pytestmark = pytest.mark.integration


def test_financial_statement_tool_reads_the_statement_marts(small_marts):
    warehouse = Warehouse.from_url(f"duckdb:///{small_marts.path}")
    pnl = tools.financial_statement(warehouse, "profit_and_loss", 2, "2026-10", grain="quarter")
    assert pnl["period_start"] == "2026-10-01"
    assert [line["line_code"] for line in pnl["lines"]][-1] == "net_profit"
    con = duckdb.connect(str(small_marts.path), read_only=True)
    try:
        expected = con.execute(
            "select amount from finance.fct_profit_and_loss where company_id = 2 "
            "and period_grain = 'quarter' and period_start_date = '2026-10-01' "
            "and line_code = 'net_profit'"
        ).fetchone()[0]  # type: ignore[index]
        latest = con.execute(
            "select max(period_month_date) from finance.fct_balance_sheet_monthly "
            "where company_id = 1"
        ).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert float(pnl["lines"][-1]["amount"]) == pytest.approx(float(expected))

    sheet = tools.financial_statement(warehouse, "balance_sheet", 1)
    assert sheet["period_start"] == latest.isoformat()
    by_code = {line["line_code"]: float(line["amount"]) for line in sheet["lines"]}
    assert by_code["total_assets"] == pytest.approx(by_code["total_liabilities_and_equity"])

    history = tools.metric_history(warehouse, "gross_margin", company_id=1, months=6)
    assert len(history["points"]) == 6

    with pytest.raises(ConfigError, match="unknown statement 'pnl'"):
        tools.financial_statement(warehouse, "pnl", 1)
    with pytest.raises(ConfigError, match="is monthly"):
        tools.financial_statement(warehouse, "balance_sheet", 1, grain="quarter")
    with pytest.raises(ConfigError, match="not a month"):
        tools.financial_statement(warehouse, "kpis", 1, period="last month")


def test_statements_over_the_http_api(api) -> None:
    import httpx

    from orchestration.api_keys import create_key

    _, agent = create_key(api.state, "agent", "agent")
    headers = {"Authorization": f"Bearer {agent}"}
    with httpx.Client(base_url=api.url, timeout=30) as http:
        ok = http.get(
            "/api/v1/statements/profit_and_loss",
            params={"company_id": 2, "period": "2026-01", "grain": "fiscal_year"},
            headers=headers,
        )
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["period_start"] == "2026-01-01" and body["grain"] == "fiscal_year"
        assert body["lines"][-1]["line_code"] == "net_profit"
        unknown = http.get("/api/v1/statements/pnl", params={"company_id": 2}, headers=headers)
        assert unknown.status_code == 422
        assert "unknown statement 'pnl'" in unknown.json()["detail"]
        bad_period = http.get(
            "/api/v1/statements/kpis", params={"company_id": 2, "period": "May"}, headers=headers
        )
        assert bad_period.status_code == 422
        assert http.get("/api/v1/statements/kpis", params={"company_id": 2}).status_code == 401
