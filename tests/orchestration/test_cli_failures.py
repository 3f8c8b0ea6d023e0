"""The CLI never hangs or floods: a failing asset ends in one line, the log path, exit 1.

And a run whose process died never blocks the next one (the startup sweep)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

pytestmark = pytest.mark.integration


def test_a_failing_asset_is_one_line_with_the_step_and_the_log_in_seconds(tmp_path, monkeypatch):
    from cli import guard as cli_guard
    from cli import main as cli
    from simulator.profiles import build_profile
    from simulator.runtime import serve_store

    # a real failure inside the extraction step: the warehouse file is not a DuckDB file
    home = tmp_path / "coo"
    home.mkdir()
    (home / "warehouse.duckdb").write_text("not a duckdb file\n" * 1000)
    buf = io.StringIO()
    monkeypatch.setattr(cli_guard, "err", Console(file=buf, width=100))
    store = build_profile("empty")
    from orchestration.runner import dagster_home

    dagster_home()
    from orchestration.definitions import defs  # loaded once, as `coo` does before the run

    assert defs.resolve_job_def("extract") is not None
    with serve_store(store) as server:
        monkeypatch.setenv("ODOO_URL", server.url)
        monkeypatch.setenv("ODOO_DB", store.db)
        monkeypatch.setenv("ODOO_USERNAME", "admin")
        monkeypatch.setenv("ODOO_API_KEY", store.api_key_for("admin"))
        started = time.perf_counter()
        result = CliRunner().invoke(cli.app, ["extract"])
        seconds = time.perf_counter() - started
    print(f"failing asset: exit {result.exit_code} in {seconds:.2f} s")
    assert result.exit_code == 1, result.output
    assert seconds < 10, seconds
    lines = [line for line in buf.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, buf.getvalue()
    line = lines[0]
    assert line.startswith("error: job extract: step odoo_raw failed:"), line
    assert "not a valid DuckDB database file" in line
    assert "Traceback" not in buf.getvalue() and "locals" not in buf.getvalue()
    log = Path(re.search(r"\(full log: (\S+)\)$", line).group(1))  # type: ignore[union-attr]
    text = log.read_text()
    assert "step odoo_raw failed" in text and "Traceback" in text


def test_an_unexpected_error_outside_a_job_is_one_line_too(tmp_path, monkeypatch):
    from cli import guard as cli_guard
    from cli import main as cli

    buf = io.StringIO()
    monkeypatch.setattr(cli_guard, "err", Console(file=buf, width=100))

    def boom() -> None:
        big = ["x" * 1000] * 10_000  # a local the old pretty renderer would have printed  # noqa: F841
        raise RuntimeError("something broke\nover two lines")

    started = time.perf_counter()
    with pytest.raises(Exception) as info:
        cli._guard(boom)
    assert time.perf_counter() - started < 2
    assert getattr(info.value, "exit_code", None) == 1
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: RuntimeError: something broke over two lines"
    )
    log = Path(re.search(r"\(full log: (\S+)\)$", lines[0]).group(1))  # type: ignore[union-attr]
    assert "Traceback" in log.read_text()
    assert "x" * 1000 not in log.read_text()


def test_the_cli_has_no_pretty_exceptions():
    from cli import main as cli

    assert cli.app.pretty_exceptions_enable is False


@pytest.mark.unit
def test_the_sweep_frees_the_slots_of_a_dead_run(tmp_path, monkeypatch):
    from dagster import DagsterInstance, DagsterRunStatus

    from orchestration.runner import dagster_home
    from orchestration.sweep import PID_TAG, STARTED_TAG, sweep_dead_runs, this_process_tags

    dagster_home()
    # a process that has exited: its pid is gone
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("warehouse_writer", 1)
        tags = {**this_process_tags(), PID_TAG: str(dead.pid), STARTED_TAG: "1.00"}
        from dagster import DagsterRun

        run = instance.add_run(
            DagsterRun(job_name="main", run_id="a" * 36, status=DagsterRunStatus.STARTED, tags=tags)
        )
        claim = storage.claim_concurrency_slot("warehouse_writer", run.run_id, "odoo_raw")
        assert claim.is_claimed
        blocked = storage.claim_concurrency_slot("warehouse_writer", "b" * 36, "odoo_raw")
        assert not blocked.is_claimed  # the dead run holds the only slot
        alive = instance.add_run(
            DagsterRun(
                job_name="main",
                run_id="c" * 36,
                status=DagsterRunStatus.STARTED,
                tags=this_process_tags(),
            )
        )
        swept = list(sweep_dead_runs(instance))
        assert any(run.run_id[:8] in s for s in swept), swept
        failed = instance.get_run_by_id(run.run_id)
        assert failed is not None and failed.status == DagsterRunStatus.FAILURE
        still = instance.get_run_by_id(alive.run_id)  # this process is alive: left alone
        assert still is not None and still.status == DagsterRunStatus.STARTED
        storage.free_concurrency_slots_for_run("b" * 36)
        again = storage.claim_concurrency_slot("warehouse_writer", "d" * 36, "odoo_raw")
        assert again.is_claimed
    assert os.environ["DAGSTER_HOME"]


@pytest.mark.slow
def test_a_run_killed_mid_extraction_never_blocks_the_next(tmp_path):
    """kill -9 `coo extract` while it holds the warehouse slot; the next run completes and
    every Odoo row is in the warehouse exactly once (bench/kill.py does it 20 times)."""
    import duckdb

    from simulator.profiles import build_profile
    from simulator.runtime import serve_store

    store = build_profile("young")
    home = tmp_path / "coo"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ODOO_")},
        "COO_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    cmd = [sys.executable, "-m", "cli.main", "extract"]
    with serve_store(store) as server:
        env.update(
            ODOO_URL=server.url,
            ODOO_DB=store.db,
            ODOO_USERNAME="admin",
            ODOO_API_KEY=store.api_key_for("admin"),
        )
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not list((home / "logs").glob("extract-*.log")) and time.monotonic() < deadline:
            time.sleep(0.2)  # the run has started: its log is open
        time.sleep(1.5)  # inside the extraction step, which holds the warehouse_writer slot
        assert first.poll() is None, "the run ended before it could be killed"
        first.kill()
        first.wait()
        started = time.perf_counter()
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        seconds = time.perf_counter() - started
    assert second.returncode == 0, second.stderr[-2000:]
    assert "its process is gone" in second.stdout, second.stdout[-2000:]
    print(f"run after a kill -9 completed in {seconds:.1f} s")
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        for model in ("res.partner", "account.move", "account.move.line", "sale.order"):
            table = model.replace(".", "_")
            n, distinct = con.execute(  # type: ignore[misc]
                f"select count(*), count(distinct id) from raw_odoo.{table}"
            ).fetchone()
            assert n == distinct == len(store.table(model)), (model, n, distinct)
    finally:
        con.close()
