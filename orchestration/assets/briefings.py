"""Alerts and the daily briefings in Dagster: two thin assets, the 06:00 schedule, escalation.

* ``briefings/alerts`` (the :mod:`alerts` package) evaluates the rules over the marts (and ml
  scores) and reconciles the
  ``alerts`` table in the operational store.
* ``briefings/daily_briefings`` writes one briefing per company and role, archives it,
  submits its proposals to write-back and emails it (failed deliveries of earlier runs are
  retried first).
* The briefing schedule ticks hourly in UTC and starts a run for each company whose local
  clock has reached 06:00 (its zone is data: see ``briefings.schedule``).
* The escalation sensor emails unacknowledged critical alerts once they are older than the
  rules' ``escalate_after_minutes``.

(No ``from __future__ import annotations``: Dagster resolves resource annotations.)
"""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    Config,
    MaterializeResult,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    schedule,
    sensor,
)

from alerts.lifecycle import escalate_due, run_alerts
from alerts.rules import load_rules
from alerts.sources import MartReader
from briefings.channels import deliver_briefing, deliver_critical_alerts, retry_failed_briefings
from briefings.compose import run_briefings
from briefings.delivery import deliver, retry_failed, send_escalation
from briefings.facts import ROLES
from briefings.odoo_post import post_briefings_to_odoo
from briefings.schedule import company_timezones, due_companies
from opstore import StateStore
from orchestration.lineage import asset_deps
from orchestration.ops import schedule_status, sensor_status
from orchestration.resources import WarehouseResource

BRIEFINGS_GROUP = "briefings"

# what the rules and the facts read, from the declarations next to their SQL
# (alerts/families.py and briefings/facts.py READS, gathered by orchestration/lineage.py)
ALERT_DEPS = [AssetKey(k) for k in asset_deps(("briefings", "alerts"))]
BRIEFING_DEPS = [AssetKey(k) for k in asset_deps(("briefings", "daily_briefings"))]


