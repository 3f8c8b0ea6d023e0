"""How often each part of the platform refreshes, and so how old its raw data may be.

Plain data (no Dagster import) so the dashboard's Data health page reads the same promises
the schedules and freshness checks in ``orchestration.ops`` are built from (in ``core``:
the dashboard may not import ``orchestration``). The raw tables
listed per cadence are the raw assets upstream of that area's marts;
``tests/orchestration/test_ops.py`` checks them against the asset graph, so a new mart
dependency cannot silently fall out of its schedule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cadence:
    name: str
    cron: str
    groups: tuple[str, ...]  # the mart groups the job refreshes (with everything upstream)
    raw_tables: frozenset[str]  # raw_odoo tables upstream of those groups
    max_lag_hours: float  # freshness check: a raw table older than this fails
    description: str


FINANCE = Cadence(
    name="finance_hourly",
    cron="0 * * * *",
    groups=("finance",),
    raw_tables=frozenset(
        {
            "account_account",
            "account_journal",
            "account_move",
            "account_move_line",
            "account_partial_reconcile",
            "account_payment",
            "product_category",
            "res_company",
            "res_currency",
            "res_currency_rate",
            "res_partner",
        }
    ),
    max_lag_hours=2.0,
    description="Cash, receivables and payables every hour (extraction + finance marts).",
)

SALES = Cadence(
    name="sales_4h",
    cron="0 */4 * * *",
    groups=("sales",),
    raw_tables=frozenset(
        {
            "crm_lead",
            "crm_stage",
            "crm_team",
            "mail_activity",
            "mail_message",
            "mail_tracking_value",
            "res_company",
            "res_partner",
            "res_users",
            "sale_order",
        }
    ),
    max_lag_hours=6.0,
    description="Pipeline and stalled deals every 4 hours (extraction + sales marts).",
)

DAILY = Cadence(
    name="daily_refresh",
    cron="0 2 * * *",
    groups=(),  # everything
    raw_tables=frozenset(),  # every raw table
    max_lag_hours=26.0,
    description="Everything once a day before the 06:00 briefings: extraction, all marts, "
    "ML scores and forecasts, alerts.",
)

CADENCES = (FINANCE, SALES, DAILY)
SCHEDULE_TIMEZONE = "UTC"


def max_lag_hours(table: str) -> float:
    """The tightest freshness promise a raw table is under."""
    return min(
        (c.max_lag_hours for c in (FINANCE, SALES) if table in c.raw_tables),
        default=DAILY.max_lag_hours,
    )
