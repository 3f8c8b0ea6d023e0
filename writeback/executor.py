"""Execute approved actions in Odoo exactly once, with the values before and after audited.

Why it is shaped like this: JSON-2 calls do not share a transaction and a process can die
between the Odoo write and the audit record. So each action

1. re-checks the record against the policy (it may have changed since the proposal),
2. writes ``execution_started`` with the exact request and the values read before,
3. makes one Odoo call that carries its idempotency key *inside Odoo*: in the activity's
   note, the chatter message's body, or the RFQ's ``origin`` (plain fields every Odoo 19
   accepts); field writes (priority, tag, salesperson) set absolute values and are
   idempotent by nature,
4. searches Odoo for what carries the key (a field write: reads the values back) and
   writes ``execution_succeeded`` exactly when it is found, whatever the call returned or
   raised: Odoo 17 answers ``activity_schedule`` with a recordset's repr over JSON-RPC and a
   fault *after* the commit over XML-RPC, 19 with a list, a timeout with nothing at all.
   Only the methods ``writeback.odoo_io.REMOTE_METHODS`` lists for the server's release are
   called (``exists`` is private on 19).

When a run finds an action already started (a crash, a kill, a timeout after the write), it
first looks for the key in Odoo (or, for a field write, for the values already there) and
adopts what it finds instead of writing again; the values before come from the first start.
"""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from odoo_api.client import OdooClient
from odoo_api.errors import OdooConnectionError, OdooError, OdooServerError
from opstore import StateStore
from writeback.catalog import Catalog, Skill, load_catalog
from writeback.models import Plan, PolicyResult, ProposalRequest
from writeback.odoo_checks import check_odoo
from writeback.odoo_io import (
    find_created,
    m2o,
    read_created,
    read_fields,
    remote,
    writes_landed,
)
from writeback.store import append_audit, audit_log, dumps, executions, proposals, utcnow

__all__ = ["Plan", "execute_approved", "plan_for"]

logger = logging.getLogger(__name__)

#: Test seam: called right after the Odoo write returned and before anything is recorded,
#: so a test can kill the executor at the worst moment.
after_odoo_call: Callable[[dict[str, Any]], None] | None = None

EXECUTABLE = ("approved", "executing")
#: How long an action another run started is left to it before it counts as interrupted:
#: longer than the client's timeouts and retries for one call.
LEASE_SECONDS = 300.0
_TRANSIENT = (OdooConnectionError, OdooServerError)
_M2O_FIELDS = ("user_id", "partner_id", "product_id", "company_id")


def _text(body: str, marker: str) -> str:
    """Plain text as Odoo shows it, with the idempotency marker on its own last line."""
    return f"{body.strip()}\n\n[{marker}]"


def _html(body: str, marker: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.strip().split("\n") if p.strip())
    return f"{paragraphs}<p>[{marker}]</p>"


def _responsible(model: str, row: dict[str, Any]) -> int | None:
    field_name = "invoice_user_id" if model == "account.move" else "user_id"
    value = m2o(row.get(field_name))
    return int(value) if value else None


