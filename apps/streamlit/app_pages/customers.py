"""Customer health: the health score bands and the customers most at risk (churn scores if present)."""

from __future__ import annotations

import json

import altair as alt
import streamlit as st

from apps.streamlit import queries, ui

company = ui.company_id()
cur = ui.currency(company)
st.title("Customer health")

frame = queries.customers(company)
if not ui.has_rows(frame):
    ui.no_data("no customers yet (customers.dim_customers)")
    st.stop()
assert frame is not None
churn = queries.churn_scores(company)
if ui.has_rows(churn):
    assert churn is not None

    def _reasons(text: object) -> str:
        try:
            return ", ".join(
                str(r.get("feature")).replace("_", " ") for r in json.loads(str(text))[:3]
            )
        except (ValueError, TypeError, AttributeError):
            return ""

    churn = churn.assign(top_reasons=churn["top_reasons"].map(_reasons))
    frame = frame.merge(
        churn[["partner_id", "churn_probability", "risk_rank", "top_reasons"]],
        on="partner_id",
        how="left",
    ).sort_values(["risk_rank", "health_score"], na_position="last")
else:
    st.caption("Churn scores appear here once the ML step has run (ml.churn_scores).")

bands = frame.groupby("health_band", as_index=False).agg(
    customers=("partner_id", "count"), revenue_12m=("revenue_12m", "sum")
)
cols = st.columns(len(bands) or 1)
for col, (_, band) in zip(cols, bands.iterrows(), strict=False):
    col.metric(
        str(band["health_band"]).replace("_", " ").capitalize(),
        int(band["customers"]),
        f"{ui.money(band['revenue_12m'], cur)} revenue, 12 months",
        delta_color="gray",
        delta_arrow="off",
        border=True,
    )
st.altair_chart(
    alt.Chart(
        frame.assign(
            health_score=frame["health_score"].astype(float),
            health=frame["health_band"].astype(str).str.replace("_", " "),
        )
    )
    .mark_bar()
    .encode(
        x=alt.X("health_score:Q", bin=alt.Bin(step=10), title="health score"),
        y=alt.Y("count():Q", title="customers"),
        color=alt.Color("health:N", title=None, legend=alt.Legend(orient="top")),
    ),
    width="stretch",
)
band = st.multiselect("Bands", sorted(frame["health_band"].dropna().unique()), key="cust_bands")
shown = frame[frame["health_band"].isin(band)] if band else frame
ui.table(
    shown.drop(columns=["partner_id"]).assign(
        health_band=shown["health_band"].astype(str).str.replace("_", " ")
    ),
    cur,
    money_columns=["revenue_12m", "open_overdue_amount"],
)
ui.csv_download(shown, f"customer_health_company_{company}")
