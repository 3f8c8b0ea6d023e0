"""``writeback.reconcile`` finds a planted disagreement of each kind between the audit log and
Odoo (the loopback simulator, Odoo 19 mode), and ``fix`` brings the audit in line."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

import writeback.executor as executor
from odoo_api.errors import OdooAccessError
from opstore import StateStore
from tests.writeback.conftest import Odoo
from tests.writeback.versions import SKILLS, marked, request_for
from writeback.reconcile import reconcile
from writeback.service import approve, execute, get_proposal, propose, rollback
from writeback.store import verify_audit_chain

pytestmark = pytest.mark.integration

# the module, not ``writeback.rollback`` (the package re-exports the function of that name)
rb = importlib.import_module("writeback.rollback")


def _executed(odoo: Odoo, state: StateStore, skill: str) -> tuple[int, dict[str, Any]]:
    out = propose(state, request_for(odoo.store, state, skill), odoo=odoo.client)
    if out.status == "pending":
        assert approve(state, out.id, "alice", SKILLS[skill])[0].ok
    [done] = execute(state, odoo.client, ids=[out.id])
    return out.id, done


def _key(state: StateStore, pid: int) -> str:
    return str(get_proposal(state, pid)["idempotency_key"])


def test_agreeing_audit_reports_nothing(odoo: Odoo, state: StateStore) -> None:
    _pid, done = _executed(odoo, state, "schedule_activity")
    assert done["status"] == "executed"
    assert reconcile(state, odoo.client) == []


def test_executed_but_missing(odoo: Odoo, state: StateStore) -> None:
    pid, done = _executed(odoo, state, "schedule_activity")
    odoo.store.unlink("mail.activity", done["created_ids"])  # someone deleted it in Odoo
    [found] = reconcile(state, odoo.client)
    assert (found.proposal_id, found.kind, found.fixed) == (pid, "executed_but_missing", False)
    assert get_proposal(state, pid)["status"] == "executed"  # reported only
    [fixed] = reconcile(state, odoo.client, fix=True)
    assert fixed.fixed and get_proposal(state, pid)["status"] == "failed"
    assert reconcile(state, odoo.client) == []


def test_failed_but_present_is_fixed_and_can_then_be_rolled_back(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Odoo 17 case: the activity is created but the execution was recorded failed."""
    with monkeypatch.context() as m:
        m.setattr(executor, "_probe", lambda *a, **k: None)  # the old misreading
        pid, done = _executed(odoo, state, "schedule_activity")
    assert done["status"] == "failed"
    present = marked(odoo.store, "schedule_activity", _key(state, pid))
    assert present
    [found] = reconcile(state, odoo.client, fix=True)
    assert found.kind == "failed_but_present" and found.found_ids == sorted(present)
    assert get_proposal(state, pid)["status"] == "executed"
    events = [a["event"] for a in get_proposal(state, pid)["audit"]]
    assert events[-2:] == ["reconciled", "execution_recovered"]
    back = rollback(state, odoo.client, pid, "alice")
    assert back["ok"], back
    assert marked(odoo.store, "schedule_activity", _key(state, pid)) == {}
    assert reconcile(state, odoo.client) == []
    with state.begin() as conn:
        assert verify_audit_chain(conn) == []


def test_rolled_back_but_present(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, done = _executed(odoo, state, "post_internal_note")
    original = rb.remote
    with monkeypatch.context() as m:
        m.setattr(rb, "remote", lambda o, mod, meth, **kw: None if meth == "unlink"
                  else original(o, mod, meth, **kw))  # fmt: skip  # the delete is lost
        m.setattr(rb, "_gone", lambda o, p, mod, ids: list(ids))  # ... and misread as done
        back = rollback(state, odoo.client, pid, "alice")
    assert back["ok"], back
    [found] = reconcile(state, odoo.client)
    assert found.kind == "rolled_back_but_present" and found.found_ids == done["created_ids"]
    reconcile(state, odoo.client, fix=True)
    assert get_proposal(state, pid)["status"] == "executed"
    assert rollback(state, odoo.client, pid, "alice")["ok"]  # now it really goes
    assert marked(odoo.store, "post_internal_note", _key(state, pid)) == {}


def test_refused_but_gone(odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Odoo 19 case: the delete happened, then the check of it failed (``exists`` was
    private), and the rollback was recorded refused."""
    pid, _done = _executed(odoo, state, "schedule_activity")
    calls: list[list[int]] = []
    original = rb._gone

    def fails_after_the_delete(o: Any, plan: Any, model: str, ids: list[int]) -> list[int]:
        calls.append(list(ids))
        if len(calls) > 1:
            raise OdooAccessError("mail.activity.exists failed: AccessError: Private methods")
        return original(o, plan, model, ids)

    with monkeypatch.context() as m:
        m.setattr(rb, "_gone", fails_after_the_delete)
        refused = rollback(state, odoo.client, pid, "alice")
    assert not refused["ok"] and get_proposal(state, pid)["status"] == "executed"
    assert marked(odoo.store, "schedule_activity", _key(state, pid)) == {}  # yet it is gone
    [found] = reconcile(state, odoo.client, fix=True)
    assert found.kind == "refused_but_gone" and found.fixed
    assert get_proposal(state, pid)["status"] == "rolled_back"


def test_a_changed_field_write_is_reported_never_fixed(odoo: Odoo, state: StateStore) -> None:
    pid, _done = _executed(odoo, state, "set_deal_priority")
    lead = get_proposal(state, pid)["record_id"]
    now = odoo.store.table("crm.lead")[lead]["priority"]
    odoo.store.write("crm.lead", [lead], {"priority": "1" if now != "1" else "2"})
    [found] = reconcile(state, odoo.client, fix=True)
    assert found.kind == "changed_since" and not found.fixed
    assert get_proposal(state, pid)["status"] == "executed"
