"""Every warehouse query of the dashboard, in one place, cached for a short while.

Pages never write SQL: they call the functions here, each of which returns a DataFrame, or
``None`` when a table it needs is not built yet (the page then says "no data yet").

Caching: results are kept by ``st.cache_data`` for :data:`TTL_SECONDS`, keyed by the
warehouse URL too, so two warehouses (tests, a switch of ``COO_WAREHOUSE_URL``) never share
results. The last good result of each query is also remembered outside the cache: when the
pipeline holds the DuckDB write lock past the brief retry (see ``warehouse_reader``), the page
is served that result with a notice saying since when, instead of an error. This is the
dashboard's side of "never blocks or fails while the pipeline runs".
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from apps.streamlit import warehouse_reader
from apps.streamlit.warehouse_reader import TableMissing, WarehouseBusy, is_locked, run_query
from core.settings import get_settings
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)

# every table the dashboard reads (its lineage: orchestration/lineage.py writes it into the dbt
# exposures; a test parses the SQL below against it). Marts and ML only: the data health
# page's reads of the raw layer it monitors are in health_queries.py.
READS = (
    "finance.fct_cash_runway",
    "finance.fct_cash_flows_monthly",
    "finance.fct_days_outstanding_monthly",
    "finance.fct_ledger_by_period",
    "finance.fct_overdue_invoices",
    "finance.fct_invoice_settlements",
    "finance.fct_receivable_aging",
    "finance.fct_profit_and_loss",
    "finance.fct_balance_sheet_monthly",
    "finance.fct_cash_flow_statement_monthly",
    "finance.fct_trial_balance_monthly",
    "finance.fct_financial_kpis_monthly",
    "finance.fct_consolidated_statements_monthly",
    "finance.fct_general_ledger",
    "sales.fct_pipeline_by_stage",
    "sales.fct_stalled_deals",
    "sales.fct_win_rates_monthly",
    "operations.fct_stock_cover",
    "operations.fct_reorder_points",
    "customers.dim_customers",
    "expenses.fct_expense_spend_monthly",
    "expenses.fct_expense_duplicate_candidates",
    "ml.churn_scores",
    "ml.deal_scores",
    "ml.stockout_predictions",
    "ml.anomalies",
    "ml.forecasts",
    "ml.model_runs",
    "core.dim_companies",
    "core.dim_currencies",
    "core.dim_partners",
    "core.dim_products",
    "sales.dim_leads",
)

TTL_SECONDS = 30
BUSY_HOLD_SECONDS = 3.0  # after a lock timeout, serve remembered results without retrying
_busy_until: dict[str, float] = {}
_LAST_GOOD_MAX = 512
_last_good: OrderedDict[tuple[Any, ...], tuple[pd.DataFrame | None, datetime]] = OrderedDict()
_last_good_lock = threading.Lock()
_STALE_KEY = "_coo_stale_since"

__all__ = ["TableMissing", "WarehouseBusy"]


def warehouse_url() -> str:
    """The warehouse to read, resolved now (never at import)."""
    return get_settings().coo_warehouse_url or Warehouse.from_url().url


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=2000)
def _cached(url: str, sql: str, params: tuple[tuple[str, Any], ...]) -> pd.DataFrame | None:
    # WarehouseBusy propagates, so a busy answer is never cached
    try:
        return run_query(url, sql, dict(params))
    except TableMissing as exc:
        logger.info("not built yet: %s", exc)
        return None


def _remembered(key: tuple[Any, ...]) -> pd.DataFrame | None:
    with _last_good_lock:
        remembered = _last_good.get(key)
    if remembered is None:
        raise WarehouseBusy("the pipeline is writing the warehouse and this was never read")
    frame, read_at = remembered
    _mark_stale(read_at)
    return None if frame is None else frame.copy()


def fetch(sql: str, **params: Any) -> pd.DataFrame | None:
    """A query's result (a copy the page may change), ``None`` if a table is missing."""
    url = warehouse_url()
    key = (url, sql, tuple(sorted(params.items())))
    # a query that just found the lock held: the rest of this page does not wait again
    if time.monotonic() < _busy_until.get(url, 0.0):
        if is_locked(url):  # one attempt, no retry
            try:
                return _remembered(key)
            except WarehouseBusy:
                pass  # never read: the cache may still have it
        else:
            _busy_until.pop(url, None)
    try:
        frame = _cached(*key)
    except WarehouseBusy:
        _busy_until[url] = time.monotonic() + BUSY_HOLD_SECONDS
        return _remembered(key)
    with _last_good_lock:
        _last_good[key] = (frame, datetime.now(UTC))
        _last_good.move_to_end(key)
        while len(_last_good) > _LAST_GOOD_MAX:
            _last_good.popitem(last=False)
    return None if frame is None else frame.copy()