def plan_for(
    skill: Skill, proposal: dict[str, Any], policy: PolicyResult, *, today: datetime | None = None
) -> Plan:
    """The Odoo calls for one proposal (pure: what a dry run shows)."""
    params: dict[str, Any] = proposal["params"]
    targets: list[int] = list(proposal["record_ids"])
    model: str = proposal["model"]
    company = int(proposal["company_id"])
    key: str = proposal["idempotency_key"]
    ctx = {"allowed_company_ids": [company]}
    day = (today or datetime.now(UTC)).date()
    if skill.key in ("schedule_activity", "brief_as_activity"):
        deadline = (day + timedelta(days=int(params.get("due_in_days", 0)))).isoformat()
        by_user: dict[int | None, list[int]] = {}
        for rid in targets:
            user = params.get("user_id") or _responsible(model, policy.records.get(str(rid), {}))
            by_user.setdefault(user, []).append(rid)
        calls = []
        for user, ids in by_user.items():
            kwargs: dict[str, Any] = {
                "act_type_xmlid": "mail.mail_activity_data_todo",
                "summary": params["summary"],
                "note": _html(params.get("note") or params["summary"], key),
                "date_deadline": deadline,
            }
            if user:
                kwargs["user_id"] = user
            calls.append({"ids": ids, "kwargs": kwargs})
        return Plan(skill.key, model, "activity_schedule", calls, ctx, key, "create",
                    created_model="mail.activity", watch_model="mail.activity",
                    watch_fields=["res_model", "res_id", "summary", "note", "date_deadline",
                                  "user_id", "write_date"])  # fmt: skip
    if skill.key in ("post_internal_note", "send_payment_reminder"):
        reminder = skill.key == "send_payment_reminder"
        calls = []
        for rid in targets:
            kwargs = {
                "body": _text(params["body"], key),
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_comment" if reminder else "mail.mt_note",
            }
            partner = m2o(policy.records.get(str(rid), {}).get("partner_id"))
            if reminder and partner:
                kwargs["partner_ids"] = [int(partner)]
            calls.append({"ids": [rid], "kwargs": kwargs})
        return Plan(skill.key, model, "message_post", calls, ctx, key, "message",
                    created_model="mail.message", watch_model="mail.message",
                    watch_fields=["model", "res_id", "body", "message_type", "write_date"])  # fmt: skip
    if skill.key == "create_draft_rfq":
        line = {
            "product_id": targets[0],
            "product_qty": float(params["quantity"]),
            "price_unit": float(params["price_unit"]),
        }
        vals: dict[str, Any] = {
            "partner_id": int(params["partner_id"]),
            "company_id": company,
            "origin": key,
            "order_line": [[0, 0, line]],
        }
        if params.get("note"):
            vals["note"] = _html(params["note"], key)
        return Plan(skill.key, "purchase.order", "create", [{"ids": None, "kwargs": {"vals_list": [vals]}}],
                    ctx, key, "create", created_model="purchase.order", watch_model="purchase.order",
                    watch_fields=["state", "partner_id", "company_id", "origin", "order_line",
                                  "write_date"],
                    expected={"line": line})  # fmt: skip
    if skill.key in ("set_deal_priority", "set_deal_tag", "assign_lead"):
        if skill.key == "set_deal_priority":
            vals, fname, expected = {"priority": params["priority"]}, "priority", params["priority"]
        elif skill.key == "assign_lead":
            vals, fname, expected = {"user_id": params["user_id"]}, "user_id", params["user_id"]
        else:
            tag_id = int(policy.resolved["tag_id"])
            vals, fname, expected = {"tag_ids": [[4, tag_id]]}, "tag_ids", tag_id
        return Plan(skill.key, model, "write", [{"ids": targets, "kwargs": {"vals": vals}}], ctx, key,
                    "write", watch_model=model, watch_ids=targets,
                    watch_fields=[fname, "write_date"], expected={fname: expected})  # fmt: skip
    raise ValueError(f"no executor for skill {skill.key}")


def _verify(plan: Plan, after: dict[str, Any], targets: list[int]) -> str | None:
    """Why the read-back does not show what was asked, or None."""
    if plan.kind == "write":
        return None if writes_landed(after, plan) else f"read-back differs from {plan.expected}"
    if not after:
        return "nothing found in Odoo after the call"
    for row in after.values():
        if plan.created_model == "mail.activity":
            if row.get("res_model") != plan.model or row.get("res_id") not in targets:
                return f"activity attached to {row.get('res_model')}({row.get('res_id')})"
            if plan.marker not in str(row.get("note") or ""):
                return "activity carries no idempotency marker"
        elif plan.created_model == "mail.message":
            if plan.marker not in str(row.get("body") or "") or row.get("res_id") not in targets:
                return "message not found on the record"
        elif plan.created_model == "purchase.order":
            if row.get("state") != "draft":
                return f"RFQ is in state {row.get('state')!r}, not draft"
            if row.get("origin") != plan.marker:
                return "RFQ carries no idempotency marker"
    return None


# -- the state side ---------------------------------------------------------------------------------


