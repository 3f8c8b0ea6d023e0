"""The write-back service: propose, list, approve, reject, execute, roll back.

Every proposal from anyone goes through :func:`propose`, which runs the policy and stores
the proposal whatever the outcome (a refusal is stored with its reason, so the audit shows
what was asked and why it was not done). People act through :func:`approve` and
:func:`reject`; the executor (``writeback.executor``) runs what is approved. The service is
the top of the package: it imports the executor and the rollback, never the reverse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from core.untrusted import normalise, normalise_value
from odoo_api.client import OdooClient
from odoo_api.errors import ConfigError
from opstore import StateStore
from writeback.approvers import roles_of
from writeback.catalog import Catalog, load_catalog
from writeback.checks import check_request, recheck_rates
from writeback.executor import LEASE_SECONDS, execute_approved
from writeback.models import PolicyResult, ProposalOutcome, ProposalRequest
from writeback.odoo_checks import check_odoo
from writeback.policy import AGENT_SOURCES, writes_free_text
from writeback.rollback import rollback_proposal
from writeback.store import (
    OPEN_ACTION_INDEX_DDL,
    append_audit,
    approvals,
    audit_log,
    dumps,
    executions,
    proposals,
    utcnow,
)

__all__ = [
    "ProposalOutcome",
    "ProposalRequest",
    "approve",
    "execute",
    "get_proposal",
    "list_proposals",
    "propose",
    "reject",
    "rollback",
]

logger = logging.getLogger(__name__)


def _clip(value: Any, n: int) -> Any:
    return value[:n] if isinstance(value, str) else value


_indexed: set[int] = set()
_indexed_lock = threading.Lock()


def _ensure_open_action_index(state: StateStore) -> None:
    """Create the open-action unique index on a store made before it existed (once per engine).

    A store holding duplicate open proposals already cannot take it: that is logged, and the
    locks below still make every new decision one at a time."""
    with _indexed_lock:
        if id(state.engine) in _indexed:
            return
        try:
            with state.begin() as conn:
                conn.execute(text(OPEN_ACTION_INDEX_DDL))
        except (IntegrityError, OperationalError, ProgrammingError) as exc:
            logger.warning("cannot create the open-action unique index: %s", str(exc)[:300])
        _indexed.add(id(state.engine))


def _lock_key(skill: str, company_id: Any) -> int:
    digest = hashlib.sha256(f"proposals|{skill}|{company_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def _deciding(state: StateStore, skill: str, company_id: Any) -> Iterator[Connection]:
    """A transaction in which the duplicate, cooldown and rate decision and the insert are one
    step: ``BEGIN IMMEDIATE`` on SQLite (the write lock is taken before the first read), a
    transaction-scoped advisory lock per skill and company on PostgreSQL."""
    with state.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(skill, company_id)}
            )
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _normalised(request: ProposalRequest) -> ProposalRequest:
    """The request with every text in NFKC form: what is checked is what is stored and run."""
    return replace(
        request,
        params=normalise_value(request.params) if isinstance(request.params, dict) else request.params,
        reasoning=normalise(request.reasoning) if isinstance(request.reasoning, str) else request.reasoning,
    )  # fmt: skip


def propose(
    state: StateStore,
    request: ProposalRequest,
    odoo: OdooClient | None = None,
    *,
    catalog: Catalog | None = None,
) -> ProposalOutcome:
    """Check ``request`` against the policy and store it.

    pending (waiting for approval), approved (an ``auto`` skill that passed every check,
    Odoo included) or rejected (with the reason). Without an Odoo client the record checks
    cannot run: the proposal is stored pending with that said, and the executor runs them
    before any write. Free text an agent wrote (source api or mcp) always waits for a person.

    Atomic: the checks run once without a lock (a refusal costs no Odoo call), the record
    checks against Odoo run outside any transaction, then the duplicate, cooldown and rate
    checks run again in the transaction that inserts, under a lock; a unique index on open
    proposals backs it in the database.
    """
    catalog = catalog or load_catalog()
    request = _normalised(request)
    now = utcnow()
    with state.begin() as conn:
        result, skill, targets = check_request(state, catalog, request, conn, now=now)
    if result.ok and skill is not None:
        if odoo is not None:
            check_odoo(result, skill, request, targets, odoo)
        else:
            result.checks.append(
                {
                    "check": "odoo",
                    "ok": None,
                    "detail": "not verified: no Odoo client given; checked before execution",
                }
            )
    if not result.ok or skill is None:
        with state.begin() as conn:
            return _store(conn, request, result, skill, targets, now)
    _ensure_open_action_index(state)
    try:
        with _deciding(state, skill.key, request.company_id) as conn:
            recheck_rates(result, request, skill, targets, conn, utcnow())
            return _store(conn, request, result, skill, targets, now)
    except IntegrityError:
        # the unique index refused a second open proposal that slipped past the lock
        result.fail("limits", f"an open proposal already does '{skill.key}' on these records")
        with state.begin() as conn:
            return _store(conn, request, result, skill, targets, now)


def _store(
    conn: Connection,
    request: ProposalRequest,
    result: PolicyResult,
    skill: Any,
    targets: list[int],
    now: datetime,
) -> ProposalOutcome:
    status = "rejected"
    reason = result.reason
    if result.ok and skill is not None:
        agent_text = request.source in AGENT_SOURCES and writes_free_text(skill)
        if skill.autonomy == "auto" and result.verified_in_odoo and not agent_text:
            status = "approved"
        else:
            status = "pending"
            if not result.verified_in_odoo:
                reason = (
                    "record not verified in Odoo yet (no client): checked again before execution"
                )
            elif skill.autonomy == "auto":
                reason = "free text written by an agent waits for a person's approval"
    key = f"coo-{uuid.uuid4().hex[:20]}"
    record_id = request.record_id if isinstance(request.record_id, int) else None
    inserted = conn.execute(
        proposals.insert().values(
            skill=_clip(str(request.skill), 64),
            company_id=request.company_id if isinstance(request.company_id, int) else None,
            model=_clip(str(request.model), 128),
            record_id=record_id if record_id is None or 0 < record_id < 2**31 else None,
            record_ids=dumps(targets),
            params=dumps(request.params),
            reasoning=_clip(request.reasoning, 20000)
            if isinstance(request.reasoning, str)
            else None,
            source=_clip(str(request.source), 32),
            source_ref=_clip(request.source_ref, 255)
            if isinstance(request.source_ref, str)
            else None,
            alert_key=_clip(request.alert_key, 512) if isinstance(request.alert_key, str) else None,
            requested_by=_clip(str(request.requested_by), 255),
            status=status,
            reason=reason,
            policy=dumps(result.as_json()),
            autonomy=skill.autonomy if skill else None,
            risk=skill.risk if skill else None,
            amount=result.amount,
            idempotency_key=key,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )
    pid = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    request_json = {k: v for k, v in asdict(request).items()}
    append_audit(conn, "proposed", proposal_id=pid, idempotency_key=key,
                 actor=str(request.requested_by)[:255], payload=request_json)  # fmt: skip
    append_audit(conn, "policy", proposal_id=pid, idempotency_key=key, actor="policy",
                 payload={**result.as_json(), "status": status})  # fmt: skip
    if status == "approved":
        conn.execute(
            approvals.insert().values(
                proposal_id=pid,
                decision="approved",
                user="policy",
                role="auto",
                reason="autonomy: auto",
                decided_at=now,
            )
        )
        append_audit(conn, "approved", proposal_id=pid, idempotency_key=key, actor="policy",
                     payload={"role": "auto", "reason": "the catalog lets this skill run without approval"})  # fmt: skip
    logger.info("proposal %s %s: %s %s", pid, status, request.skill, reason or "")
    return ProposalOutcome(id=pid, status=status, reason=reason)


# -- reading ----------------------------------------------------------------------------------


def _row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in (
        "params",
        "policy",
        "record_ids",
        "payload",
        "request",
        "response",
        "before",
        "after",
    ):
        if key in out and isinstance(out[key], str):
            with contextlib.suppress(ValueError):
                out[key] = json.loads(out[key])
    return out


def list_proposals(
    state: StateStore, status: str | None = None, company_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Proposals, newest first (the approval queue is ``status='pending'``)."""
    query = select(proposals).order_by(proposals.c.id.desc()).limit(limit)
    if status:
        query = query.where(proposals.c.status == status)
    if company_id is not None:
        query = query.where(proposals.c.company_id == company_id)
    with state.begin() as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def get_proposal(state: StateStore, proposal_id: int) -> dict[str, Any]:
    """One proposal with its full trace: policy, approvals, executions, audit entries."""
    with state.begin() as conn:
        row = (
            conn.execute(select(proposals).where(proposals.c.id == proposal_id)).mappings().first()
        )
        if row is None:
            raise ConfigError(f"there is no action proposal #{proposal_id}: see `coo actions list`")
        out = _row(row)
        out["approvals"] = [_row(r) for r in conn.execute(
            select(approvals).where(approvals.c.proposal_id == proposal_id).order_by(approvals.c.id)
        ).mappings()]  # fmt: skip
        out["executions"] = [_row(r) for r in conn.execute(
            select(executions).where(executions.c.proposal_id == proposal_id).order_by(executions.c.id)
        ).mappings()]  # fmt: skip
        out["audit"] = [_row(r) for r in conn.execute(
            select(audit_log).where(audit_log.c.proposal_id == proposal_id).order_by(audit_log.c.id)
        ).mappings()]  # fmt: skip
    return out


