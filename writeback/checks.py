"""The store-backed checks: the request's source (the alert exists, is open and is about this
record), duplicates, cooldowns and rates against the proposals already stored.

They run inside the transaction that stores the proposal (``writeback.service`` takes a lock
per skill and company first), so what another proposal stored meanwhile counts: keep every
read here on the ``conn`` given, never on a fresh connection.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, func, select

from opstore import StateStore
from opstore.schema import alerts
from writeback.catalog import Catalog, Skill
from writeback.models import PolicyResult, ProposalRequest
from writeback.policy import check_static
from writeback.store import proposals

__all__ = ["LIVE_STATUSES", "OPEN_ALERT_STATUSES", "check_request", "recheck_rates"]

#: statuses that count against rate limits and cooldowns (a refused proposal does not)
LIVE_STATUSES = ("pending", "approved", "executing", "executed", "failed")
OPEN_ALERT_STATUSES = ("new", "acknowledged")


def check_request(
    state: StateStore,
    catalog: Catalog,
    req: ProposalRequest,
    conn: Connection,
    *,
    now: datetime | None = None,
) -> tuple[PolicyResult, Skill | None, list[int]]:
    """Every check that needs no Odoo: the pure ones (:func:`writeback.policy.check_static`),
    then the source and the limits against the store, on ``conn``."""
    now = now or datetime.now(UTC)
    result, skill, targets = check_static(catalog, req)
    if not result.ok or skill is None:
        return result, skill, targets
    _check_source(result, req, skill, targets, conn)
    if not result.ok:
        return result, skill, targets
    _check_rates(result, req, skill, targets, conn, now)
    return result, skill, targets


def _check_source(
    result: PolicyResult, req: ProposalRequest, skill: Skill, targets: list[int], conn: Connection
) -> None:
    if req.source == "alert":
        if not isinstance(req.alert_key, str) or not req.alert_key:
            result.fail("source", "a proposal from an alert must give its alert_key")
            return
        row = (
            conn.execute(select(alerts).where(alerts.c.alert_key == req.alert_key))
            .mappings()
            .first()
        )
        if row is None:
            result.fail("source", f"alert not found: {req.alert_key[:200]!r}")
            return
        if row["family"] not in skill.alert_families:
            result.fail("source", f"skill '{skill.key}' does not answer {row['family']} alerts")
            return
        if row["company_id"] != req.company_id:
            result.fail(
                "source", f"the alert is about company {row['company_id']}, not {req.company_id}"
            )
            return
        if row["record_model"] and (
            row["record_model"] != req.model or row["record_id"] not in targets
        ):
            result.fail(
                "source",
                f"the alert is about {row['record_model']}({row['record_id']}), not {req.model}{tuple(targets)}",
            )
            return
        if row["status"] not in OPEN_ALERT_STATUSES:
            result.fail("source", f"the alert is {row['status']}: nothing to act on")
            return
        result.passed("source", f"alert {row['family']} #{row['id']}")
        return
    if req.source == "briefing":
        if not req.source_ref:
            result.fail(
                "source", "a proposal from a briefing must give the briefing id in source_ref"
            )
            return
        if req.alert_key:  # a briefing proposal that names an alert is held to it
            _check_source(result, _with_source(req, "alert"), skill, targets, conn)
            if result.ok:
                result.checks[-1]["detail"] += f" (briefing {req.source_ref})"
            return
        result.passed("source", f"briefing {req.source_ref}")
        return
    if req.alert_key:
        _check_source(result, _with_source(req, "alert"), skill, targets, conn)
        return
    result.passed("source", f"{req.source} by {req.requested_by}")


def _with_source(req: ProposalRequest, source: str) -> ProposalRequest:
    return replace(req, source=source)


def _check_rates(
    result: PolicyResult,
    req: ProposalRequest,
    skill: Skill,
    targets: list[int],
    conn: Connection,
    now: datetime,
) -> None:
    live = proposals.c.status.in_(LIVE_STATUSES)
    same = and_(proposals.c.skill == skill.key, proposals.c.company_id == req.company_id, live)
    if skill.limits.rate_per_hour is not None:
        count = conn.execute(
            select(func.count()).where(same, proposals.c.created_at >= now - timedelta(hours=1))
        ).scalar_one()
        if count >= skill.limits.rate_per_hour:
            result.fail(
                "limits",
                f"rate limit: {count} '{skill.key}' actions in the last hour (limit {skill.limits.rate_per_hour})",
            )
            return
    since = now - timedelta(hours=skill.limits.cooldown_hours or 0)
    rows = conn.execute(
        select(
            proposals.c.id, proposals.c.record_ids, proposals.c.status, proposals.c.created_at
        ).where(same, proposals.c.model == req.model)
    ).all()
    for pid, rids, status, created_at in rows:
        overlap = set(json.loads(str(rids or "[]"))) & set(targets)
        if not overlap:
            continue
        created: datetime = created_at  # type: ignore[assignment]
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        if status in ("pending", "approved", "executing"):
            result.fail(
                "limits",
                f"proposal #{pid} already does '{skill.key}' on record {min(overlap)} ({status})",
            )
            return
        if skill.limits.cooldown_hours and created >= since:
            result.fail(
                "limits",
                f"cooldown: '{skill.key}' ran on record {min(overlap)} less than {skill.limits.cooldown_hours:g} h ago (proposal #{pid})",
            )
            return
    result.passed("limits", "within rate, cooldown and size limits")


def recheck_rates(
    result: PolicyResult,
    req: ProposalRequest,
    skill: Skill,
    targets: list[int],
    conn: Connection,
    now: datetime,
) -> None:
    """The duplicate, cooldown and rate checks again, in the transaction that stores the
    proposal (under its lock): what another proposal stored meanwhile counts."""
    again = PolicyResult()
    _check_rates(again, req, skill, targets, conn, now)
    if not again.ok:
        result.fail("limits", again.reason or "limits")
