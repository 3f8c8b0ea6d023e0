"""Financial statements: profit and loss, balance sheet, cash flow, trial balance and KPIs for a
period, with comparison columns, the drill-down from a line to its accounts and their journal
items, CSV export, and the group consolidated in the reporting currency."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from apps.streamlit import queries, ui
from core.untrusted import md_text

GRAINS = {"month": "Month", "quarter": "Fiscal quarter", "fiscal_year": "Fiscal year"}

company = ui.company_id()
currency_frame = queries.company_currency(company)
# currency codes come from Odoo: shown escaped, as every Odoo text in a Markdown label
currency = (
    md_text(currency_frame["currency"].iloc[0])
    if ui.has_rows(currency_frame)
    else "company currency"
)
st.title("Financial statements")

grain = str(
    st.segmented_control(
        "Period",
        list(GRAINS),
        format_func=lambda g: GRAINS.get(g, g),
        default="month",
        key="statements_grain",
    )
    or "month"
)
periods = queries.statement_periods(company, grain)
if not ui.has_rows(periods):
    ui.no_data("no statements for this company (finance.fct_profit_and_loss)")
    st.stop()
assert periods is not None


def _as_date(value: Any) -> date:
    return pd.Timestamp(value).date()


def _label(row: pd.Series) -> str:
    start, end = _as_date(row["period_start_date"]), _as_date(row["period_end_date"])
    if grain == "month":
        text = f"{start:%b %Y}"
    elif grain == "quarter":
        text = (
            f"FY{int(row['fiscal_year'])} Q{int(row['fiscal_quarter'])} ({start:%b} to {end:%b %Y})"
        )
    else:
        text = f"FY{int(row['fiscal_year'])} ({start:%b %Y} to {end:%b %Y})"
    return text if bool(row["is_complete"]) else f"{text}, to date"


labels = {_label(row): row for _, row in periods.iterrows()}
# the latest complete period first (the current one is "to date")
complete = [i for i, row in enumerate(labels.values()) if bool(row["is_complete"])]
chosen = labels[
    st.selectbox(  # type: ignore[index]
        "Showing",
        list(labels),
        index=complete[0] if complete else 0,
        key=f"statements_period_{grain}",
    )
]
start = _as_date(chosen["period_start_date"])
end = _as_date(chosen["period_end_date"])
end_month = end.replace(day=1)
scope = st.segmented_control(
    "View", ["company", "group"], default="company", key="statements_scope",
    format_func=lambda s: f"This company ({currency})" if s == "company" else "Group, consolidated",
)  # fmt: skip
st.caption(
    f"{start:%d %b %Y} to {end:%d %b %Y} · from posted journal items · "
    "P&L and balance sheet lines grouped by Odoo's account types"
)


# column headers a reader understands (the rest: underscores to spaces, first letter capital)
LABELS = {
    "line_name": "Line",
    "amount": "Amount",
    "previous_period_amount": "Previous period",
    "last_year_amount": "Same period last year",
    "change_from_previous_period": "Change vs previous",
    "change_from_last_year": "Change vs last year",
    "margin": "Share of income",
    "account_code": "Code",
    "account_name": "Account",
    "account_id": "Account id",
    "kpi_name": "KPI",
    "net_movement": "Net movement",
    "journal_items": "Journal items",
}


def _human(column: Any) -> str:
    text = LABELS.get(str(column), str(column).replace("_", " "))
    return text[:1].upper() + text[1:]


def _money_columns(frame: pd.DataFrame, columns: list[str]) -> dict[str, Any]:
    """Human headers for every column; amounts with thousands separators and negatives in
    parentheses, as statements print them."""
    config: dict[str, Any] = {}
    for c in frame.columns:
        if c in columns:
            config[c] = st.column_config.NumberColumn(_human(c), format="accounting")
        else:
            config[c] = st.column_config.Column(_human(c))
    return config


def _drill_down(accounts: pd.DataFrame | None, line_codes: list[str], key: str) -> None:
    """From a statement line to its accounts, and from an account to its journal items."""
    if not ui.has_rows(accounts):
        return
    assert accounts is not None
    names = dict(zip(line_codes, line_codes, strict=True))
    line = st.selectbox("Drill down: line", list(names), key=f"{key}_line")
    rows = accounts[accounts["line_code"] == line]
    # accounts moved in the period, and balance sheet accounts holding a balance
    held = (rows["statement"] == "balance_sheet") & (rows["closing_balance"].abs() > 0.004)
    rows = rows[(rows["journal_items"] > 0) | held]
    if rows.empty:
        st.caption("No account on this line in the period.")
        return
    st.dataframe(
        rows.drop(columns=["statement", "line_code"]),
        hide_index=True,
        column_config=_money_columns(
            rows, ["opening_balance", "debit", "credit", "net_movement", "closing_balance"]
        ),
    )
    ui.csv_download(rows, f"{key}_{line}_accounts_company_{company}")
    account_labels = {
        int(r["account_id"]): f"{r['account_code']} {r['account_name']}" for _, r in rows.iterrows()
    }
    account = st.selectbox(
        "Journal items of account",
        list(account_labels),
        format_func=lambda a: account_labels.get(a, str(a)),
        key=f"{key}_account",
    )
    items = queries.journal_items(company, int(account), start, end)
    if ui.has_rows(items):
        assert items is not None
        st.dataframe(
            items,
            hide_index=True,
            column_config=_money_columns(items, ["debit", "credit", "balance"]),
        )
        ui.csv_download(items, f"{key}_journal_items_{account}_company_{company}")
    else:
        st.caption("No journal item on this account in the period.")


if scope == "group":
    group = queries.consolidated_statements(start, end_month)
    reporting = queries.reporting_currency()
    if not ui.has_rows(group):
        ui.no_data("no consolidated statements (finance.fct_consolidated_statements_monthly)")
        st.stop()
    assert group is not None
    code = (
        md_text(reporting["currency"].iloc[0]) if ui.has_rows(reporting) else "reporting currency"
    )
    st.subheader(f"Group in {code}, {int(group['companies'].max())} companies")
    st.caption(
        "P&L at each month's average rate, balance sheet at the closing rate (Odoo's "
        "res.currency.rate); the translation difference balances it. No intercompany elimination."
    )
    for statement, title in (
        ("profit_and_loss", "Profit and loss"),
        ("balance_sheet", "Balance sheet"),
    ):
        part = group[group["statement"] == statement][["line_name", "amount"]]
        st.markdown(f"**{title}**")
        st.dataframe(part, hide_index=True, column_config=_money_columns(part, ["amount"]))
    ui.csv_download(group, f"group_statements_{start}_{end}")
    st.stop()

sheets: dict[str, pd.DataFrame] = {}  # what the XLSX export holds, one sheet per statement
pnl_tab, bs_tab, cf_tab, tb_tab, kpi_tab = st.tabs(
    ["Profit and loss", "Balance sheet", "Cash flow", "Trial balance", "KPIs"]
)
accounts = queries.statement_accounts(company, start, end_month)

with pnl_tab:
    pnl = queries.profit_and_loss(company, grain, start)
    if not ui.has_rows(pnl):
        ui.no_data("no profit and loss for this period (finance.fct_profit_and_loss)")
    else:
        assert pnl is not None
        net = pnl.set_index("line_code")
        cols = st.columns(3)
        for col, code in zip(cols, ["operating_income", "gross_profit", "net_profit"], strict=True):
            previous = net.loc[code, "previous_period_amount"]
            delta = (
                None
                if pd.isna(previous)
                else f"{ui.money(net.loc[code, 'amount'] - previous, currency)} vs previous"
            )
            col.metric(
                str(net.loc[code, "line_name"]),
                ui.money(net.loc[code, "amount"], currency),
                delta,
            )
        shown = pnl.drop(columns=["line_code", "is_total"]).rename(
            columns={"share_of_operating_income": "margin"}
        )
        st.dataframe(
            shown,
            hide_index=True,
            column_config={
                **_money_columns(
                    shown, [c for c in shown.columns if c not in ("line_name", "margin")]
                ),
                "margin": st.column_config.NumberColumn(_human("margin"), format="percent"),
            },
        )
        ui.csv_download(pnl, f"profit_and_loss_{grain}_{start}_company_{company}")
        sheets["Profit and loss"] = shown
        _drill_down(
            accounts,
            [c for c, total in zip(pnl["line_code"], pnl["is_total"], strict=True) if not total],
            "pnl",
        )

with bs_tab:
    # the previous period's end and the same month end a year earlier
    comparison_month = (pd.Timestamp(start) - pd.DateOffset(months=1)).date()
    last_year_month = (pd.Timestamp(end_month) - pd.DateOffset(months=12)).date()
    bs = queries.balance_sheet(company, end_month, comparison_month, last_year_month)
    if not ui.has_rows(bs):
        ui.no_data("no balance sheet at this date (finance.fct_balance_sheet_monthly)")
    else:
        assert bs is not None
        bs["period_month_date"] = bs["period_month_date"].map(_as_date)
        wide = bs.pivot_table(
            index=["line_sequence", "line_code", "line_name", "is_total"],
            columns="period_month_date",
            values="amount",
            aggfunc="sum",
        ).reset_index()
        named = {
            end_month: f"at {end:%d %b %Y}",
            comparison_month: "start of period" if grain != "month" else "previous month end",
            last_year_month: "a year earlier",
        }
        wide = wide.rename(columns={d: named[d] for d in list(wide.columns) if d in named})
        totals = wide.set_index("line_code")[f"at {end:%d %b %Y}"]
        cols = st.columns(3)
        cols[0].metric("Total assets", ui.money(totals.get("total_assets"), currency))
        cols[1].metric("Total liabilities", ui.money(totals.get("total_liabilities"), currency))
        cols[2].metric("Total equity", ui.money(totals.get("total_equity"), currency))
        shown = wide.drop(columns=["line_sequence", "line_code", "is_total"])
        st.dataframe(
            shown,
            hide_index=True,
            column_config=_money_columns(shown, [c for c in shown.columns if c != "line_name"]),
        )
        ui.csv_download(shown, f"balance_sheet_{end}_company_{company}")
        sheets["Balance sheet"] = shown
        _drill_down(
            accounts,
            [c for c, t in zip(wide["line_code"], wide["is_total"], strict=True) if not t
             and c not in ("current_year_earnings", "retained_earnings")],
            "bs",
        )  # fmt: skip

with cf_tab:
    method = st.segmented_control(
        "Method", ["indirect", "direct"], default="indirect", key="statements_cash_method"
    )
    cf = queries.cash_flow_statement(company, str(method or "indirect"), start, end_month)
    if not ui.has_rows(cf):
        ui.no_data("no cash-flow statement (finance.fct_cash_flow_statement_monthly)")
    else:
        assert cf is not None
        shown = cf[["line_name", "amount"]]
        st.dataframe(shown, hide_index=True, column_config=_money_columns(shown, ["amount"]))
        ui.csv_download(cf, f"cash_flow_{method}_{start}_{end}_company_{company}")
        sheets[f"Cash flow ({method})"] = shown

with tb_tab:
    if not ui.has_rows(accounts):
        ui.no_data("no trial balance (finance.fct_trial_balance_monthly)")
    else:
        assert accounts is not None
        tb = accounts[(accounts["journal_items"] > 0) | (accounts["closing_balance"].abs() > 0.004)]
        tb_cols = st.columns(2)
        tb_cols[0].metric("Debit", ui.money(tb["debit"].sum(), currency))
        tb_cols[1].metric("Credit", ui.money(tb["credit"].sum(), currency))
        st.dataframe(
            tb,
            hide_index=True,
            column_config=_money_columns(
                tb, ["opening_balance", "debit", "credit", "net_movement", "closing_balance"]
            ),
        )
        ui.csv_download(tb, f"trial_balance_{start}_{end}_company_{company}")
        sheets["Trial balance"] = tb

with kpi_tab:
    kpis = queries.financial_kpis(company, end_month)
    if not ui.has_rows(kpis):
        ui.no_data("no KPIs (finance.fct_financial_kpis_monthly)")
    else:
        assert kpis is not None
        st.caption(f"At {end:%b %Y}; ratios as fractions, days on a trailing window.")
        st.dataframe(
            kpis,
            hide_index=True,
            column_config={
                c: (
                    st.column_config.Column(_human(c))
                    if c in ("kpi_name", "unit")
                    else st.column_config.NumberColumn(_human(c), format="%.3f")
                )
                for c in kpis.columns
            },
        )
        ui.csv_download(kpis, f"kpis_{end_month}_company_{company}")
        sheets["KPIs"] = kpis

if sheets:
    st.download_button(
        "Download all statements (XLSX)",
        ui.xlsx_bytes(sheets),
        file_name=f"statements_{start}_{end}_company_{company}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="statements_xlsx",
        icon=":material/table_view:",
    )
