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


def aging_stacked(frame: pd.DataFrame, top: int = 15) -> alt.Chart:
    """Open amounts per partner, stacked by aging bucket (Odoo's Aged Receivable layout)."""
    head = frame.nlargest(top, "residual_total")
    long = head.melt(
        id_vars=["partner"], value_vars=list(AGING_BUCKETS), var_name="bucket", value_name="amount"
    )
    long["bucket"] = long["bucket"].map(AGING_BUCKETS)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("sum(amount):Q", title="open amount"),
            y=alt.Y("partner:N", sort="-x", title=None),
            color=alt.Color("bucket:N", sort=list(AGING_BUCKETS.values()), title="days overdue"),
            tooltip=["partner", "bucket", alt.Tooltip("amount:Q", format=",.0f")],
        )
    )


def line(frame: pd.DataFrame, x: str, y: str, title: str = "") -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(x=alt.X(f"{x}:T", title=None), y=alt.Y(f"{y}:Q", title=title or y), tooltip=[x, y])
    )


def bars(frame: pd.DataFrame, x: str, y: str, color: str | None = None) -> alt.Chart:
    encoding: dict = {
        "x": alt.X(f"{x}:Q"),
        "y": alt.Y(f"{y}:N", sort="-x", title=None),
        "tooltip": list(frame.columns),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N")
    return alt.Chart(frame).mark_bar().encode(**encoding)
