"""The `coo` command line: one clear line for every error a person can act on."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest

from simulator.server import SimulatorServer
from simulator.store import OdooStore

pytestmark = pytest.mark.integration


@contextmanager
def served(store: OdooStore):
    server = SimulatorServer(store).start()
    try:
        yield server
    finally:
        server.stop()


def coo(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_extract_without_url_says_what_to_set():
    line = one_line_error(coo("extract"))
    assert "ODOO_URL is not set" in line


def test_wrong_url(unused_port):
    line = one_line_error(
        coo(
            "extract",
            env={
                "ODOO_URL": f"http://127.0.0.1:{unused_port}",
                "ODOO_DB": "x",
                "ODOO_USERNAME": "admin",
                "ODOO_API_KEY": "k" * 40,
                "ODOO_MAX_RETRIES": "1",
            },
        )
    )
    assert f"127.0.0.1:{unused_port}" in line


def test_bad_key_and_unknown_database_and_missing_rights(small_store):
    key = small_store.api_key_for("admin")
    with served(small_store) as server:
        base = {"ODOO_URL": server.url, "ODOO_DB": small_store.db, "ODOO_USERNAME": "admin"}
        bad_key = one_line_error(coo("extract", env={**base, "ODOO_API_KEY": "0" * 40}))
        assert "0" * 40 not in bad_key
        for transport in ("json2", "jsonrpc"):
            unknown_db = one_line_error(
                coo(
                    "extract",
                    env={
                        **base,
                        "ODOO_DB": "no_such_db",
                        "ODOO_API_KEY": key,
                        "ODOO_TRANSPORT": transport,
                    },
                )
            )
            assert "no_such_db" in unknown_db
        demo = one_line_error(
            coo(
                "extract",
                env={
                    **base,
                    "ODOO_USERNAME": "demo",
                    "ODOO_API_KEY": small_store.api_key_for("demo"),
                },
            )
        )
        assert "not allowed" in demo.lower() or "access" in demo.lower()
    assert key not in bad_key + unknown_db + demo


def test_malformed_warehouse_url():
    line = one_line_error(
        coo(
            "extract",
            env={
                "ODOO_URL": "http://127.0.0.1:1",
                "ODOO_DB": "x",
                "ODOO_USERNAME": "a",
                "ODOO_API_KEY": "k",
                "COO_WAREHOUSE_URL": "mysql://nope",
            },
        )
    )
    assert "COO_WAREHOUSE_URL" in line


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
