"""The dashboard's write flows, through the real services: acknowledge / resolve / dismiss an
alert, approve and reject proposals one at a time or in a batch, read the audit trail;
today's briefings per role and the archive."""

from __future__ import annotations

import pytest

from briefings.service import get_alert, list_alerts, list_briefings
from core.untrusted import md_text
from writeback.service import get_proposal, list_proposals

pytestmark = pytest.mark.integration


def test_acknowledge_resolve_and_dismiss_alerts(seeded, open_page):
    new = list_alerts(seeded, status="new", company_id=1)
    assert len(new) >= 3
    first, second, third = (a["id"] for a in new[:3])
    at = open_page("alerts", company=1)
    assert len(at.dataframe[0].value) == len(
        list_alerts(seeded, status=["new", "acknowledged"], company_id=1)
    )

    at.selectbox(key="alert_pick").set_value(first).run()
    at.button(key=f"ack_{first}").click().run()
    acked = get_alert(seeded, first)
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "ada"
    assert any(f"Alert {first} acknowledged by ada" in s.value for s in at.success)
    assert at.button(key=f"ack_{first}").disabled  # done once, the button says so

    at.selectbox(key="alert_pick").set_value(second).run()
    at.button(key=f"resolve_{second}").click().run()
    at.selectbox(key="alert_pick").set_value(third).run()
    at.button(key=f"dismiss_{third}").click().run()
    assert get_alert(seeded, second)["status"] == "resolved"
    dismissed = get_alert(seeded, third)
    assert dismissed["status"] == "dismissed" and dismissed["dismissed_by"] == "ada"
    assert [e["actor"] for e in dismissed["events"]][-1] == "ada"

    at.multiselect(key="alert_status").set_value(["acknowledged"]).run()
    assert at.dataframe[0].value["id"].tolist() == [first]
    at.multiselect(key="alert_status").set_value(["resolved", "dismissed"]).run()
    assert sorted(at.dataframe[0].value["id"]) == sorted([second, third])


def test_approve_one_and_reject_a_batch_with_the_audit_trail(seeded, open_page):
    pending = list_proposals(seeded, status="pending", company_id=1)
    assert len(pending) >= 3, "the briefings proposed actions"
    one, *batch = [p["id"] for p in pending[:3]]
    at = open_page("actions", company=1)
    assert at.selectbox(key="approver_role").value == "coo"
    assert f"Waiting for a decision ({len(pending)})" in [s.value for s in at.subheader]

    at.button(key=f"approve_{one}").click().run()
    trace = get_proposal(seeded, one)
    assert trace["status"] == "approved"
    assert [(a["user"], a["role"], a["decision"]) for a in trace["approvals"]] == [
        ("ada", "coo", "approved")
    ]
    # shown as text: the page escapes every message for the Markdown renderer
    assert any(md_text("1 proposal(s) approved by ada (coo)") in s.value for s in at.success)

    at.multiselect(key="picked_proposals").set_value(batch).run()
    assert at.button(key="reject_selected").disabled  # a rejection needs a reason
    at.text_input(key="reject_reason").input("not this week").run()
    at.button(key="reject_selected").click().run()
    for pid in batch:
        decided = get_proposal(seeded, pid)
        assert decided["status"] == "rejected"
        assert decided["approvals"][0]["reason"] == "not this week"

    # decided proposals with their audit trail (values before/after once executed)
    at.selectbox(key="audit_pick").set_value(one).run()
    audit = at.dataframe[-1].value
    assert "approved" in set(audit["event"])
    assert len(list_proposals(seeded, status="pending", company_id=1)) == len(pending) - 3


def test_briefings_today_per_role_and_the_archive(seeded, open_page):
    archive = list_briefings(seeded, company_id=1)
    assert {b["role"] for b in archive} == {"ceo", "cfo", "sales", "operations"}
    at = open_page("briefings", company=1)
    assert sorted(t.label for t in at.tabs) == ["CEO", "CFO", "Operations manager", "Sales manager"]
    shown = " ".join(m.value for m in at.markdown)
    for b in archive:
        assert md_text(b["subject"]) in shown  # escaped: shown as the text it is
    assert len(at.dataframe[0].value) == len(archive)


def test_roll_back_an_executed_action_from_the_audit_trail(seeded, open_page):
    """Approve, execute in the simulated company (as the write-back sensor's job does), then
    roll back from the dashboard: the audit trail ends with the rollback by the dashboard user."""
    from orchestration.assets.writeback import writable_odoo
    from orchestration.resources import OdooResource
    from writeback.service import approve, execute

    pending = list_proposals(seeded, status="pending", company_id=1)
    pid = next(p["id"] for p in pending if p["skill"] == "schedule_activity")
    assert approve(seeded, [pid], "ada", "coo")[0].ok
    with writable_odoo(OdooResource()) as odoo:
        done = execute(seeded, odoo, ids=[pid])
    assert [r["status"] for r in done] == ["executed"], done

    at = open_page("actions", company=1)
    at.selectbox(key="audit_pick").set_value(pid).run()
    assert "execution_succeeded" in set(at.dataframe[-1].value["event"])
    at.button(key=f"rollback_{pid}").click().run()
    assert not at.exception
    assert any(f"#{pid} rolled back by ada" in i.value for i in at.info), [i.value for i in at.info]
    trace = get_proposal(seeded, pid)
    assert trace["status"] == "rolled_back"
    assert (trace["audit"][-1]["event"], trace["audit"][-1]["actor"]) == ("rolled_back", "ada")


def test_oidc_user_signs_in_and_is_the_one_recorded(seeded, open_page, monkeypatch):
    """COO_DASHBOARD_AUTH=oidc: signed out, only a sign-in prompt; signed in (st.user), the
    acknowledgement and the approval are recorded for the identity provider's user and role."""
    from streamlit.testing.v1 import AppTest

    from tests.apps.conftest import APP

    monkeypatch.setenv("COO_DASHBOARD_AUTH", "oidc")
    monkeypatch.setenv("COO_APPROVERS", "grace@example.com=coo")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe  # nothing shown before signing in

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "grace@example.com", "roles": ["coo"]}
    at.session_state["company_id"] = 1
    at = open_page("alerts", company=1, at=at)
    alert = list_alerts(seeded, status="new", company_id=1)[0]["id"]
    at.selectbox(key="alert_pick").set_value(alert).run()
    at.button(key=f"ack_{alert}").click().run()
    assert get_alert(seeded, alert)["acknowledged_by"] == "grace@example.com"
    at.switch_page("app_pages/actions.py").run()
    assert at.selectbox(key="approver_role").value == "coo"
    pid = list_proposals(seeded, status="pending", company_id=1)[0]["id"]
    at.button(key=f"approve_{pid}").click().run()
    approvals = get_proposal(seeded, pid)["approvals"]
    assert [(a["user"], a["role"]) for a in approvals] == [("grace@example.com", "coo")]
