"""Inventory risk: products that run out before a replenishment can arrive, and reorder points."""

from __future__ import annotations

import altair as alt
import streamlit as st

from apps.streamlit import queries, ui

company = ui.company_id()
st.title("Inventory risk")

stock = queries.stock_risk(company)
if not ui.has_rows(stock):
    ui.no_data("no stock with demand (operations.fct_stock_cover)")
else:
    assert stock is not None
    predictions = queries.stockout_predictions(company)
    if ui.has_rows(predictions):
        assert predictions is not None
        stock = stock.merge(
            predictions[["product_id", "warehouse_id", "stockout_probability"]],
            on=["product_id", "warehouse_id"],
            how="left",
        )
    at_risk = stock[stock["is_stockout_within_lead_time"].astype(bool)]
    cols = st.columns(3)
    cols[0].metric("Products tracked", len(stock))
    cols[1].metric("Run out within lead time", len(at_risk))
    cols[2].metric("Median days of cover", f"{stock['days_of_cover'].astype(float).median():.0f}")
    chart_data = stock.head(25).assign(
        days_of_cover=lambda f: f["days_of_cover"].astype(float),
        lead_time_days=lambda f: f["lead_time_days"].astype(float),
    )
    bars = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            x=alt.X("days_of_cover:Q", title="days of cover"),
            y=alt.Y("product:N", sort="x", title=None),
            color=alt.Color("is_stockout_within_lead_time:N", title="runs out within lead time"),
            tooltip=["product", "warehouse_id", "days_of_cover", "lead_time_days"],
        )
    )
    ticks = (
        alt.Chart(chart_data)
        .mark_tick(color="black", thickness=2)
        .encode(x="lead_time_days:Q", y=alt.Y("product:N", sort="x"))
    )
    st.altair_chart(bars + ticks, width="stretch")
    st.caption("Bars: days of cover; black tick: supplier lead time.")
    st.dataframe(stock, hide_index=True)
    ui.csv_download(stock, f"stock_risk_company_{company}")

st.subheader("Below reorder point")
points = queries.reorder_points(company)
if not ui.has_rows(points):
    ui.no_data("no reorder point is below its minimum")
else:
    assert points is not None
    st.dataframe(points, hide_index=True)
    ui.csv_download(points, f"reorder_points_company_{company}")
