"""Sales drill-down: pipeline by stage, stalled deals (with model scores when present), win rates."""

from __future__ import annotations

import altair as alt
import streamlit as st

from apps.streamlit import charts, queries, ui

company = ui.company_id()
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
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("stage_name:N", sort=alt.SortField("stage_sequence"), title=None),
            y=alt.Y("sum(value):Q", title="revenue"),
            color="measure:N",
            xOffset="measure:N",
            column=alt.Column("team_name:N", title=None),
            tooltip=[
                "team_name",
                "stage_name",
                "measure",
                alt.Tooltip("sum(value):Q", format=",.0f"),
            ],
        ),
    )
    st.dataframe(stages, hide_index=True)
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
    st.dataframe(stalled, hide_index=True)
    ui.csv_download(stalled, f"stalled_deals_company_{company}")

st.subheader("Win rate by month")
wins = queries.win_rates_monthly(company)
if ui.has_rows(wins):
    assert wins is not None
    wins = wins.assign(win_rate=wins["won"] / (wins["won"] + wins["lost"]).where(lambda s: s > 0))
    st.altair_chart(charts.line(wins.tail(24), "closed_month_date", "win_rate"), width="stretch")
else:
    ui.no_data("no closed opportunities yet")