def _mark_stale(read_at: datetime) -> None:
    try:
        current = st.session_state.get(_STALE_KEY)
        if current is None or read_at < current:
            st.session_state[_STALE_KEY] = read_at
    except Exception:  # outside a script run (bench, unit tests): nothing to tell
        pass


def take_stale_notice() -> datetime | None:
    """When this rerun served remembered results, the oldest read time (then cleared)."""
    return st.session_state.pop(_STALE_KEY, None)


def page_connection() -> Any:
    """One read-only connection for the queries of this page run (see warehouse_reader)."""
    return warehouse_reader.page_connection(warehouse_url())


def clear() -> None:
    """Drop cached results (the "refresh" button); remembered results stay as a fallback."""
    _cached.clear()


# --- selectors -------------------------------------------------------------------------


def companies() -> pd.DataFrame | None:
    frame = fetch(
        "select company_id, company_name as name from core.dim_companies order by company_id"
    )
    if frame is None or frame.empty:
        frame = fetch(
            "select distinct company_id, 'Company ' || cast(company_id as varchar) as name "
            "from finance.fct_cash_runway order by company_id"
        )
    return frame


# --- overview --------------------------------------------------------------------------


def cash_runway(company_id: int) -> pd.DataFrame | None:
    return fetch("select * from finance.fct_cash_runway where company_id = :c", c=company_id)


def cash_flows_monthly(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select period_month_date, cash_in, cash_out, net_cash_flow, net_burn, closing_cash "
        "from finance.fct_cash_flows_monthly where company_id = :c order by period_month_date",
        c=company_id,
    )


def receivable_overdue(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select coalesce(sum(residual_overdue), 0) as overdue, "
        "coalesce(sum(residual_total), 0) as total, count(*) as partners, "
        "max(as_of_date) as as_of_date "
        "from finance.fct_receivable_aging where company_id = :c",
        c=company_id,
    )


def receivable_overdue_monthly(company_id: int, months: int = 13) -> pd.DataFrame | None:
    """Overdue receivables at each month end (and the as-of date), rebuilt from the invoices:
    those due before the day and settled after it, at their total, plus those still open, at
    their open amount (Odoo keeps no aging history; partial payments before the day are
    ignored). The last point equals today's overdue."""
    settled = fetch(
        "select invoice_date, due_date, settled_date, amount_total_signed as amount "
        "from finance.fct_invoice_settlements where company_id = :c "
        "and aging_type = 'receivable' and not is_reversed",
        c=company_id,
    )
    still_open = fetch(
        "select invoice_date, invoice_due_date as due_date, residual as amount, as_of_date "
        "from finance.fct_overdue_invoices where company_id = :c and aging_type = 'receivable'",
        c=company_id,
    )
    asof = fetch(
        "select max(as_of_date) as as_of_date from finance.fct_receivable_aging "
        "where company_id = :c",
        c=company_id,
    )
    if settled is None or still_open is None or asof is None or asof["as_of_date"].isna().all():
        return None
    end = pd.Timestamp(asof["as_of_date"].iloc[0])
    s_due = pd.to_datetime(settled["due_date"])
    s_inv = pd.to_datetime(settled["invoice_date"])
    s_paid = pd.to_datetime(settled["settled_date"])
    s_amount = settled["amount"].astype(float).abs()
    o_due = pd.to_datetime(still_open["due_date"])
    o_inv = pd.to_datetime(still_open["invoice_date"])
    o_amount = still_open["amount"].astype(float)
    rows = []
    for i in range(months - 1, -1, -1):
        day = (end - pd.offsets.MonthEnd(i)) if i else end
        late_then = (s_due < day) & (s_inv <= day) & (s_paid > day)
        open_then = (o_due < day) & (o_inv <= day)
        rows.append(
            {
                "period_month_date": day.date(),
                "overdue": float(s_amount[late_then].sum() + o_amount[open_then].sum()),
            }
        )
    return pd.DataFrame(rows)


