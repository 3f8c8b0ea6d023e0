"""Overview: what needs the CEO's attention first (open critical and high alerts, each with
its one-line why and the proposed action), then the headline figures with their change, the
revenue forecast and the cash flows. Every headline figure is read from the marts the alerts
and the briefing read (finance.fct_cash_runway above all), so the three never disagree."""

from __future__ import annotations

import calendar

import altair as alt
import pandas as pd
import streamlit as st

from alerts import wording
from apps.streamlit import queries, services, ui
from core.untrusted import md_text

company = ui.company_id()
back = ui.period_months()
cur = ui.currency(company)
st.title("Overview")

runway = queries.cash_runway(company)
flows = queries.cash_flows_monthly(company)
if not ui.has_rows(runway):
    ui.no_data("the finance marts are not built", "Run `coo demo` (or the daily job) first.")
    st.stop()
assert runway is not None
row = runway.iloc[0]
as_of = pd.Timestamp(row["as_of_date"])
st.caption(
    f"Figures in {cur or 'company currency'} as of {ui.day(as_of)}; changes compared with "
    f"{back} month(s) earlier."
)

# --- what needs attention ----------------------------------------------------------------
alerts_service = services.alerts_service()
writeback = services.writeback_service()
urgent: list[dict] = []
if alerts_service is not None:
    urgent = [
        a
        for a in alerts_service.list_alerts(
            ui.state(), status=["new", "acknowledged"], company_id=company
        )
        if a["priority"] in ("critical", "high")
    ]
pending_by_alert: dict[str, dict] = {}
if writeback is not None and urgent:
    for p in writeback.list_proposals(ui.state(), status="pending", company_id=company):
        if p.get("alert_key"):
            pending_by_alert.setdefault(str(p["alert_key"]), p)
st.subheader("Needs attention" + (f" ({len(urgent)})" if urgent else ""))
if not urgent:
    st.success("No critical or high alert is open for this company.", icon=":material/check:")
SHOWN = 5
for alert in urgent[:SHOWN]:
    with st.container(border=True):
        badge = ":red-badge[CRITICAL]" if alert["priority"] == "critical" else ":orange-badge[HIGH]"
        proposal = pending_by_alert.get(str(alert.get("alert_key")))
        step = (
            "**Proposed:** "
            + md_text(wording.proposal_sentence(proposal, alert, cur))
            + f" (#{int(proposal['id'])}, waiting for approval in the Action center)"
            if proposal is not None
            else "**Next step:** " + md_text(wording.next_step(alert))
        )
        st.markdown(
            f"{badge} **{md_text(alert['title'])}**  \n"
            f"{md_text(wording.alert_why(alert))}  \n{step}"
        )
if len(urgent) > SHOWN:
    st.caption(f"{len(urgent) - SHOWN} more on the Alerts page.")
if urgent:
    links = st.columns(4)
    links[0].page_link("app_pages/actions.py", label="Action center", icon=":material/task_alt:")
    links[1].page_link("app_pages/alerts.py", label="All alerts", icon=":material/notifications:")


# --- headline figures ---------------------------------------------------------------------
def _delta(series: pd.Series) -> float | None:
    clean = series.dropna()
    if len(clean) <= back:
        return None
    return float(clean.iloc[-1] - clean.iloc[-1 - back])


def _signed(value: float | None, unit: str = "") -> str | None:
    if value is None:
        return None
    return ("+" if value >= 0 else "-") + ui.money(abs(value), cur) + unit


def _signed_days(value: float | None) -> str | None:
    return None if value is None else f"{value:+,.0f} days"


