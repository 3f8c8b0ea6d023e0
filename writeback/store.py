"""Write-back tables in the operational store: proposals, approvals, executions, audit log
(declared in ``opstore.schema``), and the audit chain written to them.

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

from sqlalchemy import Connection, select
from sqlalchemy import text as sql_text

from opstore.schema import (
    OPEN_ACTION_INDEX,
    OPEN_ACTION_INDEX_DDL,
    OPEN_STATUSES,
    approvals,
    audit_log,
    executions,
    proposals,
)

__all__ = [
    "OPEN_ACTION_INDEX",
    "OPEN_ACTION_INDEX_DDL",
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
