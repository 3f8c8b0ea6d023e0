"""Fixtures of the agent-surface tests: the small company's marts (knowledge graph included),
an operational store, the simulated Odoo on loopback, and the API served by uvicorn on a
loopback port in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from odoo_api.warehouse import Warehouse
from opstore import StateStore


@pytest.fixture
def marts_warehouse(small_marts) -> Warehouse:
    """The shared small-company warehouse, read-only (never written by these tests)."""
    return Warehouse.from_url(f"duckdb:///{small_marts.path}")


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(url=f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.dispose()


@contextmanager
def serve_app(app: Any, lifespan: str = "off", log_level: str = "warning") -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread, its logs
    redacted as ``coo api`` and ``coo mcp --http`` redact them."""
    import uvicorn

    from agents.api import install_log_redaction

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level=log_level, lifespan=lifespan)
    install_log_redaction()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class ApiUnderTest:
    url: str
    state: StateStore
    odoo_server: Any


@pytest.fixture
def api(
    state: StateStore, small_store, marts_warehouse: Warehouse, monkeypatch
) -> Iterator[ApiUnderTest]:
    """The API over a fresh store, the simulated Odoo and the small marts."""
    monkeypatch.setenv("COO_APPROVERS", "alice=coo;bob=sales_manager")
    with api_over(state, small_store, marts_warehouse) as under_test:
        yield under_test


@contextmanager
def api_over(
    state: StateStore, small_store: Any, marts_warehouse: Warehouse | None = None
) -> Iterator[ApiUnderTest]:
    """The API over ``state`` (SQLite or PostgreSQL), the simulated Odoo and the small marts."""
    from agents.api import create_app
    from odoo_api.client import OdooClient
    from odoo_api.config import OdooConfig
    from simulator.runtime import serve_store

    with serve_store(small_store) as odoo_server:
        config = OdooConfig(
            url=odoo_server.url,
            db=small_store.db,
            username="admin",
            api_key=small_store.api_key_for("admin"),
            transport="json2",
        )

        @contextmanager
        def odoo() -> Iterator[OdooClient]:
            with OdooClient(config).connect() as client:
                yield client

        app = create_app(state, warehouse=marts_warehouse, odoo=odoo)
        with serve_app(app) as url:
            yield ApiUnderTest(url, state, odoo_server)
