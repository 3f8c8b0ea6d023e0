"""Every dashboard page renders against the small company's marts, with figures that match
the marts, charts and CSV export; and gracefully, with "no data yet", on an empty warehouse."""

from __future__ import annotations

import calendar

import duckdb
import pytest

from apps.streamlit.ui import money
from tests.apps.conftest import PAGES

pytestmark = pytest.mark.integration


def _one(path, sql, *params):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()
    finally:
        con.close()


def _texts(at, kind):
    return [e.value for e in getattr(at, kind)]


def test_overview_figures_match_the_marts(dashboard_env, open_page):
    cash, runway = _one(
        dashboard_env,
        "select cash_balance, effective_runway_days from finance.fct_cash_runway where company_id = 2",
    )
    overdue = _one(
        dashboard_env,
        "select sum(residual_overdue) from finance.fct_receivable_aging where company_id = 2",
    )[0]
    pipeline = _one(
        dashboard_env,
        "select sum(expected_revenue) from sales.fct_pipeline_by_stage where company_id = 2",
    )[0]
    at = open_page("overview", company=2)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Cash"].value == money(cash, "EUR")
    assert metrics["Runway"].value == (
        "cash lasts" if runway is None else f"{float(runway):,.0f} days"
    )
    assert metrics["AR overdue"].value == money(overdue, "EUR")
    assert metrics["Pipeline"].value == money(pipeline, "EUR")
    # each headline has its change since the last period
    for label in ("Cash", "AR overdue", "Pipeline"):
        assert metrics[label].delta, label
    # closing cash of the last month minus the month before, as the marts say
    last_two = (
        duckdb.connect(str(dashboard_env), read_only=True)
        .execute(
            "select closing_cash from finance.fct_cash_flows_monthly where company_id = 2 "
            "order by period_month_date desc limit 2"
        )
        .fetchall()
    )
    change = float(last_two[0][0] - last_two[1][0])
    assert metrics["Cash"].delta == ("+" if change >= 0 else "-") + money(abs(change), "EUR")
    # no forecasts in the marts-only warehouse: said plainly
    assert any("ml.forecasts" in t for t in _texts(at, "info"))


def test_company_and_period_selectors_change_the_figures(dashboard_env, open_page):
    at = open_page("overview", company=1)
    cash_1 = {m.label: m.value for m in at.metric}["Cash"]
    month_delta = {m.label: m.delta for m in at.metric}["Cash"]
    at.sidebar.selectbox(key="company_id").set_value(2).run()
    cash_2 = {m.label: m.value for m in at.metric}["Cash"]
    expected = _one(
        dashboard_env, "select cash_balance from finance.fct_cash_runway where company_id = 2"
    )[0]
    assert cash_2 == money(expected, "EUR") != cash_1
    at.sidebar.selectbox(key="company_id").set_value(1).run()
    at.session_state["period"] = "quarter"
    at.run()
    assert {m.label: m.delta for m in at.metric}["Cash"] != month_delta


