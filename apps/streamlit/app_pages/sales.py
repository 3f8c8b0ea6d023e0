"""Sales drill-down: pipeline by stage, stalled deals (with model scores when present), win rates."""

from __future__ import annotations

import altair as alt
import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
cur = ui.currency(company)
st.title("Sales pipeline")

stages = queries.pipeline_by_stage(company)
if not ui.has_rows(stages):
    ui.no_data("no open opportunities (sales.fct_pipeline_by_stage)")
else:
    assert stages is not None
    long = stages.melt(
        id_vars=["team_name", "stage_name", "stage_sequence"],
        value_vars=["expected_revenue", "weighted_revenue"],
        var_name="measure",
    )
    long["measure"] = long["measure"].map(
        {"expected_revenue": "Expected", "weighted_revenue": "Weighted by probability"}
    )
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("stage_name:N", sort=alt.SortField("stage_sequence"), title=None),
            y=alt.Y("sum(value):Q", title=f"revenue ({cur})"),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top")),
            xOffset="measure:N",
            column=alt.Column("team_name:N", title=None),
            tooltip=[
                alt.Tooltip("team_name:N", title="team"),
                alt.Tooltip("stage_name:N", title="stage"),
                alt.Tooltip("measure:N", title="revenue"),
                alt.Tooltip("sum(value):Q", format=",.0f", title=cur or "amount"),
            ],
        ),
    )
    ui.table(stages.drop(columns=["stage_sequence"]), cur)
    ui.csv_download(stages, f"pipeline_by_stage_company_{company}")

st.subheader("Stalled deals")
stalled = queries.stalled_deals(company)
if not ui.has_rows(stalled):
    ui.no_data("no stalled deals (sales.fct_stalled_deals)")
else:
    assert stalled is not None
    scores = queries.deal_scores(company)
    if ui.has_rows(scores):
        assert scores is not None
        stalled = stalled.merge(
            scores[["lead_id", "win_probability", "stall_probability"]], on="lead_id", how="left"
        )
    ui.table(
        stalled.drop(columns=["lead_id"]),
        cur,
        money_columns=["expected_revenue", "weighted_revenue"],
    )
    ui.csv_download(stalled, f"stalled_deals_company_{company}")

st.subheader("Win rate by month")
wins = queries.win_rates_monthly(company)
if ui.has_rows(wins):
    assert wins is not None
    wins = wins.assign(win_rate=wins["won"] / (wins["won"] + wins["lost"]).where(lambda s: s > 0))
    st.altair_chart(
        charts.line(wins.tail(24), "closed_month_date", "win_rate", "win rate", fmt=".0%"),
        width="stretch",
    )
else:
    ui.no_data("no closed opportunities yet")
