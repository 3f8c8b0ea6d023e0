"""The production profile, started for real: PostgreSQL everywhere, daemon and webserver.

``docs/production/dagster.yaml`` (the file docker-compose mounts and the Helm values mirror,
tests/orchestration/test_deployment_config.py) is the instance: runs, event log and schedules
in PostgreSQL (dagster-postgres), the queued run coordinator with one warehouse writer at a
time, run retries and run monitoring on, each run in its own process (DefaultRunLauncher).
The warehouse and the operational store are PostgreSQL databases too. The test starts
``dagster-webserver`` and ``dagster-daemon`` as processes, as docker-compose does, and drives
them through the webserver's GraphQL API only:

1. a ``main`` run (the whole graph on the small simulated company) is launched; the daemon
   dequeues it and it succeeds; the marts, ML tables, alerts and briefings are in PostgreSQL;
   (the freshness sensor is turned off first, and each run executes its steps in the run
   worker's process, which saves a definitions load per step);
2. two runs of the short ``extract`` job (every raw table, incremental) are launched, the
   second queued behind the first (the warehouse-writer limit); the first one's worker is
   killed with SIGKILL during its extraction step (with its children, as a pod or container
   dies); it is launched with ``dagster/max_retries=0``, so no automatic retry runs;
3. the killed run is marked failed, its run and pool slots are freed, the queued run starts
   only then and succeeds, the killed run is not retried; no raw row, mart row or alert is
   lost or duplicated.

The recovery part uses ``extract`` rather than ``main``: what it proves (a writer killed
mid-run, its slot freed, the next writer completing on the same tables) does not need dbt
and the forecasts again, and each run costs a definitions load in a fresh process. Every
process started here is stopped by the fixture (its whole process group), and the three
databases are dropped. Its time and where it goes: docs/DEPLOYMENT.md (production profile).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.pg_support import pg_databases

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.timeout(1500)]

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "docs" / "production" / "dagster.yaml"
LOCATION = "orchestration.definitions"
BIN = Path(sys.executable).parent
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
# an upper bound per run, not its expected time (several minutes when other jobs share the
# two cores, see the figures in DEPLOYMENT.md)
RUN_TIMEOUT = 600


@dataclass
class Deployment:
    home: Path
    urls: dict[str, str]
    port: int
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ready_s: float = 0.0  # from the first process started to the daemons healthy

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            self.graphql_url, json={"query": query, "variables": variables}, timeout=30
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:2000]}"
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def logs(self) -> str:
        out = []
        for name in self.procs:
            path = self.home / f"{name}.log"
            if path.exists():
                out.append(f"--- {name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, urls: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COO_", "ODOO_", "ANTHROPIC_", "DAGSTER_", "PYTEST_"))
    }
    dagster_db = urlparse(urls["dagster"])
    env.update(
        {
            "COO_ENV_FILE": "",
            # production: schedules and sensors start running (stopped elsewhere)
            "COO_ENVIRONMENT": "production",
            "COO_HOME": str(home / "coo"),
            "DAGSTER_HOME": str(home / "dagster"),
            "COO_WAREHOUSE_URL": urls["warehouse"],
            "COO_STATE_URL": urls["state"],
            "COO_SIM_SIZE": "small",
            "DAGSTER_PG_HOST": dagster_db.hostname or "127.0.0.1",
            "DAGSTER_PG_PORT": str(dagster_db.port or 5432),
            "DAGSTER_PG_USER": dagster_db.username or "postgres",
            "DAGSTER_PG_PASSWORD": dagster_db.password or "",
            "DAGSTER_PG_DB": dagster_db.path.lstrip("/"),
        }
    )
    return env


def _start(dep: Deployment, name: str, args: list[str], env: dict[str, str]) -> None:
    log = (dep.home / f"{name}.log").open("wb")
    dep.procs[name] = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(dep: Deployment) -> None:
    """Every process this test started: the two servers, their code servers, run workers and
    step processes (all in the servers' process groups, plus any descendant that left it)."""
    import psutil

    family: list[psutil.Process] = []
    for proc in dep.procs.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            family += psutil.Process(proc.pid).children(recursive=True)
    for proc in dep.procs.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in dep.procs.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    for child in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _wait(what: str, check: Any, timeout: float, dep: Deployment, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in dep.procs.items():
            assert proc.poll() is None, f"{name} exited ({proc.returncode}):\n{dep.logs()}"
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{dep.logs()}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("production")
    (home / "dagster").mkdir()
    shutil.copyfile(PROFILE, home / "dagster" / "dagster.yaml")
    with pg_databases("dagster", "warehouse", "state") as urls:
        dep = Deployment(home, urls, _free_port())
        env = _env(home, urls)
        t0 = time.monotonic()
        try:
            # the webserver first: it creates the instance's tables, then the daemon joins
            _start(
                dep,
                "webserver",
                [
                    str(BIN / "dagster-webserver"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(dep.port),
                    "-m",
                    LOCATION,
                ],
                env,
            )
            _wait("the webserver", lambda: _location_loaded(dep), 120, dep, every=2)
            _stop_sensor(dep, "raw_freshness_sensor")
            _stop_schedules(dep)
            _start(dep, "daemon", [str(BIN / "dagster-daemon"), "run", "-m", LOCATION], env)
            _wait("the daemons", lambda: _daemons_healthy(dep), 120, dep, every=2)
            dep.ready_s = time.monotonic() - t0
            yield dep
        finally:
            _stop(dep)


def _location_loaded(dep: Deployment) -> bool:
    try:
        data = dep.gql(
            "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
            "locationOrLoadError { __typename } } } } }"
        )
    except (httpx.HTTPError, AssertionError):
        return False
    entries = data["workspaceOrError"].get("locationEntries", [])
    for e in entries:
        if e["name"] == LOCATION and e["loadStatus"] == "LOADED":
            kind = e["locationOrLoadError"]["__typename"]
            assert kind == "RepositoryLocation", f"code location failed to load:\n{dep.logs()}"
            return True
    return False


def _stop_sensor(dep: Deployment, name: str) -> None:
    """Turn a sensor off in the instance before the daemon starts (the freshness sensor would
    launch a run of its checks at once and compete with the runs under test for the CPU)."""
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    sensor = dep.gql(
        "query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { id } } }",
        s={**selector, "sensorName": name},
    )["sensorOrError"]
    stopped = dep.gql(
        "mutation($id: String!) { stopSensor(id: $id) { __typename "
        "... on StopSensorMutationResult { instigationState { status } } } }",
        id=sensor["id"],
    )["stopSensor"]
    assert stopped["instigationState"]["status"] == "STOPPED", stopped


def _stop_schedules(dep: Deployment) -> None:
    """Turn the schedules off too: they tick on the wall clock (finance hourly at minute 0,
    the daily refresh, the 06:00 briefings), so a test crossing the hour would get an extra
    run competing for the writer slot and the CPU; the runs under test are launched here."""
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    repo = dep.gql(
        "query($s: RepositorySelector!) { repositoryOrError(repositorySelector: $s) { "
        "... on Repository { schedules { name id scheduleState { status } } } } }",
        s=selector,
    )["repositoryOrError"]
    running = [x for x in repo["schedules"] if x["scheduleState"]["status"] == "RUNNING"]
    assert running, repo  # the cadence schedules are on by default
    for schedule in running:
        stopped = dep.gql(
            "mutation($id: String!) { stopRunningSchedule(id: $id) { __typename "
            "... on ScheduleStateResult { scheduleState { status } } } }",
            id=schedule["id"],
        )["stopRunningSchedule"]
        assert stopped["scheduleState"]["status"] == "STOPPED", (schedule["name"], stopped)


DAEMONS = ("SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING", "EVENT_LOG_CONSUMER")


def _daemons_healthy(dep: Deployment) -> bool:
    data = dep.gql(
        "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }"
    )
    status = {
        d["daemonType"]: d["healthy"] for d in data["instance"]["daemonHealth"]["allDaemonStatuses"]
    }
    return all(status.get(d) for d in DAEMONS)


LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
RUN = """
query($id: ID!) {
  runOrError(runId: $id) {
    ... on Run {
      runId status startTime endTime tags { key value }
      stepStats { stepKey status }
      eventConnection(afterCursor: null) { events { __typename ... on MessageEvent { message } } }
    }
  }
}"""
STEPS = """
query($id: ID!) { runOrError(runId: $id) { ... on Run { status stepStats { stepKey status } } } }"""
RUNS = "{ runsOrError { ... on Runs { results { runId status jobName tags { key value } } } } }"


def _launch(dep: Deployment, job: str, **tags: str) -> str:
    # the steps run in the run worker's own process: the multiprocess executor loads the
    # definitions once more per step (~45 s each on a loaded two-core runner)
    run_config: dict[str, Any] = {"execution": {"config": {"in_process": {}}}}
    if job == "main":  # dbt builds without its data tests (tests/dbt runs them on PostgreSQL)
        run_config["ops"] = {"odoo_dbt": {"config": {"tests": False}}}
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": job,
        },
        "runConfigData": run_config,
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }
    result = dep.gql(LAUNCH, params=params)["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return str(result["run"]["runId"])


def _run(dep: Deployment, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = dep.gql(RUN, id=run_id)["runOrError"]
    return run


def _step_status(dep: Deployment, run_id: str, step: str) -> str | None:
    run = dep.gql(STEPS, id=run_id)["runOrError"]
    return next((s["status"] for s in run["stepStats"] or [] if s["stepKey"] == step), None)


def _finished(dep: Deployment, run_id: str, timeout: float) -> dict[str, Any]:
    run: dict[str, Any] = _wait(
        f"run {run_id}",
        lambda: (r := _run(dep, run_id))["status"] in FINISHED and r,
        timeout,
        dep,
        every=2,
    )
    return run


def _messages(run: dict[str, Any]) -> list[str]:
    return [e.get("message") or "" for e in run["eventConnection"]["events"]]


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


MARTS = (
    "finance.fct_general_ledger",
    "finance.fct_receivable_aging",
    "finance.fct_profit_and_loss",
    "sales.fct_pipeline_by_stage",
    "operations.fct_stock_cover",
    "customers.dim_customers",
    "ml.churn_scores",
    "ml.forecasts",
)


def _snapshot(dep: Deployment) -> dict[str, Any]:
    """What must neither be lost nor duplicated: each raw table's rows and distinct ids, the
    rows of some marts and ML tables, the alerts and their distinct keys."""
    wh, state = dep.urls["warehouse"], dep.urls["state"]
    raw = [
        t
        for (t,) in _rows(
            wh,
            "select table_name from information_schema.tables where table_schema = 'raw_odoo' "
            "and table_name not like '\\_dlt%' escape '\\' order by 1",
        )
    ]
    snap: dict[str, Any] = {}
    for t in raw:
        snap[f"raw_odoo.{t}"] = _rows(wh, f"select count(*), count(distinct id) from raw_odoo.{t}")[
            0
        ]
    for t in MARTS:
        snap[t] = _rows(wh, f"select count(*) from {t}")[0][0]
    snap["alerts"] = _rows(state, "select count(*), count(distinct alert_key) from alerts")[0]
    return snap


def _pid(run: dict[str, Any]) -> int | None:
    for message in _messages(run):
        m = re.search(r"Started process for run \(pid: (\d+)\)", message)
        if m:
            return int(m.group(1))
    return None


def _kill_worker(dep: Deployment, pid: int) -> None:
    """SIGKILL the run worker and its step processes, after checking it is one of ours."""
    import psutil

    worker = psutil.Process(pid)
    ours = {
        p.pid for name in ("daemon",) for p in psutil.Process(dep.procs[name].pid).children(True)
    }
    assert pid in ours, f"pid {pid} is not a process of this test's daemon"
    family = [worker, *worker.children(recursive=True)]
    for p in family:
        p.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)


def test_production_profile_runs_and_recovers(deployment: Deployment) -> None:
    dep = deployment
    wh, state = dep.urls["warehouse"], dep.urls["state"]

    # 1. a run through the queue, in its own process, on PostgreSQL everywhere
    started = time.monotonic()
    first = _finished(dep, _launch(dep, "main"), RUN_TIMEOUT)
    first_s = time.monotonic() - started
    assert first["status"] == "SUCCESS", (first["stepStats"], dep.logs())
    assert not [s for s in first["stepStats"] if s["status"] != "SUCCESS"]
    assert _rows(wh, "select count(*) from finance.fct_general_ledger")[0][0] > 1000
    assert _rows(wh, "select count(*) from ml.forecasts")[0][0] > 0
    assert _rows(state, "select count(*) from alerts")[0][0] > 0
    roles = _rows(state, "select count(*), count(distinct company_id::text || role) from briefings")
    assert roles[0][0] > 0 and roles[0][0] == roles[0][1]  # one briefing per company and role
    before = _snapshot(dep)
    # the instance is the PostgreSQL database
    mains = _rows(dep.urls["dagster"], "select status from runs where pipeline_name = 'main'")
    assert mains == [("SUCCESS",)]

    # 2. two short writer runs, the second queued behind the first (one warehouse writer at a
    # time); the first one without automatic retries (the instance allows 2 by default)
    killed_id = _launch(dep, "extract", **{"dagster/max_retries": "0"})
    next_id = _launch(dep, "extract")
    started = time.monotonic()
    # its worker's pid is logged when the process is spawned, before it loads the definitions
    pid = _wait("the extract run's worker", lambda: _pid(_run(dep, killed_id)), RUN_TIMEOUT, dep)
    # the extraction step of the small company lasts seconds: watch it closely
    _wait(
        "the extract run to be in its extraction step",
        lambda: _step_status(dep, killed_id, "odoo_raw") in ("IN_PROGRESS", "SUCCESS"),
        RUN_TIMEOUT,
        dep,
        every=0.2,
    )
    assert dep.gql(STEPS, id=next_id)["runOrError"]["status"] == "QUEUED"
    _kill_worker(dep, pid)
    killed_at = time.time()
    kill_s = time.monotonic() - started

    # 3. marked failed, the slot freed: the queued run completes; no retry of the killed one
    killed = _finished(dep, killed_id, 60)
    assert killed["status"] == "FAILURE"
    # the daemon's code server saw its child die and failed the run (DefaultRunLauncher)
    crash = [m for m in _messages(killed) if "terminated by signal 9 (SIGKILL)" in m]
    assert crash, [m[:200] for m in _messages(killed) if "process" in m.lower()]
    assert not [
        s for s in killed["stepStats"] if s["stepKey"] == "odoo_raw" and s["status"] == "SUCCESS"
    ]  # it died mid-extraction
    nxt = _finished(dep, next_id, RUN_TIMEOUT)
    # the killed step's warehouse_writer pool slot was freed too (run monitoring,
    # free_slots_after_run_end_seconds): without it the queued run is never dequeued
    for table in ("concurrency_slots", "pending_steps"):
        held = _rows(
            dep.urls["dagster"], f"select count(*) from {table} where run_id = '{killed_id}'"
        )
        assert held == [(0,)], (table, held)
    assert nxt["status"] == "SUCCESS", (nxt["stepStats"], dep.logs())
    assert nxt["startTime"] >= killed_at - 1  # it waited for the slot the killed run held
    runs = dep.gql(RUNS)["runsOrError"]["results"]
    assert {r["runId"] for r in runs} == {first["runId"], killed_id, next_id}, runs
    assert all(r["status"] in FINISHED for r in runs), runs

    # nothing lost, nothing duplicated: the same company, extracted again
    after = _snapshot(dep)
    assert after == before
    for key, value in after.items():
        if key.startswith("raw_odoo.") or key == "alerts":
            assert value[0] == value[1], (key, value)  # rows == distinct ids / alert keys
    recovery_s = time.monotonic() - started - kill_s
    print(
        f"start-up {dep.ready_s:.0f} s; first run {first_s:.0f} s; extract killed "
        f"{kill_s:.0f} s after launch; recovery run {recovery_s:.0f} s; "
        f"{len(after)} tables unchanged"
    )
