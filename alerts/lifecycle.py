"""The alerts' lifecycle in the operational store.

:func:`sync_alerts` reconciles an evaluation with the ``alerts`` table: the same
``alert_key`` is updated in place across runs (never a second row), an alert whose condition
has cleared is resolved by the system, and a resolved or dismissed one whose condition comes
back is re-opened only after the rule's cooldown, so a flapping figure does not page anyone
every hour. :func:`escalate_due` raises the priority of alerts left open too long.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from alerts.evaluation import Evaluation, evaluate
from alerts.rules import PRIORITY_RANK, RuleSet, load_rules
from alerts.sources import MartReader
from alerts.store import OPEN_STATUSES, alert_events, alerts
from opstore.db import StateStore

logger = logging.getLogger(__name__)

SYSTEM = "system"


def utcnow() -> dt.datetime:
    """Naive UTC: what the store keeps (SQLite has no time zones)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ------------------------------------------------------------------ lifecycle
@dataclass
class SyncResult:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    open: int = 0
    skipped_rules: list[str] = field(default_factory=list)
    skipped_reasons: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _event(
    conn: Any, alert_id: int, event: str, actor: str, at: dt.datetime, note: str | None = None
) -> None:
    conn.execute(
        alert_events.insert().values(alert_id=alert_id, event=event, actor=actor, at=at, note=note)
    )


def sync_alerts(
    state: StateStore,
    evaluation: Evaluation,
    ruleset: RuleSet,
    *,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Reconcile the evaluated alerts with the store (one transaction)."""
    now = now or utcnow()
    res = SyncResult(
        skipped_rules=list(evaluation.skipped_rules),
        skipped_reasons=dict(evaluation.skipped_reasons),
    )
    rules = {r.key: r for r in ruleset.rules}
    wanted = {c.alert_key: c for c in evaluation.candidates}
    with state.begin() as conn:
        existing = {
            row.alert_key: row
            for row in conn.execute(
                select(alerts).where(alerts.c.rule_key.in_(evaluation.evaluated_rules))
            )
        }
        for key, c in wanted.items():
            details = json.dumps(c.details, sort_keys=True, default=str)
            row = existing.get(key)
            if row is None:
                inserted = conn.execute(
                    alerts.insert().values(
                        alert_key=key,
                        rule_key=c.rule_key,
                        family=c.family,
                        area=c.area,
                        priority=c.priority,
                        company_id=c.company_id,
                        record_model=c.record_model,
                        record_id=c.record_id,
                        title=c.title,
                        details=details,
                        status="new",
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
                new_id = (inserted.inserted_primary_key or [0])[0]
                _event(conn, int(new_id), "raised", SYSTEM, now, c.priority)
                res.raised += 1
                continue
            values: dict[str, Any] = {
                "last_seen_at": now,
                "title": c.title,
                "details": details,
                "priority": c.priority,
            }
            if row.status in OPEN_STATUSES:
                if row.priority != c.priority:
                    _event(
                        conn,
                        row.id,
                        "priority_changed",
                        SYSTEM,
                        now,
                        f"{row.priority}->{c.priority}",
                    )
                    if PRIORITY_RANK[c.priority] > PRIORITY_RANK[row.priority]:
                        values["escalated_at"] = None
                res.updated += 1
            else:
                closed_at = row.resolved_at or row.dismissed_at or row.last_seen_at
                cooldown = dt.timedelta(hours=ruleset.cooldown_hours(rules[c.rule_key]))
                if now - closed_at >= cooldown:
                    values.update(
                        status="new",
                        resolved_at=None,
                        acknowledged_by=None,
                        acknowledged_at=None,
                        dismissed_by=None,
                        dismissed_at=None,
                        escalated_at=None,
                        first_seen_at=now,
                    )
                    _event(conn, row.id, "reopened", SYSTEM, now, f"was {row.status}")
                    res.reopened += 1
                else:  # inside the cooldown: remember it was seen, stay closed
                    values = {"last_seen_at": now}
            conn.execute(update(alerts).where(alerts.c.id == row.id).values(**values))
        for key, row in existing.items():
            if key in wanted or row.status not in OPEN_STATUSES:
                continue
            conn.execute(
                update(alerts)
                .where(alerts.c.id == row.id)
                .values(status="resolved", resolved_at=now)
            )
            _event(conn, row.id, "auto_resolved", SYSTEM, now, "condition cleared")
            res.resolved += 1
        res.open = sum(
            1 for _ in conn.execute(select(alerts.c.id).where(alerts.c.status.in_(OPEN_STATUSES)))
        )
    logger.info(
        "alerts: %d raised, %d updated, %d reopened, %d resolved, %d open",
        res.raised,
        res.updated,
        res.reopened,
        res.resolved,
        res.open,
    )
    return res


def escalate_due(
    state: StateStore,
    ruleset: RuleSet | None = None,
    *,
    now: dt.datetime | None = None,
    notify: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> list[dict[str, Any]]:
    """Unacknowledged critical alerts older than the escalation delay, each escalated once.

    ``notify`` (e.g. the escalation email) runs before they are marked: if it raises, nothing
    is marked and the next evaluation tries again, so an escalation is never lost to a
    mail server that was down.
    """
    ruleset = ruleset or load_rules()
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=ruleset.defaults.escalate_after_minutes)
    with state.begin() as conn:
        rows = list(
            conn.execute(
                select(alerts).where(
                    alerts.c.status == "new",
                    alerts.c.priority == "critical",
                    alerts.c.escalated_at.is_(None),
                    alerts.c.first_seen_at <= cutoff,
                )
            )
        )
    due = [dict(r._mapping) | {"escalated_at": now} for r in rows]
    if not due:
        return []
    if notify is not None:
        try:
            notify(due)
        except Exception as exc:
            logger.warning("escalation notice failed (%s): will retry", type(exc).__name__)
            return []
    with state.begin() as conn:
        for row in rows:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == row.id, alerts.c.escalated_at.is_(None))
                .values(escalated_at=now)
            )
            _event(conn, row.id, "escalated", SYSTEM, now, None)
    return due


def run_alerts(
    state: StateStore,
    reader: MartReader,
    ruleset: RuleSet | None = None,
    *,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Evaluate the rules and store the result: what the alerts asset runs."""
    ruleset = ruleset or load_rules()
    return sync_alerts(state, evaluate(reader, ruleset), ruleset, now=now)


def iter_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in rows]
