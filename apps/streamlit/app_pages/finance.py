"""Finance drill-down: receivable/payable aging by partner and the overdue invoices behind it."""

from __future__ import annotations

import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
cur = ui.currency(company)
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
    cols[0].metric("Open", ui.money(aging["residual_total"].sum(), cur))
    cols[1].metric("Overdue", ui.money(aging["residual_overdue"].sum(), cur))
    cols[2].metric("Partners with open items", len(aging))
    who = "customer" if kind == "receivable" else "vendor"
    st.subheader(
        f"Aging by {who} ({interval}-day buckets, as of {ui.day(aging['as_of_date'].iloc[0])})"
    )
    st.altair_chart(charts.aging_stacked(aging, currency=cur), width="stretch")
    ui.table(
        aging.drop(columns=["aging_interval_days", "partner_id", "as_of_date"]),
        cur,
        column_config={"partner": st.column_config.TextColumn(who.capitalize())},
    )
    ui.csv_download(aging, f"{kind}_aging_company_{company}")

st.subheader("Overdue invoices and bills")
invoices = queries.overdue_invoices(company)
if not ui.has_rows(invoices):
    ui.no_data("nothing overdue (finance.fct_overdue_invoices)")
else:
    assert invoices is not None
    ui.table(
        invoices.drop(columns=["move_id", "partner_id"])
        .assign(
            aging_type=invoices["aging_type"]
            .map({"receivable": "Invoice", "payable": "Bill"})
            .fillna(invoices["aging_type"]),
            payment_state=invoices["payment_state"].str.replace("_", " "),
        )
        .drop(columns=["aging_bucket"]),
        cur,
        money_columns=["residual"],
        cents=True,
    )
    ui.csv_download(invoices, f"overdue_invoices_company_{company}")
