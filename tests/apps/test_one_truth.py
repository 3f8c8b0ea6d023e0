"""One truth (issue 19): for every company of the demo fixture, the Overview, the alerts and
the briefing show the same cash, runway (and the day cash runs out), AR overdue, pipeline and
customers at risk, each read from the marts."""

from __future__ import annotations

import duckdb
import pytest

from apps.streamlit.ui import money
from core.untrusted import md_text

pytestmark = pytest.mark.integration


def _mart(path, sql, *params):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()
    finally:
        con.close()


def test_overview_alerts_and_briefing_agree_for_every_company(dashboard_env, seeded, open_page):
    from briefings import service

    companies = [
        r[0]
        for r in duckdb.connect(str(dashboard_env), read_only=True)
        .execute("select company_id from core.dim_companies order by 1")
        .fetchall()
    ]
    assert len(companies) == 2
    alerts = service.list_alerts(seeded, status=["new"])
    briefings = service.list_briefings(seeded, limit=50)
    for company in companies:
        cash, runway, out_date, currency = _mart(
            dashboard_env,
            "select r.cash_balance, r.effective_runway_days, r.projected_cash_out_date, "
            "c.currency_code from finance.fct_cash_runway r "
            "join core.dim_companies c using (company_id) where company_id = ?",
            company,
        )
        overdue = _mart(
            dashboard_env,
            "select sum(residual_overdue) from finance.fct_receivable_aging where company_id = ?",
            company,
        )[0]
        pipeline = _mart(
            dashboard_env,
            "select sum(expected_revenue) from sales.fct_pipeline_by_stage where company_id = ?",
            company,
        )[0]
        at_risk, customers = _mart(
            dashboard_env,
            "select sum(case when health_band = 'at_risk' then 1 else 0 end), count(*) "
            "from customers.dim_customers where company_id = ?",
            company,
        )

        # the Overview
        at = open_page("overview", company=company)
        shown = {m.label: m for m in at.metric}
        assert shown["Cash"].value == money(cash, currency)
        runway_text = "cash lasts" if runway is None else f"{float(runway):,.0f} days"
        assert shown["Runway"].value == runway_text
        if out_date is not None:
            assert shown["Runway"].delta == f"cash runs out {out_date:%Y-%m-%d}"
        assert shown["AR overdue"].value == money(overdue, currency)
        assert shown["Pipeline"].value == money(pipeline, currency)
        assert shown["Customers at risk"].value == f"{at_risk} of {customers}"

        # the runway alert: raised exactly when the runway is short, with the same days
        runway_alerts = [
            a for a in alerts if a["family"] == "cash_runway" and a["company_id"] == company
        ]
        if runway is None or float(runway) >= 60:
            assert runway_alerts == []
        else:
            (alert,) = runway_alerts
            assert alert["title"].endswith(f"is {float(runway):.0f} days")
            assert alert["details"]["runway_days"] == pytest.approx(float(runway))
            assert alert["details"]["projected_cash_out_date"] == str(out_date)
            assert alert["details"]["cash_balance"] == pytest.approx(float(cash))
            # and the Overview leads with it
            assert any(md_text(alert["title"]) in m.value for m in at.markdown)

        # the briefings of every role that shows the figure
        written = [b for b in briefings if b["company_id"] == company]
        assert {b["role"] for b in written} >= {"ceo", "cfo"}
        for brief in written:
            facts = service.get_briefing(seeded, brief["id"])["facts"]
            metrics = {m["key"]: m for m in facts["metrics"]}
            expected = {
                "cash_balance": cash,
                "effective_runway_days": runway,
                "receivable_overdue": overdue,
                "pipeline_expected": pipeline,
                "customers_at_risk": at_risk,
            }
            for key, value in expected.items():
                if key not in metrics:
                    continue
                got = metrics[key]["value"]
                assert (got is None) == (value is None), (brief["role"], key)
                if value is not None:
                    assert got == pytest.approx(float(value), abs=0.01), (brief["role"], key)
            if "effective_runway_days" in metrics and runway is not None:
                assert f"Runway: {float(runway):,.0f} days" in brief.get("body_text", "") or (
                    f"{float(runway):.0f} days"
                    in service.get_briefing(seeded, brief["id"])["body_text"]
                )
