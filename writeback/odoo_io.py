"""Write-back's Odoo I/O: the calls it may make per release, the undo recipes, finding
what an action wrote (by its marker, or its values) and reading it back.

Everything that talks to Odoo for the executor, the rollback and the reconciler goes through
:func:`remote` / :func:`search`, which refuse before sending a call the server's release does
not allow remotely (``REMOTE_METHODS``). No store access here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from odoo_api.client import OdooClient
from writeback.models import Plan

__all__ = [
    "RECIPES",
    "REMOTE_METHODS",
    "Recipe",
    "check_remote",
    "find_created",
    "m2o",
    "major_of",
    "odoo_major",
    "read_created",
    "read_fields",
    "remote",
    "search",
    "writes_landed",
]

#: Every method write-back calls in Odoo (a skill, finding what it wrote, its undo), per
#: Odoo release, as the real servers answered (``simulator/odoo1*/samples/writeback``):
#: ``exists`` is private on 19 ("cannot be called remotely") and so is never used, on 17
#: either; what an action wrote is found by searching for its marker and read by id.
_COMMON_REMOTE = frozenset(
    {"search", "search_read", "search_count", "read", "write", "create", "unlink",
     "message_post", "activity_schedule", "button_cancel"}
)  # fmt: skip
REMOTE_METHODS: dict[int, frozenset[str]] = {
    17: _COMMON_REMOTE | {"exists"},
    19: _COMMON_REMOTE,
}


def major_of(version: dict[str, Any]) -> int:
    """The Odoo major release in a ``common.version`` answer (19 when it does not say)."""
    info = version.get("server_version_info") or [19]
    try:
        return int(info[0])
    except (TypeError, ValueError, IndexError):
        return 19


def check_remote(major: int, model: str, method: str) -> None:
    """Refuse, before sending, a call Odoo ``major`` does not allow remotely or that no
    recipe uses (a programming error, so it fails loudly)."""
    table = REMOTE_METHODS.get(major, REMOTE_METHODS[max(REMOTE_METHODS)])
    if method not in table or method == "exists":
        raise ValueError(
            f"{model}.{method} is not remotely callable for write-back on Odoo {major}"
        )


@dataclass(frozen=True)
class Recipe:
    """How a skill writes, how what it wrote is found again, and how it is undone.

    ``find``: ``marker`` (searched by the idempotency key written into Odoo) or ``values``
    (a field write, read back by id). ``undo``: the calls of the undo, in order;
    ``fallback``: what is done when Odoo refuses the last undo call (a purchase order that
    cannot be deleted is left cancelled with a note). ``verify``: how the undo is checked.
    """

    do: tuple[tuple[str, str], ...]  # (model, method); "record" = the proposal's model
    find: str
    read: tuple[tuple[str, str], ...]
    undo: tuple[tuple[str, str], ...]
    verify: tuple[tuple[str, str], ...]
    fallback: tuple[tuple[str, str], ...] = ()

    def calls(self) -> list[tuple[str, str]]:
        return [*self.do, *self.read, *self.undo, *self.verify, *self.fallback]


_MESSAGE = Recipe(
    do=(("record", "message_post"),),
    find="marker",
    read=(("mail.message", "search"), ("mail.message", "read")),
    undo=(("mail.message", "unlink"),),
    verify=(("mail.message", "search"),),
)
_WRITE = Recipe(
    do=(("record", "write"),),
    find="values",
    read=(("record", "read"),),
    undo=(("record", "write"),),
    verify=(("record", "read"),),
)
_ACTIVITY = Recipe(
    do=(("record", "activity_schedule"),),
    find="marker",
    read=(("mail.activity", "search"), ("mail.activity", "read")),
    undo=(("mail.activity", "unlink"),),
    verify=(("mail.activity", "search"),),
)
#: The undo recipe of every executable skill (a skill without one cannot be rolled back).
RECIPES: dict[str, Recipe] = {
    "schedule_activity": _ACTIVITY,
    "brief_as_activity": _ACTIVITY,
    "post_internal_note": _MESSAGE,
    "send_payment_reminder": _MESSAGE,
    "create_draft_rfq": Recipe(
        do=(("purchase.order", "create"),),
        find="marker",
        read=(
            ("purchase.order", "search"),
            ("purchase.order", "read"),
            ("purchase.order.line", "search_read"),
        ),
        undo=(("purchase.order", "button_cancel"), ("purchase.order", "unlink")),
        verify=(("purchase.order", "search"), ("purchase.order", "read")),
        fallback=(("purchase.order", "message_post"),),
    ),
    "set_deal_priority": _WRITE,
    "set_deal_tag": _WRITE,
    "assign_lead": _WRITE,
}


def m2o(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else False
    return value


# -- talking to Odoo -------------------------------------------------------------------------------


def odoo_major(odoo: OdooClient) -> int:
    """The Odoo release on the other side (its ``common.version``)."""
    return major_of(odoo.version())


def remote(odoo: OdooClient, model: str, method: str, **kwargs: Any) -> Any:
    """One call, refused before it is sent when this Odoo release does not allow it
    remotely (``writeback.odoo_io.REMOTE_METHODS``)."""
    check_remote(odoo_major(odoo), model, method)
    return odoo.call(model, method, **kwargs)


def search(odoo: OdooClient, model: str, domain: list[Any], context: dict[str, Any]) -> list[int]:
    """Ids matching ``domain``, archived ones included (an activity marked done is archived,
    not gone)."""
    check_remote(odoo_major(odoo), model, "search")
    return odoo.search(model, domain, order="id", context={**context, "active_test": False})


# -- reading Odoo ---------------------------------------------------------------------------------


def read_fields(
    odoo: OdooClient, plan: Plan, model: str, ids: list[int], fields: list[str]
) -> dict[str, Any]:
    if not ids:
        return {}
    rows = remote(odoo, model, "read", ids=ids, fields=fields, context=plan.context)
    return {str(r["id"]): {k: r.get(k) for k in fields} for r in rows or []}


def find_created(odoo: OdooClient, plan: Plan, targets: list[int]) -> list[int]:
    """Ids already in Odoo that carry this action's marker."""
    if plan.created_model == "mail.activity":
        domain: list[Any] = [["res_model", "=", plan.model], ["res_id", "in", targets],
                             ["note", "ilike", plan.marker]]  # fmt: skip
    elif plan.created_model == "mail.message":
        domain = [
            ["model", "=", plan.model],
            ["res_id", "in", targets],
            ["body", "ilike", plan.marker],
        ]
    else:
        domain = [["origin", "=", plan.marker]]
    return search(odoo, plan.created_model or plan.model, domain, plan.context)


def writes_landed(current: dict[str, Any], plan: Plan) -> bool:
    if not current or len(current) != len(plan.watch_ids):
        return False
    for row in current.values():
        for fname, want in plan.expected.items():
            got = row.get(fname)
            if fname == "tag_ids":
                if want not in (got or []):
                    return False
            elif m2o(got) != want:
                return False
    return True


def read_created(odoo: OdooClient, plan: Plan, ids: list[int]) -> dict[str, Any]:
    after = read_fields(odoo, plan, plan.created_model or plan.model, ids, plan.watch_fields)
    if plan.created_model == "purchase.order" and ids:
        lines = odoo.search_read(
            "purchase.order.line",
            [["order_id", "in", ids]],
            ["order_id", "product_id", "product_qty", "price_unit"],
            context=plan.context,
        )
        for line in lines:
            row = after.get(str(m2o(line["order_id"])))
            if row is not None:
                row.setdefault("lines", []).append(
                    {k: m2o(line[k]) for k in ("product_id", "product_qty", "price_unit")}
                )
    return after
