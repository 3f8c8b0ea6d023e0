"""Small pieces every page shares: the selected company and period, "no data yet", CSV export,
number formatting, and the operational store (the only place the dashboard writes)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, TypeGuard

import pandas as pd
import streamlit as st

from opstore import StateStore
from opstore.db import state_url

PERIODS = {"month": 1, "quarter": 3, "year": 12}


def company_id() -> int:
    """The company chosen in the sidebar (set by streamlit_app before the page runs)."""
    return int(st.session_state.get("company_id") or 1)


def period_months() -> int:
    return PERIODS.get(str(st.session_state.get("period") or "month"), 1)


def period_label() -> str:
    return str(st.session_state.get("period") or "month")


def no_data(what: str, hint: str = "") -> None:
    """The one way a page says a table is not built yet."""
    st.info(f"No data yet: {what}." + (f" {hint}" if hint else ""), icon=":material/hourglass:")


def has_rows(frame: pd.DataFrame | None) -> TypeGuard[pd.DataFrame]:
    return frame is not None and not frame.empty


def csv_download(frame: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{name}",
        icon=":material/download:",
    )


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame (names cut to Excel's 31 characters)."""
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


@st.cache_resource(show_spinner=False)
def _state(url: str) -> StateStore:
    return StateStore(url)


def state() -> StateStore:
    """The operational store named by COO_STATE_URL (one engine per URL per process)."""
    return _state(state_url())


# --- formatting: one place for how every page shows amounts, dates and column names -------

# column headers a reader understands; anything else: underscores to spaces, first capital
LABELS = {
    "partner": "Customer / vendor",
    "partner_name": "Customer",
    "product": "Product",
    "default_code": "Reference",
    "warehouse": "Warehouse",
    "as_of_date": "As of",
    "open_item_count": "Open items",
    "max_days_overdue": "Most days overdue",
    "residual_not_due": "Not due",
    "residual_period_1": "1-30 days",
    "residual_period_2": "31-60 days",
    "residual_period_3": "61-90 days",
    "residual_period_4": "91-120 days",
    "residual_older": "Older",
    "residual_total": "Open",
    "residual_overdue": "Overdue",
    "residual": "Open amount",
    "invoice_name": "Document",
    "aging_type": "Type",
    "invoice_due_date": "Due",
    "days_overdue": "Days overdue",
    "aging_bucket": "Bucket",
    "payment_state": "Payment",
    "partner_avg_days_late": "Customer's average days late",
    "team_name": "Team",
    "stage_name": "Stage",
    "opportunity_count": "Opportunities",
    "expected_revenue": "Expected revenue",
    "weighted_revenue": "Weighted revenue",
    "avg_probability": "Average probability",
    "stalled_count": "Stalled",
    "stalled_expected_revenue": "Stalled expected revenue",
    "lead_name": "Deal",
    "salesperson_name": "Salesperson",
    "days_in_stage": "Days in stage",
    "threshold_days": "Stall threshold (days)",
    "days_over_threshold": "Days over threshold",
    "days_since_last_activity": "Days since last activity",
    "win_probability": "Win probability",
    "stall_probability": "Stall probability",
    "on_hand_qty": "On hand",
    "incoming_qty": "Incoming",
    "daily_demand": "Daily demand",
    "days_of_cover": "Days of cover",
    "estimated_stockout_date": "Runs out on",
    "lead_time_days": "Lead time (days)",
    "is_stockout_within_lead_time": "Runs out within lead time",
    "stockout_probability": "Stock-out probability",
    "name": "Rule",
    "product_min_qty": "Minimum",
    "product_max_qty": "Maximum",
    "forecast_qty": "Forecast quantity",
    "qty_to_order": "To order",
    "is_below_reorder_point": "Below reorder point",
    "is_snoozed": "Snoozed",
    "health_score": "Health score",
    "health_band": "Health",
    "days_since_last_order": "Days since last order",
    "orders_12m": "Orders (12 months)",
    "revenue_12m": "Revenue (12 months)",
    "order_trend_ratio": "Order trend",
    "avg_days_late": "Average days late",
    "open_overdue_amount": "Overdue",
    "churn_probability": "Churn probability",
    "risk_rank": "Risk rank",
    "top_reasons": "Main reasons",
    "employee_name": "Employee",
    "category_name": "Category",
    "amount_currency": "Amount",
    "expense_date": "Date",
    "duplicate_expense_date": "Other claim's date",
    "days_apart": "Days apart",
    "state": "State",
    "duplicate_state": "Other claim's state",
    "is_recurring_series": "Recurring",
    "reason": "Reason",
    "expense_month_date": "Month",
    "monthly_limit": "Monthly limit",
    "amount_over_limit": "Over limit by",
    "is_over_limit": "Over limit",
    "kind": "Kind",
    "record_model": "Odoo model",
    "record_id": "Record",
    "score": "Score",
    "method": "Method",
    "period_month_date": "Month",
    "cash_in": "Cash in",
    "cash_out": "Cash out",
    "net_cash_flow": "Net cash flow",
    "net_burn": "Net burn",
    "closing_cash": "Closing cash",
    "created_at": "Created",
    "updated_at": "Updated",
    "last_seen_at": "Last seen",
    "first_seen_at": "First seen",
    "model_name": "Model",
    "model_version": "Version",
    "trained_at": "Trained",
    "metric_name": "Metric",
    "metric_value": "Value",
    "baseline_name": "Baseline",
    "baseline_value": "Baseline value",
    "passed": "Beats baseline",
    "is_serving": "Serving",
}
# amounts in the company currency, recognised by name (pages may name others)
_MONEY_WORDS = ("revenue", "amount", "residual", "cash", "burn", "balance", "limit", "overdue")
_RATE_WORDS = ("probability",)