# two rows: an amount with its currency needs the width of a third of the page
cols = [*st.columns(3), *st.columns(3)[:2]]
cash_series = flows["closing_cash"].astype(float).tail(13) if ui.has_rows(flows) else pd.Series()
cols[0].metric(
    "Cash",
    ui.money(row["cash_balance"], cur),
    _signed(_delta(cash_series)),
    chart_data=cash_series.tolist() or None,
    border=True,
    help="Bank, cash and outstanding payment accounts (finance.fct_cash_runway). Sparkline: "
    "cash at each month end.",
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
out_date = row["projected_cash_out_date"]
cols[1].metric(
    "Runway",
    "cash lasts" if pd.isna(runway_days) else f"{float(runway_days):,.0f} days",
    None if pd.isna(out_date) else f"cash runs out {ui.day(out_date)}",
    delta_color="red",
    delta_arrow="off",
    border=True,
    help="The lower of cash divided by the average monthly burn of the last complete months "
    "and the days until the day-by-day projection (open receivables and payables at their due "
    "dates, recurring costs) goes below zero. 'Cash lasts': neither runs out "
    "(finance.fct_cash_runway).",
)

overdue = queries.receivable_overdue(company)
overdue_hist = queries.receivable_overdue_monthly(company)
overdue_series = overdue_hist["overdue"] if ui.has_rows(overdue_hist) else pd.Series()
share = (
    float(overdue["overdue"].iloc[0]) / float(overdue["total"].iloc[0])
    if ui.has_rows(overdue) and float(overdue["total"].iloc[0] or 0) > 0
    else None
)
cols[2].metric(
    "AR overdue",
    ui.money(overdue["overdue"].iloc[0], cur) if ui.has_rows(overdue) else "—",
    _signed(_delta(overdue_series)),
    delta_color="inverse",
    chart_data=overdue_series.tolist() or None,
    border=True,
    help="Overdue open receivables (Odoo's aging)"
    + (
        f", {share:.0%} of the {ui.money(overdue['total'].iloc[0], cur)} open"
        if share is not None and overdue is not None
        else ""
    )
    + ". Change and sparkline: overdue receivables at each month end, rebuilt from the "
    "invoices' due and payment dates.",
)

pipe = queries.pipeline_totals(company)
pipe_hist = queries.pipeline_monthly(company)
pipe_series = pipe_hist["pipeline"] if ui.has_rows(pipe_hist) else pd.Series()
cols[3].metric(
    "Pipeline",
    ui.money(pipe["expected_revenue"].iloc[0], cur) if ui.has_rows(pipe) else "—",
    _signed(_delta(pipe_series)),
    chart_data=pipe_series.tolist() or None,
    border=True,
    help="Expected revenue of open opportunities; weighted by probability: "
    + (ui.money(pipe["weighted_revenue"].iloc[0], cur) if ui.has_rows(pipe) else "—"),
)

risk = queries.customers_at_risk(company)
cols[4].metric(
    "Customers at risk",
    f"{int(risk['at_risk'].iloc[0])} of {int(risk['customers'].iloc[0])}"
    if ui.has_rows(risk)
    else "—",
    f"{ui.money(risk['at_risk_revenue_12m'].iloc[0], cur)} revenue, 12 months"
    if ui.has_rows(risk)
    else None,
    delta_color="gray",
    delta_arrow="off",
    border=True,
    help="Customers in the 'at risk' health band (customers.dim_customers), as the briefing "
    "counts them, and the revenue they brought in the last 12 months.",
)

# --- revenue ------------------------------------------------------------------------------
st.subheader("Revenue: actual and forecast")
actual = queries.revenue_monthly(company)
forecast = queries.forecasts(company, "revenue_monthly")
month_start = as_of.replace(day=1)
days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
elapsed = as_of.day / days_in_month
if ui.has_rows(actual):
    assert actual is not None
    actual = actual.assign(
        period_month_date=pd.to_datetime(actual["period_month_date"]),
        revenue=actual["revenue"].astype(float),
    )
if not ui.has_rows(forecast):
    ui.no_data("no revenue forecast (ml.forecasts) yet", "The ML step writes it after the marts.")
    if ui.has_rows(actual):
        assert actual is not None
        st.altair_chart(
            alt.Chart(actual[actual["period_month_date"] < month_start].tail(24))
            .mark_line(point=True)
            .encode(
                x=alt.X("period_month_date:T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("revenue:Q", title=f"revenue ({cur})"),
                tooltip=[
                    alt.Tooltip("period_month_date:T", title="month", format="%B %Y"),
                    alt.Tooltip("revenue:Q", format=",.0f", title=cur or "revenue"),
                ],
            ),
            width="stretch",
        )
        st.caption(f"Complete months; {month_start:%B %Y} is still running.")
else:
    assert forecast is not None and actual is not None
    forecast = forecast.assign(
        period_month_date=pd.to_datetime(forecast["period_start"]),
        yhat=forecast["yhat"].astype(float).clip(lower=0),
        yhat_lower=forecast["yhat_lower"].astype(float).clip(lower=0),
        yhat_upper=forecast["yhat_upper"].astype(float).clip(lower=0),
    )
    joined = forecast.merge(actual, on="period_month_date", how="left")
    metric_cols = st.columns(3)
    complete = joined[joined["period_month_date"] < month_start].dropna(subset=["revenue"])
    if not complete.empty:
        last = complete.iloc[-1]
        err = (last["revenue"] - last["yhat"]) / max(abs(last["yhat"]), 1.0)
        metric_cols[0].metric(
            f"{last['period_month_date']:%B %Y}: actual vs forecast",
            ui.money(last["revenue"], cur),
            f"{err:+.0%} vs forecast {ui.money(last['yhat'], cur)}",
            border=True,
            help="The last complete month against what the model forecast for it.",
        )
    current = joined[joined["period_month_date"] == month_start]
    if not current.empty and not pd.isna(current["revenue"].iloc[0]):
        mtd = float(current["revenue"].iloc[0])
        pace = float(current["yhat"].iloc[0]) * elapsed
        metric_cols[1].metric(
            f"{month_start:%B} to date ({as_of.day} of {days_in_month} days)",
            ui.money(mtd, cur),
            f"{(mtd - pace) / max(abs(pace), 1.0):+.0%} vs forecast to date {ui.money(pace, cur)}",
            border=True,
            help="Revenue so far this month against the month's forecast prorated to the "
            "days elapsed (like for like).",
        )
    ahead = joined[joined["period_month_date"] > month_start]
    if not ahead.empty:
        nxt = ahead.iloc[0]
        metric_cols[2].metric(
            f"{nxt['period_month_date']:%B %Y}: forecast",
            ui.money(nxt["yhat"], cur),
            f"likely {ui.money(nxt['yhat_lower'], cur)} to {ui.money(nxt['yhat_upper'], cur)}",
            delta_color="gray",
            delta_arrow="off",
            border=True,
            help="80% prediction interval.",
        )
    history = actual[actual["period_month_date"] < month_start].tail(24)
    axis = alt.Y("revenue:Q", title=f"revenue ({cur})", scale=alt.Scale(zero=True))
    base = alt.Chart(forecast).encode(
        x=alt.X("period_month_date:T", title=None, axis=alt.Axis(format="%b %Y"))
    )
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("yhat_lower:Q", title=f"revenue ({cur})"), y2="yhat_upper:Q"
    )
    fc = base.mark_line(strokeDash=[4, 3]).encode(y=alt.Y("yhat:Q"))
    hist = (
        alt.Chart(history)
        .mark_line(point=True, color="black")
        .encode(
            x="period_month_date:T",
            y=axis,
            tooltip=[
                alt.Tooltip("period_month_date:T", title="month", format="%b %Y"),
                alt.Tooltip("revenue:Q", format=",.0f"),
            ],
        )
    )
    st.altair_chart(band + fc + hist, width="stretch")
    st.caption(
        "Black: complete months. Dashed: forecast, with its 80% interval shaded. "
        f"Model {md_text(forecast['model'].iloc[-1])} {md_text(forecast['model_version'].iloc[-1])}."
    )

# --- cash flows ---------------------------------------------------------------------------
st.subheader("Cash in and out by month")
if ui.has_rows(flows):
    assert flows is not None
    recent = flows.tail(13).assign(month=lambda f: pd.to_datetime(f["period_month_date"]))
    long = recent.melt(id_vars=["month"], value_vars=["cash_in", "cash_out"], var_name="flow")
    long["flow"] = long["flow"].map({"cash_in": "Cash in", "cash_out": "Cash out"})
    long["value"] = long["value"].astype(float).abs()
    long["label"] = long["month"].dt.strftime("%b %Y")
    order = recent["month"].dt.strftime("%b %Y").tolist()
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:O", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("flow:N", sort=["Cash in", "Cash out"]),
            y=alt.Y("value:Q", title=f"amount ({cur})"),
            color=alt.Color(
                "flow:N",
                title=None,
                scale=alt.Scale(domain=["Cash in", "Cash out"], range=["#2e7d32", "#c62828"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("label:O", title="month"),
                alt.Tooltip("flow:N"),
                alt.Tooltip("value:Q", format=",.0f", title=cur or "amount"),
            ],
        ),
        width="stretch",
    )
    if recent["month"].iloc[-1] >= month_start:
        st.caption(f"{month_start:%B %Y} is month to date.")
    ui.csv_download(flows, f"cash_flows_company_{company}")