@asset(
    key=AssetKey(["briefings", "alerts"]),
    group_name=BRIEFINGS_GROUP,
    deps=ALERT_DEPS,
    description="Alert rules (alerts/rules.yaml or COO_ALERT_RULES) evaluated over the marts "
    "and ml scores; de-duplicated, auto-resolved alerts in the operational store.",
)
def alerts_asset(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    state = StateStore()
    try:
        with MartReader(warehouse.warehouse()) as reader:
            result = run_alerts(state, reader)
        # critical alerts reach the roles' channels (COO_CHANNELS_<ROLE>) within this run
        channels = deliver_critical_alerts(state)
    finally:
        state.dispose()
    if channels["failed"]:
        context.log.warning(f"critical alerts to channels: {channels['failed']} failed (retried)")
    for rule, reason in result.skipped_reasons.items():
        # a failed family is an error people must see; a missing mart is a state
        (context.log.error if reason.startswith("failed") else context.log.warning)(
            f"alert rule {rule} not evaluated: {reason}"
        )
    context.log.info(
        f"alerts: {result.raised} raised, {result.updated} updated, {result.reopened} re-opened, "
        f"{result.resolved} resolved, {result.open} open"
    )
    return MaterializeResult(
        metadata={
            "raised": result.raised,
            "updated": result.updated,
            "reopened": result.reopened,
            "resolved": result.resolved,
            "open": result.open,
            "skipped_rules": ", ".join(result.skipped_rules) or "none",
            "channel_sent": channels["sent"],
            "channel_failed": channels["failed"],
            # why each was skipped: a mart its family reads is absent, or the family failed
            "skipped_reasons": "; ".join(f"{k}: {v}" for k, v in result.skipped_reasons.items())
            or "none",
        }
    )


class BriefingsConfig(Config):
    companies: list[int] = []  # empty = every company
    roles: list[str] = list(ROLES)
    use_llm: bool = True  # without ANTHROPIC_API_KEY the template is used anyway
    deliver: bool = True


@asset(
    key=AssetKey(["briefings", "daily_briefings"]),
    group_name=BRIEFINGS_GROUP,
    deps=[AssetKey(["briefings", "alerts"]), *BRIEFING_DEPS],
    description="One briefing per company and role (Claude, or the template without a key), "
    "archived with its facts, proposals submitted to write-back, emailed.",
)
def briefings_asset(
    context: AssetExecutionContext, config: BriefingsConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    state = StateStore()
    try:
        retried = retry_failed(state)
        retry_failed_briefings(state)
        with MartReader(warehouse.warehouse()) as reader:
            made = run_briefings(
                state,
                reader,
                companies=config.companies or None,
                roles=config.roles,
                use_llm=config.use_llm,
            )
        statuses = [deliver(state, b["id"]) if config.deliver else "not_sent" for b in made]
        if config.deliver:
            for b in made:  # the role's channels too, when COO_CHANNEL_BRIEFINGS is on
                deliver_briefing(state, b["id"])
            in_odoo = post_briefings_to_odoo(state, made)
            if in_odoo:
                context.log.info(f"briefings as Odoo activities: {in_odoo}")
    finally:
        state.dispose()
    for b, s in zip(made, statuses, strict=True):
        context.log.info(
            f"briefing #{b['id']} company {b['company_id']} {b['role']}: {b['kind']}"
            f"{' (' + b['fallback_reason'] + ')' if b['fallback_reason'] else ''}, "
            f"{len(b['proposals'])} proposals, delivery {s}"
        )
    return MaterializeResult(
        metadata={
            "briefings": len(made),
            "llm": sum(1 for b in made if b["kind"] == "llm"),
            "template": sum(1 for b in made if b["kind"] == "template"),
            "cost_usd": round(sum(b["cost_usd"] for b in made), 6),
            "proposals": sum(len(b["proposals"]) for b in made),
            "deliveries_failed": sum(1 for s in statuses if s in ("failed", "partial")),
            "deliveries_retried": len(retried),
        }
    )


briefings_job = define_asset_job(
    "daily_briefings",
    selection=AssetSelection.assets(alerts_asset, briefings_asset),
    description="Re-evaluate the alerts, then write, archive and send the briefings.",
)

alerts_job = define_asset_job(
    "alerts_refresh",
    selection=AssetSelection.assets(alerts_asset),
    description="Re-evaluate the alert rules over the current marts.",
)


@schedule(
    cron_schedule="0 * * * *",
    job=briefings_job,
    execution_timezone="UTC",
    default_status=schedule_status(),
    description="06:00 in each company's time zone: that company's briefings.",
)
def briefings_0600_schedule(context: ScheduleEvaluationContext):  # type: ignore[no-untyped-def]
    now = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    try:
        with MartReader(WarehouseResource().warehouse()) as reader:
            zones = company_timezones(reader)
    except Exception as exc:  # no warehouse yet: nothing to brief on
        return SkipReason(f"cannot read the companies' time zones: {exc}")
    due = due_companies(now, zones)
    if not due:
        return SkipReason("no company is at 06:00 local time")
    return [
        RunRequest(
            run_key=f"briefings-{cid}-{local_date}",
            run_config={"ops": {"briefings__daily_briefings": {"config": {"companies": [cid]}}}},
            tags={"coo/company": str(cid)},
        )
        for cid, local_date in due
    ]


@sensor(
    minimum_interval_seconds=300,
    default_status=sensor_status(),
    description="Email unacknowledged critical alerts once they pass the escalation delay.",
)
def alert_escalation_sensor(context: SensorEvaluationContext) -> SkipReason:
    sent: list[int] = []
    state = StateStore()
    try:
        due = escalate_due(
            state, load_rules(), notify=lambda rows: sent.append(send_escalation(rows))
        )
    finally:
        state.dispose()
    if not due:
        return SkipReason("no critical alert escalated (none due, or the notice failed: retried)")
    return SkipReason(f"escalated {len(due)} critical alert(s), {sum(sent)} email(s) sent")


briefings_assets = [alerts_asset, briefings_asset]
briefings_jobs = [briefings_job, alerts_job]
briefings_schedules = [briefings_0600_schedule]
briefings_sensors = [alert_escalation_sensor]
