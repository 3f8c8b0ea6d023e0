"""Per-model metadata of the simulated Odoo 19: what ``fields_get`` does not say.

Odoo keeps these on the Python class (``_description``, ``_order``, ``_parent_name``,
``_compute_display_name``), so the recorded ``fields/*.json`` cannot tell us; they were read
off Odoo 19's source and checked against the recorded demo database (every many2one pair in
``records/*.json`` is reproduced by :func:`display_name`; see ``tests/simulator/test_store.py``).
The store needs them to render many2one values, to apply the default order, to word access
errors exactly like Odoo, to follow ``child_of`` and to cascade deletes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

ODOO19_DIR = Path(__file__).resolve().parent / "odoo19"

# ``_description``: used in access-error messages ("... 'Journal Item' (account.move.line) ...").
DESCRIPTIONS: dict[str, str] = {
    "account.account": "Account",
    "account.analytic.account": "Analytic Account",
    "account.full.reconcile": "Full Reconcile",
    "account.journal": "Journal",
    "account.move": "Journal Entry",
    "account.move.line": "Journal Item",
    "account.partial.reconcile": "Partial Reconcile",
    "account.payment": "Payments",
    "account.payment.term": "Payment Terms",
    "crm.lead": "Lead/Opportunity",
    "crm.stage": "CRM Stages",
    "crm.tag": "CRM Tag",
    "crm.team": "Sales Team",
    "hr.employee": "Employee",
    "hr.expense": "Expense",
    "mail.activity": "Activity",
    "mail.message": "Message",
    "mail.tracking.value": "Mail Tracking Value",
    "product.category": "Product Category",
    "product.product": "Product Variant",
    "product.template": "Product",
    "project.project": "Project",
    "project.task": "Task",
    "purchase.order": "Purchase Order",
    "purchase.order.line": "Purchase Order Line",
    "res.company": "Companies",
    "res.currency": "Currency",
    "res.currency.rate": "Currency Rate",
    "res.partner": "Contact",
    "res.users": "User",
    "sale.order": "Sales Order",
    "sale.order.line": "Sales Order Line",
    "stock.location": "Inventory Locations",
    "stock.move": "Stock Move",
    "stock.picking": "Transfer",
    "stock.quant": "Quants",
    "stock.warehouse": "Warehouse",
    "stock.warehouse.orderpoint": "Minimum Inventory Rule",
    "uom.uom": "Product Unit of Measure",
    "ir.config_parameter": "System Parameter",
    "ir.cron": "Scheduled Actions",
    "ir.actions.server": "Server Actions",
    "ir.rule": "Record Rule",
    "ir.model.access": "Model Access",
    "res.groups": "Access Groups",
}

# Sensitive technical models: readable by admin only (the write-back guard is tested on them).
SENSITIVE_MODELS: tuple[str, ...] = (
    "ir.config_parameter",
    "ir.cron",
    "ir.actions.server",
    "ir.rule",
    "ir.model.access",
    "res.groups",
)

# The group named in access-error messages ("This operation is allowed for the following groups").
GROUPS: dict[str, str] = {
    "account.account": "Accounting / Billing",
    "account.analytic.account": "Accounting / Billing",
    "account.full.reconcile": "Accounting / Billing",
    "account.journal": "Accounting / Billing",
    "account.move": "Accounting / Billing",
    "account.move.line": "Accounting / Billing",
    "account.partial.reconcile": "Accounting / Billing",
    "account.payment": "Accounting / Billing",
    "account.payment.term": "Accounting / Billing",
    "crm.lead": "Sales / User: Own Documents Only",
    "crm.stage": "Sales / Administrator",
    "crm.tag": "Sales / Administrator",
    "crm.team": "Sales / Administrator",
    "hr.employee": "Employees / Officer: Manage all employees",
    "hr.expense": "Expenses / Team Approver",
    "project.project": "Project / Administrator",
    "project.task": "Project / User",
    "purchase.order": "Purchase / User",
    "purchase.order.line": "Purchase / User",
    "sale.order": "Sales / User: Own Documents Only",
    "sale.order.line": "Sales / User: Own Documents Only",
    "stock.location": "Inventory / Administrator",
    "stock.move": "Inventory / User",
    "stock.picking": "Inventory / User",
    "stock.quant": "Inventory / User",
    "stock.warehouse": "Inventory / Administrator",
    "stock.warehouse.orderpoint": "Inventory / User",
}
DEFAULT_GROUP = "Role / Administrator"

# ``_order``. Fields missing from a model's definitions are dropped at run time.
ORDERS: dict[str, str] = {
    "res.partner": "complete_name ASC, id DESC",
    "account.move": "date desc, name desc, id desc",
    "account.move.line": "date desc, move_name desc, id",
    "account.payment": "date desc, name desc, id desc",
    "account.journal": "sequence, type, code",
    "account.analytic.account": "plan_id, name asc",
    "crm.lead": "priority desc, id desc",
    "crm.stage": "sequence, name, id",
    "crm.tag": "name",
    "crm.team": "sequence ASC, create_date DESC, id DESC",
    "sale.order": "date_order desc, id desc",
    "sale.order.line": "order_id, sequence, id",
    "purchase.order": "priority desc, id desc",
    "purchase.order.line": "order_id, sequence, id",
    "hr.employee": "name",
    "hr.expense": "date desc, id desc",
    "mail.activity": "date_deadline ASC, id ASC",
    "mail.message": "id desc",
    "product.category": "complete_name",
    "project.project": "sequence, name, id",
    "project.task": "priority desc, sequence, date_deadline asc, id desc",
    "res.company": "sequence, name",
    "res.currency": "active desc, name",
    "res.currency.rate": "name desc",
    "res.users": "login",
    "stock.location": "complete_name, id",
    "stock.move": "sequence, id",
    "stock.picking": "priority desc, scheduled_date asc, id desc",
    "uom.uom": "sequence, id",
    "ir.config_parameter": "key",
    "ir.cron": "cron_name",
}

# ``_parent_name`` for child_of / parent_of.
PARENTS: dict[str, str] = {
    "res.partner": "parent_id",
    "product.category": "parent_id",
    "stock.location": "location_id",
    "hr.employee": "parent_id",
    "project.task": "parent_id",
    "res.company": "parent_id",
    "mail.message": "parent_id",
}

# one2many field -> (child model, inverse many2one). Kept in sync on create/write/unlink.
INVERSES: dict[tuple[str, str], tuple[str, str]] = {
    ("sale.order", "order_line"): ("sale.order.line", "order_id"),
    ("purchase.order", "order_line"): ("purchase.order.line", "order_id"),
    ("account.move", "line_ids"): ("account.move.line", "move_id"),
    ("stock.picking", "move_ids"): ("stock.move", "picking_id"),
    ("res.partner", "child_ids"): ("res.partner", "parent_id"),
    ("project.project", "task_ids"): ("project.task", "project_id"),
    ("project.task", "child_ids"): ("project.task", "parent_id"),
    ("hr.employee", "child_ids"): ("hr.employee", "parent_id"),
    ("mail.message", "tracking_value_ids"): ("mail.tracking.value", "mail_message_id"),
    ("product.template", "product_variant_ids"): ("product.product", "product_tmpl_id"),
}

# Children deleted with their parent (``ondelete='cascade'``): child model -> its parent link.
CASCADES: dict[str, list[tuple[str, str]]] = {
    "sale.order": [("sale.order.line", "order_id")],
    "purchase.order": [("purchase.order.line", "order_id")],
    "account.move": [("account.move.line", "move_id")],
    "account.move.line": [
        ("account.partial.reconcile", "debit_move_id"),
        ("account.partial.reconcile", "credit_move_id"),
    ],
    "mail.message": [("mail.tracking.value", "mail_message_id")],
    "product.template": [("product.product", "product_tmpl_id")],
}

# Writing a child bumps its parent (stored computed totals on the parent change).
PARENT_BUMPS: dict[str, str] = {
    "sale.order.line": "order_id",
    "purchase.order.line": "order_id",
    "account.move.line": "move_id",
    "stock.move": "picking_id",
}

# Stored ``complete_name`` fields Odoo computes from the parent chain.
COMPLETE_NAME_SEPARATORS: dict[str, str] = {
    "product.category": " / ",
    "stock.location": "/",
}

# Names of product.template.attribute.value records (not recorded as a model; read off the
# recorded product.product display names).
ATTRIBUTE_VALUE_NAMES: dict[int, str] = {
    1: "Steel",
    2: "Aluminium",
    3: "Custom",
    4: "White",
    5: "Black",
    10: "Wood",
    13: "Steel",
    14: "Aluminium",
    20: "Black",
    22: "Linen",
}

_DRAFT_PREFIX = {
    "out_invoice": "Draft Invoice",
    "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill",
    "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt",
    "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry",
}

Lookup = Callable[[str, Any], "dict[str, Any] | None"]
NameOf = Callable[[str, Any], "str | bool"]


def description(model: str) -> str:
    """``_description`` of ``model`` (the model name itself when unknown, as Odoo does)."""
    return DESCRIPTIONS.get(model, model)


def _shorten(text: str, width: int = 50) -> str:
    """``textwrap.shorten`` as Odoo uses it for the move reference suffix."""
    import textwrap

    return textwrap.shorten(text, width=width, placeholder="[...]")


def _first_line(value: Any) -> str:
    return value.split("\n")[0] if isinstance(value, str) and value else ""


def _move_name(row: dict[str, Any], show_ref: bool = True) -> str:
    name = ""
    if row.get("state", "draft") == "draft":
        name += _DRAFT_PREFIX.get(row.get("move_type") or "entry", "Draft Entry") + " "
    if not row.get("name") or row.get("name") == "/":
        name += f"(* {row['id']})"
    else:
        name += row["name"]
    ref = row.get("ref")
    return name + (f" ({_shorten(ref)})" if show_ref and ref else "")


def _product_name(row: dict[str, Any], lookup: Lookup) -> str | bool:
    tmpl = lookup("product.template", row.get("product_tmpl_id")) or {}
    name = row.get("name") or tmpl.get("name") or ""
    values = [
        ATTRIBUTE_VALUE_NAMES[v]
        for v in row.get("product_template_variant_value_ids") or ()
        if v in ATTRIBUTE_VALUE_NAMES
    ]
    if values:
        name = f"{name} ({', '.join(values)})"
    code = row.get("default_code")
    return f"[{code}] {name}" if code else name


def display_name(model: str, row: dict[str, Any], lookup: Lookup, name_of: NameOf) -> str | bool:
    """Odoo 19's ``display_name`` for one internal row.

    ``lookup(model, id)`` returns another row (or None); ``name_of(model, id)`` another
    record's display name. Rules follow each model's ``_compute_display_name``.
    """
    if model in ("res.partner", "product.category", "stock.location"):
        return row.get("complete_name") or row.get("name") or False
    if model == "product.product":
        return _product_name(row, lookup)
    if model == "product.template":
        code = row.get("default_code")
        return f"[{code}] {row.get('name') or ''}" if code else row.get("name") or False
    if model == "res.users":
        partner = lookup("res.partner", row.get("partner_id")) or {}
        return row.get("name") or partner.get("name") or row.get("login") or False
    if model in ("account.move", "account.payment"):
        if model == "account.payment":
            return row.get("name") or "Draft Payment"
        return _move_name(row)
    if model == "account.move.line":
        move = lookup("account.move", row.get("move_id")) or {}
        name = row.get("move_name") or move.get("name") or ""
        if row.get("ref"):
            name += f" ({row['ref']})"
        label = row.get("name") or (
            name_of("product.product", row["product_id"]) if row.get("product_id") else ""
        )
        return f"{name} {label}".strip() if label else name
    if model == "sale.order.line":
        order = lookup("sale.order", row.get("order_id")) or {}
        label = _first_line(row.get("name"))
        if not label and row.get("product_id"):
            label = name_of("product.product", row["product_id"]) or ""
        name = f"{order.get('name') or ''} - {label}"
        partner = lookup("res.partner", order.get("partner_id")) or {}
        extra = partner.get("ref") or partner.get("name")
        return f"{name} ({extra})" if extra else name
    if model == "mail.activity":
        if row.get("summary"):
            return row["summary"]
        return name_of("mail.activity.type", row.get("activity_type_id")) or False
    if model == "ir.config_parameter":
        return row.get("key") or False
    if model == "ir.cron":
        return row.get("cron_name") or row.get("name") or False
    if "name" in row:
        return row["name"] or False
    return row.get("name") or f"{model},{row['id']}"


def rec_name(model: str) -> str:
    """The field ``name_search`` matches (``_rec_name``)."""
    return {
        "res.partner": "complete_name",
        "product.category": "complete_name",
        "stock.location": "complete_name",
        "ir.config_parameter": "key",
        "ir.cron": "cron_name",
    }.get(model, "name")


@lru_cache(maxsize=1)
def reference_names() -> dict[str, dict[int, str]]:
    """Display names of records the simulator does not hold (res.country, utm.source...,
    or a recorded account.move that was not exported).

    Read off the recorded many2one pairs, so a generated or recorded row pointing at
    ``res.country`` 233 still renders ``[233, "United States"]`` as a real server would.
    Only used when the store has no row for the id.
    """
    out: dict[str, dict[int, str]] = {}
    fields: dict[str, dict[str, dict[str, Any]]] = {}
    for folder in ("fields", "fields_extra"):
        for path in sorted((ODOO19_DIR / folder).glob("*.json")):
            fields[path.stem] = json.loads(path.read_text())
    for folder in ("records", "records_extra"):
        for path in sorted((ODOO19_DIR / folder).glob("*.json")):
            model = path.stem.split(".paid_by_probe")[0]
            defs = fields.get(model, {})
            for rec in json.loads(path.read_text()):
                for key, value in rec.items():
                    fdef = defs.get(key)
                    if fdef and fdef["type"] == "many2one" and isinstance(value, list):
                        out.setdefault(fdef["relation"], {})[value[0]] = value[1]
    return out
