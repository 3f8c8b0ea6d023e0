"""The daily run, end to end and incrementally, per stage, with peak memory.

    .venv/bin/python bench/run.py                                  # small, DuckDB
    .venv/bin/python bench/run.py --sizes small,medium,large
    .venv/bin/python bench/run.py --sizes small,medium --engines duckdb,postgres

For each size and engine, in its own ``COO_HOME``:

1. **full**: ``coo demo --size S --fresh``: a fresh simulated company, extraction over HTTP
   from the loopback simulator, dbt with its tests, ML, alerts, briefings;
2. **incremental**: ``coo simulator advance --days 1`` (new orders, payments, stage changes,
   deletions), then ``coo demo --size S`` again: extraction from the cursors, the same job.

The warehouse and the operational store are embedded (DuckDB, SQLite) or two fresh
PostgreSQL databases on ``--pg`` (dropped afterwards). Step times come from each run's own
Dagster instance, summed per stage (the stages ``coo demo`` prints);
peak memory is the largest total resident memory of the ``coo`` process and its children
(dbt, the simulator), sampled every 0.2 s. Not a test: medium and large are too long for the
suite's budget.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COO = str(ROOT / ".venv" / "bin" / "coo")

from orchestration.runner import STAGE_ORDER, stage_of  # noqa: E402  (the stages `coo demo` prints)


@dataclass
class Measured:
    label: str
    wall: float = 0.0
    peak_mb: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    code: int = 0

    def stages(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, seconds in self.steps.items():
            out[stage_of(key)] = out.get(stage_of(key), 0.0) + seconds
        return out


def step_times(dagster_home: Path) -> dict[str, float]:
    """Seconds per step of the newest run of the instance under ``dagster_home``."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        stats = instance.get_run_step_stats(runs[0].run_id)
    return {
        s.step_key: (s.end_time or 0) - (s.start_time or 0)
        for s in stats
        if s.start_time is not None
    }


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak MB of the process tree, exit code, output tail) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                rss = 0
                for p in tree:
                    with contextlib.suppress(psutil.Error):
                        rss += p.memory_info().rss
                peak = max(peak, rss / 2**20)
            except psutil.Error:
                return
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    return time.perf_counter() - started, peak, proc.returncode, output[-3000:]


def bench(size: str, engine: str, pg: str) -> list[Measured]:
    import psycopg2

    env = {k: v for k, v in os.environ.items() if not k.startswith(("COO_", "ODOO_", "DAGSTER_"))}
    dbs: list[str] = []
    admin = None
    results = []
    with tempfile.TemporaryDirectory(prefix=f"coo-bench-{engine}-{size}-") as home:
        env.update({"COO_HOME": home, "COO_ENV_FILE": "", "DAGSTER_HOME": f"{home}/dagster"})
        if engine == "postgres":
            admin = psycopg2.connect(pg)
            admin.autocommit = True
            token = uuid.uuid4().hex[:8]
            dbs = [f"coo_bench_{token}_warehouse", f"coo_bench_{token}_state"]
            with admin.cursor() as cur:
                for db in dbs:
                    cur.execute(f'create database "{db}"')
            base = pg.rsplit("/", 1)[0]
            env["COO_WAREHOUSE_URL"] = f"{base}/{dbs[0]}"
            env["COO_STATE_URL"] = f"{base}/{dbs[1]}"
        try:
            phases = [
                ("full", [COO, "demo", "--size", size, "--fresh"]),
                ("advance 1 day", [COO, "simulator", "advance", "--days", "1", "--size", size]),
                ("incremental", [COO, "demo", "--size", size]),
            ]
            for phase, command in phases:
                wall, peak, code, tail = run_measured(command, env)
                print(
                    f"{engine}/{size} {phase}: {wall:.0f} s wall, peak {peak:,.0f} MB, exit {code}",
                    file=sys.stderr,
                    flush=True,
                )
                if code != 0:
                    sys.stderr.write(tail)
                if phase == "advance 1 day":
                    continue
                steps = step_times(Path(home) / "dagster")
                results.append(Measured(f"{engine}/{size} {phase}", wall, peak, steps, code))
        finally:
            if admin is not None:
                with admin.cursor() as cur:
                    for db in dbs:
                        cur.execute(
                            "select pg_terminate_backend(pid) from pg_stat_activity "
                            "where datname = %s",
                            (db,),
                        )
                        cur.execute(f'drop database if exists "{db}"')
                admin.close()
    return results


def report(columns: list[Measured], *, by_step: bool) -> None:
    width = 24
    head = " ".join(f"{c.label:>26}" for c in columns)
    print(f"{'stage' if not by_step else 'step':<{width}} {head}")
    rows = (
        sorted({k for c in columns for k in c.steps})
        if by_step
        else [s for s in STAGE_ORDER if any(s in c.stages() for c in columns)]
    )
    for key in dict.fromkeys(rows):
        cells = []
        for c in columns:
            values = c.steps if by_step else c.stages()
            cells.append(f"{values[key]:>25.1f}s" if key in values else f"{'-':>26}")
        print(f"{key[:width]:<{width}} {' '.join(cells)}")
    print(
        f"{'sum of steps':<{width}} "
        + " ".join(f"{sum(c.steps.values()):>25.1f}s" for c in columns)
    )
    print(f"{'coo demo (wall)':<{width}} " + " ".join(f"{c.wall:>25.1f}s" for c in columns))
    print(f"{'peak memory (MB)':<{width}} " + " ".join(f"{c.peak_mb:>26,.0f}" for c in columns))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="small")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--steps", action="store_true", help="one row per Dagster step")
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    columns: list[Measured] = []
    for size in args.sizes.split(","):
        for engine in args.engines.split(","):
            columns += bench(size, engine, args.pg)
    report(columns, by_step=args.steps)
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
    return 0 if all(c.code == 0 for c in columns) else 1


if __name__ == "__main__":
    sys.exit(main())
