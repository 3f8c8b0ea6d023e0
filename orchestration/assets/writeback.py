"""Write-back in Dagster: a job that executes approved actions and a sensor that starts it.

Executing actions is a side effect on Odoo, not data the platform derives, so it is an op in
a job rather than an asset. The sensor looks at the operational store (never at Odoo): when
approved or interrupted proposals are waiting it requests one run, keyed by the newest
proposal id and its update time; an action a run started and never finished is picked up
again once its lease (5 minutes) has expired, never while that run may still be writing.
The op calls :func:`writeback.service.execute`; exactly-once is guaranteed there, not here.

(No ``from __future__ import annotations``: Dagster resolves resource annotations.)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Field,
    OpExecutionContext,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    job,
    op,
    schedule,
    sensor,
)
from sqlalchemy import and_, func, or_, select

from core.cadence import SCHEDULE_TIMEZONE
from odoo_api.client import OdooClient
from opstore import StateStore
from orchestration.resources import OdooResource
from writeback.connection import open_odoo

__all__ = [
    "approved_actions_sensor",
    "execute_actions_job",
    "reconcile_actions_job",
    "reconcile_actions_schedule",
    "writable_odoo",
]


@contextmanager
def writable_odoo(odoo: OdooResource) -> Iterator[OdooClient]:
    """A client to write through. On the simulated company the store is saved afterwards,
    so actions executed there persist like they would in a real Odoo."""
    with open_odoo(
        size=odoo.simulated_size, seed=odoo.simulated_seed, transport=odoo.transport, writable=True
    ) as client:
        yield client


@op(description="Execute every approved write-back action once (idempotent, audited).")
def execute_approved_actions(context: OpExecutionContext, odoo: OdooResource) -> None:
    from writeback.service import execute

    state = StateStore()
    with writable_odoo(odoo) as client:
        results = execute(state, client)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        if r["status"] != "executed":
            context.log.warning(
                f"action {r['id']} ({r.get('skill')}): {r['status']} {r.get('reason', '')}"
            )
    context.log.info(f"write-back: {len(results)} action(s): {counts}")


@job(name="writeback_execute", description="Execute the approved write-back actions in Odoo.")
def execute_actions_job() -> None:
    execute_approved_actions()


@sensor(
    # by name: a job object here makes Dagster rebuild the sensor to bind resources, which
    # prints a BetaWarning on stderr of every `coo` command
    job_name="writeback_execute",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts the write-back job when approved actions wait in the operational store.",
)
def approved_actions_sensor(context: SensorEvaluationContext) -> Iterator[RunRequest | SkipReason]:
    from writeback.executor import LEASE_SECONDS
    from writeback.store import proposals, utcnow

    state = StateStore()
    stale = utcnow() - timedelta(seconds=LEASE_SECONDS)
    waiting = or_(
        proposals.c.status == "approved",
        and_(proposals.c.status == "executing", proposals.c.updated_at < stale),
    )
    with state.begin() as conn:
        count, newest, changed = conn.execute(
            select(func.count(), func.max(proposals.c.id), func.max(proposals.c.updated_at)).where(
                waiting
            )
        ).one()
    if not count:
        yield SkipReason("no approved action waiting")
        return
    yield RunRequest(
        run_key=f"writeback-{newest}-{changed}", tags={"writeback.waiting": str(count)}
    )


@op(
    description="Compare every executed, failed or rolled-back action with Odoo, by its marker.",
    config_schema={
        "fix": Field(bool, default_value=False, description="bring the audit in line with Odoo")
    },
)
def reconcile_actions(context: OpExecutionContext, odoo: OdooResource) -> None:
    """Reports each disagreement between the audit log and Odoo; fixes the audit when the
    run config says ``fix: true`` (``writeback.reconcile``). Fails when one is left unfixed,
    so the disagreement shows as a failed run."""
    from writeback.reconcile import reconcile

    fix = bool(context.op_config["fix"])
    with writable_odoo(odoo) as client:
        findings = reconcile(StateStore(), client, fix=fix)
    for f in findings:
        context.log.warning(
            f"action {f.proposal_id} ({f.skill}): audit says {f.status}, {f.kind}: {f.detail}"
            + (" (fixed)" if f.fixed else "")
        )
    context.log.info(f"reconcile: {len(findings)} disagreement(s)")
    unfixed = [f for f in findings if not f.fixed and f.kind != "changed_since"]
    if unfixed:
        raise RuntimeError(
            f"{len(unfixed)} write-back action(s) disagree with Odoo: "
            "see `coo actions reconcile` (and --fix)"
        )


@job(
    name="writeback_reconcile",
    description="Compare the write-back audit log with Odoo (by marker) and report disagreements.",
)
def reconcile_actions_job() -> None:
    reconcile_actions()


@schedule(
    job_name="writeback_reconcile",
    cron_schedule="17 * * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="Hourly: the audit log compared with Odoo, so a crash or a misread answer is found.",
)
def reconcile_actions_schedule() -> dict[str, object]:
    return {"ops": {"reconcile_actions": {"config": {"fix": False}}}}
