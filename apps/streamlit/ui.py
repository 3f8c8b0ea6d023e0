"""Small pieces every page shares: the selected company and period, "no data yet", CSV export,
number formatting, and the operational store (the only place the dashboard writes)."""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import pandas as pd
import streamlit as st

from opstore import StateStore
from opstore.db import state_url

PERIODS = {"month": 1, "quarter": 3, "year": 12}


def company_id() -> int:
    """The company chosen in the sidebar (set by streamlit_app before the page runs)."""
    return int(st.session_state.get("company_id") or 1)


def period_months() -> int:
    return PERIODS.get(str(st.session_state.get("period") or "month"), 1)


def period_label() -> str:
    return str(st.session_state.get("period") or "month")


def no_data(what: str, hint: str = "") -> None:
    """The one way a page says a table is not built yet."""
    st.info(f"No data yet: {what}." + (f" {hint}" if hint else ""), icon=":material/hourglass:")


def has_rows(frame: pd.DataFrame | None) -> TypeGuard[pd.DataFrame]:
    return frame is not None and not frame.empty


def csv_download(frame: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{name}",
        icon=":material/download:",
    )


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame (names cut to Excel's 31 characters)."""
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def money(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


@st.cache_resource(show_spinner=False)
def _state(url: str) -> StateStore:
    return StateStore(url)


def state() -> StateStore:
    """The operational store named by COO_STATE_URL (one engine per URL per process)."""
    return _state(state_url())
