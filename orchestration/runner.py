"""Run a Dagster job in this process: what ``coo demo`` and ``coo extract`` call.

The command line (``cli/``) never imports Dagster; it calls :func:`run_job`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from core.errors import StepFailed, actionable, head_tail_line
from core.settings import coo_home, get_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def dagster_home() -> Path:
    """``DAGSTER_HOME`` (default ``COO_HOME/dagster``), created, with the repository's
    ``dagster.yaml`` copied in on first use."""
    home = get_settings().dagster_home_path
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and (REPO_ROOT / "dagster.yaml").exists():
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def _op_config(job: Any, *, dbt_tests: bool, all_fields: str) -> dict[str, Any]:
    """Run config for the ops this job has: dbt's data tests off, every stored field read."""
    ops: dict[str, Any] = {}
    names = {node.name for node in job.graph.node_defs} if hasattr(job, "graph") else set()
    if not dbt_tests:
        ops["odoo_dbt"] = {"config": {"tests": False}}
    if all_fields and "odoo_raw" in names:
        ops["odoo_raw"] = {"config": {"all_fields": all_fields}}
    return {"ops": ops} if ops else {}


def run_job(
    job_name: str,
    *,
    dbt_tests: bool = True,
    all_fields: str = "",
    say: Callable[[str], None] = print,
) -> Any:
    """Run ``job_name`` in this process on the instance under :func:`dagster_home`; a failed
    step raises :class:`~core.errors.StepFailed` (one line, the full log in a file), an error
    a person can act on is raised as it is. ``say`` shows progress lines."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.sweep import sweep_dead_runs, this_process_tags

    job = defs.resolve_job_def(job_name)
    logs = coo_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{job_name}-{time.strftime('%Y%m%dT%H%M%S')}.log"
    say(f"job log (dbt output): {log_path}")
    with (
        DagsterInstance.from_config(str(dagster_home())) as instance,
        log_path.open("w") as log,
        redirect_stdout(log),
    ):
        # runs of earlier `coo` processes that died (kill -9, power cut) still hold their
        # concurrency slots: fail them and free the slots, or this run waits for ever
        for swept in sweep_dead_runs(instance):
            say(str(swept))
        try:
            result = job.execute_in_process(
                instance=instance,
                # failures surface once, through _guard; Dagster's own log stays in the run
                # storage
                run_config={
                    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                    **_op_config(job, dbt_tests=dbt_tests, all_fields=all_fields),
                },
                tags=this_process_tags(),
            )
        except Exception as exc:
            if actionable(exc) is not None:
                raise  # wrong URL, key, rights...: _guard says what to fix (exit 2)
            import traceback

            # execute_in_process re-raises the step's own exception (no step key on it): the
            # step is the one this process's newest run recorded as failed
            step = getattr(exc, "step_key", None) or _failed_step(instance) or "(run)"
            print(f"\n=== step {step} failed ===", file=log)
            print("".join(traceback.format_exception(exc)), file=log)
            log.flush()
            root: BaseException = exc
            while True:
                inner = getattr(root, "user_exception", None) or root.__cause__
                if inner is None or inner is root:
                    break
                root = inner
            error = head_tail_line(f"{type(root).__name__}: {root}", 240)
            raise StepFailed(job_name, step, error, log_path) from None
    return result


def _failed_step(instance: Any) -> str | None:
    """The step key of the first step failure of the newest run started by this process."""
    from dagster import DagsterEventType, RunsFilter

    from orchestration.sweep import this_process_tags

    try:
        runs = instance.get_runs(filters=RunsFilter(tags=this_process_tags()), limit=1)
        if not runs:
            return None
        records = instance.get_records_for_run(
            runs[0].run_id, of_type=DagsterEventType.STEP_FAILURE, limit=1
        ).records
    except Exception:  # the run storage itself may be what failed: name no step then
        return None
    return records[0].event_log_entry.step_key if records else None
