"""Reconcile the audit log with Odoo: what the audit says happened against what Odoo holds.

A crash between an Odoo call and the audit record, an answer misread, someone deleting a
record by hand: any of these leaves the audit and Odoo disagreeing, in either direction.
:func:`reconcile` looks at every action that reached Odoo (an ``execution_started`` entry)
and is now ``executed``, ``failed`` or ``rolled_back``, finds what it wrote by its marker (a
field write: by the values), and reports each disagreement:

``executed_but_missing``     audit: executed; Odoo: nothing carries the marker
``failed_but_present``       audit: failed; Odoo: the marker (or the values written) is there
``rolled_back_but_present``  audit: rolled back; Odoo: still there (a cancelled RFQ left by
                             the undo is not "present")
``refused_but_gone``         audit: rollback refused, still executed; Odoo: gone
``changed_since``            a field write no longer shows its values (someone edited the
                             record since): reported, never fixed, as nothing is wrong

With ``fix=True`` the audit is brought in line with Odoo, by appending (the log is
append-only) a ``reconciled`` entry and setting the proposal's status: the found ids and
values are recorded as an ``execution_recovered`` entry where the action now counts as
executed, so a rollback can use them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from odoo_api.client import OdooClient
from opstore import StateStore
from writeback.models import Plan
from writeback.odoo_io import find_created, read_created, read_fields, writes_landed
from writeback.store import append_audit, audit_log, proposals, utcnow

__all__ = ["KINDS", "Finding", "reconcile"]

logger = logging.getLogger(__name__)

KINDS = (
    "executed_but_missing",
    "failed_but_present",
    "rolled_back_but_present",
    "refused_but_gone",
    "changed_since",
)
#: the status each fixable kind leaves the proposal in
_FIXED_STATUS = {
    "executed_but_missing": "failed",
    "failed_but_present": "executed",
    "rolled_back_but_present": "executed",
    "refused_but_gone": "rolled_back",
}
_CHECKED = ("executed", "failed", "rolled_back")


@dataclass
class Finding:
    """One disagreement between the audit log and Odoo."""

    proposal_id: int
    skill: str
    kind: str
    status: str  # the proposal's status in the audit
    found_ids: list[int] = field(default_factory=list)
    detail: str = ""
    fixed: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _events(state: StateStore, key: str) -> list[tuple[str, dict[str, Any]]]:
    with state.begin() as conn:
        rows = conn.execute(
            select(audit_log.c.event, audit_log.c.payload)
            .where(audit_log.c.idempotency_key == key)
            .order_by(audit_log.c.id)
        ).all()
    return [(str(e), json.loads(str(p))) for e, p in rows]


def _compare(
    odoo: OdooClient, row: dict[str, Any], events: list[tuple[str, dict[str, Any]]]
) -> tuple[Finding | None, dict[str, Any]]:
    """The disagreement for one proposal (or None) and what Odoo holds for it."""
    started = [p for e, p in events if e == "execution_started"]
    plan = Plan(**{k: v for k, v in started[0]["request"].items() if k != "skill"},
                skill=row["skill"])  # fmt: skip
    targets = [int(i) for i in json.loads(row["record_ids"] or "[]")]
    status = row["status"]
    last_undo = next(
        (e for e, _ in reversed(events) if e in ("rolled_back", "rollback_refused")), None
    )

    def finding(kind: str, ids: list[int], detail: str) -> Finding:
        return Finding(int(row["id"]), row["skill"], kind, status, ids, detail)

    if plan.kind == "write":
        now = read_fields(odoo, plan, plan.model, plan.watch_ids or targets, plan.watch_fields)
        landed = writes_landed(now, plan)
        seen = {"ids": [], "after": now, "before": started[0]["before"]}
        if status == "failed" and landed:
            return finding("failed_but_present", [], f"Odoo shows {plan.expected}"), seen
        if status == "rolled_back" and landed:
            return finding("rolled_back_but_present", [], f"Odoo still shows {plan.expected}"), seen
        if status == "executed" and not landed:
            values = {
                rid: {k: v for k, v in r.items() if k != "write_date"} for rid, r in now.items()
            }
            return finding("changed_since", [], f"Odoo shows {values}, not {plan.expected}"), seen
        return None, seen
    ids = find_created(odoo, plan, targets)
    after = read_created(odoo, plan, ids)
    seen = {"ids": ids, "after": after, "before": started[0]["before"]}
    live = ids
    if plan.created_model == "purchase.order":  # a cancelled RFQ is what an undo may leave
        live = [i for i in ids if after.get(str(i), {}).get("state") != "cancel"]
    where = f"{plan.created_model}{tuple(ids)}" if ids else ""
    if status == "executed" and not ids:
        kind = "refused_but_gone" if last_undo == "rollback_refused" else "executed_but_missing"
        return finding(kind, [], f"nothing carries the marker [{plan.marker}] in Odoo"), seen
    if status == "failed" and ids:
        return finding("failed_but_present", ids, f"{where} carries the marker"), seen
    if status == "rolled_back" and live:
        return finding("rolled_back_but_present", live, f"{where} still carries the marker"), seen
    return None, seen


def _fix(state: StateStore, row: dict[str, Any], found: Finding, seen: dict[str, Any],
         request: dict[str, Any]) -> None:  # fmt: skip
    new = _FIXED_STATUS[found.kind]
    key = row["idempotency_key"]
    with state.begin() as conn:
        values: dict[str, Any] = {"status": new, "updated_at": utcnow()}
        if new == "failed":
            values["reason"] = found.detail
        conn.execute(proposals.update().where(proposals.c.id == row["id"]).values(**values))
        append_audit(conn, "reconciled", proposal_id=row["id"], idempotency_key=key,
                     actor="reconcile", payload={**found.as_json(), "new_status": new})  # fmt: skip
        if new == "executed":  # what a rollback needs: the ids and values found now
            append_audit(conn, "execution_recovered", proposal_id=row["id"], idempotency_key=key,
                         actor="reconcile",
                         payload={"before": seen["before"], "after": seen["after"],
                                  "created_ids": seen["ids"], "request": request,
                                  "response": {"reconciled": found.kind}})  # fmt: skip


def reconcile(
    state: StateStore,
    odoo: OdooClient,
    *,
    fix: bool = False,
    ids: Iterable[int] | None = None,
) -> list[Finding]:
    """Every disagreement between the audit and Odoo (of the proposals ``ids``, or all);
    with ``fix``, the fixable ones are fixed in the audit (never in Odoo)."""
    query = select(proposals).where(proposals.c.status.in_(_CHECKED)).order_by(proposals.c.id)
    if ids is not None:
        query = query.where(proposals.c.id.in_([int(i) for i in ids]))
    with state.begin() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    out: list[Finding] = []
    for row in rows:
        events = _events(state, row["idempotency_key"])
        started = [p for e, p in events if e == "execution_started"]
        if not started:  # refused before anything was sent: nothing to compare
            continue
        found, seen = _compare(odoo, row, events)
        if found is None:
            continue
        if fix and found.kind in _FIXED_STATUS:
            _fix(state, row, found, seen, started[0]["request"])
            found.fixed = True
        logger.info("reconcile #%s %s: %s", found.proposal_id, found.kind, found.detail)
        out.append(found)
    return out
