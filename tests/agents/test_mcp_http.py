"""The same MCP server over streamable HTTP (``coo mcp --http``), served by uvicorn on a
loopback port: the tools answer, and propose_action only stores a pending proposal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from opstore import StateStore
from tests.agents.conftest import serve_app

pytestmark = pytest.mark.integration


def test_mcp_over_streamable_http(small_marts, tmp_path: Path, monkeypatch) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from agents import mcp_server

    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{small_marts.path}")
    monkeypatch.setenv("COO_STATE_URL", state_url)
    monkeypatch.setenv("COO_MCP_AGENT", "http-client")
    monkeypatch.setattr(mcp_server, "_state", None)
    app = mcp_server.build_server().streamable_http_app(host="127.0.0.1")
    seen: dict[str, Any] = {}

    async def talk(url: str) -> None:
        async with (
            streamable_http_client(f"{url}/mcp") as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            seen["tools"] = [t.name for t in (await session.list_tools()).tools]
            seen["metric"] = await session.call_tool(
                "metric_history", {"metric": "closing_cash", "months": 3}
            )
            seen["refused"] = await session.call_tool(
                "query", {"sql": "delete from finance.fct_cash_runway"}
            )
            seen["proposal"] = await session.call_tool(
                "propose_action",
                {
                    "skill": "post_internal_note",
                    "company_id": 1,
                    "model": "res.partner",
                    "record_id": 84,
                    "params": {"body": "Orders stopped in July."},
                    "reasoning": "churn",
                },
            )

    with serve_app(app, lifespan="on") as url:
        anyio.run(talk, url)

    assert "propose_action" in seen["tools"] and "query" in seen["tools"]
    points = seen["metric"].structured_content["points"]
    assert points and {p["company_id"] for p in points} == {1, 2}
    assert all(len([p for p in points if p["company_id"] == c]) <= 3 for c in (1, 2))
    assert seen["refused"].is_error and "DELETE" in seen["refused"].content[0].text
    created = seen["proposal"].structured_content
    # an 'auto' skill still waits: the MCP server has no Odoo client and never executes
    assert created["status"] == "pending"
    from writeback.service import get_proposal

    state = StateStore(url=state_url)
    stored = get_proposal(state, created["id"])
    assert stored["requested_by"] == "mcp:http-client" and stored["executions"] == []
    state.dispose()