def label(column: Any) -> str:
    """The header a person reads for a warehouse column."""
    name = str(column)
    text = LABELS.get(name)
    if text is None:
        text = name.removeprefix("is_").replace("_", " ")
        if text.endswith(" id"):
            text = text[:-3] + " ID"
    return text[:1].upper() + text[1:]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(value: Any, currency: str = "") -> str:
    """An amount as people read it: thousands as k/M/B, one decimal, the currency code."""
    if _missing(value):
        return "—"
    number = float(value)
    if math.isinf(number):
        return "—"
    unit = f" {currency}" if currency else ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:,.1f}{suffix}{unit}"
    return f"{number:,.0f}{unit}"


def amount(value: Any, currency: str = "", decimals: int = 2) -> str:
    """An exact amount (a document's): thousands separators, cents, the currency code."""
    if _missing(value) or math.isinf(float(value)):
        return "—"
    return f"{float(value):,.{decimals}f}" + (f" {currency}" if currency else "")


def day(value: Any) -> str:
    """A date without a time ("2026-11-20"); "—" when there is none."""
    if _missing(value):
        return "—"
    try:
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    except (TypeError, ValueError):
        return str(value)[:10]


def currency(company: int | None = None) -> str:
    """The ISO code of the company's currency (core.dim_companies), "" when unknown."""
    from apps.streamlit import queries

    frame = queries.company_currency(company_id() if company is None else company)
    if not has_rows(frame) or _missing(frame["currency"].iloc[0]):
        return ""
    return str(frame["currency"].iloc[0])


def _is_dates(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    sample = series.dropna().head(20)
    return (
        series.dtype == object
        and not sample.empty
        and all(isinstance(v, (dt.date, pd.Timestamp)) for v in sample)
    )


def tidy(
    frame: pd.DataFrame,
    currency: str = "",
    money_columns: Sequence[str] | None = None,
    cents: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A frame ready to show and its column config: human headers (money headers carry the
    currency code), amounts with thousands separators, dates without times, booleans as
    Yes/No, empty text instead of "None"."""
    shown = frame.copy()
    config: dict[str, Any] = {}
    for column in shown.columns:
        series = shown[column]
        name = str(column)
        is_money = (
            name in money_columns
            if money_columns is not None
            else any(w in name for w in _MONEY_WORDS)
            and not name.endswith(("_date", "_at"))
            and "days" not in name
        )
        if pd.api.types.is_bool_dtype(series) or (
            series.dtype == object
            and series.dropna().map(type).eq(bool).all()
            and series.notna().any()
        ):
            shown[column] = series.map(lambda v: "" if _missing(v) else ("Yes" if v else "No"))
            config[name] = st.column_config.TextColumn(label(name))
        elif _is_dates(series):
            stamps = pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)
            with_time = bool((stamps.dropna() != stamps.dropna().dt.normalize()).any())
            shown[column] = stamps
            config[name] = (
                st.column_config.DatetimeColumn(label(name), format="YYYY-MM-DD HH:mm")
                if with_time
                else st.column_config.DateColumn(label(name), format="YYYY-MM-DD")
            )
        elif is_money and pd.api.types.is_numeric_dtype(series):
            head = label(name) + (f" ({currency})" if currency else "")
            shown[column] = series.astype(float)
            config[name] = st.column_config.NumberColumn(head, format="%,.2f" if cents else "%,.0f")
        elif any(w in name for w in _RATE_WORDS) and pd.api.types.is_numeric_dtype(series):
            values = series.astype(float)
            # a model's probability is 0-1, Odoo's (crm.lead.probability) already 0-100
            shown[column] = values * 100 if values.abs().max() <= 1.0 else values
            config[name] = st.column_config.NumberColumn(label(name), format="%.0f%%")
        elif pd.api.types.is_float_dtype(series):
            clean = series.dropna()
            whole = bool(len(clean)) and bool((clean == clean.round()).all())
            config[name] = st.column_config.NumberColumn(
                label(name), format="%,.0f" if whole else "%,.1f"
            )
        elif pd.api.types.is_numeric_dtype(series):
            config[name] = st.column_config.NumberColumn(label(name), format="%d")
        else:
            shown[column] = series.map(lambda v: "" if _missing(v) else str(v))
            config[name] = st.column_config.TextColumn(label(name))
    return shown, config


def table(
    frame: pd.DataFrame,
    currency: str = "",
    money_columns: Sequence[str] | None = None,
    cents: bool = False,
    **kwargs: Any,
) -> None:
    """``st.dataframe`` the way every page shows a table (see :func:`tidy`)."""
    shown, config = tidy(frame, currency, money_columns, cents)
    config.update(kwargs.pop("column_config", None) or {})
    st.dataframe(shown, hide_index=True, column_config=config, **kwargs)