# -- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What happened to one id in an approve/reject batch."""

    id: int
    ok: bool
    status: str
    reason: str | None = None


def _decide(
    state: StateStore,
    ids: Iterable[int],
    user: str,
    role: str,
    decision: str,
    reason: str | None,
    catalog: Catalog,
) -> list[Decision]:
    if not isinstance(user, str) or not user.strip():
        raise ConfigError("say who decides: a user name is required")
    held = roles_of(user)
    out: list[Decision] = []
    for pid in ids:
        with state.begin() as conn:
            row = (
                conn.execute(select(proposals).where(proposals.c.id == int(pid))).mappings().first()
            )
            if row is None:
                out.append(Decision(int(pid), False, "missing", f"no proposal #{pid}"))
                continue
            skill = catalog.get(row["skill"])
            why = None
            if row["status"] != "pending":
                why = f"proposal #{pid} is {row['status']}, not pending"
            elif role not in held:
                why = f"{user} does not hold the role {role!r} (roles: {', '.join(sorted(held)) or 'none'})"
            elif skill is None or (role != "admin" and role not in skill.approver_roles):
                allowed = ", ".join(skill.approver_roles) if skill else "nobody"
                why = f"role {role!r} may not decide '{row['skill']}' (approver roles: {allowed})"
            elif decision == "approved" and user == row["requested_by"]:
                why = f"{user} proposed #{pid} and cannot approve it too (four eyes)"
            if why:
                append_audit(conn, "decision_refused", proposal_id=int(pid),
                             idempotency_key=row["idempotency_key"], actor=user,
                             payload={"decision": decision, "role": role, "reason": why})  # fmt: skip
                out.append(Decision(int(pid), False, row["status"], why))
                continue
            now = utcnow()
            new_status = "approved" if decision == "approved" else "rejected"
            updated = conn.execute(
                proposals.update()
                .where(proposals.c.id == int(pid), proposals.c.status == "pending")
                .values(
                    status=new_status,
                    updated_at=now,
                    reason=reason if decision == "rejected" else row["reason"],
                )
            ).rowcount
            if updated != 1:
                out.append(
                    Decision(int(pid), False, "changed", "decided by someone else meanwhile")
                )
                continue
            conn.execute(
                approvals.insert().values(
                    proposal_id=int(pid),
                    decision=decision,
                    user=user,
                    role=role,
                    reason=reason,
                    decided_at=now,
                )
            )
            append_audit(conn, decision, proposal_id=int(pid), idempotency_key=row["idempotency_key"],
                         actor=user, payload={"role": role, "reason": reason})  # fmt: skip
            out.append(Decision(int(pid), True, new_status, reason))
    return out