def receivable_balance_monthly(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select period_month_date, receivable_balance, dso_days "
        "from finance.fct_days_outstanding_monthly where company_id = :c "
        "order by period_month_date",
        c=company_id,
    )


def pipeline_totals(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select coalesce(sum(expected_revenue), 0) as expected_revenue, "
        "coalesce(sum(weighted_revenue), 0) as weighted_revenue, "
        "coalesce(sum(opportunity_count), 0) as opportunities, max(as_of_date) as as_of_date "
        "from sales.fct_pipeline_by_stage where company_id = :c",
        c=company_id,
    )


def pipeline_monthly(company_id: int, months: int = 12) -> pd.DataFrame | None:
    """Open pipeline at each month end, rebuilt from the opportunities' create and close dates
    (Odoo keeps no pipeline history; a lost opportunity without ``date_closed`` counts as
    closed at its last write). Current expected revenue is used for past months."""
    leads = fetch(
        "select created_at, closed_at, updated_at, is_active, expected_revenue "
        "from sales.dim_leads where lead_type = 'opportunity' and company_id = :c",
        c=company_id,
    )
    asof = pipeline_totals(company_id)
    if leads is None or asof is None or asof["as_of_date"].isna().all():
        return None
    end = pd.Timestamp(asof["as_of_date"].iloc[0])
    created = pd.to_datetime(leads["created_at"], utc=True).dt.tz_localize(None)
    closed = pd.to_datetime(leads["closed_at"], utc=True).dt.tz_localize(None)
    written = pd.to_datetime(leads["updated_at"], utc=True).dt.tz_localize(None)
    closed = closed.where(closed.notna() | leads["is_active"].astype(bool), written)
    value = leads["expected_revenue"].astype(float).fillna(0.0)
    rows = []
    for i in range(months - 1, -1, -1):
        month_end = (end - pd.offsets.MonthEnd(i)) if i else end
        is_open = (created <= month_end) & (closed.isna() | (closed > month_end))
        rows.append(
            {"period_month_date": month_end.date(), "pipeline": float(value[is_open].sum())}
        )
    return pd.DataFrame(rows)


def revenue_monthly(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select period_month_date, sum(-net_movement) as revenue "
        "from finance.fct_ledger_by_period where company_id = :c and account_type = 'income' "
        "group by period_month_date order by period_month_date",
        c=company_id,
    )


def forecasts(company_id: int, series: str) -> pd.DataFrame | None:
    return fetch(
        "select period_start, period_grain, yhat, yhat_lower, yhat_upper, model, model_version, "
        "created_at from ml.forecasts where company_id = :c and series = :s "
        "order by period_start",
        c=company_id,
        s=series,
    )


# --- finance ---------------------------------------------------------------------------


