"""Action center: each proposal as a sentence (who, which document, how much, how late), the
evidence as a short table, Approve and execute in one flow with the result, undo from the same
screen; the decided actions with their audit trail (through writeback.service)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alerts import wording
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
cur = ui.currency(company)
user = current_user()
held = services.roles_of(user.name)
if not held:
    st.warning(
        md_text(
            f"{user.name} is not an approver yet, so Approve is refused. Name the approvers "
            "and their roles in COO_APPROVERS (see .env.example); `coo demo` sets up a demo "
            "approver when none is configured."
        ),
        icon=":material/lock:",
    )
roles = held or [user.role]
role = st.selectbox(
    f"Deciding as {user.name}, in the role",
    roles,
    index=roles.index(user.role) if user.role in roles else 0,
    key="approver_role",
)
flash = st.session_state.pop("action_flash", None)
if flash:
    (st.success if flash[0] else st.error)(md_text(flash[1]))

alerts_service = services.alerts_service()
alerts_by_key: dict[str, dict] = {}
if alerts_service is not None:
    for a in alerts_service.list_alerts(ui.state(), company_id=company):
        alerts_by_key.setdefault(str(a["alert_key"]), a)


def _sentence(proposal: dict) -> str:
    return wording.proposal_sentence(
        proposal, alerts_by_key.get(str(proposal.get("alert_key"))), cur
    )


def _decide(kind: str, ids: list[int], reason: str = "", run: bool = False) -> None:
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
    if run and ok:
        outcomes = services.execute(ok)
        text += " " + " ".join(outcomes)
        st.session_state["action_last"] = ok[-1]
    st.session_state["action_flash"] = (not refused, text)


def _undo(proposal_id: int) -> None:
    text = services.rollback(proposal_id, user.name)
    st.session_state["action_flash"] = ("rolled back" in text, text)


# --- the result of the last action, with its undo -------------------------------------------
last = st.session_state.get("action_last")
if last is not None:
    trace = service.get_proposal(ui.state(), int(last))
    if trace.get("status") in services.ROLLBACK_STATUSES:
        with st.container(border=True):
            st.markdown("**Done:** " + md_text(_sentence(trace)))
            link = services.odoo_link(trace.get("model"), trace.get("record_id"))
            st.caption(
                md_text(services.written_summary(trace))
                + (f" · [open the record in Odoo]({link})" if link else "")
            )
            st.button(
                "Undo",
                key=f"undo_{last}",
                icon=":material/undo:",
                on_click=_undo,
                args=(int(last),),
            )

pending = service.list_proposals(ui.state(), status="pending", company_id=company)
st.subheader(f"Waiting for a decision ({len(pending)})")
if not pending:
    ui.no_data("no proposal is waiting for approval")
else:
    sentences = {int(p["id"]): _sentence(p) for p in pending}
    picked = st.multiselect(
        "Select proposals to decide together",
        list(sentences),
        key="picked_proposals",
        format_func=lambda i: f"#{i} {sentences[i]}"[:90],
    )
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
        with st.expander(md_text(f"#{pid} {_sentence(proposal)}")):
            st.markdown("**Why:** " + md_text(proposal.get("reasoning") or "—"))
            st.caption(
                md_text(
                    f"Proposed by {proposal.get('requested_by')} via {proposal.get('source')}, "
                    f"risk {proposal.get('risk')}, skill {proposal.get('skill')} on "
                    f"{proposal.get('model')} #{proposal.get('record_id')}"
                )
            )
            evidence = wording.evidence_rows(proposal)
            if evidence:
                st.markdown("**Checks before approval**")
                st.table(pd.DataFrame(evidence).map(md_text).set_index("Check"))
            one = st.columns(3)
            one[0].button(
                "Approve and execute",
                key=f"run_{pid}",
                on_click=_decide,
                args=("approve", [pid], "", True),
                type="primary",
                help="Approve, then carry it out in Odoo now; Undo appears with the result.",
            )
            one[1].button(
                "Approve",
                key=f"approve_{pid}",
                on_click=_decide,
                args=("approve", [pid]),
                help="Approve only: the write-back job executes it on its next run.",
            )
            one[2].button(
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
    frame = pd.DataFrame(
        {
            "id": [int(p["id"]) for p in done],
            "proposal": [_sentence(p) for p in done],
            "status": [str(p["status"]).replace("_", " ") for p in done],
            "updated_at": [p.get("updated_at") for p in done],
            "reason": [
                str(p.get("reason") or "")
                if p["status"] in ("rejected", "failed", "refused")
                else ""
                for p in done
            ],
        }
    )
    ui.table(
        frame,
        money_columns=[],
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "proposal": st.column_config.TextColumn("Proposal", width="large"),
        },
    )
    ui.csv_download(frame, "proposals_decided")
    approved = [int(p["id"]) for p in done if p["status"] == "approved"]
    if approved:
        st.button(
            f"Execute the approved ({len(approved)}) now",
            key="execute_approved",
            on_click=lambda: st.session_state.update(
                action_flash=(True, " ".join(services.execute(approved)))
            ),
        )
    pick = st.selectbox(
        "Audit trail of", frame["id"].tolist(), key="audit_pick", format_func=lambda i: f"#{i}"
    )
    if pick is not None:
        trace = service.get_proposal(ui.state(), int(pick))
        st.markdown("**Approvals**")
        ui.table(pd.DataFrame(trace.get("approvals") or []), money_columns=[])
        st.markdown("**Executions**")
        ui.table(pd.DataFrame(trace.get("executions") or []), money_columns=[])
        st.markdown("**Audit log (values before / after)**")
        ui.table(pd.DataFrame(trace.get("audit") or []), money_columns=[])
        if trace.get("status") in services.ROLLBACK_STATUSES and st.button(
            "Roll back this action", key=f"rollback_{pick}"
        ):
            st.info(md_text(services.rollback(int(pick), user.name)))
