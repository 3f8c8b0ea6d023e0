"""Startup sweep: a run whose ``coo`` process died never blocks the next one.

``coo demo`` / ``coo extract`` run their job in-process against the Dagster instance in
DAGSTER_HOME, whose ``warehouse_writer`` pool has one slot. A process killed with ``kill -9``
(or a power cut) leaves its run ``STARTED`` and its slot claimed; Dagster's run monitoring
only watches runs launched by its daemon, so the next in-process run would wait for ever in
``InstanceConcurrencyContext.claim``.

Every run the CLI starts is tagged with its process id, the process's start time and the
host. Before starting a run, the CLI sweeps: a run of this host whose process is gone (or
whose pid now belongs to another process) is reported failed and its slots are freed; slots
held by runs that already finished are freed too. Runs started elsewhere (the daemon, another
host) are left to Dagster. See DECISIONLOG (2026-12-06, killed runs).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping

import psutil
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

PID_TAG = "coo/pid"
STARTED_TAG = "coo/pid-started"  # the process's start time: a reused pid is not the same run
HOST_TAG = "coo/host"

_ACTIVE = [
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def _started(pid: int) -> str | None:
    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def this_process_tags() -> dict[str, str]:
    """The tags that let a later sweep tell whether this run's process is still alive."""
    pid = os.getpid()
    return {PID_TAG: str(pid), STARTED_TAG: _started(pid) or "", HOST_TAG: socket.gethostname()}


def process_alive(tags: Mapping[str, str]) -> bool | None:
    """True/False for a run started by ``coo`` on this host; None when unknown (another
    host, or a run not started by ``coo``)."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return None
    pid = int(tags[PID_TAG])
    if pid == os.getpid():
        return True
    started = _started(pid)
    if started is None:
        return False
    try:
        if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return False
    except psutil.Error:
        return False
    return started == tags.get(STARTED_TAG)


def sweep_dead_runs(instance: DagsterInstance) -> Iterator[str]:
    """Fail this host's runs whose process is gone and free every slot a dead or finished run
    holds. Yields one line per run swept."""
    dead: set[str] = set()
    for run in instance.get_runs(
        filters=RunsFilter(statuses=_ACTIVE, tags={HOST_TAG: socket.gethostname()})
    ):
        if process_alive(run.tags) is False:
            instance.report_run_failed(
                run,
                f"the process that ran it (pid {run.tags.get(PID_TAG)}) is gone: "
                "failed by the next run's startup sweep",
            )
            dead.add(run.run_id)
            yield f"swept run {run.run_id[:8]} ({run.job_name}): its process is gone"
    storage = instance.event_log_storage
    for run_id in storage.get_concurrency_run_ids():
        holder = instance.get_run_by_id(run_id)
        if run_id in dead or holder is None or holder.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
            if run_id not in dead:
                yield f"freed the concurrency slots of finished run {run_id[:8]}"
        elif process_alive(holder.tags) is False:  # not in an active status, yet holding slots
            storage.free_concurrency_slots_for_run(run_id)
            yield f"freed the concurrency slots of run {run_id[:8]}: its process is gone"