def aging_by_partner(company_id: int, kind: str = "receivable") -> pd.DataFrame | None:
    table = "finance.fct_receivable_aging" if kind == "receivable" else "finance.fct_payable_aging"
    return fetch(
        "select a.partner_id, "
        "coalesce(p.partner_name, 'Partner ' || cast(a.partner_id as varchar)) "
        "as partner, a.as_of_date, a.open_item_count, a.max_days_overdue, a.residual_not_due, "
        "a.residual_period_1, a.residual_period_2, a.residual_period_3, a.residual_period_4, "
        "a.residual_older, a.residual_total, a.residual_overdue, a.aging_interval_days "
        f"from {table} a left join core.dim_partners p on p.partner_id = a.partner_id "
        "where a.company_id = :c order by a.residual_overdue desc, a.residual_total desc",
        c=company_id,
    )


def overdue_invoices(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select i.invoice_name, coalesce(p.partner_name, '') as partner, i.aging_type, "
        "i.invoice_due_date, i.days_overdue, i.aging_bucket, i.residual, i.payment_state, "
        "i.partner_avg_days_late, i.move_id, i.partner_id "
        "from finance.fct_overdue_invoices i "
        "left join core.dim_partners p on p.partner_id = i.commercial_partner_id "
        "where i.company_id = :c order by i.days_overdue desc",
        c=company_id,
    )


# --- sales -----------------------------------------------------------------------------


def pipeline_by_stage(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select team_name, stage_name, stage_sequence, opportunity_count, expected_revenue, "
        "weighted_revenue, avg_probability, stalled_count, stalled_expected_revenue "
        "from sales.fct_pipeline_by_stage where company_id = :c "
        "order by team_name, stage_sequence",
        c=company_id,
    )


def stalled_deals(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select lead_id, lead_name, partner_name, salesperson_name, team_name, stage_name, "
        "days_in_stage, threshold_days, days_over_threshold, days_since_last_activity, "
        "expected_revenue, weighted_revenue "
        "from sales.fct_stalled_deals where company_id = :c order by days_over_threshold desc",
        c=company_id,
    )


# probabilities are shown only from versions calibrated out of sample (ml.model_runs says)
def _calibrated(model_name: str) -> str:
    return (
        "model_version in (select model_version from ml.model_runs "
        f"where model_name = '{model_name}' and calibrated)"
    )


def deal_scores(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select lead_id, win_probability, stall_probability, model_version, scored_at "
        f"from ml.deal_scores where company_id = :c and {_calibrated('deals')}",
        c=company_id,
    )


def win_rates_monthly(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select closed_month_date, sum(won_count) as won, sum(lost_count) as lost, "
        "sum(won_revenue) as won_revenue from sales.fct_win_rates_monthly "
        "where company_id = :c group by closed_month_date order by closed_month_date",
        c=company_id,
    )


# --- operations ------------------------------------------------------------------------


def stock_risk(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select s.product_id, "
        "coalesce(p.product_name, 'Product ' || cast(s.product_id as varchar)) "
        "as product, p.default_code, s.warehouse_id, s.on_hand_qty, s.incoming_qty, "
        "s.daily_demand, s.days_of_cover, s.estimated_stockout_date, s.lead_time_days, "
        "s.is_stockout_within_lead_time "
        "from operations.fct_stock_cover s "
        "left join core.dim_products p on p.product_id = s.product_id "
        "where s.company_id = :c and s.has_demand "
        "order by s.is_stockout_within_lead_time desc, s.days_of_cover",
        c=company_id,
    )


def reorder_points(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select coalesce(p.product_name, 'Product ' || cast(r.product_id as varchar)) "
        "as product, r.name, r.product_id, r.warehouse_id, r.product_min_qty, "
        "r.product_max_qty, r.forecast_qty, r.qty_to_order, r.is_snoozed, "
        "r.estimated_stockout_date from operations.fct_reorder_points r "
        "left join core.dim_products p on p.product_id = r.product_id "
        "where r.company_id = :c and r.is_below_reorder_point order by r.qty_to_order desc",
        c=company_id,
    )


