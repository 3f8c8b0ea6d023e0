"""The alerts' tables in the operational store (declared, with every other table, in
``opstore.schema``, whose Alembic migrations create them).

``alerts`` is a shared contract (the dashboard, the API and the agent read it): one row per
alert_key, ``rule_key|company_id|record_model|record_id``, updated in place on every run so
the same condition on the same record is always one alert. ``alert_events`` keeps the
lifecycle history (who did what, when), since ``alerts`` holds only the latest state.
Other packages read an alert through :mod:`alerts.lookup`, not these tables.
"""

from __future__ import annotations

from opstore.schema import ALERT_STATUSES, PRIORITIES, alert_events, alerts

#: the statuses of an alert still waiting for someone
OPEN_STATUSES = ("new", "acknowledged")

__all__ = ["ALERT_STATUSES", "OPEN_STATUSES", "PRIORITIES", "alert_events", "alerts"]