def approve(
    state: StateStore,
    ids: Iterable[int] | int,
    user: str,
    role: str,
    *,
    catalog: Catalog | None = None,
) -> list[Decision]:
    """Approve pending proposals as ``user`` acting in ``role``; refusals say why."""
    id_list = [ids] if isinstance(ids, int) else list(ids)
    return _decide(state, id_list, user, role, "approved", None, catalog or load_catalog())


def reject(
    state: StateStore,
    ids: Iterable[int] | int,
    user: str,
    role: str,
    reason: str,
    *,
    catalog: Catalog | None = None,
) -> list[Decision]:
    """Reject pending proposals; the reason is stored with the decision."""
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError("a rejection needs a reason (--reason)")
    id_list = [ids] if isinstance(ids, int) else list(ids)
    return _decide(
        state, id_list, user, role, "rejected", reason.strip(), catalog or load_catalog()
    )


# -- acting (in writeback.executor) --------------------------------------------------------------


def execute(
    state: StateStore,
    odoo: OdooClient,
    ids: Iterable[int] | None = None,
    dry_run: bool = False,
    *,
    catalog: Catalog | None = None,
    stale_after: float | None = None,
) -> list[dict[str, Any]]:
    """Execute approved proposals (all of them, or ``ids``); see :mod:`writeback.executor`.

    ``stale_after``: seconds after which an action another run started and never finished
    counts as interrupted and is resumed (default 300)."""
    lease = LEASE_SECONDS if stale_after is None else stale_after
    return execute_approved(
        state, odoo, ids=ids, dry_run=dry_run, catalog=catalog, stale_after=lease
    )


def rollback(
    state: StateStore,
    odoo: OdooClient,
    proposal_id: int,
    user: str,
    *,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Undo an executed action if nobody changed the record since; see :mod:`writeback.rollback`."""
    return rollback_proposal(state, odoo, proposal_id, user, catalog=catalog)
