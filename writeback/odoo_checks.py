"""The checks against live Odoo data, run at proposal time and again just before an action
runs: the records exist, belong to the company in scope and are in a state the skill makes
sense for, and the parameters name things that exist (a user, a tag, a vendor).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from odoo_api.client import OdooClient
from odoo_api.errors import OdooAccessError, OdooError
from writeback.catalog import Skill
from writeback.models import PolicyResult, ProposalRequest
from writeback.odoo_io import m2o

__all__ = ["check_odoo"]

_READ_FIELDS: dict[str, list[str]] = {
    "account.move": [
        "company_id",
        "move_type",
        "state",
        "payment_state",
        "invoice_date_due",
        "amount_residual",
        "partner_id",
        "invoice_user_id",
    ],
    "crm.lead": ["company_id", "active", "probability", "user_id", "type", "priority", "tag_ids"],
    "res.partner": ["company_id", "active", "user_id"],
    "product.product": ["company_id", "active"],
    "purchase.order": ["company_id", "state", "user_id"],
    "sale.order": ["company_id", "state", "user_id"],
    "hr.expense": ["company_id", "state"],
}
#: records that may be shared by every company (company_id False)
_SHARED_OK = ("res.partner", "product.product")


def _today(odoo: OdooClient) -> date:
    return datetime.now(UTC).date()


def check_odoo(
    result: PolicyResult, skill: Skill, req: ProposalRequest, targets: list[int], odoo: OdooClient
) -> PolicyResult:
    """The checks against the live data: existence, company, and the record's state."""
    company = int(req.company_id)
    ctx = {"allowed_company_ids": [company], "active_test": False}
    fields = [*_READ_FIELDS.get(req.model, ["company_id"]), "write_date"]
    try:
        rows = odoo.call(req.model, "read", ids=targets, fields=fields, context=ctx)
    except OdooAccessError as exc:
        # a record rule hides it: another company's record, or one the API user may not read
        return result.fail(
            "company",
            f"{req.model}{tuple(targets)} is not accessible in company {company}: it belongs to "
            f"another company (or the API user may not read it): {exc}",
        )
    except OdooError as exc:
        return result.fail(
            "odoo", f"cannot read {req.model}{tuple(targets)} in company {company}: {exc}"
        )
    found = {int(r["id"]): r for r in rows or []}
    for rid in targets:
        row = found.get(rid)
        if row is None:
            return result.fail(
                "odoo",
                f"{req.model}({rid}) does not exist (or is not visible in company {company})",
            )
        rc = m2o(row.get("company_id"))
        if rc is False and req.model in _SHARED_OK:
            pass
        elif rc != company:
            return result.fail(
                "company", f"{req.model}({rid}) belongs to company {rc}, not {company}"
            )
        if row.get("active") is False:
            return result.fail("odoo", f"{req.model}({rid}) is archived")
        problem = _state_problem(skill, req.model, row, odoo)
        if problem:
            return result.fail("consistency", f"{req.model}({rid}) {problem}")
        result.records[str(rid)] = row
    try:
        _check_params_in_odoo(result, skill, req, company, odoo)
    except OdooError as exc:
        return result.fail("odoo", f"cannot check the parameters in Odoo: {exc}")
    if result.ok:
        result.verified_in_odoo = True
        result.passed("odoo", f"{len(targets)} record(s) exist in company {company}")
    return result


def _state_problem(skill: Skill, model: str, row: dict[str, Any], odoo: OdooClient) -> str | None:
    if model == "account.move":
        if row.get("move_type") != "out_invoice" or row.get("state") != "posted":
            return "is not a posted customer invoice"
        if skill.key in ("send_payment_reminder", "schedule_activity"):
            if row.get("payment_state") not in ("not_paid", "partial"):
                return f"is {row.get('payment_state')}: nothing to chase"
            due = row.get("invoice_date_due")
            if skill.key == "send_payment_reminder" and (
                not due or date.fromisoformat(due) >= _today(odoo)
            ):
                return f"is not overdue (due {due})"
        if (
            skill.limits.max_amount is not None
            and float(row.get("amount_residual") or 0) > skill.limits.max_amount
        ):
            return f"residual {row.get('amount_residual')} is over the limit of {skill.limits.max_amount:g}"
    if model == "crm.lead":
        if float(row.get("probability") or 0) >= 100:
            return "is won already"
        if skill.key == "assign_lead" and m2o(row.get("user_id")):
            return "is already assigned"
    return None


def _check_params_in_odoo(
    result: PolicyResult, skill: Skill, req: ProposalRequest, company: int, odoo: OdooClient
) -> None:
    params = req.params
    ctx = {"allowed_company_ids": [company], "active_test": False}
    user_id = params.get("user_id")
    if user_id is not None:
        users = odoo.search_read(
            "res.users",
            [["id", "=", user_id]],
            ["company_ids", "active", "share"],
            context={"active_test": False},
        )
        if not users or not users[0].get("active") or users[0].get("share"):
            result.fail("params", f"user {user_id} is not an active internal user")
            return
        if company not in (users[0].get("company_ids") or []):
            result.fail("company", f"user {user_id} does not work for company {company}")
            return
    if skill.key == "set_deal_tag":
        tags = odoo.search_read("crm.tag", [["name", "=", params["tag"]]], ["id", "name"], limit=2)
        exact = [t for t in tags if t.get("name") == params["tag"]]
        if not exact:
            result.fail(
                "params",
                f"CRM tag {params['tag']!r} does not exist (tags are not created by write-back)",
            )
            return
        result.resolved["tag_id"] = int(exact[0]["id"])
    if skill.key == "create_draft_rfq":
        vendors = odoo.call(
            "res.partner",
            "read",
            ids=[params["partner_id"]],
            fields=["company_id", "active"],
            context=ctx,
        )
        if not vendors or vendors[0].get("active") is False:
            result.fail("params", f"vendor res.partner({params['partner_id']}) does not exist")
            return
        vc = m2o(vendors[0].get("company_id"))
        if vc not in (False, company):
            result.fail(
                "company", f"vendor res.partner({params['partner_id']}) belongs to company {vc}"
            )
            return
