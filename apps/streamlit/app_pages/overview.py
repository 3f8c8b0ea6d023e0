"""Overview: the five numbers a COO looks at first, each with its change and a sparkline."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from apps.streamlit import queries, ui

company = ui.company_id()
back = ui.period_months()
st.title("Overview")

runway = queries.cash_runway(company)
flows = queries.cash_flows_monthly(company)
if not ui.has_rows(runway):
    ui.no_data("the finance marts are not built", "Run `coo demo` (or the daily job) first.")
    st.stop()
assert runway is not None
row = runway.iloc[0]
st.caption(f"As of {row['as_of_date']}; changes compared with {back} month(s) earlier.")


def _delta(series: pd.Series) -> float | None:
    clean = series.dropna()
    if len(clean) <= back:
        return None
    return float(clean.iloc[-1] - clean.iloc[-1 - back])


def _signed(value: float | None, unit: str = "") -> str | None:
    if value is None:
        return None
    return ("+" if value >= 0 else "-") + ui.money(abs(value)) + unit


cols = st.columns(4)
cash_series = flows["closing_cash"].astype(float).tail(13) if ui.has_rows(flows) else pd.Series()
cols[0].metric(
    "Cash position",
    ui.money(row["cash_balance"]),
    _signed(_delta(cash_series)),
    chart_data=cash_series.tolist() or None,
    border=True,
    help="Bank, cash and outstanding payment accounts (finance.fct_cash_runway).",
)

if ui.has_rows(flows):
    assert flows is not None
    burn = flows["net_burn"].astype(float).rolling(3, min_periods=3).mean()
    hist_runway = (flows["closing_cash"].astype(float) / burn * 30.4).where(burn > 0)
else:
    hist_runway = pd.Series(dtype=float)
# the one runway figure (the alerts and briefings show it too): the lower of the burn runway
# and the day-by-day projection's, from the mart
runway_days = row["effective_runway_days"]
cols[1].metric(
    "Runway",
    "no burn" if pd.isna(runway_days) else f"{float(runway_days):,.0f} days",
    None if pd.isna(runway_days) else _signed(_delta(hist_runway.tail(13)), " days"),
    chart_data=hist_runway.tail(13).dropna().tolist() or None,
    border=True,
    help="The lower of cash divided by the average monthly burn of the last complete months "
    "and the days until the day-by-day projection (open receivables and payables at their due "
    "dates, recurring costs) goes below zero ('no burn': neither runs out; "
    "finance.fct_cash_runway). The sparkline recomputes the burn runway at each month end.",
)

overdue = queries.receivable_overdue(company)
ar = queries.receivable_balance_monthly(company)
ar_series = ar["receivable_balance"].astype(float).tail(13) if ui.has_rows(ar) else pd.Series()
cols[2].metric(
    "AR overdue",
    ui.money(overdue["overdue"].iloc[0]) if ui.has_rows(overdue) else "—",
    _signed(_delta(ar_series)),
    delta_color="inverse",
    chart_data=ar_series.tolist() or None,
    border=True,
    help="Overdue open receivables (Odoo's aging). Change and sparkline: the total "
    "receivable balance at each month end.",
)

pipe = queries.pipeline_totals(company)
pipe_hist = queries.pipeline_monthly(company)
pipe_series = pipe_hist["pipeline"] if ui.has_rows(pipe_hist) else pd.Series()
cols[3].metric(
    "Pipeline value",
    ui.money(pipe["expected_revenue"].iloc[0]) if ui.has_rows(pipe) else "—",
    _signed(_delta(pipe_series)),
    chart_data=pipe_series.tolist() or None,
    border=True,
    help="Expected revenue of open opportunities; weighted by probability: "
    + (ui.money(pipe["weighted_revenue"].iloc[0]) if ui.has_rows(pipe) else "—"),
)

st.subheader("Revenue: forecast vs actual")
actual = queries.revenue_monthly(company)
forecast = queries.forecasts(company, "revenue_monthly")
if not ui.has_rows(forecast):
    ui.no_data("no revenue forecast (ml.forecasts) yet", "The ML step writes it after the marts.")
    if ui.has_rows(actual):
        assert actual is not None
        st.altair_chart(
            alt.Chart(actual.tail(24))
            .mark_line(point=True)
            .encode(x=alt.X("period_month_date:T", title=None), y=alt.Y("revenue:Q")),
            width="stretch",
        )
else:
    assert forecast is not None and actual is not None
    forecast = forecast.assign(period_month_date=pd.to_datetime(forecast["period_start"]))
    actual = actual.assign(period_month_date=pd.to_datetime(actual["period_month_date"]))
    joined = forecast.merge(actual, on="period_month_date", how="left")
    done = joined.dropna(subset=["revenue"])
    if not done.empty:
        last = done.iloc[-1]
        err = (float(last["revenue"]) - float(last["yhat"])) / max(abs(float(last["yhat"])), 1.0)
        st.metric(
            f"Actual vs forecast, {last['period_month_date']:%b %Y}",
            ui.money(last["revenue"]),
            f"{err:+.1%} vs forecast {ui.money(last['yhat'])}",
            chart_data=(done["revenue"].astype(float) - done["yhat"].astype(float)).tolist(),
            border=True,
        )
    ahead = joined[joined["revenue"].isna()]
    if not ahead.empty and not actual.empty:
        nxt = ahead.iloc[0]
        last_actual = float(actual["revenue"].iloc[-1])
        st.metric(
            f"Forecast, {nxt['period_month_date']:%b %Y}",
            ui.money(nxt["yhat"]),
            _signed(float(nxt["yhat"]) - last_actual),
            border=True,
            help=f"80% interval {ui.money(nxt['yhat_lower'])} to {ui.money(nxt['yhat_upper'])}; "
            "change against the last actual month.",
        )
    base = alt.Chart(joined).encode(x=alt.X("period_month_date:T", title=None))
    band = base.mark_area(opacity=0.25).encode(y="yhat_lower:Q", y2="yhat_upper:Q")
    fc = base.mark_line(strokeDash=[4, 3]).encode(y=alt.Y("yhat:Q", title="revenue"))
    hist = (
        alt.Chart(actual.tail(24))
        .mark_line(point=True, color="black")
        .encode(x="period_month_date:T", y="revenue:Q")
    )
    st.altair_chart(band + fc + hist, width="stretch")
    st.caption(f"Model {forecast['model'].iloc[-1]} {forecast['model_version'].iloc[-1]}")

st.subheader("Cash flows")
if ui.has_rows(flows):
    assert flows is not None
    long = flows.tail(13).melt(
        id_vars=["period_month_date"], value_vars=["cash_in", "cash_out"], var_name="flow"
    )
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("period_month_date:T", title=None),
            y=alt.Y("value:Q", title="amount"),
            color="flow:N",
            xOffset="flow:N",
        ),
        width="stretch",
    )
    ui.csv_download(flows, f"cash_flows_company_{company}")
