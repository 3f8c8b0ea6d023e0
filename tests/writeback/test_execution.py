"""Approved actions reach Odoo exactly once, are verified, audited and can be rolled back.

Real client, real HTTP, the loopback simulator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import writeback.executor as executor
from opstore import StateStore
from tests.writeback.conftest import (
    Odoo,
    add_alert,
    open_leads,
    overdue_invoice,
    vendor_and_product,
)
from writeback.service import ProposalRequest, approve, execute, get_proposal, propose, rollback
from writeback.store import verify_audit_chain


class SimulatedKill(BaseException):
    """Not an Exception: nothing in the executor may catch it, like a SIGKILL."""


def _request(odoo: Odoo, state: StateStore, skill: str) -> ProposalRequest:
    store = odoo.store
    if skill == "schedule_activity":
        inv = overdue_invoice(store)
        key = add_alert(state, "overdue_invoice", 1, "account.move", inv["id"])
        return ProposalRequest(skill, 1, "account.move", inv["id"],
                               {"summary": "Call about the overdue invoice", "due_in_days": 2},
                               source="alert", alert_key=key, requested_by="rules")  # fmt: skip
    if skill == "create_draft_rfq":
        vendor, product = vendor_and_product(store)
        key = add_alert(state, "stockout", 1, "product.product", product)
        return ProposalRequest(skill, 1, "product.product", product,
                               {"partner_id": vendor, "quantity": 40, "price_unit": 12.5},
                               source="alert", alert_key=key, requested_by="rules")  # fmt: skip
    if skill == "send_payment_reminder":
        inv = overdue_invoice(store)
        return ProposalRequest(skill, 1, "account.move", inv["id"],
                               {"body": "Dear customer, invoice is overdue, please pay."},
                               source="briefing", source_ref="b-1", requested_by="claude")  # fmt: skip
    if skill == "set_deal_priority":
        lead = open_leads(store)[0]
        new = "3" if lead.get("priority") != "3" else "0"
        return ProposalRequest(skill, 1, "crm.lead", lead["id"], {"priority": new},
                               source="manual", requested_by="dave")  # fmt: skip
    raise AssertionError(skill)


def _created_count(odoo: Odoo, skill: str, key: str) -> int:
    c = odoo.client
    if skill == "schedule_activity":
        return len(c.search("mail.activity", [["note", "ilike", key]]))
    if skill == "create_draft_rfq":
        return len(c.search("purchase.order", [["origin", "=", key]]))
    return len(c.search("mail.message", [["body", "ilike", key]]))


@pytest.mark.integration
@pytest.mark.parametrize(
    "skill", ["schedule_activity", "create_draft_rfq", "send_payment_reminder", "set_deal_priority"]
)
def test_killed_after_the_write_then_rerun_acts_exactly_once(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch, skill: str
) -> None:
    out = propose(state, _request(odoo, state, skill), odoo=odoo.client)
    assert out.status == "pending", out.reason
    assert approve(state, [out.id], "alice", "finance_manager" if skill != "create_draft_rfq"
                   and skill != "set_deal_priority" else
                   ("operations_manager" if skill == "create_draft_rfq" else "sales_manager"))[0].ok  # fmt: skip
    key = get_proposal(state, out.id)["idempotency_key"]

    def kill(_info: dict[str, Any]) -> None:
        raise SimulatedKill

    monkeypatch.setattr(executor, "after_odoo_call", kill)
    with pytest.raises(SimulatedKill):
        execute(state, odoo.client)
    assert get_proposal(state, out.id)["status"] == "executing"  # the end was never recorded
    writes_before = len(odoo.writes())
    monkeypatch.setattr(executor, "after_odoo_call", None)
    # right after, the action may still be in flight in another run: it is left alone
    [held] = execute(state, odoo.client)
    assert held["status"] == "executing" and "another run" in held["reason"]
    assert len(odoo.writes()) == writes_before
    again = execute(state, odoo.client, stale_after=0)  # its lease is over: resume it
    assert [r["status"] for r in again] == ["executed"]
    assert again[0].get("recovered") is True
    assert len(odoo.writes()) == writes_before, "the re-run wrote to Odoo again"
    if skill != "set_deal_priority":
        assert _created_count(odoo, skill, key) == 1
    third = execute(state, odoo.client, ids=[out.id])
    assert third[0]["status"] == "executed" and len(odoo.writes()) == writes_before
    trace = get_proposal(state, out.id)
    events = [a["event"] for a in trace["audit"]]
    assert events[:3] == ["proposed", "policy", "approved"]
    assert "execution_started" in events and events[-1] == "execution_recovered"
    with state.begin() as conn:
        assert verify_audit_chain(conn) == []


@pytest.mark.integration
def test_rfq_is_a_draft_with_the_asked_line(odoo: Odoo, state: StateStore) -> None:
    req = _request(odoo, state, "create_draft_rfq")
    out = propose(state, req, odoo=odoo.client)
    approve(state, out.id, "alice", "operations_manager")
    [result] = execute(state, odoo.client)
    assert result["status"] == "executed"
    [po] = odoo.client.read("purchase.order", result["created_ids"], ["state", "partner_id"])
    assert po["state"] == "draft" and po["partner_id"][0] == req.params["partner_id"]
    assert not odoo.writes("button_confirm")
    lines = odoo.client.search_read("purchase.order.line", [["order_id", "=", po["id"]]],
                                    ["product_id", "product_qty", "price_unit"])  # fmt: skip
    assert [(ln["product_id"][0], ln["product_qty"], ln["price_unit"]) for ln in lines] == [
        (req.record_id, 40.0, 12.5)
    ]
    assert get_proposal(state, out.id)["amount"] == 500.0


@pytest.mark.integration
def test_connection_lost_after_the_write_is_recovered_not_repeated(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from odoo_api.errors import OdooConnectionError

    out = propose(state, _request(odoo, state, "schedule_activity"), odoo=odoo.client)
    approve(state, out.id, "alice", "finance_manager")
    real_call = odoo.client.call
    lost = {"n": 0}

    def flaky(model: str, method: str, **kw: Any) -> Any:
        result = real_call(model, method, **kw)
        if method == "activity_schedule" and not lost["n"]:
            lost["n"] += 1
            raise OdooConnectionError("connection reset after the request was sent", url="x")
        return result

    monkeypatch.setattr(odoo.client, "call", flaky)
    [result] = execute(state, odoo.client)
    assert result["status"] == "executed" and result["recovered"] is True
    key = get_proposal(state, out.id)["idempotency_key"]
    assert _created_count(odoo, "schedule_activity", key) == 1
    assert len(odoo.writes("activity_schedule")) == 1


@pytest.mark.integration
def test_failure_is_recorded_and_retried_within_the_limit(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from odoo_api.errors import OdooServerError

    out = propose(state, _request(odoo, state, "set_deal_priority"), odoo=odoo.client)
    approve(state, out.id, "alice", "sales_manager")
    real_call = odoo.client.call

    def down(model: str, method: str, **kw: Any) -> Any:
        if method == "write":
            raise OdooServerError("502 Bad Gateway", status=502)
        return real_call(model, method, **kw)

    monkeypatch.setattr(odoo.client, "call", down)
    [result] = executor.execute_approved(state, odoo.client, sleep=lambda _s: None)
    assert result["status"] == "failed" and result["attempts"] == 3
    trace = get_proposal(state, out.id)
    assert trace["status"] == "failed" and "502" in trace["last_error"]
    assert [a["event"] for a in trace["audit"]].count("execution_failed") == 3
    assert not odoo.writes("write")


@pytest.mark.integration
def test_dry_run_shows_exactly_what_would_be_written(odoo: Odoo, state: StateStore) -> None:
    out = propose(state, _request(odoo, state, "set_deal_priority"), odoo=odoo.client)
    approve(state, out.id, "alice", "sales_manager")
    [dry] = execute(state, odoo.client, dry_run=True)
    assert dry["status"] == "dry_run"
    lead_id = get_proposal(state, out.id)["record_id"]
    assert dry["request"]["calls"] == [
        {
            "ids": [lead_id],
            "kwargs": {"vals": {"priority": get_proposal(state, out.id)["params"]["priority"]}},
        }
    ]
    assert dry["before"][str(lead_id)]["priority"] == odoo.store.table("crm.lead")[lead_id].get(
        "priority"
    )
    assert odoo.writes() == [] and get_proposal(state, out.id)["status"] == "approved"
    [real] = execute(state, odoo.client)
    [call] = odoo.writes()
    assert (call.method, call.kwargs["ids"], call.kwargs["vals"]) == (
        "write", dry["request"]["calls"][0]["ids"], dry["request"]["calls"][0]["kwargs"]["vals"])  # fmt: skip
    assert real["status"] == "executed"


@pytest.mark.integration
def test_rollback_restores_the_before_values_exactly(odoo: Odoo, state: StateStore) -> None:
    c = odoo.client
    [tag_id] = c.call("crm.tag", "create", vals_list=[{"name": "Needs attention"}])
    leads = open_leads(odoo.store)
    lead = leads[1]["id"]
    odoo.store.write("crm.lead", [lead], {"user_id": False})  # an unassigned lead
    fields = ["priority", "tag_ids", "user_id"]
    before = c.read("crm.lead", [lead], fields)[0]
    reqs = [
        ProposalRequest("set_deal_priority", 1, "crm.lead", lead,
                        {"priority": "3" if before["priority"] != "3" else "1"}, requested_by="dave"),
        ProposalRequest("set_deal_tag", 1, "crm.lead", lead, {"tag": "Needs attention"}, requested_by="dave"),
        ProposalRequest("assign_lead", 1, "crm.lead", lead, {"user_id": 5}, requested_by="dave"),
    ]  # fmt: skip
    ids = []
    for req in reqs:
        out = propose(state, req, odoo=odoo.client)
        assert out.status == "pending", out.reason
        ids.append(out.id)
    assert all(d.ok for d in approve(state, ids, "alice", "sales_manager"))
    assert [r["status"] for r in execute(state, c)] == ["executed"] * 3
    during = c.read("crm.lead", [lead], fields)[0]
    assert (
        during["tag_ids"] == [tag_id]
        and during["user_id"][0] == 5
        and during["priority"] != before["priority"]
    )
    for pid in reversed(ids):  # newest first, like undoing edits
        result = rollback(state, c, pid, "alice")
        assert result["ok"], result
    assert c.read("crm.lead", [lead], fields)[0] == before
    assert {get_proposal(state, p)["status"] for p in ids} == {"rolled_back"}

    # created records are removed
    act = propose(state, _request(odoo, state, "schedule_activity"), odoo=odoo.client)
    approve(state, act.id, "alice", "finance_manager")
    [done] = execute(state, c)
    assert c.search("mail.activity", [["id", "in", done["created_ids"]]]) == done["created_ids"]
    assert rollback(state, c, act.id, "alice")["ok"]
    assert c.search("mail.activity", [["id", "in", done["created_ids"]]]) == []


@pytest.mark.integration
def test_rollback_refuses_when_someone_changed_the_record(odoo: Odoo, state: StateStore) -> None:
    c = odoo.client
    out = propose(state, _request(odoo, state, "set_deal_priority"), odoo=c)
    approve(state, out.id, "alice", "sales_manager")
    [done] = execute(state, c)
    lead = get_proposal(state, out.id)["record_id"]
    odoo.store.now = datetime(2026, 11, 21, 9, 0)
    c.call(
        "crm.lead",
        "write",
        ids=[lead],
        vals={"priority": "2" if done["after"][str(lead)]["priority"] != "2" else "1"},
    )
    changed = c.read("crm.lead", [lead], ["priority"])[0]["priority"]
    result = rollback(state, c, out.id, "alice")
    assert not result["ok"] and "changed by someone else since" in result["reason"]
    assert "priority is now" in result["reason"]
    assert c.read("crm.lead", [lead], ["priority"])[0]["priority"] == changed
    assert get_proposal(state, out.id)["status"] == "executed"
    # and a user without a role for the skill may not roll back at all
    refused = rollback(state, c, out.id, "carol")
    assert not refused["ok"] and "no role" in refused["reason"]

    # an RFQ someone confirmed is not removed
    rfq = propose(state, _request(odoo, state, "create_draft_rfq"), odoo=c)
    approve(state, rfq.id, "alice", "operations_manager")
    [made] = execute(state, c)
    odoo.store.now = datetime(2026, 11, 21, 10, 0)
    c.call("purchase.order", "write", ids=made["created_ids"], vals={"state": "purchase"})
    no = rollback(state, c, rfq.id, "alice")
    assert not no["ok"] and "no longer a draft" in no["reason"]
    assert c.search("purchase.order", [["id", "in", made["created_ids"]]]) == made["created_ids"]


@pytest.mark.integration
def test_auto_skill_skips_the_queue_but_is_audited(odoo: Odoo, state: StateStore) -> None:
    inv = overdue_invoice(odoo.store)
    out = propose(state, ProposalRequest("post_internal_note", 1, "account.move", inv["id"],
                                         {"body": "Customer promised to pay on Friday."},
                                         requested_by="rules"), odoo=odoo.client)  # fmt: skip
    assert out.status == "approved"
    trace = get_proposal(state, out.id)
    assert trace["approvals"][0]["user"] == "policy" and trace["approvals"][0]["role"] == "auto"
    [done] = execute(state, odoo.client)
    assert done["status"] == "executed"
    [msg] = odoo.client.read("mail.message", done["created_ids"], ["body", "model", "res_id"])
    assert msg["model"] == "account.move" and msg["res_id"] == inv["id"]
    assert msg["body"].startswith("Customer promised to pay on Friday.")
    call = odoo.writes("message_post")[0]
    assert call.kwargs["subtype_xmlid"] == "mail.mt_note"
    # without an Odoo client the record is not verified, so even an auto skill waits
    other = overdue_invoice(odoo.store, company_id=2)
    held = propose(state, ProposalRequest("post_internal_note", 2, "account.move", other["id"],
                                          {"body": "Second note"}, requested_by="x"))  # fmt: skip
    assert held.status == "pending" and "not verified in Odoo" in (held.reason or "")
    # and the same note again on the first invoice within the hour is refused (cooldown)
    again = propose(state, ProposalRequest("post_internal_note", 1, "account.move", inv["id"],
                                           {"body": "Another note"}, requested_by="x"))  # fmt: skip
    assert again.status == "rejected" and "cooldown" in (again.reason or "")


_CHILD = """
import os, sys
import writeback.executor as ex
from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from opstore import StateStore

