"""Alerts feed: filter, then acknowledge, resolve or dismiss (through briefings.service)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from apps.streamlit import services, ui
from apps.streamlit.auth import current_user
from core.untrusted import md_text

st.title("Alerts")
service = services.alerts_service()
if service is None:
    ui.no_data("the alerts service is not installed yet (briefings.service)")
    st.stop()
assert service is not None

company = ui.company_id()
user = current_user()
cols = st.columns(4)
status = cols[0].multiselect(
    "Status", services.ALERT_STATUSES, default=["new", "acknowledged"], key="alert_status"
)
area = cols[1].selectbox("Area", ["all", *services.AREAS], key="alert_area")
priority = cols[2].selectbox("Priority", ["all", *services.PRIORITIES], key="alert_priority")
this_company = cols[3].toggle("This company only", value=True, key="alert_company_only")

rows = service.list_alerts(
    ui.state(),
    status=list(status) or None,
    area=None if area == "all" else area,
    priority=None if priority == "all" else priority,
    company_id=company if this_company else None,
)
flash = st.session_state.pop("alert_flash", None)
if flash:
    st.success(md_text(flash))
if not rows:
    ui.no_data("no alert matches these filters")
    st.stop()

frame = pd.DataFrame(rows)
counts = frame["priority"].value_counts()
metric_cols = st.columns(len(services.PRIORITIES))
for col, name in zip(metric_cols, services.PRIORITIES, strict=True):
    col.metric(name, int(counts.get(name, 0)))
shown = frame[["id", "priority", "area", "family", "title", "status", "company_id", "last_seen_at"]]
st.dataframe(shown, hide_index=True)
ui.csv_download(shown, "alerts")


def _act(action: str, alert_id: int) -> None:
    fn = getattr(service, action)
    try:
        fn(ui.state(), alert_id, user.name)
    except Exception as exc:  # a refused transition: say why, keep the page
        st.session_state["alert_flash"] = f"Alert {alert_id}: {exc}"
        return
    past = {"acknowledge": "acknowledged", "resolve": "resolved", "dismiss": "dismissed"}[action]
    st.session_state["alert_flash"] = f"Alert {alert_id} {past} by {user.name}."


for alert in rows[:50]:
    # an alert's title holds Odoo names: shown as text, never as Markdown
    label = md_text(f"[{alert['priority']}] {alert['title']} — {alert['status']}")
    with st.expander(label, expanded=False):
        st.caption(
            f"#{alert['id']} · {alert['family']} · {alert['area']} · company "
            f"{alert['company_id']} · first seen {alert['first_seen_at']:%Y-%m-%d %H:%M}"
        )
        details = alert.get("details") or {}
        if details:
            st.code(json.dumps(details, indent=1, default=str), language="json")
        if alert.get("acknowledged_by"):
            st.caption(
                md_text(f"Acknowledged by {alert['acknowledged_by']} at {alert['acknowledged_at']}")
            )
        buttons = st.columns(3)
        new = alert["status"] == "new"
        open_ = alert["status"] in ("new", "acknowledged")
        buttons[0].button(
            "Acknowledge",
            key=f"ack_{alert['id']}",
            disabled=not new,
            on_click=_act,
            args=("acknowledge", alert["id"]),
        )
        buttons[1].button(
            "Resolve",
            key=f"resolve_{alert['id']}",
            disabled=not open_,
            on_click=_act,
            args=("resolve", alert["id"]),
        )
        buttons[2].button(
            "Dismiss",
            key=f"dismiss_{alert['id']}",
            disabled=not open_,
            on_click=_act,
            args=("dismiss", alert["id"]),
        )