def _proposal(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("params", "policy", "record_ids"):
        out[key] = json.loads(out[key]) if isinstance(out[key], str) else out[key]
    return out


def _events(conn: Connection, key: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(audit_log.c.event, audit_log.c.payload)
        .where(audit_log.c.idempotency_key == key)
        .order_by(audit_log.c.id)
    ).all()
    return [{"event": e, "payload": json.loads(str(p))} for e, p in rows]


def _request(proposal: dict[str, Any]) -> ProposalRequest:
    return ProposalRequest(
        skill=proposal["skill"],
        company_id=proposal["company_id"],
        model=proposal["model"],
        record_id=proposal["record_id"],
        params=proposal["params"],
        source=proposal["source"] or "manual",
        source_ref=proposal["source_ref"],
        alert_key=proposal["alert_key"],
        requested_by=proposal["requested_by"] or "unknown",
        record_ids=proposal["record_ids"],
    )


def _finish(
    state: StateStore,
    proposal: dict[str, Any],
    exec_id: int | None,
    event: str,
    status: str,
    payload: dict[str, Any],
    *,
    error: str | None = None,
    attempts: int | None = None,
) -> None:
    now = utcnow()
    with state.begin() as conn:
        values: dict[str, Any] = {"status": status, "updated_at": now, "last_error": error}
        if attempts is not None:
            values["attempts"] = attempts
        if error and status == "failed":
            values["reason"] = error
        conn.execute(proposals.update().where(proposals.c.id == proposal["id"]).values(**values))
        if exec_id is not None:
            conn.execute(
                executions.update()
                .where(executions.c.id == exec_id)
                .values(
                    status=event.removeprefix("execution_"),
                    response=dumps(payload.get("response")),
                    after=dumps(payload.get("after")),
                    error=error,
                    finished_at=now,
                )
            )
        append_audit(conn, event, proposal_id=proposal["id"], idempotency_key=proposal["idempotency_key"],
                     actor="executor", payload=payload)  # fmt: skip


class Taken(Exception):
    """Another executor claimed this attempt first (two runs at once)."""


def _start(
    state: StateStore, proposal: dict[str, Any], plan: Plan, before: dict[str, Any], attempt: int
) -> int:
    """Claim the attempt (optimistic: only if nobody else moved ``attempts`` on) and record
    the request and the values before, committed before anything is sent to Odoo."""
    now = utcnow()
    request = plan.as_json()
    with state.begin() as conn:
        claimed = conn.execute(
            proposals.update()
            .where(
                proposals.c.id == proposal["id"],
                proposals.c.attempts == attempt - 1,
                proposals.c.status.in_(EXECUTABLE),
            )
            .values(status="executing", attempts=attempt, updated_at=now)
        ).rowcount
        if claimed != 1:
            raise Taken(f"proposal {proposal['id']} attempt {attempt} is being run elsewhere")
        inserted = conn.execute(
            executions.insert().values(
                proposal_id=proposal["id"],
                attempt=attempt,
                status="started",
                request=dumps(request),
                before=dumps(before),
                started_at=now,
            )
        )
        append_audit(conn, "execution_started", proposal_id=proposal["id"],
                     idempotency_key=proposal["idempotency_key"], actor="executor",
                     payload={"attempt": attempt, "request": request, "before": before})  # fmt: skip
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


# -- one action -------------------------------------------------------------------------------------


def _outcome(proposal: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return {"id": proposal["id"], "skill": proposal["skill"], "status": status, **extra}


def _execute_one(
    state: StateStore,
    odoo: OdooClient,
    proposal: dict[str, Any],
    catalog: Catalog,
    dry_run: bool,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    key = proposal["idempotency_key"]
    skill = catalog.get(proposal["skill"])
    if skill is None or skill.autonomy == "forbidden":
        reason = f"skill '{proposal['skill']}' is no longer allowed by the catalog"
        if not dry_run:
            _finish(
                state,
                proposal,
                None,
                "execution_failed",
                "failed",
                {"reason": reason},
                error=reason,
            )
        return _outcome(proposal, "failed", reason=reason)
    with state.begin() as conn:
        events = _events(conn, key)
    done = [e for e in events if e["event"] in ("execution_succeeded", "execution_recovered")]
    if done:  # the audit log says it ran: never again
        if not dry_run and proposal["status"] != "executed":
            _finish(state, proposal, None, "execution_recovered", "executed",
                    {"reason": "already executed according to the audit log", **done[-1]["payload"]})  # fmt: skip
        return _outcome(proposal, "executed", reason="already executed")
    started = [e["payload"] for e in events if e["event"] == "execution_started"]
    targets = list(proposal["record_ids"])
    attempts = int(proposal["attempts"] or 0)
    policy = PolicyResult()
    policy.resolved = dict(proposal["policy"].get("resolved") or {})
    if started:
        # a previous run started this action and never recorded the end: did the write land?
        first = started[0]
        plan = Plan(**{k: v for k, v in first["request"].items() if k != "skill"}, skill=skill.key)
        found = _probe(odoo, plan, targets)
        if found is not None:  # found by its marker (or its values): it ran, never again
            ids, after = found
            payload: dict[str, Any] = {"before": first["before"], "after": after, "created_ids": ids,
                                       "response": {"recovered": True}, "request": plan.as_json()}  # fmt: skip
            problem = _verify(plan, after, targets)
            if problem:
                payload["checks"] = problem
            if dry_run:
                return _outcome(proposal, "executed", reason="already in Odoo (found by its key)")
            _finish(state, proposal, None, "execution_recovered", "executed", payload)
            return _outcome(proposal, "executed", recovered=True, created_ids=ids)
    # (re)check the record: it may have changed since the proposal was made
    check_odoo(policy, skill, _request(proposal), targets, odoo)
    if not policy.ok:
        reason = f"policy check before execution failed: {policy.reason}"
        if not dry_run:
            _finish(state, proposal, None, "execution_failed", "failed",
                    {"reason": reason, "policy": policy.as_json()}, error=reason)  # fmt: skip
        return _outcome(proposal, "failed", reason=reason)
    plan = plan_for(skill, proposal, policy)
    if started:
        before = started[0]["before"]
    elif plan.kind == "write":  # the policy just read these records: their values before
        before = {
            str(rid): {f: policy.records[str(rid)].get(f) for f in plan.watch_fields}
            for rid in targets
        }
    else:
        before = {}
    if dry_run:
        with state.begin() as conn:
            append_audit(conn, "dry_run", proposal_id=proposal["id"], idempotency_key=key, actor="executor",
                         payload={"request": plan.as_json(), "before": before})  # fmt: skip
        return _outcome(proposal, "dry_run", request=plan.as_json(), before=before)
    max_attempts = skill.limits.max_attempts
    last_error = ""
    while attempts < max_attempts:
        attempts += 1
        try:
            exec_id = _start(state, proposal, plan, before, attempts)
        except Taken as taken:
            return _outcome(proposal, "executing", reason=str(taken))
        response: list[Any] = []
        error: OdooError | None = None
        try:
            for call in plan.calls:
                response.append(remote(odoo, plan.model, plan.method, ids=call["ids"],
                                       context=plan.context, **call["kwargs"]))  # fmt: skip
        except OdooError as exc:
            error = exc
            last_error = f"{type(exc).__name__}: {exc}"
        if error is None and after_odoo_call is not None:
            after_odoo_call({"proposal_id": proposal["id"], "response": response})
        # what the call returned is never trusted (17 answers a recordset's repr, 19 a list,
        # XML-RPC a fault after the commit): Odoo is searched for what carries the marker
        found = _probe(odoo, plan, targets)
        if found is not None:
            ids, after = found
            payload = {"before": before, "after": after, "created_ids": ids,
                                       "response": response, "request": plan.as_json(),
                                       "found_by": "values" if plan.kind == "write" else "marker"}  # fmt: skip
            problem = _verify(plan, after, targets)
            if problem:
                payload["checks"] = problem
            missing = _missing_targets(plan, after, targets)
            if missing:
                payload["missing_on"] = missing
            if error is None:
                _finish(state, proposal, exec_id, "execution_succeeded", "executed", payload,
                        attempts=attempts)  # fmt: skip
                return _outcome(proposal, "executed", created_ids=ids, before=before, after=after)
            payload["error_then_found"] = last_error
            _finish(state, proposal, exec_id, "execution_recovered", "executed", payload,
                    attempts=attempts)  # fmt: skip
            return _outcome(proposal, "executed", recovered=True, created_ids=ids)
        if error is None:
            why = (
                "verification failed: the values read back differ from what was written"
                if plan.kind == "write"
                else "verification failed: nothing carrying the marker found in Odoo after the call"
            )
            _finish(state, proposal, exec_id, "execution_failed", "failed",
                    {"error": why, "response": response}, error=why, attempts=attempts)  # fmt: skip
            return _outcome(proposal, "failed", reason=why)
        transient = isinstance(error, _TRANSIENT)
        final = not transient or attempts >= max_attempts
        _finish(state, proposal, exec_id, "execution_failed", "failed" if final else "approved",
                {"error": last_error, "attempt": attempts, "final": final, "found_by_marker": []},
                error=last_error, attempts=attempts)  # fmt: skip
        if final:
            return _outcome(proposal, "failed", reason=last_error, attempts=attempts)
        sleep(min(0.2 * 2 ** (attempts - 1), 2.0))
    return _outcome(proposal, "failed", reason=last_error or "attempts exhausted")


def _missing_targets(plan: Plan, after: dict[str, Any], targets: list[int]) -> list[int]:
    """Targets of a message or activity on which no record carrying the marker was found."""
    if plan.created_model not in ("mail.activity", "mail.message"):
        return []
    have = {row.get("res_id") for row in after.values()}
    return [t for t in targets if t not in have]


def _probe(
    odoo: OdooClient, plan: Plan, targets: list[int]
) -> tuple[list[int], dict[str, Any]] | None:
    """What this action already left in Odoo: (created ids, values), or None."""
    if plan.kind == "write":
        current = read_fields(odoo, plan, plan.model, targets, plan.watch_fields)
        return ([], current) if writes_landed(current, plan) else None
    ids = find_created(odoo, plan, targets)
    if not ids:
        return None
    return ids, read_created(odoo, plan, ids)


def execute_approved(
    state: StateStore,
    odoo: OdooClient,
    *,
    ids: Iterable[int] | None = None,
    dry_run: bool = False,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stale_after: float = LEASE_SECONDS,
) -> list[dict[str, Any]]:
    """Run every approved (or interrupted) proposal, or only ``ids``; one outcome each.

    An action another run started less than ``stale_after`` seconds ago is left alone (that
    run may still be waiting for Odoo's answer); after that it is taken as interrupted and
    resumed: found in Odoo by its key, or written then.
    """
    catalog = catalog or load_catalog()
    lease_start = utcnow() - timedelta(seconds=stale_after)
    query = select(proposals).order_by(proposals.c.id)
    wanted = None if ids is None else [int(i) for i in ids]
    if wanted is None:
        query = query.where(proposals.c.status.in_(EXECUTABLE))
    else:
        query = query.where(proposals.c.id.in_(wanted))
    with state.begin() as conn:
        rows = [_proposal(r) for r in conn.execute(query).mappings()]
    out: list[dict[str, Any]] = []
    seen = {r["id"] for r in rows}
    for pid in wanted or []:
        if pid not in seen:
            out.append({"id": pid, "status": "missing", "reason": f"no proposal #{pid}"})
    for proposal in rows:
        if proposal["status"] not in EXECUTABLE:
            out.append(_outcome(proposal, proposal["status"],
                                reason=f"not executable: {proposal['status']}"))  # fmt: skip
            continue
        touched = proposal["updated_at"]
        touched = touched if touched.tzinfo else touched.replace(tzinfo=UTC)
        if proposal["status"] == "executing" and touched > lease_start:
            out.append(_outcome(proposal, "executing",
                                reason=f"being executed by another run since {touched:%H:%M:%S} UTC"))  # fmt: skip
            continue
        try:
            out.append(_execute_one(state, odoo, proposal, catalog, dry_run, sleep))
        except OdooError as exc:  # a read failed (Odoo down): leave it for the next run
            reason = f"{type(exc).__name__}: {exc}"
            logger.warning("write-back %s not executed: %s", proposal["id"], reason)
            out.append(_outcome(proposal, proposal["status"], reason=reason))
    return out
