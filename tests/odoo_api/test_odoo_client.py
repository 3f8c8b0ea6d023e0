"""Version detection, transport choice, login, and secrets staying secret."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from odoo_api_fakes import API_KEY, PASSWORD, FakeOdoo, html_404, make_client

from odoo_api.client import OdooClient
from odoo_api.errors import ConfigError, OdooAuthError, OdooConnectionError, OdooError

pytestmark = pytest.mark.unit


def _paths(fake: FakeOdoo) -> list[str]:
    return [r.url.path for r in fake.requests]


def test_auto_picks_json2_on_19_with_key() -> None:
    fake = FakeOdoo(major=19, handler=lambda call: 60)
    client = make_client(fake).connect()
    assert client.transport_name == "json2"
    assert client.uid == 2  # learnt from res.users search_read on the login
    assert client.search_count("res.partner") == 60
    assert _paths(fake)[-1] == "/json/2/res.partner/search_count"
    assert client.version()["server_version_info"][0] == 19


def test_auto_picks_jsonrpc_on_19_without_key() -> None:
    fake = FakeOdoo(major=19, uid=5)
    client = make_client(fake, api_key=None, password=PASSWORD).connect()
    assert client.transport_name == "jsonrpc"
    assert client.uid == 5


def test_auto_picks_jsonrpc_on_17_even_with_key() -> None:
    fake = FakeOdoo(major=17, handler=lambda call: 3)
    client = make_client(fake).connect()
    assert client.transport_name == "jsonrpc"
    assert client.search_count("res.partner") == 3
    assert set(_paths(fake)) == {"/jsonrpc"}
    assert client.version()["server_version"] == "17.0"


def test_forced_xmlrpc_uses_only_xmlrpc() -> None:
    fake = FakeOdoo(major=19, handler=lambda call: 3)
    client = make_client(fake, transport="xmlrpc").connect()
    assert client.transport_name == "xmlrpc"
    assert client.search_count("res.partner") == 3
    assert set(_paths(fake)) == {"/xmlrpc/2/common", "/xmlrpc/2/object"}


def test_auto_falls_back_to_xmlrpc_when_jsonrpc_is_absent() -> None:
    fake = FakeOdoo(major=16, jsonrpc=False, json2=False)
    client = make_client(fake).connect()
    assert client.transport_name == "xmlrpc"
    assert _paths(fake)[:3] == ["/jsonrpc", "/json/version", "/xmlrpc/2/common"]


def test_auto_uses_json_version_when_jsonrpc_is_gone() -> None:
    fake = FakeOdoo(major=20, jsonrpc=False, xmlrpc=False)
    client = make_client(fake).connect()
    assert client.transport_name == "json2"
    assert client.version()["server_version_info"][0] == 20


def test_forced_json2_detects_with_json_version() -> None:
    fake = FakeOdoo(major=19)
    client = make_client(fake, transport="json2").connect()
    assert _paths(fake)[0] == "/json/version"
    assert client.transport_name == "json2"


def test_forced_json2_on_old_server_is_a_config_error() -> None:
    fake = FakeOdoo(major=17, json2=False)
    with pytest.raises(ConfigError, match="needs Odoo 19"):
        make_client(fake, transport="json2").connect()


def test_json2_without_username_verifies_key_with_context_get() -> None:
    fake = FakeOdoo(major=19)
    client = make_client(fake, transport="json2", username=None).connect()
    assert _paths(fake)[-1] == "/json/2/res.users/context_get"
    assert client.uid is None


def test_rpc_without_db_uses_the_only_database() -> None:
    fake = FakeOdoo(major=17, databases=["only_db"])
    client = make_client(fake, db=None, api_key=None, password=PASSWORD).connect()
    assert client.db == "only_db"


def test_rpc_without_db_and_several_databases_is_a_config_error() -> None:
    fake = FakeOdoo(major=17, databases=["a", "b"])
    with pytest.raises(ConfigError, match=r"2 databases.*set ODOO_DB"):
        make_client(fake, db=None, api_key=None, password=PASSWORD).connect()


def test_rpc_without_username_is_a_config_error() -> None:
    fake = FakeOdoo(major=17)
    with pytest.raises(ConfigError, match="ODOO_USERNAME"):
        make_client(fake, username=None).connect()


def test_non_odoo_server_is_a_connection_error_naming_the_url() -> None:
    def website(request: httpx.Request) -> httpx.Response:
        return html_404()

    sleeps: list[float] = []
    with pytest.raises(OdooConnectionError) as info:
        make_client(website, sleeps=sleeps).connect()
    assert "http://odoo.test:8069" in str(info.value)
    assert "not like an Odoo server" in str(info.value) and "ODOO_URL" in str(info.value)
    assert sleeps == []


def test_html_200_everywhere_is_not_odoo() -> None:
    def spa(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>app</html>", headers={"Content-Type": "text/html"})

    with pytest.raises(OdooConnectionError, match="check ODOO_URL"):
        make_client(spa).connect()


def test_lazy_connect_on_first_call_and_connect_is_idempotent() -> None:
    fake = FakeOdoo(major=17, handler=lambda call: [1, 2])
    client = make_client(fake)
    assert client.transport_name is None
    assert client.search("res.partner") == [1, 2]
    n = len(fake.requests)
    client.connect()
    assert len(fake.requests) == n
    assert client.transport_name == "jsonrpc"


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_URL", "http://localhost:1")
    monkeypatch.setenv("ODOO_API_KEY", API_KEY)
    client = OdooClient.from_env()
    assert client.config.url == "http://localhost:1"
    assert API_KEY not in repr(client)
    client.close()


def test_context_manager_closes_its_own_http_client() -> None:
    client = OdooClient(make_client(FakeOdoo()).config)
    with client:
        pass
    assert client._http.is_closed


def _all_text(records: list[logging.LogRecord]) -> str:
    return "\n".join(r.getMessage() + str(r.args) + str(r.exc_info) for r in records)


@pytest.mark.parametrize("transport", ["json2", "jsonrpc", "xmlrpc"])
def test_secrets_never_in_logs_errors_or_repr(
    transport: str, caplog: pytest.LogCaptureFixture, samples: dict[str, Any]
) -> None:
    answers = iter(
        [
            httpx.Response(503),
            1,
            httpx.Response(502),
        ]
    )
    fake = FakeOdoo(major=19, handler=lambda call: next(answers))
    client = make_client(fake, transport=transport, password=PASSWORD)
    errors: list[str] = []
    with caplog.at_level(logging.DEBUG):
        client.connect()
        client.search_count("res.partner")
        try:
            client.write("res.partner", [1], {"name": "x"})
        except OdooError as exc:
            errors.append(str(exc) + repr(exc) + str(vars(exc)))
    # also a rejected login
    bad = make_client(FakeOdoo(major=17, uid=False), api_key=API_KEY, password=PASSWORD)
    with caplog.at_level(logging.DEBUG):
        try:
            bad.connect()
        except OdooAuthError as exc:
            errors.append(str(exc) + repr(exc) + str(vars(exc)))
    assert len(errors) == 2
    blob = _all_text(caplog.records) + "".join(errors) + repr(client) + repr(client.config)
    assert "retry 1/" in blob  # the logs did capture something
    assert API_KEY not in blob
    assert PASSWORD not in blob


def test_json2_key_check_refused_by_access_rules_still_connects() -> None:
    body = {
        "name": "odoo.exceptions.AccessError",
        "message": "You are not allowed to access 'User' (res.users) records.",
    }
    fake = FakeOdoo(auth_error=lambda t: httpx.Response(403, json=body))
    client = make_client(fake, transport="json2").connect()
    assert client.transport_name == "json2"
    assert client.uid is None


def test_json2_missing_database_as_odoo_404_body_is_an_auth_error() -> None:
    body = {"name": "werkzeug.exceptions.NotFound", "message": "database 'nope' not found"}
    fake = FakeOdoo(auth_error=lambda t: httpx.Response(404, json=body))
    with pytest.raises(OdooAuthError, match="database 'nope' does not exist"):
        make_client(fake, transport="json2", db="nope").connect()
