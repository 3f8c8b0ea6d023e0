"""Alerts and proposals as sentences a manager reads, on the dashboard and in the briefing:
the one-line why of an alert, the action it calls for, and a proposal as "Send Maple Health
LLC a payment reminder for INV/2026/00130, 974.90 USD, 80 days late".

The figures come from the alert's stored details (written by the alert families from the
marts), so the sentence says what the alert says. Names in them come from Odoo: callers show
the result through ``md_text`` (never as Markdown).
"""

from __future__ import annotations

import math
from typing import Any


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _amount(value: Any, currency: str = "", decimals: int = 2) -> str:
    number = _num(value)
    if number is None:
        return "—"
    return f"{number:,.{decimals}f}" + (f" {currency}" if currency else "")


def _days(value: Any) -> str:
    number = _num(value)
    return "—" if number is None else f"{number:,.0f}"


def alert_why(alert: dict[str, Any]) -> str:
    """One line: the evidence behind an alert, in words and figures."""
    d = alert.get("details") or {}
    cur = str(d.get("currency") or "")
    family = alert.get("family")
    if family == "cash_runway":
        out = d.get("projected_cash_out_date")
        text = f"{_amount(d.get('cash_balance'), cur, 0)} in the bank"
        if out:
            text += (
                f"; at the due dates of open invoices and bills, and the usual monthly costs, "
                f"cash runs out on {str(out)[:10]}"
            )
        burn = _num(d.get("monthly_burn"))
        if burn is not None and burn > 0:
            text += f"; spending {_amount(burn, cur, 0)} a month more than comes in"
        return text + "."
    if family == "overdue_invoice":
        return (
            f"{d.get('partner_name') or 'The customer'} owes {_amount(d.get('residual'), cur)} "
            f"on {d.get('invoice_name') or 'an invoice'}, due {str(d.get('due_date') or '')[:10]}"
            f" ({_days(d.get('days_overdue'))} days late)."
        )
    if family == "late_payer":
        return (
            f"Pays {_days(d.get('avg_days_late'))} days late on average over "
            f"{_days(d.get('paid_invoice_count'))} invoices; "
            f"{_amount(d.get('open_overdue_amount'), cur)} overdue now."
        )
    if family == "churn_risk":
        return (
            f"No order for {_days(d.get('days_since_last_order'))} days (usually every "
            f"{_days(d.get('usual_order_gap_days'))}); "
            f"{_amount(d.get('revenue_12m'), cur, 0)} revenue in the last 12 months."
        )
    if family == "stockout":
        return (
            f"{_days(d.get('on_hand_qty'))} on hand, selling {_num(d.get('daily_demand')) or 0:.1f}"
            f" a day: runs out on {str(d.get('estimated_stockout_date') or '')[:10]}, a "
            f"replenishment takes {_days(d.get('lead_time_days'))} days."
        )
    if family == "stalled_deal":
        return (
            f"{_amount(d.get('expected_revenue'), cur, 0)} expected; "
            f"{_days(d.get('days_in_stage'))} days in {d.get('stage_name') or 'its stage'}, "
            f"no activity for {_days(d.get('days_since_last_activity'))} days"
            + (f" (salesperson {d['salesperson']})." if d.get("salesperson") else ".")
        )
    if family == "late_supplier":
        return (
            f"{_days(d.get('late_receipt_count'))} of {_days(d.get('receipt_count'))} receipts "
            f"late, {_num(d.get('avg_days_late')) or 0:.0f} days on average."
        )
    if family == "duplicate_expense":
        return str(d.get("reason") or "Same employee, category and amount.").capitalize() + "."
    if family == "reorder":
        return (
            f"Forecast quantity {_days(d.get('forecast_qty'))} against a minimum of "
            f"{_days(d.get('product_min_qty'))}; {_days(d.get('qty_to_order'))} to order."
        )
    if family == "receivables_share":
        months = _num(d.get("months_of_revenue"))
        return (
            f"{_amount(d.get('overdue_total'), cur, 0)} of {_amount(d.get('open_total'), cur, 0)}"
            f" open receivables are overdue ({(_num(d.get('overdue_share')) or 0):.0%}), from "
            f"{_days(d.get('partners_overdue'))} customers"
            + (f"; {months:.1f} months of revenue" if months is not None else "")
            + "."
        )
    if family == "customer_overdue":
        return (
            f"{_amount(d.get('overdue'), cur)} overdue, "
            f"{(_num(d.get('share_of_receivables')) or 0):.0%} of everything customers owe; "
            f"up to {_days(d.get('days_overdue'))} days late."
        )
    if family == "receivables_overdue":
        return (
            f"{_amount(d.get('amount_60_plus'), cur, 0)} of receivables 60+ days overdue, "
            f"{_amount(d.get('overdue_total'), cur, 0)} overdue in all."
        )
    return str(alert.get("title") or "")


