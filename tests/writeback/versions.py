"""Helpers for the write-back suites run against the simulator posing as Odoo 17 and 19:
a proposal for every catalog skill on the small company, and what Odoo (the simulator's own
tables, not the API) holds for an action's marker."""

from __future__ import annotations

from typing import Any

from opstore import StateStore
from simulator.store import OdooStore
from tests.writeback.conftest import add_alert, open_leads, overdue_invoice, vendor_and_product
from writeback import ProposalRequest

#: every executable skill and the role alice approves it in
SKILLS = {
    "schedule_activity": "finance_manager",
    "post_internal_note": "finance_manager",
    "send_payment_reminder": "finance_manager",
    "create_draft_rfq": "operations_manager",
    "set_deal_priority": "sales_manager",
    "set_deal_tag": "sales_manager",
    "assign_lead": "sales_manager",
}
#: the field each field-writing skill changes
WRITES = {"set_deal_priority": "priority", "set_deal_tag": "tag_ids", "assign_lead": "user_id"}


def request_for(store: OdooStore, state: StateStore, skill: str, nth: int = 0) -> ProposalRequest:
    """A proposal of ``skill`` that the policy accepts on the small company (seed 42);
    ``nth`` picks another record so that several runs in one store do not collide."""
    if skill == "schedule_activity":
        inv = overdue_invoice(store)
        key = add_alert(state, "overdue_invoice", 1, "account.move", inv["id"])
        return ProposalRequest(skill, 1, "account.move", inv["id"],
                               {"summary": "Call about the overdue invoice", "due_in_days": 2},
                               source="alert", alert_key=key, requested_by="rules")  # fmt: skip
    if skill == "post_internal_note":
        lead = open_leads(store)[nth]
        return ProposalRequest(skill, 1, "crm.lead", lead["id"],
                               {"body": "Evidence: no reply for 30 days."},
                               source="manual", requested_by="rules")  # fmt: skip
    if skill == "send_payment_reminder":
        inv = overdue_invoice(store)
        return ProposalRequest(skill, 1, "account.move", inv["id"],
                               {"body": "Dear customer, invoice is overdue, please pay."},
                               source="briefing", source_ref="b-1", requested_by="claude")  # fmt: skip
    if skill == "create_draft_rfq":
        vendor, product = vendor_and_product(store)
        key = add_alert(state, "stockout", 1, "product.product", product)
        return ProposalRequest(skill, 1, "product.product", product,
                               {"partner_id": vendor, "quantity": 40, "price_unit": 12.5},
                               source="alert", alert_key=key, requested_by="rules")  # fmt: skip
    if skill == "set_deal_priority":
        lead = open_leads(store)[1 + nth]
        new = "3" if lead.get("priority") != "3" else "0"
        return ProposalRequest(skill, 1, "crm.lead", lead["id"], {"priority": new},
                               source="manual", requested_by="dave")  # fmt: skip
    if skill == "set_deal_tag":
        lead = open_leads(store)[2 + nth]
        name = "COO follow-up"
        if not any(t.get("name") == name for t in store.table("crm.tag").values()):
            store.create("crm.tag", [{"name": name}])  # set-up: the tag a manager made
        return ProposalRequest(skill, 1, "crm.lead", lead["id"], {"tag": name},
                               source="manual", requested_by="dave")  # fmt: skip
    if skill == "assign_lead":
        lead = open_leads(store)[3 + nth]
        store.table("crm.lead")[lead["id"]]["user_id"] = False  # an unassigned lead
        return ProposalRequest(skill, 1, "crm.lead", lead["id"], {"user_id": 2},
                               source="manual", requested_by="dave")  # fmt: skip
    raise AssertionError(skill)


def marked(store: OdooStore, skill: str, key: str) -> dict[int, dict[str, Any]]:
    """The rows the action with idempotency key ``key`` left in the simulator's tables."""
    if skill == "schedule_activity":
        return {i: r for i, r in store.table("mail.activity").items() if key in str(r.get("note"))}
    if skill == "create_draft_rfq":
        return {i: r for i, r in store.table("purchase.order").items() if r.get("origin") == key}
    if skill in ("post_internal_note", "send_payment_reminder"):
        return {i: r for i, r in store.table("mail.message").items() if key in str(r.get("body"))}
    return {}


def field_now(store: OdooStore, model: str, rid: int, fname: str) -> Any:
    value = store.table(model)[rid].get(fname)
    if fname == "tag_ids":
        return sorted(value or [])
    return value or False


def audit_value(value: Any, fname: str) -> Any:
    if fname == "tag_ids":
        return sorted(value or [])
    if isinstance(value, list | tuple):
        return value[0] if value else False
    return value or False
