"""The dashboard keeps answering while a pipeline run writes the warehouse.

A separate process (as the pipeline is) holds DuckDB's write lock and rebuilds a mart. The
dashboard's read-only connection cannot open the file meanwhile; after its brief retry it
serves the last good result with a notice, and it never raises or hangs. Once the writer is
done, the next read shows the rebuilt figures.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from apps.streamlit import queries
from apps.streamlit.ui import money
from apps.streamlit.warehouse_reader import WarehouseBusy, run_query

pytestmark = pytest.mark.integration

WRITER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])            # the write lock, as dbt or dlt holds it
    con.execute("begin")
    con.execute("create or replace table finance.fct_cash_runway as "
                "select * replace (cash_balance * 2 as cash_balance) from finance.fct_cash_runway")
    print("writing", flush=True)
    sys.stdin.readline()                         # hold the lock until the test says so
    con.execute("commit")
    con.close()
    print("done", flush=True)
    """
)


@pytest.fixture
def start_writer(dashboard_env):
    started: list[subprocess.Popen] = []

    def _start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(dashboard_env)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield _start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _cash(at) -> str:
    return {m.label: m.value for m in at.metric}["Cash"]


def test_pages_keep_answering_while_the_pipeline_holds_the_write_lock(
    dashboard_env, open_page, start_writer
):
    url = f"duckdb:///{dashboard_env}"
    before = run_query(url, "select cash_balance from finance.fct_cash_runway where company_id = 1")
    at = open_page("overview", company=1)
    assert _cash(at) == money(before["cash_balance"].iloc[0], "USD")

    writer = start_writer()
    assert writer.stdout.readline().strip() == "writing"
    with pytest.raises(WarehouseBusy):  # the lock really is held
        run_query(url, "select 1")
    queries.clear()  # as if the 30 s cache had expired mid-build
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    assert not at.exception, [e.value for e in at.exception]
    assert _cash(at) == money(before["cash_balance"].iloc[0], "USD")  # the last good figures
    assert any("showing data read at" in i.value for i in at.info)
    assert seconds < 15, f"a page waited {seconds:.1f} s on the lock"

    # a page whose queries were never read yet says the warehouse is busy, without failing
    at.switch_page("app_pages/expenses.py").run()
    assert not at.exception
    assert any("writing the warehouse" in w.value for w in at.warning)

    writer.stdin.write("\n")
    writer.stdin.flush()
    assert writer.stdout.readline().strip() == "done"
    writer.wait(30)
    queries.clear()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert _cash(at) == money(2 * before["cash_balance"].iloc[0], "USD")  # the rebuilt mart
    assert not any("showing data read at" in i.value for i in at.info)


def test_the_dashboard_never_keeps_the_file_open_so_the_pipeline_can_always_write(
    dashboard_env, open_page
):
    at = open_page("finance", company=1)
    at.switch_page("app_pages/overview.py").run()
    # right after the dashboard rendered (and while its session lives), a writer gets the lock
    con = duckdb.connect(str(dashboard_env))
    try:
        con.execute("create table finance.written_meanwhile as select 1 as x")
    finally:
        con.close()
    assert not at.exception