def test_finance_aging_by_partner(dashboard_env, open_page):
    at = open_page("finance", company=1)
    partners = _one(
        dashboard_env,
        "select count(*) from finance.fct_receivable_aging where company_id = 1",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Partners with open items"] == str(partners)
    assert len(at.dataframe[0].value) == partners
    assert at.get("vega_lite_chart"), "the aging chart"
    assert len(at.get("download_button")) >= 2
    at.segmented_control(key="finance_kind").set_value("payable").run()
    payable = _one(
        dashboard_env, "select count(*) from finance.fct_payable_aging where company_id = 1"
    )[0]
    assert len(at.dataframe[0].value) == payable


@pytest.mark.parametrize(
    ("page", "table", "shown_index"),
    [
        ("sales", "sales.fct_pipeline_by_stage", 0),
        ("inventory", "operations.fct_stock_cover where has_demand and company_id = 1 --", 0),
        ("customers", "customers.dim_customers", 0),
        ("expenses", "expenses.fct_expense_duplicate_candidates", 0),
    ],
)
def test_drill_down_pages_show_the_mart_with_chart_and_csv(
    dashboard_env, open_page, page, table, shown_index
):
    at = open_page(page, company=1)
    where = "" if "where" in table else " where company_id = 1"
    count = _one(dashboard_env, f"select count(*) from {table}{where}")[0]
    assert count > 0
    assert len(at.dataframe[shown_index].value) == count
    assert at.get("vega_lite_chart"), f"{page} has a chart"
    assert at.get("download_button"), f"{page} exports CSV"


def test_data_health_reports_every_raw_model(dashboard_env, open_page):
    at = open_page("data_health")
    tables = _one(
        dashboard_env,
        "select count(*) from information_schema.tables where table_schema = 'raw_odoo'",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Source models"] == str(tables)
    # the fixture's extraction stamp is days old: every model is past its schedule's promise
    assert metrics["Stale"] == str(tables)
    frame = at.dataframe[0].value
    assert set(frame["status"]) == {"stale"}
    assert frame.set_index("table_name").loc["account_move", "max_age_hours"] == 2.0
    assert frame.set_index("table_name").loc["crm_lead", "max_age_hours"] == 6.0


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_no_data_yet_on_an_empty_warehouse(tmp_path, monkeypatch, open_page, page):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{empty}")
    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    at = open_page(page)
    assert any(t.startswith("No data yet") for t in _texts(at, "info")), _texts(at, "info")


def test_overview_compares_actual_revenue_with_the_ml_forecast(dashboard_env, open_page):
    """With ml.forecasts (the ML contract), the overview shows last month's actual against its
    forecast and the band; the figures come from the two tables."""
    con = duckdb.connect(str(dashboard_env))
    try:
        months = con.execute(
            "select period_month_date, sum(-net_movement) from finance.fct_ledger_by_period "
            "where company_id = 1 and account_type = 'income' group by 1 order by 1 desc limit 3"
        ).fetchall()
        con.execute(
            "create schema ml; create table ml.forecasts (series varchar, company_id int, "
            "period_start date, period_grain varchar, yhat double, yhat_lower double, "
            "yhat_upper double, model varchar, model_version varchar, created_at timestamp)"
        )
        for month, actual in months:
            con.execute(
                "insert into ml.forecasts values ('revenue_monthly', 1, ?, 'month', ?, ?, ?, "
                "'ets', 'v7', now())",
                [month, float(actual) * 0.8, float(actual) * 0.6, float(actual) * 1.1],
            )
        next_month = con.execute(
            "select cast(max(period_month_date) + interval 1 month as date) "
            "from finance.fct_ledger_by_period"
        ).fetchone()[0]
        con.execute(
            "insert into ml.forecasts values ('revenue_monthly', 1, ?, 'month', 1000, 800, "
            "1300, 'ets', 'v7', now())",
            [next_month],
        )
    finally:
        con.close()
    at = open_page("overview", company=1)
    as_of = _one(
        dashboard_env, "select as_of_date from finance.fct_cash_runway where company_id = 1"
    )[0]
    metrics = {m.label: m for m in at.metric}
    # the current month is month to date: compared with the forecast prorated to the day
    (this_month, mtd), (last_month, last_actual) = months[0], months[1]
    assert this_month == as_of.replace(day=1)
    days = calendar.monthrange(as_of.year, as_of.month)[1]
    pace = float(mtd) * 0.8 * as_of.day / days
    to_date = metrics[f"{this_month:%B} to date ({as_of.day} of {days} days)"]
    assert to_date.value == money(mtd, "USD")
    assert to_date.delta.endswith(f"vs forecast to date {money(pace, 'USD')}")
    # the last complete month against its whole-month forecast
    metric = metrics[f"{last_month:%B %Y}: actual vs forecast"]
    assert metric.value == money(last_actual, "USD")
    assert metric.delta == f"+25% vs forecast {money(float(last_actual) * 0.8, 'USD')}"
    ahead = metrics[f"{next_month:%B %Y}: forecast"]
    assert ahead.value == money(1000, "USD")
    assert ahead.delta == "likely 800 USD to 1.3k USD"
    assert any("Model ets v7" in c.value for c in at.caption)
    assert not any("ml.forecasts" in t for t in _texts(at, "info"))


def _churn_scores(dashboard_env, calibrated: bool) -> tuple[int, str]:
    con = duckdb.connect(str(dashboard_env))
    try:
        partner, name = con.execute(
            "select partner_id, partner_name from customers.dim_customers where company_id = 1 "
            "order by health_score desc limit 1"
        ).fetchone()
        con.execute(
            "create schema ml; create table ml.churn_scores as select 1 as company_id, "
            f"{partner} as partner_id, 'k' as customer_key, 0.91 as churn_probability, "
            '1 as risk_rank, \'[{"feature": "days_since_last_order", "value": 120, '
            "\"contribution\": 0.4}]' as top_reasons, 'v1' as model_version, now() as scored_at"
        )
        con.execute(
            "create table ml.model_runs as select 'churn' as model_name, 'v1' as model_version, "
            f"{str(calibrated).lower()} as calibrated"
        )
    finally:
        con.close()
    return int(partner), str(name)


def test_customer_health_adds_churn_scores_when_the_model_has_run(dashboard_env, open_page):
    _, name = _churn_scores(dashboard_env, calibrated=True)
    at = open_page("customers", company=1)
    frame = at.dataframe[0].value
    top = frame.iloc[0]  # the riskiest by the model comes first, whatever its health score
    assert top["partner_name"] == name
    assert top["churn_probability"] == pytest.approx(91)  # shown as a percentage
    assert top["top_reasons"] == "days since last order"


def test_probabilities_of_an_uncalibrated_version_are_not_shown(dashboard_env, open_page):
    _churn_scores(dashboard_env, calibrated=False)
    at = open_page("customers", company=1)
    assert "churn_probability" not in at.dataframe[0].value.columns


@pytest.mark.unit
def test_every_page_script_is_in_the_page_list() -> None:
    """A page added to app_pages/ without joining PAGES would go untested and unbenchmarked."""
    from tests.apps.conftest import APP

    scripts = {p.stem for p in (APP.parent / "app_pages").glob("*.py") if p.stem != "__init__"}
    assert scripts == set(PAGES)
