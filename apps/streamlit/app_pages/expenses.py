"""Expenses: possible duplicates, spend over policy, and model anomalies when present."""

from __future__ import annotations

import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
st.title("Expenses")

st.subheader("Possible duplicate claims")
dups = queries.expense_duplicates(company)
if not ui.has_rows(dups):
    ui.no_data("no duplicate candidates (expenses.fct_expense_duplicate_candidates)")
else:
    assert dups is not None
    st.metric("Candidate pairs", len(dups), f"{int(dups['is_recurring_series'].sum())} recurring")
    st.dataframe(dups, hide_index=True)
    ui.csv_download(dups, f"expense_duplicates_company_{company}")

st.subheader("Spend over policy")
spend = queries.expense_spend_monthly(company)
if not ui.has_rows(spend):
    ui.no_data("no expenses (expenses.fct_expense_spend_monthly)")
else:
    assert spend is not None
    over = spend[spend["is_over_limit"].astype(bool)]
    by_cat = spend.groupby("category_name", as_index=False)["amount"].sum()
    st.altair_chart(charts.bars(by_cat, "amount", "category_name"), width="stretch")
    if over.empty:
        st.success("No employee is over a monthly category limit.")
    else:
        st.dataframe(over, hide_index=True)
        ui.csv_download(over, f"expenses_over_limit_company_{company}")

st.subheader("Anomalies")
found = queries.anomalies(company)
if not ui.has_rows(found):
    ui.no_data("no anomaly scores (ml.anomalies)", "The ML step writes them after the marts.")
else:
    assert found is not None
    kinds = st.multiselect("Kind", sorted(found["kind"].unique()), key="anomaly_kinds")
    shown = found[found["kind"].isin(kinds)] if kinds else found
    st.dataframe(shown, hide_index=True)
    ui.csv_download(shown, f"anomalies_company_{company}")
