"""The whole main job on DuckDB and on PostgreSQL, side by side, per step.

    .venv/bin/python bench/pg_run.py                       # small and medium, both engines
    .venv/bin/python bench/pg_run.py --sizes small --engines postgres

Each run is ``coo demo --size S --fresh`` in its own process and its own ``COO_HOME`` (a fresh
simulated company, extraction over HTTP from the loopback simulator, dbt with its tests, ML,
alerts, briefings), the warehouse and the operational store either embedded (DuckDB, SQLite)
or in two fresh PostgreSQL databases on ``--pg`` (dropped afterwards). The step times come
from the run's own Dagster instance; the table prints one row per step and one column per
engine and size. Not a test: the medium run is too long for the suite's budget.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _step_times(dagster_home: Path) -> dict[str, float]:
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


def _run(size: str, engine: str, pg: str) -> tuple[float, dict[str, float], int]:
    import psycopg2

    env = {k: v for k, v in os.environ.items() if not k.startswith(("COO_", "ODOO_", "DAGSTER_"))}
    dbs: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"coo-bench-{engine}-{size}-") as home:
        env.update({"COO_HOME": home, "COO_ENV_FILE": "", "DAGSTER_HOME": f"{home}/dagster"})
        admin = None
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
            started = time.perf_counter()
            done = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "coo"), "demo", "--size", size, "--fresh"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            return wall, _step_times(Path(home) / "dagster"), done.returncode
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium")
    parser.add_argument("--engines", default="duckdb,postgres")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    columns: list[tuple[str, float, dict[str, float], int]] = []
    for size in args.sizes.split(","):
        for engine in args.engines.split(","):
            wall, steps, code = _run(size, engine, args.pg)
            label = f"{engine}/{size}"
            print(f"{label}: {wall:.0f} s wall, exit {code}", file=sys.stderr, flush=True)
            columns.append((label, wall, steps, code))
    keys = sorted({k for _, _, steps, _ in columns for k in steps})
    width = max([len(k) for k in keys] + [10])
    print(f"{'step':<{width}} " + " ".join(f"{c[0]:>16}" for c in columns))
    for key in keys:
        cells = " ".join(f"{c[2][key]:>15.1f}s" if key in c[2] else f"{'-':>16}" for c in columns)
        print(f"{key:<{width}} {cells}")
    print(f"{'coo demo (wall)':<{width}} " + " ".join(f"{c[1]:>15.1f}s" for c in columns))
    return 0 if all(c[3] == 0 for c in columns) else 1


if __name__ == "__main__":
    sys.exit(main())
