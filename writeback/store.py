"""Write-back tables in the operational store: proposals, approvals, executions, audit log.

The audit log is append-only: the code only ever inserts into it, and the database refuses
UPDATE and DELETE on it (a trigger on SQLite and on PostgreSQL), so a bug or a hand-edit
cannot quietly rewrite history. Each entry also carries the hash of the previous one, so a
removed or altered row shows as a broken chain (:func:`verify_audit_chain`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    select,
)
from sqlalchemy import (
    text as sql_text,
)

from opstore import metadata

__all__ = [
    "OPEN_STATUSES",
    "append_audit",
    "approvals",
    "audit_log",
    "dumps",
    "executions",
    "proposals",
    "utcnow",
    "verify_audit_chain",
]

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("skill", String(64), nullable=False, index=True),
    Column("company_id", Integer, nullable=True, index=True),
    Column("model", String(128), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("record_ids", Text, nullable=False, default="[]"),  # JSON list: every target
    Column("params", Text, nullable=False, default="{}"),  # JSON
    Column("reasoning", Text, nullable=True),
    Column("source", String(32), nullable=True),
    Column("source_ref", String(255), nullable=True),
    Column("alert_key", String(512), nullable=True),
    Column("requested_by", String(255), nullable=True),
    # pending | approved | rejected | executing | executed | failed | rolled_back
    Column("status", String(16), nullable=False, index=True),
    Column("reason", Text, nullable=True),
    Column("policy", Text, nullable=False, default="{}"),  # JSON: the checks and their result
    Column("autonomy", String(16), nullable=True),
    Column("risk", String(16), nullable=True),
    Column("amount", Float, nullable=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: statuses of a proposal that is still to be done: at most one per skill, company, model and
#: set of records (the partial unique index below), whoever proposes and however fast
OPEN_STATUSES = ("pending", "approved", "executing")
_OPEN_WHERE = "status IN ('pending', 'approved', 'executing')"
OPEN_ACTION_INDEX = Index(
    "uq_proposals_open_action",
    proposals.c.skill,
    proposals.c.company_id,
    proposals.c.model,
    proposals.c.record_ids,
    unique=True,
    sqlite_where=sql_text(_OPEN_WHERE),
    postgresql_where=sql_text(_OPEN_WHERE),
)
#: the same index for a store created before it existed (``CREATE ... IF NOT EXISTS``)
OPEN_ACTION_INDEX_DDL = (
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_proposals_open_action "
    f"ON proposals (skill, company_id, model, record_ids) WHERE {_OPEN_WHERE}"
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("decision", String(16), nullable=False),  # approved | rejected
    Column("user", String(255), nullable=False),
    Column("role", String(64), nullable=False),
    Column("reason", Text, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    # started | succeeded | recovered | failed | dry_run | rolled_back | rollback_refused
    Column("status", String(24), nullable=False),
    Column("request", Text, nullable=False, default="{}"),
    Column("response", Text, nullable=True),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("proposal_id", Integer, nullable=True, index=True),
    Column("idempotency_key", String(64), nullable=True, index=True),
    # proposed | policy | approved | rejected | dry_run | execution_started |
    # execution_succeeded | execution_recovered | execution_failed | rolled_back | rollback_refused
    # | rollback_partial | reconciled
    Column("event", String(32), nullable=False, index=True),
    Column("actor", String(255), nullable=True),
    Column("payload", Text, nullable=False, default="{}"),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=False),
)

_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}
for _dialect, _statements in _APPEND_ONLY.items():
    for _sql in _statements:
        event.listen(audit_log, "after_create", DDL(_sql).execute_if(dialect=_dialect))


#: the advisory lock key of the audit chain (any fixed 64-bit number)
_AUDIT_LOCK = 0x436F6F41756469  # "CooAudi"


def utcnow() -> datetime:
    return datetime.now(UTC)


def dumps(value: Any) -> str:
    """JSON for the store: stable key order, dates as ISO text."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _entry_hash(
    prev: str | None, at: datetime, event_name: str, key: str | None, payload: str
) -> str:
    text = "|".join([prev or "", at.isoformat(), event_name, key or "", payload])
    return hashlib.sha256(text.encode()).hexdigest()


def append_audit(
    conn: Connection,
    event_name: str,
    *,
    proposal_id: int | None,
    idempotency_key: str | None = None,
    actor: str | None = None,
    payload: Any = None,
) -> int:
    """Append one audit entry (inside the caller's transaction) and return its id.

    On PostgreSQL a transaction-scoped advisory lock makes concurrent appends take turns, so
    two writers never chain to the same previous entry (SQLite writers are serial already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sql_text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
    prev = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    at = utcnow()
    text = dumps(payload if payload is not None else {})
    result = conn.execute(
        audit_log.insert().values(
            at=at,
            proposal_id=proposal_id,
            idempotency_key=idempotency_key,
            event=event_name,
            actor=actor,
            payload=text,
            prev_hash=prev,
            hash=_entry_hash(prev, at, event_name, idempotency_key, text),
        )
    )
    pk = result.inserted_primary_key
    return int(pk[0]) if pk else 0


def verify_audit_chain(conn: Connection) -> list[int]:
    """Ids of audit entries whose hash does not follow from the previous entry (empty = intact)."""
    broken: list[int] = []
    prev: str | None = None
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        at = row["at"]
        if at.tzinfo is None:  # SQLite hands back naive datetimes
            at = at.replace(tzinfo=UTC)
        expected = _entry_hash(prev, at, row["event"], row["idempotency_key"], row["payload"])
        if row["prev_hash"] != prev or row["hash"] != expected:
            broken.append(int(row["id"]))
        prev = row["hash"]
    return broken
