"""The real client over real HTTP against the loopback simulator, on all three transports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooConnectionError,
    OdooNotFoundError,
    OdooValidationError,
)
from simulator.server import SimulatorServer
from simulator.store import OdooStore

pytestmark = pytest.mark.integration

TRANSPORTS = ["json2", "jsonrpc", "xmlrpc"]


@pytest.fixture(scope="module")
def store() -> OdooStore:
    return OdooStore(now=datetime(2026, 11, 20, 12, 0, 0))


@pytest.fixture(scope="module")
def server(store: OdooStore) -> Iterator[SimulatorServer]:
    srv = SimulatorServer(store).start()
    try:
        yield srv
    finally:
        srv.stop()


def _client(
    server: SimulatorServer, store: OdooStore, transport: str, user: str = "admin", **cfg: Any
) -> OdooClient:
    config = OdooConfig(
        url=server.url,
        db=cfg.pop("db", store.db),
        username=user,
        api_key=cfg.pop("api_key", None) or store.api_key_for(user),
        transport=transport,  # type: ignore[arg-type]
        max_retries=cfg.pop("max_retries", 1),
        backoff_base=0.01,
        **cfg,
    )
    return OdooClient(config)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_crud_round_trip(server: SimulatorServer, store: OdooStore, transport: str) -> None:
    with _client(server, store, transport) as client:
        client.connect()
        assert client.transport_name == transport
        assert client.version()["server_version_info"][0] == 19
        if transport != "json2":
            assert isinstance(client.uid, int) and client.uid > 0
        fields = client.fields_get("res.partner", ["string", "type"])
        assert fields["name"]["type"] == "char"

        new_id = client.create("res.partner", {"name": f"Loopback {transport}"})
        assert isinstance(new_id, int)
        rows = client.read("res.partner", [new_id], ["name"])
        assert rows == [{"id": new_id, "name": f"Loopback {transport}"}]
        assert client.write("res.partner", [new_id], {"phone": "+1 555 0100"}) is True
        found = client.search_read(
            "res.partner", [["id", "=", new_id]], ["phone", "country_id"], load=""
        )
        assert found[0]["phone"] == "+1 555 0100"
        assert found[0]["country_id"] is False
        assert client.search("res.partner", [["id", "=", new_id]]) == [new_id]
        assert client.search_count("res.partner", [["id", "=", new_id]]) == 1
        assert client.unlink("res.partner", [new_id]) is True
        assert client.search_count("res.partner", [["id", "=", new_id]]) == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pages_with_many2one_as_pairs_or_ids(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    with _client(server, store, transport) as client:
        total = client.search_count("res.partner")
        page = client.search_read("res.partner", [], ["name", "company_id"], limit=3, order="id")
        assert len(page) == min(3, total)
        assert [r["id"] for r in page] == sorted(r["id"] for r in page)
        bare = client.search_read("res.partner", [], ["company_id"], limit=3, order="id", load="")
        for classic, plain in zip(page, bare, strict=True):
            if classic["company_id"]:
                assert classic["company_id"][0] == plain["company_id"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_errors_over_the_wire(server: SimulatorServer, store: OdooStore, transport: str) -> None:
    with _client(server, store, transport) as client:
        with pytest.raises(OdooNotFoundError):
            client.search_read("no.such.model", [], limit=1)
        with pytest.raises(OdooNotFoundError, match="no_such_field"):
            client.search_read("res.partner", [["no_such_field", "=", 1]], limit=1)
        with pytest.raises(OdooValidationError):
            partner = client.create("res.partner", {"name": "Wire error probe"})
            client.write("res.partner", [partner], {"type": "bogus"})


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_key_is_an_auth_error(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    bad = "0" * 40
    with (
        _client(server, store, transport, api_key=bad) as client,
        pytest.raises(OdooAuthError) as info,
    ):
        client.connect()
    assert bad not in str(info.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unknown_database_is_an_auth_error(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    with (
        _client(server, store, transport, db="no_such_db") as client,
        pytest.raises(OdooAuthError, match="no_such_db"),
    ):
        client.connect()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_missing_rights_is_an_access_error(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    with (
        _client(server, store, transport, user="demo") as client,
        pytest.raises(OdooAccessError, match="not allowed"),
    ):
        client.search_read("ir.config_parameter", [], limit=1)


def test_auto_picks_json2(server: SimulatorServer, store: OdooStore) -> None:
    with _client(server, store, "auto") as client:
        client.connect()
        assert client.transport_name == "json2"


def test_stopped_server_is_a_connection_error(store: OdooStore) -> None:
    srv = SimulatorServer(store).start()
    url = srv.url
    srv.stop()
    config = OdooConfig(url=url, db=store.db, username="admin", api_key="k" * 40)
    with (
        OdooClient(config, sleep=lambda s: None) as client,
        pytest.raises(OdooConnectionError, match=re.escape(url.split("//", 1)[1])),
    ):
        client.connect()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_injected_faults_are_retried_on_reads(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    sleeps: list[float] = []
    config = OdooConfig(
        url=server.url,
        db=store.db,
        username="admin",
        api_key=store.api_key_for("admin"),
        transport=transport,  # type: ignore[arg-type]
        max_retries=3,
    )
    with OdooClient(config, sleep=sleeps.append) as client:
        client.connect()
        expected = client.search_count("res.partner")
        server.fail_next(2, "503")
        assert client.search_count("res.partner") == expected
        server.fail_next(1, "reset")
        assert client.search_count("res.partner") == expected
    assert len(sleeps) == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_server_records_the_write_calls_it_receives(
    server: SimulatorServer, store: OdooStore, transport: str
) -> None:
    before = len(server.write_calls)
    with _client(server, store, transport) as client:
        partner = client.create("res.partner", {"name": f"Logged {transport}"})
        client.search_read("res.partner", [["id", "=", partner]], ["name"])
        client.write("res.partner", [partner], {"phone": "+32 2 555 01 01"})
        client.call("res.partner", "message_post", ids=[partner], body="Checked by the COO")
        with pytest.raises(OdooValidationError):
            client.write("res.partner", [partner], {"type": "bogus"})
    calls = server.write_calls[before:]
    assert [c.method for c in calls] == ["create", "write", "message_post", "write"]
    admin_uid = store.uid_for_api_key(store.api_key_for("admin"))
    assert all(c.model == "res.partner" and c.uid == admin_uid for c in calls)
    assert calls[0].result in (partner, [partner])
    assert calls[1].error is None and calls[1].result is True
    assert "+32 2 555 01 01" in repr(calls[1].args) + repr(calls[1].kwargs)
    assert calls[3].error is not None and "bogus" in calls[3].error
