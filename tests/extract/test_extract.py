"""Extraction over real HTTP against the loopback simulator, into DuckDB and PostgreSQL.

The warehouse is compared with the simulator's records field by field after every run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.extract import DEFAULT_MODELS, ModelSpec, run_extraction
from odoo_api.warehouse import Warehouse
from simulator.faults import FaultConfig
from simulator.server import SimulatorServer
from simulator.store import OdooStore
from tests.support import compare_all, warehouse_rows

pytestmark = pytest.mark.integration


@contextmanager
def served(store: OdooStore, faults: FaultConfig | None = None) -> Iterator[SimulatorServer]:
    server = SimulatorServer(store, faults=faults).start()
    try:
        yield server
    finally:
        server.stop()


def client_for(server: SimulatorServer, store: OdooStore, transport: str, **kw) -> OdooClient:
    config = OdooConfig(
        url=server.url,
        db=store.db,
        username="admin",
        api_key=store.api_key_for("admin"),
        transport=transport,  # type: ignore[arg-type]
        **kw,
    )
    return OdooClient(config).connect()


def extract(server, store, warehouse: Warehouse, transport="json2", models=DEFAULT_MODELS, **kw):
    client = client_for(
        server,
        store,
        transport,
        **{k: v for k, v in kw.items() if k in ("backoff_base", "max_retries", "timeout")},
    )
    try:
        run_kw = {k: v for k, v in kw.items() if k in ("page_size", "lookback_seconds")}
        return run_extraction(lambda: client, warehouse.pipeline(), models, **run_kw)
    finally:
        client.close()


@pytest.mark.parametrize("transport", ["json2", "jsonrpc", "xmlrpc"])
def test_full_extraction_equals_source(small_store, warehouse, transport):
    with served(small_store) as server:
        report = extract(server, small_store, warehouse, transport)
    problems = compare_all(small_store, warehouse.pipeline(), DEFAULT_MODELS)
    assert problems == []
    aml = report.models["account.move.line"]
    assert aml.rows == len(small_store.table("account.move.line")) > 1000
    # both companies made it (multi-company through allowed_company_ids)
    companies = {
        r["company_id"] for r in warehouse_rows(warehouse.pipeline(), "account_move").values()
    }
    assert len(companies) == 2


def test_incremental_after_advance_loads_only_changes(small_store, duckdb_warehouse):
    from simulator.advance import advance

    with served(small_store) as server:
        first = extract(server, small_store, duckdb_warehouse)
        before_now = small_store.now
        summary = advance(small_store, 10, seed=7)
        changed = {
            m: sum(
                1
                for r in small_store.table(m).values()
                if r.get("write_date")
                and r["write_date"] >= before_now.strftime("%Y-%m-%d %H:%M:%S")
            )
            for m in small_store.models()
        }
        second = extract(server, small_store, duckdb_warehouse)
    assert summary, "advance did nothing"
    # The second run reads what changed (plus the short look-back window), not everything.
    assert second.rows < first.rows / 3
    for spec in DEFAULT_MODELS:
        if spec.model in changed and not spec.domain:
            assert second.models[spec.model].rows >= changed[spec.model], spec.model
    problems = compare_all(small_store, duckdb_warehouse.pipeline(), DEFAULT_MODELS)
    assert problems == []
    # deletions are marked, not kept as live
    deleted = sum(m.deleted for m in second.models.values())
    assert deleted > 0
    pipeline = duckdb_warehouse.pipeline()
    all_rows = warehouse_rows(pipeline, "sale_order", live_only=False)
    live = warehouse_rows(pipeline, "sale_order")
    assert set(all_rows) - set(live) == set(all_rows) - set(small_store.table("sale.order"))
    # archived records are extracted and flagged
    partners = warehouse_rows(pipeline, "res_partner")
    assert any(r["active"] is False for r in partners.values())


def test_page_boundary_inside_equal_write_dates(small_store, duckdb_warehouse):
    """300 rows written in one transaction share a write_date; pages of 70 must lose none."""
    with served(small_store) as server:
        extract(
            server, small_store, duckdb_warehouse, page_size=70, models=(ModelSpec("res.partner"),)
        )
        small_store.now = small_store.now.replace(microsecond=0)
        ids = small_store.create(
            "res.partner", [{"name": f"Batch partner {i}"} for i in range(300)]
        )
        # touch an existing block too, so the cursor sits inside a run of equal timestamps
        existing = sorted(small_store.table("res.partner"))[:150]
        small_store.write("res.partner", existing, {"comment": "bulk update"})
        report = extract(
            server,
            small_store,
            duckdb_warehouse,
            page_size=70,
            lookback_seconds=0,
            models=(ModelSpec("res.partner"),),
        )
    rows = warehouse_rows(duckdb_warehouse.pipeline(), "res_partner")
    assert set(ids) <= set(rows)
    assert report.models["res.partner"].rows == len(set(ids) | set(existing))
    assert compare_all(small_store, duckdb_warehouse.pipeline(), (ModelSpec("res.partner"),)) == []


def test_transient_faults_do_not_change_the_result(small_store, duckdb_warehouse):
    faults = FaultConfig(
        rate=0.15, kinds=("503", "429", "502", "504", "reset"), seed=3, retry_after=0
    )
    with served(small_store, faults=faults) as server:
        extract(
            server,
            small_store,
            duckdb_warehouse,
            transport="json2",
            backoff_base=0.01,
            max_retries=8,
        )
        injected = sum(server.faults_injected.values())
    assert injected >= 5
    assert compare_all(small_store, duckdb_warehouse.pipeline(), DEFAULT_MODELS) == []


KILLED_RUN = """
import sys
from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.extract import run_extraction
from odoo_api.warehouse import Warehouse
config = OdooConfig(url=sys.argv[1], db=sys.argv[2], username="admin", api_key=sys.argv[3], transport="json2")
client = OdooClient(config).connect()
run_extraction(lambda: client, Warehouse.from_url(sys.argv[4]).pipeline(), page_size=200)
"""


def test_run_killed_mid_extraction_then_rerun(small_store, duckdb_warehouse, tmp_path: Path):
    with served(small_store) as server:
        env = {**os.environ}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                KILLED_RUN,
                server.url,
                small_store.db,
                small_store.api_key_for("admin"),
                duckdb_warehouse.url,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        start = server.requests_served
        deadline = time.monotonic() + 60
        while server.requests_served < start + 25 and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        extract(server, small_store, duckdb_warehouse)
    pipeline = duckdb_warehouse.pipeline()
    with pipeline.sql_client() as sql:
        table = sql.make_qualified_table_name("account_move_line")
        dup = sql.execute_sql(f"select count(*) - count(distinct id) from {table}")[0][0]
    assert dup == 0
    assert compare_all(small_store, pipeline, DEFAULT_MODELS) == []


def test_custom_fields_arrive_without_code_change(small_store, duckdb_warehouse):
    small_store.fields["res.partner"]["x_loyalty_tier"] = {
        "type": "selection",
        "string": "Loyalty tier",
        "store": True,
        "required": False,
        "readonly": False,
        "selection": [["gold", "Gold"], ["silver", "Silver"]],
    }
    ids = sorted(small_store.table("res.partner"))[:5]
    small_store.write("res.partner", ids, {"x_loyalty_tier": "gold"})
    # the default spec reads only the fields the marts use, and every custom field besides
    spec = next(s for s in DEFAULT_MODELS if s.model == "res.partner")
    assert spec.fields is not None and "x_loyalty_tier" not in spec.fields
    with served(small_store) as server:
        extract(server, small_store, duckdb_warehouse, models=(spec,))
    rows = warehouse_rows(duckdb_warehouse.pipeline(), "res_partner")
    assert {rows[i]["x_loyalty_tier"] for i in ids} == {"gold"}


def test_recorded_real_odoo_data_end_to_end(duckdb_warehouse):
    """The records recorded from a real Odoo 19 server, served and extracted unchanged."""
    from simulator.fixtures import load_recorded_demo

    store = load_recorded_demo()
    with served(store) as server:
        report = extract(server, store, duckdb_warehouse)
    aml = report.models["account.move.line"].rows
    assert aml == len(store.table("account.move.line")) >= 134
    assert compare_all(store, duckdb_warehouse.pipeline(), DEFAULT_MODELS) == []
    companies = {
        r["company_id"]
        for r in warehouse_rows(duckdb_warehouse.pipeline(), "account_move").values()
    }
    assert len(companies) >= 2
