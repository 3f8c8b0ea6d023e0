"""The alerts' tables in the operational store.

``alerts`` is a shared contract (the dashboard, the API and the agent read it): one row per
alert_key, ``rule_key|company_id|record_model|record_id``, updated in place on every run so
the same condition on the same record is always one alert. ``alert_events`` keeps the
lifecycle history (who did what, when), since ``alerts`` holds only the latest state.
Other packages read an alert through :mod:`alerts.lookup`, not these tables.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text

from opstore.db import metadata

ALERT_STATUSES = ("new", "acknowledged", "resolved", "dismissed")
PRIORITIES = ("critical", "high", "medium", "low")
OPEN_STATUSES = ("new", "acknowledged")

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(300), nullable=False, unique=True),
    Column("rule_key", String(100), nullable=False, index=True),
    Column("family", String(50), nullable=False, index=True),
    Column("area", String(20), nullable=False, index=True),
    Column("priority", String(10), nullable=False),
    Column("company_id", Integer, nullable=False, index=True),
    Column("record_model", String(100), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("details", Text, nullable=False, default="{}"),
    Column("status", String(20), nullable=False, default="new", index=True),
    Column("first_seen_at", DateTime(timezone=False), nullable=False),
    Column("last_seen_at", DateTime(timezone=False), nullable=False),
    Column("resolved_at", DateTime(timezone=False), nullable=True),
    Column("acknowledged_by", String(200), nullable=True),
    Column("acknowledged_at", DateTime(timezone=False), nullable=True),
    Column("dismissed_by", String(200), nullable=True),
    Column("dismissed_at", DateTime(timezone=False), nullable=True),
    Column("escalated_at", DateTime(timezone=False), nullable=True),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("event", String(30), nullable=False),  # raised|updated|reopened|acknowledged|...
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=False), nullable=False),
    Column("note", Text, nullable=True),
)
