"""Users, access rights (``ir.model.access``) and multi-company checks of the simulated Odoo.

Odoo refuses a whole operation on a model before looking at any record when the user's
groups lack the right; the pipeline must see the same ``AccessError`` text (the server
copies it onto the wire), so the message is built exactly like Odoo 19's
``ir.model.access._make_access_error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.exceptions import AccessError
from simulator.models import DEFAULT_GROUP, GROUPS, SENSITIVE_MODELS, description

ALL_OPS = frozenset({"read", "write", "create", "unlink"})

_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}

# Models the read-only demo user can read (Odoo's "Internal User" reads most business data).
_DEMO_READABLE = (
    "account.account",
    "account.analytic.account",
    "account.journal",
    "account.move",
    "account.payment",
    "account.payment.term",
    "crm.lead",
    "crm.stage",
    "crm.team",
    "mail.activity",
    "mail.message",
    "mail.tracking.value",
    "product.category",
    "product.product",
    "product.template",
    "project.project",
    "project.task",
    "purchase.order",
    "purchase.order.line",
    "res.company",
    "res.currency",
    "res.currency.rate",
    "res.partner",
    "res.users",
    "sale.order",
    "sale.order.line",
    "stock.location",
    "stock.move",
    "stock.picking",
    "stock.quant",
    "stock.warehouse",
    "stock.warehouse.orderpoint",
    "uom.uom",
)

# What a salesperson's own documents need (Marc Demo is a salesman in Odoo's demo data, and
# the simulated company's daily life confirms orders and moves leads as their owner).
_SALES_FULL = (
    "crm.lead",
    "sale.order",
    "sale.order.line",
    "mail.activity",
    "mail.message",
    "mail.tracking.value",
    "stock.picking",
    "stock.move",
)
_SALES_READ = (
    "crm.stage",
    "crm.team",
    "product.product",
    "product.template",
    "product.category",
    "res.partner",
    "res.users",
    "res.company",
    "res.currency",
    "uom.uom",
)


@dataclass
class SimUser:
    """One ``res.users`` login of the simulated database with its rights."""

    uid: int
    login: str | None
    password: str | None
    name: str
    company_id: int
    company_ids: list[int]
    access: dict[str, set[str]] | None = field(default=None)

    def can(self, model: str, op: str) -> bool:
        """Whether this user's groups grant ``op`` on ``model`` (admin: everything)."""
        if self.access is None:
            return True
        return op in self.access.get(model, ())


def default_users(company_ids: list[int]) -> list[SimUser]:
    """The demo database's users: OdooBot, admin, demo and a sales user.

    ``demo`` reads most business models but may only change its own sales documents (CRM,
    quotations, their deliveries, chatter, contacts), as Odoo's demo salesman; it cannot
    read journal items, employees, expenses or the technical models.
    """
    companies = sorted(company_ids) or [1]
    first = companies[0]
    demo_access: dict[str, set[str]] = {m: {"read"} for m in _DEMO_READABLE}
    demo_access["res.partner"] = {"read", "write", "create"}
    demo_access.update({m: set(ALL_OPS) for m in _SALES_FULL})
    sales_access: dict[str, set[str]] = {m: set(ALL_OPS) for m in _SALES_FULL}
    sales_access.update({m: {"read"} for m in _SALES_READ})
    sales_access["res.partner"] = {"read", "write", "create"}
    return [
        SimUser(1, None, None, "OdooBot", first, list(companies), None),
        SimUser(2, "admin", "admin", "Mitchell Admin", first, list(companies), None),
        SimUser(5, "demo", "demo", "Marc Demo", first, [first], demo_access),
        SimUser(6, "sales", "sales", "Sales Person", first, [first], sales_access),
    ]


def access_error(model: str, op: str) -> AccessError:
    """Odoo 19's wording for a missing ``ir.model.access`` right."""
    group = DEFAULT_GROUP if model in SENSITIVE_MODELS else GROUPS.get(model, DEFAULT_GROUP)
    return AccessError(
        f"You are not allowed to {_VERBS[op]} '{description(model)}' ({model}) records.\n\n"
        f"This operation is allowed for the following groups:\n\t- {group}\n\n"
        "Contact your administrator to request access if necessary."
    )


def check_access(user: SimUser, model: str, op: str) -> None:
    """Raise Odoo's AccessError unless ``user`` may ``op`` on ``model``."""
    if model in SENSITIVE_MODELS and user.access is not None:
        raise access_error(model, op)
    if not user.can(model, op):
        raise access_error(model, op)


def allowed_companies(user: SimUser, context: dict[str, Any] | None) -> list[int]:
    """``context.allowed_company_ids`` checked against the user's companies, like Odoo's
    ``check_company_domain``/``_get_company_ids``: a foreign id is refused outright."""
    requested = (context or {}).get("allowed_company_ids")
    if requested is None or requested is False:
        return list(user.company_ids)
    if isinstance(requested, int) and not isinstance(requested, bool):
        requested = [requested]
    if not isinstance(requested, list | tuple) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in requested
    ):
        raise AccessError("Access to unauthorized or invalid companies.")
    if not set(requested) <= set(user.company_ids):
        raise AccessError("Access to unauthorized or invalid companies.")
    return list(requested) or list(user.company_ids)
