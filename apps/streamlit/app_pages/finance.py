"""Finance drill-down: receivable/payable aging by partner and the overdue invoices behind it."""

from __future__ import annotations

import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
st.title("Finance")

kind = st.segmented_control(
    "Aging", ["receivable", "payable"], default="receivable", key="finance_kind"
)
aging = queries.aging_by_partner(company, str(kind or "receivable"))
if not ui.has_rows(aging):
    ui.no_data(f"no open {kind} items for this company (finance aging mart)")
else:
    assert aging is not None
    interval = int(aging["aging_interval_days"].iloc[0])
    cols = st.columns(3)
    cols[0].metric("Open", ui.money(aging["residual_total"].sum()))
    cols[1].metric("Overdue", ui.money(aging["residual_overdue"].sum()))
    cols[2].metric("Partners with open items", len(aging))
    st.subheader(f"Aging by partner ({interval}-day buckets, as of {aging['as_of_date'].iloc[0]})")
    st.altair_chart(charts.aging_stacked(aging), width="stretch")
    st.dataframe(aging.drop(columns=["aging_interval_days"]), hide_index=True)
    ui.csv_download(aging, f"{kind}_aging_company_{company}")

st.subheader("Overdue invoices and bills")
invoices = queries.overdue_invoices(company)
if not ui.has_rows(invoices):
    ui.no_data("nothing overdue (finance.fct_overdue_invoices)")
else:
    assert invoices is not None
    st.dataframe(
        invoices,
        hide_index=True,
        column_config={
            "residual": st.column_config.NumberColumn(format="%.2f"),
            "partner_avg_days_late": st.column_config.NumberColumn("partner avg days late"),
        },
    )
    ui.csv_download(invoices, f"overdue_invoices_company_{company}")
