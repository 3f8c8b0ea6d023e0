"""The service API over alerts and briefings: what the CLI, the API, the dashboard and the
agent call, so that every surface applies the same lifecycle rules and leaves the same trail.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import desc, select, update

from alerts.lifecycle import utcnow
from alerts.store import alert_events, alerts
from briefings.store import briefings, deliveries
from odoo_api.errors import ConfigError
from opstore.db import StateStore

_PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _alert_dict(row: Any) -> dict[str, Any]:
    d = dict(row._mapping)
    try:
        d["details"] = json.loads(d.get("details") or "{}")
    except ValueError:
        d["details"] = {}
    return d


def list_alerts(
    state: StateStore,
    *,
    status: str | list[str] | None = None,
    area: str | None = None,
    company_id: int | None = None,
    priority: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts, most important first (priority, then newest)."""
    q = select(alerts)
    if status:
        q = q.where(alerts.c.status.in_([status] if isinstance(status, str) else status))
    if area:
        q = q.where(alerts.c.area == area)
    if company_id is not None:
        q = q.where(alerts.c.company_id == company_id)
    if priority:
        q = q.where(alerts.c.priority == priority)
    with state.begin() as conn:
        rows = [_alert_dict(r) for r in conn.execute(q)]
    rows.sort(
        key=lambda a: (
            _PRIORITY_ORDER.get(a["priority"], 9),
            -a["last_seen_at"].timestamp(),
            a["id"],
        )
    )
    return rows


def get_alert(state: StateStore, alert_id: int) -> dict[str, Any]:
    """One alert with its lifecycle history."""
    with state.begin() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise ConfigError(f"alert {alert_id} does not exist: list them with `coo alerts list`")
        out = _alert_dict(row)
        out["events"] = [
            dict(e._mapping)
            for e in conn.execute(
                select(alert_events)
                .where(alert_events.c.alert_id == alert_id)
                .order_by(alert_events.c.id)
            )
        ]
    return out


def _transition(state: StateStore, alert_id: int, user: str, target: str) -> dict[str, Any]:
    if not user or not user.strip():
        raise ConfigError(f"say who {target} the alert (a user name is required)")
    allowed = {
        "acknowledged": ("new",),
        "resolved": ("new", "acknowledged"),
        "dismissed": ("new", "acknowledged"),
    }[target]
    now = utcnow()
    with state.begin() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise ConfigError(f"alert {alert_id} does not exist: list them with `coo alerts list`")
        if row.status == target:
            return _alert_dict(row)
        if row.status not in allowed:
            raise ConfigError(f"alert {alert_id} is {row.status}; it cannot be {target}")
        values: dict[str, Any] = {"status": target}
        if target == "acknowledged":
            values |= {"acknowledged_by": user, "acknowledged_at": now}
        elif target == "resolved":
            values |= {"resolved_at": now}
        else:
            values |= {"dismissed_by": user, "dismissed_at": now}
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
        conn.execute(
            alert_events.insert().values(
                alert_id=alert_id, event=target, actor=user, at=now, note=f"was {row.status}"
            )
        )
        new = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert_dict(new)


def acknowledge(state: StateStore, alert_id: int, user: str) -> dict[str, Any]:
    """Someone has seen it and owns it: stops the escalation, keeps it open."""
    return _transition(state, alert_id, user, "acknowledged")


def resolve(state: StateStore, alert_id: int, user: str) -> dict[str, Any]:
    """Fixed by hand; it re-opens after the cooldown if the condition is still there."""
    return _transition(state, alert_id, user, "resolved")


def dismiss(state: StateStore, alert_id: int, user: str) -> dict[str, Any]:
    """Not worth attention (e.g. a known case); re-opens only after the rule's cooldown."""
    return _transition(state, alert_id, user, "dismissed")


def _briefing_dict(row: Any, full: bool) -> dict[str, Any]:
    d = dict(row._mapping)
    for k in ("facts", "output", "proposals"):
        if k in d:
            try:
                d[k] = json.loads(d[k]) if d[k] else None
            except ValueError:
                d[k] = None
    if not full:
        for k in ("facts", "body_html"):
            d.pop(k, None)
    return d


def list_briefings(
    state: StateStore, *, company_id: int | None = None, role: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The archive, newest first (without the facts and HTML, which get_briefing returns)."""
    q = select(briefings).order_by(desc(briefings.c.created_at), desc(briefings.c.id)).limit(limit)
    if company_id is not None:
        q = q.where(briefings.c.company_id == company_id)
    if role:
        q = q.where(briefings.c.role == role)
    with state.begin() as conn:
        return [_briefing_dict(r, full=False) for r in conn.execute(q)]


def get_briefing(state: StateStore, briefing_id: int) -> dict[str, Any]:
    """One archived briefing with its facts, output, proposals and delivery attempts."""
    with state.begin() as conn:
        row = conn.execute(select(briefings).where(briefings.c.id == briefing_id)).first()
        if row is None:
            raise ConfigError(f"briefing {briefing_id} does not exist")
        out = _briefing_dict(row, full=True)
        out["deliveries"] = [
            dict(d._mapping)
            for d in conn.execute(
                select(deliveries)
                .where(deliveries.c.briefing_id == briefing_id)
                .order_by(deliveries.c.id)
            )
        ]
    return out
