"""Expenses: possible duplicates, spend over policy, and model anomalies when present."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
cur = ui.currency(company)
st.title("Expenses")

st.subheader("Possible duplicate claims")
dups = queries.expense_duplicates(company)
if not ui.has_rows(dups):
    ui.no_data("no duplicate candidates (expenses.fct_expense_duplicate_candidates)")
else:
    assert dups is not None
    st.metric("Candidate pairs", len(dups), f"{int(dups['is_recurring_series'].sum())} recurring")
    ui.table(dups.drop(columns=["expense_id", "duplicate_expense_id"]), cur, cents=True)
    ui.csv_download(dups, f"expense_duplicates_company_{company}")

st.subheader("Spend over policy")
spend = queries.expense_spend_monthly(company)
if not ui.has_rows(spend):
    ui.no_data("no expenses (expenses.fct_expense_spend_monthly)")
else:
    assert spend is not None
    months = pd.to_datetime(spend["expense_month_date"])
    recent = spend[months > months.max() - pd.DateOffset(months=12)]
    over = recent[recent["is_over_limit"].astype(bool)]
    by_cat = recent.groupby("category_name", as_index=False)["amount_over_limit"].sum()
    by_cat = by_cat[by_cat["amount_over_limit"].astype(float) > 0]
    st.caption(
        f"The last 12 months ({ui.day(months[months > months.max() - pd.DateOffset(months=12)].min())}"
        f" to {months.max():%B %Y}): amounts above each employee's monthly category limit."
    )
    if not by_cat.empty:
        st.altair_chart(
            charts.bars(by_cat, "amount_over_limit", "category_name", title=f"over policy ({cur})"),
            width="stretch",
        )
    if over.empty:
        st.success("No employee is over a monthly category limit.")
    else:
        ui.table(over, cur, cents=True)
        ui.csv_download(over, f"expenses_over_limit_company_{company}")

st.subheader("Anomalies")
found = queries.anomalies(company)
if not ui.has_rows(found):
    ui.no_data("no anomaly scores (ml.anomalies)", "The ML step writes them after the marts.")
else:
    assert found is not None
    kinds = st.multiselect("Kind", sorted(found["kind"].unique()), key="anomaly_kinds")
    shown = found[found["kind"].isin(kinds)] if kinds else found
    ui.table(shown, money_columns=[])
    ui.csv_download(shown, f"anomalies_company_{company}")
