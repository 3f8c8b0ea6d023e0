"""The executive dashboard: ``streamlit run apps/streamlit/streamlit_app.py`` (or ``coo dashboard``).

The frame: navigation, the company and period selectors, a refresh button and the notice shown
when the pipeline is writing the warehouse. Each page is a script in ``app_pages/``; every
warehouse query is in ``queries.py``. The warehouse is only read; people's decisions go to the
operational store through the alert and write-back services.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from apps.streamlit import queries, ui  # noqa: E402
from apps.streamlit.auth import current_user  # noqa: E402

HERE = Path(__file__).resolve().parent
PAGES = HERE / "app_pages"

st.set_page_config(page_title="AI COO", page_icon=":material/monitoring:", layout="wide")


def _page(name: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(str(PAGES / f"{name}.py"), title=title, icon=icon, default=default)


navigation = st.navigation(
    {
        "Today": [
            _page("overview", "Overview", ":material/dashboard:", default=True),
            _page("alerts", "Alerts", ":material/notifications:"),
            _page("briefings", "Briefings", ":material/article:"),
            _page("actions", "Action center", ":material/task_alt:"),
            _page("ask", "Ask the COO", ":material/forum:"),
        ],
        "Drill down": [
            _page("finance", "Finance", ":material/account_balance:"),
            _page("statements", "Financial statements", ":material/request_quote:"),
            _page("sales", "Sales pipeline", ":material/trending_up:"),
            _page("inventory", "Inventory risk", ":material/inventory_2:"),
            _page("customers", "Customer health", ":material/groups:"),
            _page("expenses", "Expenses", ":material/receipt_long:"),
        ],
        "System": [_page("data_health", "Data health", ":material/health_and_safety:")],
    }
)

user = current_user()  # stops here with a sign-in prompt when nobody is signed in (oidc)
stale_slot = st.empty()
# one read-only connection for this run's cache misses, closed when the run ends
with queries.page_connection():
    with st.sidebar:
        try:
            company_frame = queries.companies()
        except queries.WarehouseBusy:
            company_frame = None
        if ui.has_rows(company_frame):
            assert company_frame is not None
            names = dict(
                zip(company_frame["company_id"].astype(int), company_frame["name"], strict=True)
            )
            st.selectbox(
                "Company", list(names), format_func=lambda c: names.get(c, str(c)), key="company_id"
            )
        else:
            st.session_state.setdefault("company_id", 1)
        st.segmented_control("Compare with last", list(ui.PERIODS), key="period", default="month")
        if st.button("Refresh data", icon=":material/refresh:"):
            queries.clear()
        st.caption(f"Signed in as **{user.name}**")

    try:
        navigation.run()
    except queries.WarehouseBusy:
        st.warning(
            "The pipeline is writing the warehouse right now and nothing has been read yet. "
            "This page fills in as soon as the write finishes (usually within a minute).",
            icon=":material/sync:",
        )
stale_since = queries.take_stale_notice()
if stale_since is not None:
    stale_slot.info(
        "The pipeline is refreshing the warehouse: showing data read at "
        f"{stale_since:%H:%M:%S} UTC.",
        icon=":material/sync:",
    )
