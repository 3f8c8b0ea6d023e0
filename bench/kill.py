"""A killed run never blocks the next one: kill -9 at random points of `coo extract` and
`coo demo`, many times in ONE COO_HOME, and check that every following run completes and
that no row is lost or duplicated.

1. A reference: the small simulated company extracted once, in a COO_HOME of its own.
2. In the bench COO_HOME, ``--kills`` times: start ``coo extract`` (against the same company,
   served by ``coo simulator serve`` from another process) or ``coo demo`` (every
   ``--demo-every``-th kill), kill it with SIGKILL after a random delay, then run
   ``coo extract`` to the end. It must finish (exit 0) within ``--timeout`` seconds: a dead
   run still holding the ``warehouse_writer`` slot would make it wait for ever.
3. Every raw table then holds exactly the reference's rows: same count, no duplicate id.

Prints one line per kill and the figures. Usage:
    python bench/kill.py [--kills 20] [--demo-every 4] [--max-delay 40] [--home /tmp/coo-kill]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COO = [sys.executable, "-m", "orchestration.cli"]


def env_for(home: Path, odoo: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODOO_")}
    env.update(COO_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    env.pop("COO_WAREHOUSE_URL", None)
    env["COO_STATE_URL"] = f"sqlite:///{home / 'state.db'}"
    env.pop("ANTHROPIC_API_KEY", None)
    if odoo:
        env.update(odoo)
    return env


def serve(home: Path, port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The small company (seed 42) of ``home``, served from another process."""
    proc = subprocess.Popen(
        [*COO, "simulator", "serve", "--size", "small", "--seed", "42", "--port", str(port)],
        env=env_for(home, None),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("export ODOO_URL="):
            pairs = dict(p.split("=", 1) for p in line.split()[1:])
            return proc, pairs
    raise RuntimeError("the simulator did not start")


def raw_counts(home: Path) -> dict[str, tuple[int, int]]:
    """Per raw table: (rows, distinct ids)."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_odoo' and table_name not like '\\_%' escape '\\'"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            n, d = con.execute(f"select count(*), count(distinct id) from raw_odoo.{t}").fetchone()  # type: ignore[misc]
            out[t] = (int(n), int(d))
        return out
    finally:
        con.close()


def swept_runs(home: Path) -> int:
    """Runs the startup sweep failed: the kills that landed while a Dagster run existed (an
    earlier kill hit the process while it was still starting)."""
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.get() as instance:
        return len(instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.FAILURE])))


def run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*COO, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    return proc.returncode, time.perf_counter() - t0, proc.stderr.strip()[-300:]


def kill_at(args: list[str], env: dict[str, str], delay: float) -> tuple[bool, str]:
    """Start ``coo args``, SIGKILL it after ``delay`` s; False when it ended before."""
    proc = subprocess.Popen(
        [*COO, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        proc.wait(timeout=delay)
        return False, f"ended by itself (exit {proc.returncode}) before {delay:.1f} s"
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True, f"killed at {delay:.1f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--demo-every", type=int, default=4, help="every n-th kill is of coo demo")
    ap.add_argument("--min-delay", type=float, default=0.5, help="earliest kill point (s)")
    ap.add_argument("--max-delay", type=float, default=40.0, help="latest kill point (s)")
    ap.add_argument("--timeout", type=float, default=600.0, help="a following run's limit (s)")
    ap.add_argument("--home", type=Path, default=Path("/tmp/coo-kill"))
    ap.add_argument("--port", type=int, default=18169)
    ap.add_argument("--seed", type=int, default=2026)
    opts = ap.parse_args()
    rng = random.Random(opts.seed)

    ref_home, home = opts.home / "reference", opts.home / "bench"
    shutil.rmtree(opts.home, ignore_errors=True)
    for h in (ref_home, home):
        h.mkdir(parents=True)
    # both homes serve the same deterministic company (small, seed 42)
    server, odoo = serve(home, opts.port)
    try:
        code, secs, err = run(["extract"], env_for(ref_home, odoo), opts.timeout)
        assert code == 0, err
        reference = raw_counts(ref_home)
        print(f"reference extraction: {secs:.1f} s, {sum(n for n, _ in reference.values()):,} rows")
        completed, blocked, killed = 0, 0, 0
        following: list[float] = []
        for i in range(1, opts.kills + 1):
            demo = opts.demo_every > 0 and i % opts.demo_every == 0
            what = ["demo"] if demo else ["extract"]
            delay = rng.uniform(opts.min_delay, opts.max_delay)
            was_killed, note = kill_at(what, env_for(home, None if demo else odoo), delay)
            killed += was_killed
            try:
                code, secs, err = run(["extract"], env_for(home, odoo), opts.timeout)
            except subprocess.TimeoutExpired:
                code, secs, err = -1, opts.timeout, "timed out: blocked"
                blocked += 1
            completed += code == 0
            following.append(secs)
            print(
                f"{i:2d}. coo {what[0]:<7} {note}; next coo extract: exit {code} in {secs:.1f} s"
                + (f" ({err})" if code else ""),
                flush=True,
            )
        after = raw_counts(home)
    finally:
        server.kill()
        server.wait()
    lost = {
        t: (reference[t][0], after.get(t, (0, 0))[0])
        for t in reference
        if after.get(t, (0, 0))[0] < reference[t][0]
    }
    dup = {t: n - d for t, (n, d) in after.items() if n != d}
    extra = {
        t: (reference.get(t, (0, 0))[0], n)
        for t, (n, _) in after.items()
        if n > reference.get(t, (0, 0))[0]
    }
    print(
        f"kills: {killed} of {opts.kills} landed mid-run; following runs completed: "
        f"{completed}/{opts.kills}; blocked: {blocked}; following run time: "
        f"median {sorted(following)[len(following) // 2]:.1f} s, max {max(following):.1f} s"
    )
    print(
        f"rows: {sum(n for n, _ in after.values()):,} (reference "
        f"{sum(n for n, _ in reference.values()):,}); lost in {len(lost)} tables {lost or ''}; "
        f"duplicated ids in {len(dup)} tables {dup or ''}; extra rows in {len(extra)} tables "
        f"{extra or ''}"
    )
    print(f"killed inside a Dagster run (swept by the next run): {swept_runs(home)}")
    ok = completed == opts.kills and not lost and not dup and not extra
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
