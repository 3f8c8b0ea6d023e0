"""Alerts feed: filter, read each alert's one-line why, open one to acknowledge, resolve or
dismiss it (through briefings.service)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alerts import wording
from apps.streamlit import queries, services, ui
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
    col.metric(name.capitalize(), int(counts.get(name, 0)))
companies = queries.companies()
company_names = (
    dict(zip(companies["company_id"].astype(int), companies["name"], strict=True))
    if ui.has_rows(companies)
    else {}
)
shown = pd.DataFrame(
    {
        "id": frame["id"],
        "priority": frame["priority"].str.upper(),
        "title": frame["title"],
        "why": [wording.alert_why(a) for a in rows],
        "area": frame["area"].str.capitalize(),
        "status": frame["status"].str.capitalize(),
        "company": frame["company_id"].map(lambda c: company_names.get(int(c), f"Company {c}")),
        "last_seen_at": frame["last_seen_at"],
    }
)
if this_company:
    shown = shown.drop(columns=["company"])
ui.table(
    shown,
    money_columns=[],
    column_config={
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "title": st.column_config.TextColumn("Alert", width="large"),
        "why": st.column_config.TextColumn("Why", width="large"),
    },
)
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


by_id = {int(a["id"]): a for a in rows}
pick = st.selectbox(
    "Open an alert",
    list(by_id),
    key="alert_pick",
    format_func=lambda i: f"#{i} [{by_id[i]['priority']}] {by_id[i]['title']}"[:140],
)
alert = by_id.get(int(pick)) if pick is not None else None
if alert is not None:
    with st.container(border=True):
        # an alert's title holds Odoo names: shown as text, never as Markdown
        st.markdown(f"**{md_text(alert['title'])}**")
        st.markdown(md_text(wording.alert_why(alert)))
        st.markdown("**Next step:** " + md_text(wording.next_step(alert)))
        st.caption(
            md_text(
                f"#{alert['id']} · {alert['priority']} · {alert['area']} · {alert['status']} · "
                f"first seen {ui.day(alert['first_seen_at'])}, last seen "
                f"{ui.day(alert['last_seen_at'])}"
                + (
                    f" · acknowledged by {alert['acknowledged_by']} on "
                    f"{ui.day(alert['acknowledged_at'])}"
                    if alert.get("acknowledged_by")
                    else ""
                )
            )
        )
        details = {
            k: v for k, v in (alert.get("details") or {}).items() if not isinstance(v, (list, dict))
        }
        if details:
            with st.expander("All the figures behind it"):
                st.table(
                    pd.DataFrame(
                        {
                            "Figure": [ui.label(k) for k in details],
                            "Value": [
                                f"{v:,.2f}"
                                if isinstance(v, float)
                                else ("—" if v is None else str(v))
                                for v in details.values()
                            ],
                        }
                    ).set_index("Figure")
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