def stockout_predictions(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select product_id, warehouse_id, stockout_probability, expected_stockout_date, "
        "model_version from ml.stockout_predictions where company_id = :c",
        c=company_id,
    )


# --- customers -------------------------------------------------------------------------


def customers(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select partner_id, partner_name, health_score, health_band, days_since_last_order, "
        "orders_12m, revenue_12m, order_trend_ratio, avg_days_late, open_overdue_amount "
        "from customers.dim_customers where company_id = :c order by health_score",
        c=company_id,
    )


def churn_scores(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select partner_id, churn_probability, risk_rank, top_reasons, model_version "
        f"from ml.churn_scores where company_id = :c and {_calibrated('churn')} "
        "order by risk_rank",
        c=company_id,
    )


# --- expenses --------------------------------------------------------------------------


def expense_duplicates(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select expense_id, duplicate_expense_id, employee_name, category_name, "
        "amount_currency, expense_date, duplicate_expense_date, days_apart, state, "
        "duplicate_state, is_recurring_series, reason "
        "from expenses.fct_expense_duplicate_candidates where company_id = :c "
        "order by expense_date desc",
        c=company_id,
    )


def expense_spend_monthly(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select expense_month_date, employee_name, category_name, amount, monthly_limit, "
        "is_over_limit, amount_over_limit from expenses.fct_expense_spend_monthly "
        "where company_id = :c order by expense_month_date",
        c=company_id,
    )


def anomalies(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select kind, record_model, record_id, score, method, reason, model_version, scored_at "
        "from ml.anomalies where company_id = :c order by score desc",
        c=company_id,
    )


# --- data health -----------------------------------------------------------------------


def ml_model_runs() -> pd.DataFrame | None:
    return fetch(
        "select model_name, model_version, trained_at, metric_name, metric_value, "
        "baseline_name, baseline_value, passed, is_serving from ml.model_runs "
        "order by trained_at desc limit 50"
    )


def customers_at_risk(company_id: int) -> pd.DataFrame | None:
    """Customers in the 'at_risk' health band (the briefing's figure) and their revenue."""
    return fetch(
        "select count(*) as customers, "
        "coalesce(sum(case when health_band = 'at_risk' then 1 else 0 end), 0) as at_risk, "
        "coalesce(sum(case when health_band = 'at_risk' then revenue_12m else 0 end), 0) "
        "as at_risk_revenue_12m from customers.dim_customers where company_id = :c",
        c=company_id,
    )


# --- financial statements ----------------------------------------------------------------


def statement_periods(company_id: int, grain: str) -> pd.DataFrame | None:
    """The periods of one grain (month, quarter, fiscal_year) the P&L has, newest first."""
    return fetch(
        "select distinct period_start_date, period_end_date, fiscal_year, fiscal_quarter, "
        "is_complete from finance.fct_profit_and_loss "
        "where company_id = :c and period_grain = :g order by period_start_date desc",
        c=company_id,
        g=grain,
    )


def company_currency(company_id: int) -> pd.DataFrame | None:
    return fetch(
        "select currency_code as currency from core.dim_companies where company_id = :c",
        c=company_id,
    )


def profit_and_loss(company_id: int, grain: str, start: Any) -> pd.DataFrame | None:
    return fetch(
        "select line_code, line_name, is_total, amount, previous_period_amount, "
        "last_year_amount, change_from_previous_period, change_from_last_year, "
        "share_of_operating_income from finance.fct_profit_and_loss "
        "where company_id = :c and period_grain = :g and period_start_date = :s "
        "order by line_sequence",
        c=company_id,
        g=grain,
        s=start,
    )


