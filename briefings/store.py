"""Tables of the briefings package in the operational store (declared in ``opstore.schema``).

``alerts`` is a shared contract (the dashboard, the API and the agent read it): one row per
alert_key, ``rule_key|company_id|record_model|record_id``, updated in place on every run so
the same condition on the same record is always one alert. ``alert_events`` keeps the
lifecycle history (who did what, when), since ``alerts`` holds only the latest state.
Briefings are archived with the facts they were written from, so any sentence can be
traced back to the numbers; deliveries and LLM usage are kept per attempt and per call.
"""

from __future__ import annotations

from opstore.schema import (
    ALERT_STATUSES,
    PRIORITIES,
    alert_events,
    alerts,
    briefings,
    deliveries,
    llm_usage,
)

__all__ = [
    "ALERT_STATUSES",
    "PRIORITIES",
    "alert_events",
    "alerts",
    "briefings",
    "deliveries",
    "llm_usage",
]