ex.after_odoo_call = lambda info: os._exit(9)  # the process dies right after the Odoo write
client = OdooClient(OdooConfig(url=sys.argv[1], db=sys.argv[2], username="admin",
                               api_key=sys.argv[3])).connect()
ex.execute_approved(StateStore(), client)
"""


@pytest.mark.integration
def test_process_killed_after_the_write_then_rerun_creates_one_activity(
    odoo: Odoo, state: StateStore
) -> None:
    import subprocess
    import sys

    out = propose(state, _request(odoo, state, "schedule_activity"), odoo=odoo.client)
    approve(state, out.id, "alice", "finance_manager")
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, odoo.server.url, odoo.store.db,
         odoo.store.api_key_for("admin")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 9, child.stderr[-2000:]
    key = get_proposal(state, out.id)["idempotency_key"]
    assert _created_count(odoo, "schedule_activity", key) == 1
    assert get_proposal(state, out.id)["status"] == "executing"
    [again] = execute(state, odoo.client, stale_after=0)
    assert again["status"] == "executed" and again["recovered"] is True
    assert _created_count(odoo, "schedule_activity", key) == 1
    assert len(odoo.writes("activity_schedule")) == 1


@pytest.mark.integration
@pytest.mark.parametrize(
    ("skill", "role", "model"),
    [
        ("create_draft_rfq", "operations_manager", "purchase.order"),
        ("send_payment_reminder", "finance_manager", "mail.message"),
    ],
)
def test_rollback_removes_what_the_action_created(
    odoo: Odoo, state: StateStore, skill: str, role: str, model: str
) -> None:
    out = propose(state, _request(odoo, state, skill), odoo=odoo.client)
    approve(state, out.id, "alice", role)
    [done] = execute(state, odoo.client)
    created = done["created_ids"]
    assert len(created) == 1 and odoo.client.search(model, [["id", "in", created]]) == created
    result = rollback(state, odoo.client, out.id, "alice")
    assert result["ok"] and result["model"] == model and result["removed"] == created
    assert result["left"] == [] and "cancelled" not in result
    assert odoo.client.search(model, [["id", "in", created]]) == []
    events = [a["event"] for a in get_proposal(state, out.id)["audit"]]
    assert events[-1] == "rolled_back"


@pytest.mark.integration
def test_two_executors_at_once_write_once(odoo: Odoo, state: StateStore) -> None:
    import threading

    out = propose(state, _request(odoo, state, "create_draft_rfq"), odoo=odoo.client)
    approve(state, out.id, "alice", "operations_manager")
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.extend(execute(state, odoo.client))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    key = get_proposal(state, out.id)["idempotency_key"]
    assert _created_count(odoo, "create_draft_rfq", key) == 1
    assert len(odoo.writes("create")) == 1
    assert get_proposal(state, out.id)["status"] == "executed"
    assert "executed" in [r["status"] for r in results]


@pytest.mark.integration
def test_a_partial_undo_says_which_part_and_a_second_rollback_finishes_it(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    leads = [r["id"] for r in open_leads(odoo.store)[:2]]
    out = propose(state, ProposalRequest("post_internal_note", 1, "crm.lead", leads[0],
                                         {"body": "Evidence: no reply for 30 days."},
                                         requested_by="rules", record_ids=leads),
                  odoo=odoo.client)  # fmt: skip
    if out.status == "pending":
        approve(state, out.id, "alice", "sales_manager")
    [done] = execute(state, odoo.client, ids=[out.id])
    first, second = sorted(done["created_ids"])
    odoo.store.unlink("mail.message", [first])  # someone deleted one note by hand
    original = odoo.store.unlink

    def locked(model: str, ids: Any, **kw: Any) -> bool:
        if model == "mail.message":
            from simulator.exceptions import AccessError

            raise AccessError("You cannot delete this message.")
        return original(model, ids, **kw)

    with monkeypatch.context() as m:
        m.setattr(odoo.store, "unlink", locked)
        partial = rollback(state, odoo.client, out.id, "alice")
    assert not partial["ok"] and partial["partial"]
    assert partial["removed"] == [first] and partial["left"] == [second]
    assert f"mail.message({second},) still in Odoo" in partial["reason"]
    trace = get_proposal(state, out.id)
    assert trace["status"] == "executed" and trace["audit"][-1]["event"] == "rollback_partial"
    assert odoo.client.search("mail.message", [["id", "in", [first, second]]]) == [second]
    finished = rollback(state, odoo.client, out.id, "alice")
    assert finished["ok"] and finished["removed"] == [first, second], finished
    assert get_proposal(state, out.id)["status"] == "rolled_back"
