"""What another package may ask of an alert: the write-back policy checks that a proposal made
from an alert answers an open alert about the same company and record. A small read-only
interface, so that writeback neither imports the lifecycle nor reflects the table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from alerts.store import OPEN_STATUSES, alerts


@dataclass(frozen=True)
class AlertRef:
    """The facts of one alert a proposal made from it is checked against."""

    id: int
    alert_key: str
    family: str
    company_id: int
    record_model: str | None
    record_id: int | None
    status: str

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def find_alert(conn: Connection, alert_key: str) -> AlertRef | None:
    """The alert with this key, or None (an unknown key, or a store without alerts yet)."""
    row = (
        conn.execute(
            select(
                alerts.c.id,
                alerts.c.alert_key,
                alerts.c.family,
                alerts.c.company_id,
                alerts.c.record_model,
                alerts.c.record_id,
                alerts.c.status,
            ).where(alerts.c.alert_key == alert_key)
        )
        .mappings()
        .first()
    )
    return None if row is None else AlertRef(**dict(row))