# what to do when no proposal answers the alert yet
_NEXT_STEP = {
    "cash_runway": "Hold discretionary payments and chase the largest overdue invoices.",
    "receivables_overdue": "Chase the largest overdue customers (Finance page).",
    "receivables_share": "Chase the largest overdue customers (Finance page).",
    "customer_overdue": "Call the customer about the overdue invoices.",
    "overdue_invoice": "Send the customer a payment reminder.",
    "late_payer": "Agree payment terms with the customer.",
    "churn_risk": "Call the customer before they are lost.",
    "stockout": "Order from the supplier now.",
    "reorder": "Order the quantity to reach the reorder maximum.",
    "stalled_deal": "Ask the salesperson for the next step.",
    "late_supplier": "Raise the delays with the supplier.",
    "duplicate_expense": "Check the two claims before approving either.",
    "anomaly": "Review the flagged entry.",
}


def next_step(alert: dict[str, Any]) -> str:
    return _NEXT_STEP.get(str(alert.get("family")), "Review it on the Alerts page.")


def proposal_sentence(
    proposal: dict[str, Any], alert: dict[str, Any] | None = None, currency: str = ""
) -> str:
    """A proposal as one sentence: what would be done, to whom, for how much."""
    params = proposal.get("params") or {}
    d = (alert or {}).get("details") or {}
    cur = str(d.get("currency") or currency)
    skill = proposal.get("skill")
    model, rid = proposal.get("model"), proposal.get("record_id")
    who = (
        d.get("partner_name")
        or d.get("lead_name")
        or d.get("product_name")
        or d.get("employee_name")
        or f"{model} #{rid}"
    )
    if skill == "send_payment_reminder":
        if d.get("invoice_name"):
            return (
                f"Send {d.get('partner_name') or 'the customer'} a payment reminder for "
                f"{d['invoice_name']}, {_amount(d.get('residual'), cur)}, "
                f"{_days(d.get('days_overdue'))} days late."
            )
        return f"Send a payment reminder for invoice #{rid}."
    if skill == "schedule_activity":
        summary = params.get("summary") or "a to-do"
        due = params.get("due_in_days")
        when = f", due in {due} days" if due is not None else ""
        return f"Schedule \u201c{summary}\u201d on {who}{when}."
    if skill == "post_internal_note":
        body = str(params.get("body") or "")
        short = body if len(body) <= 120 else body[:117] + "..."
        return f"Post an internal note on {who}: \u201c{short}\u201d"
    if skill == "create_draft_rfq":
        qty = _days(params.get("quantity"))
        product = d.get("product_name") or f"product #{rid}"
        price = _num(params.get("price_unit"))
        total = (
            ""
            if price is None
            else f" (about {_amount(price * float(params.get('quantity') or 0), cur, 0)} at cost)"
        )
        return f"Draft a request for quotation for {qty} \u00d7 {product}{total}."
    if skill in ("set_deal_priority", "set_lead_priority"):
        return f"Set the priority of {who} to {params.get('priority')}."
    if skill == "assign_lead":
        return f"Assign {who} to user #{params.get('user_id')}."
    return f"{str(skill).replace('_', ' ').capitalize()} on {who}."


def evidence_rows(proposal: dict[str, Any]) -> list[dict[str, str]]:
    """The policy checks as a short table: check, passed, detail."""
    policy = proposal.get("policy") or {}
    rows = []
    for check in policy.get("checks") or []:
        ok = check.get("ok")
        rows.append(
            {
                "Check": str(check.get("check") or "").replace("_", " ").capitalize(),
                "Result": "passed" if ok else ("failed" if ok is False else "at execution"),
                "Detail": str(check.get("detail") or ""),
            }
        )
    return rows
