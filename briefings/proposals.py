"""Follow-up proposals for a briefing's top alerts, computed deterministically.

A proposal is never written by the LLM: the skills, records and parameters come from the
alerts and the write-back catalog here, and the LLM may only choose among these candidates
by id. Parameters carry ids, figures and fixed wording, never names or notes read from
Odoo, so an instruction hidden in a partner name cannot travel into an Odoo write.
Every proposal goes through :func:`writeback.propose`, which runs the policy and stores it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from opstore.db import StateStore

logger = logging.getLogger(__name__)

PER_FAMILY = 2
MAX_CANDIDATES = 5
REQUESTED_BY = "briefings"


def _money(v: Any) -> str:
    return f"{float(v or 0):,.2f}"


def candidate_for(alert: dict[str, Any]) -> dict[str, Any] | None:
    """The one follow-up the catalog offers for an alert, or None."""
    d = alert.get("details") or {}
    family, model, rid = alert["family"], alert["record_model"], alert["record_id"]
    skill: str | None = None
    params: dict[str, Any] = {}
    reasoning = ""
    if rid is None:
        return None
    if family == "overdue_invoice" and model == "account.move":
        skill = "send_payment_reminder"
        params = {
            "body": (
                f"Reminder: invoice {str(d.get('invoice_name') or '')[:40]} has "
                f"{_money(d.get('residual'))} {d.get('currency') or ''} open, due since "
                f"{d.get('due_date')} ({d.get('days_overdue')} days). Please arrange payment "
                "or let us know if anything is wrong with it."
            )
        }
        reasoning = (
            f"Invoice {d.get('days_overdue')} days overdue, {_money(d.get('residual'))} open."
        )
    elif family == "customer_overdue" and model == "res.partner":
        skill = "schedule_activity"
        params = {"summary": "Call the customer about its overdue invoices", "due_in_days": 1}
        reasoning = (
            f"{_money(d.get('overdue'))} {d.get('currency') or ''} overdue, "
            f"{float(d.get('share_of_receivables') or 0):.0%} of all receivables, up to "
            f"{d.get('days_overdue')} days late."
        )
    elif family == "late_payer" and model == "res.partner":
        skill = "schedule_activity"
        params = {"summary": "Agree payment terms with a late-paying customer", "due_in_days": 3}
        reasoning = (
            f"Pays {d.get('avg_days_late')} days late on average over {d.get('paid_invoice_count')} "
            f"invoices; {_money(d.get('open_overdue_amount'))} overdue now."
        )
    elif family == "stalled_deal" and model == "crm.lead":
        skill = "schedule_activity"
        params = {"summary": "Plan the next step on a stalled deal", "due_in_days": 2}
        if d.get("user_id"):
            params["user_id"] = int(d["user_id"])
        reasoning = (
            f"No progress for {d.get('days_since_last_activity')} days, "
            f"{d.get('days_over_threshold')} days past the stage's threshold; "
            f"{_money(d.get('expected_revenue'))} expected."
        )
    elif family == "churn_risk" and model == "res.partner":
        skill = "schedule_activity"
        params = {"summary": "Check in with a customer at risk of churning", "due_in_days": 3}
        reasoning = (
            f"No order for {d.get('days_since_last_order')} days"
            + (
                f"; churn probability {float(d['churn_probability']):.2f}"
                if d.get("churn_probability") is not None
                else f", {d.get('orders_6m')} orders in 6 months against {d.get('expected_orders_6m')} expected"
            )
            + "."
        )
    elif family == "stockout" and model == "product.product" and d.get("vendor_partner_id"):
        lead = float(d.get("lead_time_days") or 0)
        need = float(d.get("daily_demand") or 0) * (lead + 14)
        have = float(d.get("on_hand_qty") or 0) + float(d.get("incoming_qty") or 0)
        qty = max(1, math.ceil(need - have))
        skill = "create_draft_rfq"
        params = {
            "partner_id": int(d["vendor_partner_id"]),
            "quantity": qty,
            "price_unit": float(d.get("standard_price") or 0.0),
            "note": f"Cover for {int(lead) + 14} days of demand (lead time {int(lead)} days + 14).",
        }
        reasoning = (
            f"Runs out in {d.get('days_until_stockout')} days, inside its {d.get('lead_time_days')}-day "
            f"lead time; {qty} units cover the lead time plus two weeks at {d.get('daily_demand')} a day."
        )
    elif family == "duplicate_expense" and model == "hr.expense":
        skill = "post_internal_note"
        params = {
            "body": (
                f"Possible duplicate of expense #{d.get('expense_id')}: same employee, category "
                f"and amount ({_money(d.get('amount'))}), {d.get('days_apart')} days apart. "
                "Please check before approving."
            )
        }
        reasoning = params["body"]
    elif family == "late_supplier" and model == "res.partner":
        skill = "post_internal_note"
        params = {
            "body": (
                f"Supplier performance: {d.get('late_receipt_count')} of {d.get('receipt_count')} "
                f"receipts late in the last year, {d.get('avg_days_late')} days late on average."
            )
        }
        reasoning = params["body"]
    elif family == "anomaly" and model in ("account.move", "hr.expense"):
        skill = "post_internal_note"
        params = {
            "body": f"Flagged for review: anomaly score {float(d.get('score') or 0):.2f} ({d.get('method')})."
        }
        reasoning = params["body"]
    if skill is None:
        return None
    return {
        "skill": skill,
        "model": model,
        "record_id": int(rid),
        "company_id": int(alert["company_id"]),
        "params": params,
        "reasoning": reasoning,
        "alert_key": alert["alert_key"],
        "alert_id": alert.get("id"),
        "priority": alert["priority"],
    }


def candidates(alerts: list[dict[str, Any]], limit: int = MAX_CANDIDATES) -> list[dict[str, Any]]:
    """Candidates for the top alerts (already in priority order) that have one, numbered
    P1, P2... for the LLM to choose from.

    At most ``PER_FAMILY`` of one alert family come first, so that five late payers do not
    crowd an overdue invoice's reminder out of the CFO's follow-ups; the rest fill the list
    only when the other families leave room. Priority order is kept within each pass."""
    first: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    per_family: dict[str, int] = {}
    for a in alerts:
        c = candidate_for(a)
        if c is None:
            continue
        family = str(a.get("family"))
        per_family[family] = per_family.get(family, 0) + 1
        (first if per_family[family] <= PER_FAMILY else rest).append(c)
    out = (first + rest)[:limit]
    for i, c in enumerate(out, start=1):
        c["candidate_id"] = f"P{i}"
    return out


def submit(
    state: StateStore,
    chosen: list[dict[str, Any]],
    briefing_id: int,
    odoo: Any = None,
) -> list[dict[str, Any]]:
    """Submit the chosen candidates through write-back's policy; returns what was stored.

    A candidate already waiting (same skill and record, pending or approved) is not proposed
    again: a daily briefing must not fill the approval queue with copies.
    """
    from writeback import ProposalRequest, list_proposals, propose

    results: list[dict[str, Any]] = []
    for c in chosen:
        waiting = [
            p
            for p in list_proposals(state, company_id=c["company_id"], limit=1000)
            if p["status"] in ("pending", "approved")
            and p["skill"] == c["skill"]
            and p["model"] == c["model"]
            and p["record_id"] == c["record_id"]
        ]
        if waiting:
            results.append(
                {**c, "proposal_id": waiting[0]["id"], "status": "already_" + waiting[0]["status"]}
            )
            continue
        outcome = propose(
            state,
            ProposalRequest(
                skill=c["skill"],
                company_id=c["company_id"],
                model=c["model"],
                record_id=c["record_id"],
                params=c["params"],
                reasoning=c["reasoning"],
                source="briefing",
                source_ref=str(briefing_id),
                alert_key=c["alert_key"],
                requested_by=REQUESTED_BY,
            ),
            odoo=odoo,
        )
        results.append(
            {**c, "proposal_id": outcome.id, "status": outcome.status, "reason": outcome.reason}
        )
    return results