def balance_sheet(
    company_id: int, month: Any, previous: Any, last_year: Any
) -> pd.DataFrame | None:
    """The balance sheet at three month ends (long): the chosen one and its comparisons."""
    return fetch(
        "select period_month_date, section_code, line_code, line_name, line_sequence, is_total, "
        "amount from finance.fct_balance_sheet_monthly where company_id = :c "
        "and period_month_date in (:m, :p, :y) order by line_sequence",
        c=company_id,
        m=month,
        p=previous,
        y=last_year,
    )


def cash_flow_statement(company_id: int, method: str, start: Any, end: Any) -> pd.DataFrame | None:
    """The cash-flow statement over the months [start, end]: flows added, cash at the ends."""
    return fetch(
        "select section_code, line_code, min(line_name) as line_name, "
        "min(line_sequence) as line_sequence, "
        "case when line_code = 'opening_cash' "
        "then sum(case when period_month_date = :s then amount else 0 end) "
        "when line_code = 'closing_cash' "
        "then sum(case when period_month_date = :e then amount else 0 end) "
        "else sum(amount) end as amount "
        "from finance.fct_cash_flow_statement_monthly "
        "where company_id = :c and method = :m and period_month_date between :s and :e "
        "group by section_code, line_code order by line_sequence",
        c=company_id,
        m=method,
        s=start,
        e=end,
    )


def statement_accounts(company_id: int, start: Any, end: Any) -> pd.DataFrame | None:
    """Every account of the trial balance over the months [start, end]: its statement line,
    opening, debit, credit and closing (the drill-down from a statement line)."""
    return fetch(
        "select account_id, account_code, account_name, account_type, statement, line_code, "
        "sum(case when period_month_date = :s then opening_balance else 0 end) as opening_balance, "
        "sum(debit) as debit, sum(credit) as credit, sum(net_movement) as net_movement, "
        "sum(case when period_month_date = :e then closing_balance else 0 end) as closing_balance, "
        "sum(line_count) as journal_items "
        "from finance.fct_trial_balance_monthly "
        "where company_id = :c and period_month_date between :s and :e "
        "group by account_id, account_code, account_name, account_type, statement, line_code "
        "order by account_code",
        c=company_id,
        s=start,
        e=end,
    )


def journal_items(company_id: int, account_id: int, start: Any, end: Any) -> pd.DataFrame | None:
    return fetch(
        "select accounting_date, move_name, journal_name, partner_id, line_label, ref, debit, "
        "credit, balance, move_line_id from finance.fct_general_ledger "
        "where company_id = :c and account_id = :a and accounting_date between :s and :e "
        "order by accounting_date, move_line_id",
        c=company_id,
        a=account_id,
        s=start,
        e=end,
    )


def financial_kpis(company_id: int, month: Any) -> pd.DataFrame | None:
    return fetch(
        "select kpi_name, unit, kpi_value, previous_month_value, last_year_value, "
        "change_month_over_month, change_year_over_year from finance.fct_financial_kpis_monthly "
        "where company_id = :c and period_month_date = :m order by kpi_sequence",
        c=company_id,
        m=month,
    )


def consolidated_statements(start: Any, end: Any) -> pd.DataFrame | None:
    """The group in the reporting currency: P&L over the months [start, end], balance sheet
    at the end."""
    return fetch(
        "select statement, section_code, line_code, min(line_name) as line_name, "
        "min(line_sequence) as line_sequence, "
        "sum(case when statement = 'profit_and_loss' or period_month_date = :e "
        "then amount else 0 end) as amount, max(company_count) as companies "
        "from finance.fct_consolidated_statements_monthly "
        "where period_month_date between :s and :e "
        "group by statement, section_code, line_code order by statement desc, line_sequence",
        s=start,
        e=end,
    )


def reporting_currency() -> pd.DataFrame | None:
    return fetch(
        "select distinct cur.currency_code as currency "
        "from finance.fct_consolidated_statements_monthly as s "
        "inner join core.dim_currencies as cur on s.reporting_currency_id = cur.currency_id"
    )
