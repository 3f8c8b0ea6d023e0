"""Undo an executed action, only when nobody has touched what it wrote since.

A rollback compares Odoo now with the values read back right after the execution
(``write_date`` and the written fields). Equal: it restores the values before (field
writes) or removes what the action created (activity, chatter message, draft RFQ), by the
skill's recipe in ``writeback.odoo_io.RECIPES``. Different: someone changed the record since,
and restoring would overwrite their work, so it refuses and says what changed.

A rollback is recorded done only when Odoo shows it done: what was deleted is looked for by
a search afterwards (never ``exists``, private on Odoo 19), also when the delete raised. A
purchase order is cancelled (``button_cancel``) before it is deleted; where Odoo still
refuses the delete it is left cancelled with a note in its chatter. When only part shows as
undone, ``rollback_partial`` says which part and the action stays ``executed``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from sqlalchemy import select

from odoo_api.client import OdooClient
from odoo_api.errors import ConfigError, OdooError
from opstore import StateStore
from writeback.approvers import roles_of
from writeback.catalog import Catalog, load_catalog
from writeback.models import Plan
from writeback.odoo_io import m2o, read_created, read_fields, remote, search
from writeback.store import append_audit, audit_log, proposals, utcnow

__all__ = ["rollback_proposal"]

logger = logging.getLogger(__name__)


def _last_execution(state: StateStore, key: str) -> dict[str, Any] | None:
    with state.begin() as conn:
        rows = conn.execute(
            select(audit_log.c.event, audit_log.c.payload)
            .where(
                audit_log.c.idempotency_key == key,
                audit_log.c.event.in_(("execution_succeeded", "execution_recovered")),
            )
            .order_by(audit_log.c.id)
        ).all()
    for _event, payload in reversed(rows):
        data: dict[str, Any] = json.loads(str(payload))
        if "after" in data and "request" in data:
            return data
    return None


def _differences(now: dict[str, Any], then: dict[str, Any]) -> list[str]:
    out = []
    for rid, row in then.items():
        cur = now.get(rid)
        if cur is None:
            out.append(f"record {rid} no longer exists")
            continue
        for fname, value in row.items():
            got = cur.get(fname)
            if fname == "lines":
                continue
            if m2o(got) != m2o(value) and got != value:
                out.append(f"record {rid} {fname} is now {got!r} (after the action: {value!r})")
    return out


def _gone(odoo: OdooClient, plan: Plan, model: str, ids: list[int]) -> list[int]:
    """Which of ``ids`` Odoo no longer has, by a search (never ``exists``: private on 19)."""
    if not ids:
        return []
    still = set(search(odoo, model, [["id", "in", ids]], plan.context))
    return [i for i in ids if i not in still]


def _undo_created(
    odoo: OdooClient, plan: Plan, created: list[int], after: dict[str, Any]
) -> dict[str, Any]:
    """Remove what the action created, by the skill's recipe (``writeback.odoo_io.RECIPES``),
    and say what Odoo shows afterwards: ``{"model", "removed", "cancelled", "left", ...}`` or
    ``{"refused": why}`` when nothing may be touched."""
    model = plan.created_model or plan.model
    already = _gone(odoo, plan, model, created)
    todo = [i for i in created if i not in already]
    now = read_created(odoo, plan, todo)
    changed = _differences(now, {k: v for k, v in after.items() if int(k) in todo})
    if model == "purchase.order":
        changed = [c for c in changed if " state is now " not in c]  # judged just below
        changed += [
            f"RFQ {rid} is {r.get('state')!r}, no longer a draft"
            for rid, r in now.items()
            if r.get("state") not in ("draft", "cancel")
        ]
        changed += [
            f"RFQ {rid} lines changed"
            for rid, r in now.items()
            if r.get("lines") != after.get(rid, {}).get("lines")
        ]
    if changed:
        what = "activity" if model == "mail.activity" else "record"
        return {"refused": f"the created {what} was changed since: " + "; ".join(changed)}
    out: dict[str, Any] = {"model": model, "ids": created}
    errors: list[str] = []
    if model == "purchase.order" and todo:
        drafts = [int(rid) for rid, r in now.items() if r.get("state") == "draft"]
        if drafts:
            try:  # a purchase order is cancelled before it can be deleted (17 and 19)
                remote(odoo, model, "button_cancel", ids=drafts, context=plan.context)
            except OdooError as exc:  # None over XML-RPC is a fault after the commit
                errors.append(f"button_cancel: {type(exc).__name__}: {exc}")
    if todo:
        try:
            remote(odoo, model, "unlink", ids=todo, context=plan.context)
        except OdooError as exc:  # it may still have happened: Odoo is asked below
            errors.append(f"unlink: {type(exc).__name__}: {exc}")
    gone = _gone(odoo, plan, model, todo)
    left = [i for i in todo if i not in gone]
    out["removed"] = [i for i in created if i in already or i in gone]
    if model == "purchase.order" and left:
        states = read_fields(odoo, plan, model, left, ["state"])
        cancelled = [i for i in left if states.get(str(i), {}).get("state") == "cancel"]
        if cancelled:
            note = (
                f"Cancelled by the AI COO to undo action [{plan.marker}]; Odoo refused to "
                "delete it, so it is left cancelled."
            )
            with contextlib.suppress(OdooError):
                for rid in cancelled:
                    remote(odoo, model, "message_post", ids=[rid], body=note,
                           message_type="comment", subtype_xmlid="mail.mt_note",
                           context=plan.context)  # fmt: skip
            out["cancelled"] = cancelled
            out["note"] = note
        left = [i for i in left if i not in cancelled]
    if errors:
        out["error"] = "; ".join(errors)
    out["left"] = left
    if left and not out["removed"] and not out.get("cancelled"):
        return {"refused": f"Odoo refused the rollback: {out.get('error') or 'nothing removed'}"}
    return out


def rollback_proposal(
    state: StateStore,
    odoo: OdooClient,
    proposal_id: int,
    user: str,
    *,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Restore what an executed proposal changed; ``{"ok": False, "reason": ...}`` if refused."""
    catalog = catalog or load_catalog()
    with state.begin() as conn:
        row = (
            conn.execute(select(proposals).where(proposals.c.id == proposal_id)).mappings().first()
        )
    if row is None:
        raise ConfigError(f"there is no action proposal #{proposal_id}: see `coo actions list`")
    key = row["idempotency_key"]

    def partial(undone: dict[str, Any]) -> dict[str, Any]:
        """Part of the undo shows in Odoo, part does not: say which, leave it executed (a
        second rollback finishes it: what is already gone counts as undone)."""
        reason = (
            f"partly undone: {undone['model']}{tuple(undone['left'])} still in Odoo"
            + (f" ({undone['error']})" if undone.get("error") else "")
            + (
                f"; removed {undone['model']}{tuple(undone['removed'])}"
                if undone.get("removed")
                else ""
            )
        )
        with state.begin() as conn:
            append_audit(conn, "rollback_partial", proposal_id=proposal_id, idempotency_key=key,
                         actor=user, payload={"reason": reason, **undone})  # fmt: skip
        return {"id": proposal_id, "ok": False, "partial": True, "reason": reason, **undone}

    def refuse(reason: str) -> dict[str, Any]:
        with state.begin() as conn:
            append_audit(conn, "rollback_refused", proposal_id=proposal_id, idempotency_key=key,
                         actor=user, payload={"reason": reason})  # fmt: skip
        logger.info("rollback of %s refused: %s", proposal_id, reason)
        return {"id": proposal_id, "ok": False, "reason": reason}

    skill = catalog.get(row["skill"])
    held = roles_of(user)
    allowed = set(skill.approver_roles if skill else ()) | {"admin"}
    if not held & allowed:
        return refuse(f"{user} holds no role that may roll back '{row['skill']}'")
    if row["status"] != "executed":
        return refuse(f"proposal #{proposal_id} is {row['status']}, not executed")
    done = _last_execution(state, key)
    if done is None:
        return refuse("no recorded execution with values after the write")
    plan = Plan(**done["request"], skill=row["skill"])
    after: dict[str, Any] = done["after"]
    before: dict[str, Any] = done.get("before") or {}
    created: list[int] = [int(i) for i in done.get("created_ids") or []]
    try:
        if plan.kind == "write":
            ids = [int(i) for i in after]
            now = read_fields(odoo, plan, plan.model, ids, plan.watch_fields)
            changed = _differences(now, after)
            if changed:
                return refuse("changed by someone else since: " + "; ".join(changed))
            for rid in ids:
                vals = {}
                for fname in plan.watch_fields:
                    if fname == "write_date":
                        continue
                    old = before.get(str(rid), {}).get(fname)
                    vals[fname] = [[6, 0, list(old or [])]] if fname == "tag_ids" else m2o(old)
                remote(odoo, plan.model, "write", ids=[rid], vals=vals, context=plan.context)
            restored = read_fields(odoo, plan, plan.model, ids, plan.watch_fields)
            wrong = [
                f"record {rid} {f}"
                for rid in ids
                for f in plan.watch_fields
                if f != "write_date"
                and m2o(restored.get(str(rid), {}).get(f)) != m2o(before.get(str(rid), {}).get(f))
            ]
            if wrong:
                return refuse("restore did not read back as before: " + ", ".join(wrong))
            result = {"restored": restored}
        else:
            undone = _undo_created(odoo, plan, created, after)
            if undone.get("refused"):
                return refuse(str(undone["refused"]))
            if undone.get("left"):
                return partial(undone)
            result = undone
    except OdooError as exc:
        return refuse(f"Odoo refused the rollback: {type(exc).__name__}: {exc}")
    with state.begin() as conn:
        conn.execute(
            proposals.update()
            .where(proposals.c.id == proposal_id)
            .values(status="rolled_back", updated_at=utcnow())
        )
        append_audit(conn, "rolled_back", proposal_id=proposal_id, idempotency_key=key, actor=user,
                     payload={"before": before, "after": after, **result})  # fmt: skip
    return {"id": proposal_id, "ok": True, **result}
