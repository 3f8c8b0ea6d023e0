"""Action center: pending proposals with their reasoning and evidence, approve / reject one or
many, the executed actions with their audit trail, and rollback (through writeback.service)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps.streamlit import services, ui
from apps.streamlit.auth import current_user
from core.untrusted import md_text

# Every text an agent, Odoo or the policy wrote is shown through md_text: as the characters
# it is, never as Markdown (no image, link or HTML can come out of a proposal's reasoning).

st.title("Action center")
service = services.writeback_service()
if service is None:
    ui.no_data("the write-back service is not installed yet (writeback.service)")
    st.stop()
assert service is not None

company = ui.company_id()
user = current_user()
roles = services.roles_of(user.name) or [user.role]
role = st.selectbox(
    f"Deciding as {user.name}, in the role",
    roles,
    index=roles.index(user.role) if user.role in roles else 0,
    key="approver_role",
)
flash = st.session_state.pop("action_flash", None)
if flash:
    (st.success if flash[0] else st.error)(md_text(flash[1]))


def _decide(kind: str, ids: list[int], reason: str = "") -> None:
    assert service is not None
    try:
        if kind == "approve":
            results = service.approve(ui.state(), ids, user.name, role)
        else:
            results = service.reject(ui.state(), ids, user.name, role, reason)
    except Exception as exc:
        st.session_state["action_flash"] = (False, str(exc))
        return
    ok = [r.id for r in results if r.ok]
    refused = [f"#{r.id}: {r.reason}" for r in results if not r.ok]
    verb = "approved" if kind == "approve" else "rejected"
    text = f"{len(ok)} proposal(s) {verb} by {user.name} ({role})."
    if refused:
        text += " Refused: " + "; ".join(refused)
    st.session_state["action_flash"] = (not refused, text)


pending = service.list_proposals(ui.state(), status="pending", company_id=company)
st.subheader(f"Waiting for a decision ({len(pending)})")
if not pending:
    ui.no_data("no proposal is waiting for approval")
else:
    table = pd.DataFrame(pending)
    cols = [
        c for c in ("id", "skill", "model", "record_id", "source", "requested_by") if c in table
    ]
    picked = st.multiselect(
        "Select proposals",
        table["id"].tolist(),
        key="picked_proposals",
        format_func=lambda i: f"#{i}",
    )
    st.dataframe(table[cols], hide_index=True)
    batch = st.columns([1, 1, 3])
    batch[0].button(
        f"Approve selected ({len(picked)})",
        key="approve_selected",
        disabled=not picked,
        on_click=_decide,
        args=("approve", [int(i) for i in picked]),
        type="primary",
    )
    reason = batch[2].text_input("Reason for rejecting", key="reject_reason")
    batch[1].button(
        f"Reject selected ({len(picked)})",
        key="reject_selected",
        disabled=not picked or not reason.strip(),
        on_click=_decide,
        args=("reject", [int(i) for i in picked], reason),
    )
    for proposal in pending[:50]:
        pid = int(proposal["id"])
        with st.expander(
            md_text(
                f"#{pid} {proposal['skill']} on {proposal['model']} {proposal.get('record_id') or ''}"
            )
        ):
            st.markdown("**Why:** " + md_text(proposal.get("reasoning") or "—"))
            st.caption(
                md_text(
                    f"Proposed by {proposal.get('requested_by')} via {proposal.get('source')}"
                    + (f" for alert {proposal['alert_key']}" if proposal.get("alert_key") else "")
                )
            )
            st.markdown("**Parameters**")
            st.json(proposal.get("params") or {})
            if proposal.get("policy"):
                st.markdown("**Policy check (evidence)**")
                st.json(proposal["policy"])
            one = st.columns(2)
            one[0].button(
                "Approve",
                key=f"approve_{pid}",
                on_click=_decide,
                args=("approve", [pid]),
                type="primary",
            )
            one[1].button(
                "Reject",
                key=f"reject_{pid}",
                disabled=not reason.strip(),
                help="Write a reason above first",
                on_click=_decide,
                args=("reject", [pid], reason),
            )

st.subheader("Decided and executed")
done = [
    p for p in service.list_proposals(ui.state(), company_id=company) if p["status"] != "pending"
]
if not done:
    ui.no_data("nothing decided yet")
else:
    frame = pd.DataFrame(done)
    cols = [
        c
        for c in ("id", "skill", "model", "record_id", "status", "updated_at", "reason")
        if c in frame
    ]
    st.dataframe(frame[cols], hide_index=True)
    ui.csv_download(frame[cols], "proposals_decided")
    pick = st.selectbox(
        "Audit trail of", frame["id"].tolist(), key="audit_pick", format_func=lambda i: f"#{i}"
    )
    if pick is not None:
        trace = service.get_proposal(ui.state(), int(pick))
        st.markdown("**Approvals**")
        st.dataframe(pd.DataFrame(trace.get("approvals") or []), hide_index=True)
        st.markdown("**Executions**")
        st.dataframe(pd.DataFrame(trace.get("executions") or []), hide_index=True)
        st.markdown("**Audit log (values before / after)**")
        st.dataframe(pd.DataFrame(trace.get("audit") or []), hide_index=True)
        if trace.get("status") in services.ROLLBACK_STATUSES and st.button(
            "Roll back this action", key=f"rollback_{pick}"
        ):
            st.info(md_text(services.rollback(int(pick), user.name)))
