"""Briefings: today's briefing for each role, and the archive (through briefings.service)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from apps.streamlit import services, ui
from briefings.facts import ROLE_TITLES
from core.untrusted import md_text

st.title("Briefings")
service = services.alerts_service()
if service is None:
    ui.no_data("the briefings service is not installed yet (briefings.service)")
    st.stop()
assert service is not None

company = ui.company_id()
archive = service.list_briefings(ui.state(), company_id=company, limit=200)
if not archive:
    ui.no_data("no briefing has been written for this company", "They are composed at 06:00.")
    st.stop()


def _when(item: dict) -> datetime:
    value = item.get("created_at")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)


latest_day = max(_when(b) for b in archive).date()
today = [b for b in archive if _when(b).date() == latest_day]
st.subheader(f"Latest: {latest_day:%A %d %B %Y}")
roles = sorted({str(b.get("role")) for b in today})
for tab, role in zip(st.tabs([ROLE_TITLES.get(r, r) for r in roles]), roles, strict=True):
    with tab:
        for item in [b for b in today if str(b.get("role")) == role][:1]:
            full = service.get_briefing(ui.state(), item["id"])
            st.markdown("### " + md_text(full.get("subject") or full.get("title") or role))
            st.markdown(services.briefing_markdown(full))
            proposals = full.get("proposals") or []
            if proposals:
                st.caption(f"{len(proposals)} proposed action(s): see the Action center.")

st.subheader("Archive")
frame = pd.DataFrame(archive)
columns = [
    c for c in ("id", "created_at", "role", "subject", "kind", "delivery_status") if c in frame
]
ui.table(
    frame[columns].assign(
        role=frame["role"].map(lambda r: ROLE_TITLES.get(str(r), str(r))),
        kind=frame["kind"].map({"llm": "Claude", "template": "Template"}).fillna(frame["kind"]),
    ),
    money_columns=[],
    column_config={
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "created_at": st.column_config.DatetimeColumn("Written", format="YYYY-MM-DD HH:mm"),
        "kind": st.column_config.TextColumn("Written by"),
        "delivery_status": st.column_config.TextColumn("Email"),
    },
)
pick = st.selectbox("Open a briefing", frame["id"].tolist(), key="briefing_pick")
if pick is not None:
    st.markdown(services.briefing_markdown(service.get_briefing(ui.state(), int(pick))))
