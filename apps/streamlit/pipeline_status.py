"""Recent Dagster runs and failed asset checks, read from the Dagster instance.

The instance is the one under ``DAGSTER_HOME`` (its ``dagster.yaml`` decides the storage:
SQLite locally, PostgreSQL in production), read-only from here. Dagster is imported lazily:
only the Data health page pays for it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.settings import get_settings

logger = logging.getLogger(__name__)

RUN_COLUMNS = ["run_id", "job", "status", "started_at", "ended_at", "seconds"]
CHECK_COLUMNS = ["run_id", "asset", "check", "severity", "description"]


@st.cache_data(ttl=30, show_spinner=False)
def _recent(home: str, limit: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    from dagster import DagsterEventType, DagsterInstance

    try:
        instance = DagsterInstance.from_config(home)
    except Exception as exc:
        logger.warning("cannot open the Dagster instance at %s: %s", home, exc)
        return (
            pd.DataFrame(columns=RUN_COLUMNS),
            pd.DataFrame(columns=CHECK_COLUMNS),
            f"The Dagster instance at {home} could not be opened ({type(exc).__name__}).",
        )
    try:
        runs, checks = [], []
        for record in instance.get_run_records(limit=limit):
            run = record.dagster_run
            start, end = record.start_time, record.end_time
            runs.append(
                {
                    "run_id": run.run_id[:8],
                    "job": run.job_name,
                    "status": run.status.value,
                    "started_at": pd.to_datetime(start, unit="s", utc=True) if start else None,
                    "ended_at": pd.to_datetime(end, unit="s", utc=True) if end else None,
                    "seconds": round(end - start, 1) if start and end else None,
                }
            )
            for entry in instance.all_logs(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            ):
                event = entry.dagster_event
                data: Any = event.event_specific_data if event else None
                if data is None or getattr(data, "passed", True):
                    continue
                checks.append(
                    {
                        "run_id": run.run_id[:8],
                        "asset": data.asset_key.to_user_string(),
                        "check": data.check_name,
                        "severity": getattr(data.severity, "value", str(data.severity)),
                        "description": data.description or "",
                    }
                )
    finally:
        instance.dispose()
    return (
        pd.DataFrame(runs, columns=RUN_COLUMNS),
        pd.DataFrame(checks, columns=CHECK_COLUMNS),
        "",
    )


def recent(limit: int = 10) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(runs, failed checks, note) of the last ``limit`` runs; empty frames and a note when
    there is no instance yet."""
    home = get_settings().dagster_home
    if not home or not Path(home).is_dir():
        return (
            pd.DataFrame(columns=RUN_COLUMNS),
            pd.DataFrame(columns=CHECK_COLUMNS),
            "No Dagster instance yet (DAGSTER_HOME is unset or empty): runs appear after the "
            "first `coo demo` or scheduled run.",
        )
    return _recent(str(Path(home).resolve()), limit)
