"""Altair charts used by more than one page (kept small: the data decides, not the styling)."""

from __future__ import annotations

import altair as alt
import pandas as pd

AGING_BUCKETS = {
    "residual_not_due": "not due",
    "residual_period_1": "1-30",
    "residual_period_2": "31-60",
    "residual_period_3": "61-90",
    "residual_period_4": "91-120",
    "residual_older": "older",
}


# not due in grey, then light to dark red as the debt ages (a sequential scale, in order)
AGING_COLOURS = ["#b0bec5", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"]


def aging_stacked(frame: pd.DataFrame, top: int = 15, currency: str = "") -> alt.Chart:
    """Open amounts per partner, stacked by aging bucket (Odoo's Aged Receivable layout)."""
    head = frame.nlargest(top, "residual_total")
    long = head.melt(
        id_vars=["partner"], value_vars=list(AGING_BUCKETS), var_name="bucket", value_name="amount"
    )
    long["bucket_order"] = long["bucket"].map({b: i for i, b in enumerate(AGING_BUCKETS)})
    long["bucket"] = long["bucket"].map(AGING_BUCKETS)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("sum(amount):Q", title=f"open amount ({currency})" if currency else "open"),
            y=alt.Y("partner:N", sort="-x", title=None),
            color=alt.Color(
                "bucket:N",
                title="days overdue",
                scale=alt.Scale(domain=list(AGING_BUCKETS.values()), range=AGING_COLOURS),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("bucket_order:Q"),
            tooltip=[
                alt.Tooltip("partner:N", title="partner"),
                alt.Tooltip("bucket:N", title="days overdue"),
                alt.Tooltip("amount:Q", format=",.0f", title=currency or "amount"),
            ],
        )
    )


def line(frame: pd.DataFrame, x: str, y: str, title: str = "", fmt: str = ",.0f") -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y(f"{y}:Q", title=title or y, axis=alt.Axis(format=fmt)),
            tooltip=[
                alt.Tooltip(f"{x}:T", title="month", format="%b %Y"),
                alt.Tooltip(f"{y}:Q", title=title or y, format=fmt),
            ],
        )
    )


def bars(
    frame: pd.DataFrame, x: str, y: str, color: str | None = None, title: str = ""
) -> alt.Chart:
    encoding: dict = {
        "x": alt.X(f"{x}:Q", title=title or x),
        "y": alt.Y(f"{y}:N", sort="-x", title=None),
        "tooltip": [
            alt.Tooltip(f"{y}:N", title=y.replace("_", " ")),
            alt.Tooltip(f"{x}:Q", format=",.0f", title=title or x),
        ],
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N")
    return alt.Chart(frame).mark_bar().encode(**encoding)
