"""Undo an executed action, only when nobody has touched what it wrote since.

A rollback compares Odoo now with the values read back right after the execution
(``write_date`` and the written fields). Equal: it restores the values before (field
writes) or removes what the action created (activity, chatter message, draft RFQ). Different:
someone changed the record since, and restoring would overwrite their work, so it refuses and
says what changed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select

from odoo_api.client import OdooClient
from odoo_api.errors import ConfigError, OdooError
from opstore import StateStore
from writeback.approvers import roles_of
from writeback.catalog import Catalog, load_catalog
from writeback.executor import Plan, _m2o, _read, _read_created
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
            if _m2o(got) != _m2o(value) and got != value:
                out.append(f"record {rid} {fname} is now {got!r} (after the action: {value!r})")
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
            now = _read(odoo, plan, plan.model, ids, plan.watch_fields)
            changed = _differences(now, after)
            if changed:
                return refuse("changed by someone else since: " + "; ".join(changed))
            for rid in ids:
                vals = {}
                for fname in plan.watch_fields:
                    if fname == "write_date":
                        continue
                    old = before.get(str(rid), {}).get(fname)
                    vals[fname] = [[6, 0, list(old or [])]] if fname == "tag_ids" else _m2o(old)
                odoo.call(plan.model, "write", ids=[rid], vals=vals, context=plan.context)
            restored = _read(odoo, plan, plan.model, ids, plan.watch_fields)
            wrong = [
                f"record {rid} {f}"
                for rid in ids
                for f in plan.watch_fields
                if f != "write_date"
                and _m2o(restored.get(str(rid), {}).get(f)) != _m2o(before.get(str(rid), {}).get(f))
            ]
            if wrong:
                return refuse("restore did not read back as before: " + ", ".join(wrong))
            result = {"restored": restored}
        else:
            model = plan.created_model or plan.model
            now = _read_created(odoo, plan, created)
            changed = _differences(now, after)
            if plan.created_model == "purchase.order":
                changed += [
                    f"RFQ {rid} is {r.get('state')!r}, no longer a draft"
                    for rid, r in now.items()
                    if r.get("state") != "draft"
                ]
                changed += [
                    f"RFQ {rid} lines changed"
                    for rid, r in now.items()
                    if r.get("lines") != after.get(rid, {}).get("lines")
                ]
            if changed:
                what = "activity" if model == "mail.activity" else "record"
                return refuse(f"the created {what} was changed since: " + "; ".join(changed))
            odoo.call(model, "unlink", ids=created, context=plan.context)
            left = odoo.call(model, "exists", ids=created, context=plan.context)
            if left:
                return refuse(f"{model}{tuple(left)} still exist after unlink")
            result = {"removed": {"model": model, "ids": created}}
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
