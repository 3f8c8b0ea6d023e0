"""Data health: how fresh each raw Odoo model is, the last loads and runs, and failed checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from apps.streamlit import health_queries, pipeline_status, queries, ui
from core.cadence import max_lag_hours

st.title("Data health")

tables = health_queries.raw_tables()
if not ui.has_rows(tables):
    ui.no_data("nothing has been extracted (raw_odoo is empty)", "Run `coo demo` or `coo extract`.")
else:
    assert tables is not None
    fresh = health_queries.raw_freshness(tuple(tables["table_name"]))
    assert fresh is not None
    now = datetime.now(UTC)
    extracted = pd.to_datetime(fresh["last_extracted_at"], utc=True)
    fresh["age_hours"] = ((now - extracted).dt.total_seconds() / 3600).round(1)
    fresh["max_age_hours"] = fresh["table_name"].map(max_lag_hours)
    fresh["status"] = [
        "never" if pd.isna(age) else ("stale" if age > limit else "fresh")
        for age, limit in zip(fresh["age_hours"], fresh["max_age_hours"], strict=True)
    ]
    stale = fresh[fresh["status"] != "fresh"]
    cols = st.columns(3)
    cols[0].metric("Source models", len(fresh))
    cols[1].metric("Stale", len(stale))
    cols[2].metric(
        "Last extraction",
        "—" if extracted.isna().all() else f"{extracted.max():%Y-%m-%d %H:%M} UTC",
    )
    ui.table(
        fresh,
        money_columns=[],
        column_config={
            "status": st.column_config.TextColumn(
                "Status", help="fresh = within the schedule's promise"
            ),
            "max_age_hours": st.column_config.NumberColumn(
                "Max age (hours)",
                help="finance models: hourly job, sales: every 4 h, the rest: daily",
            ),
        },
    )
    ui.csv_download(fresh, "raw_freshness")

st.subheader("Loads")
loads = health_queries.dlt_loads()
if not ui.has_rows(loads):
    ui.no_data("no dlt load recorded (raw_odoo._dlt_loads)")
else:
    assert loads is not None
    ui.table(loads, money_columns=[])

st.subheader("Pipeline runs and checks")
runs, failed_checks, note = pipeline_status.recent(limit=10)
if note:
    st.caption(note)
if runs.empty:
    ui.no_data("no Dagster run recorded in this instance")
else:
    ui.table(runs, money_columns=[])
if failed_checks.empty:
    st.success("No failed asset check in the recent runs.")
else:
    st.error(f"{len(failed_checks)} failed check(s) in the recent runs")
    ui.table(failed_checks, money_columns=[])

st.subheader("Models")
model_runs = queries.ml_model_runs()
if not ui.has_rows(model_runs):
    ui.no_data("no model trained yet (ml.model_runs)")
else:
    assert model_runs is not None
    ui.table(model_runs, money_columns=[])
