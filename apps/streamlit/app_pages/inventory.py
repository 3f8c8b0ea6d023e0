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
        risk=lambda f: (
            f["is_stockout_within_lead_time"]
            .astype(bool)
            .map({True: "Runs out within lead time", False: "Covered"})
        ),
    )
    # most urgent first: the least cover at the top
    order = chart_data.sort_values("days_of_cover")["product"].drop_duplicates().tolist()
    bars = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            x=alt.X("days_of_cover:Q", title="days of cover"),
            y=alt.Y("product:N", sort=order, title=None),
            color=alt.Color(
                "risk:N",
                title=None,
                scale=alt.Scale(
                    domain=["Runs out within lead time", "Covered"], range=["#c62828", "#b0bec5"]
                ),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("product:N", title="product"),
                alt.Tooltip("days_of_cover:Q", title="days of cover", format=",.0f"),
                alt.Tooltip("lead_time_days:Q", title="lead time (days)", format=",.0f"),
            ],
        )
    )
    ticks = (
        alt.Chart(chart_data)
        .mark_tick(color="black", thickness=2)
        .encode(x="lead_time_days:Q", y=alt.Y("product:N", sort=order))
    )
    st.altair_chart(bars + ticks, width="stretch")
    st.caption("Bars: days of cover; black tick: supplier lead time.")
    ui.table(stock.drop(columns=["product_id", "warehouse_id"]), money_columns=[])
    ui.csv_download(stock, f"stock_risk_company_{company}")

st.subheader("Below reorder point")
points = queries.reorder_points(company)
if not ui.has_rows(points):
    ui.no_data("no reorder point is below its minimum")
else:
    assert points is not None
    ui.table(points.drop(columns=["product_id", "warehouse_id"]), money_columns=[])
    ui.csv_download(points, f"reorder_points_company_{company}")
