"""The same MCP server over streamable HTTP (``coo mcp --http``), served by uvicorn on a
loopback port: the tools answer a valid API key, and propose_action only stores a pending
proposal; without a key every call gets 401, a reader's key cannot propose (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from agents.api_keys import create_key
from opstore import StateStore
from tests.agents.conftest import serve_app

pytestmark = pytest.mark.integration


def test_mcp_over_streamable_http(small_marts, tmp_path: Path, monkeypatch) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from agents import mcp_server

    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{small_marts.path}")
    monkeypatch.setenv("COO_STATE_URL", state_url)
    monkeypatch.setenv("COO_MCP_AGENT", "http-client")
    monkeypatch.setattr(mcp_server, "_state", None)
    keys = StateStore(url=state_url)
    _, token = create_key(keys, "http-client", "agent")
    app = mcp_server.http_app(host="127.0.0.1")
    seen: dict[str, Any] = {}

    async def talk(url: str) -> None:
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with (
            client,
            streamable_http_client(f"{url}/mcp", http_client=client) as (read, write),
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
        init = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        anonymous = httpx.post(f"{url}/mcp", json=init, timeout=30)
        wrong = httpx.post(f"{url}/mcp", json=init, timeout=30,
                           headers={"Authorization": f"Bearer {token[:-3]}xyz"})  # fmt: skip
    assert anonymous.status_code == 401 and "no API key" in anonymous.json()["detail"]
    assert wrong.status_code == 401 and wrong.json() == {"detail": "unknown or revoked API key"}

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
    keys.dispose()


def test_mcp_over_http_takes_the_api_roles(tmp_path: Path, monkeypatch) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from agents import mcp_server

    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("COO_STATE_URL", state_url)
    monkeypatch.setattr(mcp_server, "_state", None)
    keys = StateStore(url=state_url)
    _, reader = create_key(keys, "dashboard", "reader")
    seen: dict[str, Any] = {}

    async def talk(url: str) -> None:
        client = create_mcp_http_client(headers={"X-API-Key": reader})
        async with (
            client,
            streamable_http_client(f"{url}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            seen["skills"] = await session.call_tool("list_skills", {})
            seen["proposal"] = await session.call_tool(
                "propose_action",
                {"skill": "post_internal_note", "company_id": 1, "model": "res.partner",
                 "record_id": 84, "params": {"body": "Orders stopped in July."}, "reasoning": "x"},
            )  # fmt: skip

    with serve_app(mcp_server.http_app(host="127.0.0.1"), lifespan="on") as url:
        anyio.run(talk, url)
    assert not seen["skills"].is_error
    assert seen["proposal"].is_error
    assert "role 'reader' may not runs create" in seen["proposal"].content[0].text
    from writeback.service import list_proposals

    assert list_proposals(keys) == []  # nothing stored
    keys.dispose()
