"""Every row of the error table in ``simulator/odoo19/API.md``, on every transport where the
table gives a value: HTTP status and ``name``/``message`` for JSON-2, ``data.name``/``message``
for JSON-RPC, and the faultCode (plus v1's string codes) for XML-RPC."""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.server import SimulatorServer
from tests.simulator.test_server import ADMIN_KEY, DEMO_KEY, FakeStore

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "simulator" / "odoo19" / "samples"
READONLY = json.loads((SAMPLES / "api_samples_readonly.json").read_text())
MUTATING = json.loads((SAMPLES / "api_samples_mutating.json").read_text())

ACCESS_READ = "You are not allowed to access 'System Parameter' (ir.config_parameter) records."


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def server(store: FakeStore) -> Iterator[SimulatorServer]:
    with SimulatorServer(store) as srv:
        yield srv


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def json2(http: httpx.Client, path: str, body: Any = None, key: str = ADMIN_KEY) -> httpx.Response:
    return http.post(
        path, json=body if body is not None else {}, headers={"Authorization": f"bearer {key}"}
    )


def assert_json2_error(response: httpx.Response, status: int, name: str, message: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"name", "message", "arguments", "context", "debug"}
    assert body["name"] == name
    assert body["message"] == message
    assert body["context"] == {}
    assert body["debug"]
    if name.startswith("werkzeug."):
        assert body["arguments"] == [message, status]
    else:
        assert body["arguments"] == [message]
    return body


def rpc_error(
    http: httpx.Client,
    db: str,
    uid: int,
    password: str,
    model: str,
    method: str,
    args: list,
    kwargs: dict | None = None,
) -> dict:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 8,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [db, uid, password, model, method, args, kwargs or {}],
        },
    }
    response = http.post("/jsonrpc", json=payload)
    assert response.status_code == 200
    body = response.json()
    assert "result" not in body
    error = body["error"]
    assert error["message"] == "Odoo Server Error"
    assert error["code"] == 0
    assert set(error["data"]) == {"name", "message", "arguments", "context", "debug"}
    return error["data"]


def fault(
    server: SimulatorServer,
    db: str,
    uid: int,
    password: str,
    model: str,
    method: str,
    args: list,
    kwargs: dict | None = None,
    *,
    v1: bool = False,
) -> xmlrpc.client.Fault:
    endpoint = "/xmlrpc/object" if v1 else "/xmlrpc/2/object"
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.ServerProxy(server.url + endpoint).execute_kw(
            db, uid, password, model, method, args, kwargs or {}
        )
    return info.value


# (label, model, method, json2 body, rpc args, rpc kwargs, uid, password)
CASES = {
    "bad model": ("no.such.model", "search_read", {"limit": 1}, [[]], {"limit": 1}),
    "bad domain field": (
        "res.partner",
        "search_read",
        {"domain": [["no_such_field", "=", 1]]},
        [[["no_such_field", "=", 1]]],
        {},
    ),
    "bad operator": (
        "res.partner",
        "search_read",
        {"domain": [["name", "bogus", 1]]},
        [[["name", "bogus", 1]]],
        {},
    ),
    "malformed domain": (
        "res.partner",
        "search_read",
        {"domain": "not a domain"},
        ["not a domain"],
        {},
    ),
    "private method": ("res.partner", "_compute_display_name", {}, [[1]], {}),
    "bad selection": (
        "res.partner",
        "write",
        {"ids": [1], "vals": {"type": "bogus"}},
        [[1], {"type": "bogus"}],
        {},
    ),
    "validation": (
        "res.partner",
        "create",
        {"vals_list": [{"phone": "1"}]},
        [[{"phone": "1"}]],
        {},
    ),
}


# ----------------------------------------------------------------------------- JSON-2


@pytest.mark.parametrize(
    ("case", "status", "name", "message"),
    [
        (
            "bad model",
            404,
            "werkzeug.exceptions.NotFound",
            "the model 'no.such.model' does not exist",
        ),
        (
            "bad domain field",
            500,
            "builtins.ValueError",
            "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)",
        ),
        (
            "bad operator",
            500,
            "builtins.ValueError",
            "Invalid operator in condition ('name', 'bogus', 1)",
        ),
        (
            "malformed domain",
            500,
            "builtins.TypeError",
            "Domain() invalid argument type for domain: 'not a domain'",
        ),
        (
            "private method",
            403,
            "odoo.exceptions.AccessError",
            "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely.",
        ),
        ("bad selection", 500, "builtins.ValueError", "Wrong value for res.partner.type: 'bogus'"),
        (
            "validation",
            422,
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed: Contacts require a name",
        ),
    ],
)
def test_json2_error_table(
    http: httpx.Client, case: str, status: int, name: str, message: str
) -> None:
    model, method, body, _args, _kwargs = CASES[case]
    assert_json2_error(json2(http, f"/json/2/{model}/{method}", body), status, name, message)


def test_json2_unknown_method(http: httpx.Client) -> None:
    assert_json2_error(
        json2(http, "/json/2/res.partner/no_such_method"),
        404,
        "werkzeug.exceptions.NotFound",
        "The method 'res.partner.no_such_method' does not exist",
    )


def test_json2_access_error(http: httpx.Client) -> None:
    response = json2(http, "/json/2/ir.config_parameter/search_read", {"limit": 1}, key=DEMO_KEY)
    body = assert_json2_error(response, 403, "odoo.exceptions.AccessError", ACCESS_READ)
    assert body["message"].startswith("You are not allowed to access")


def test_json2_unexpected_argument_is_500_when_the_method_takes_kwargs(http: httpx.Client) -> None:
    response = json2(http, "/json/2/res.partner/search_read", {"bogus": 1})
    assert_json2_error(
        response,
        500,
        "builtins.TypeError",
        "BaseModel._read_format() got an unexpected keyword argument 'bogus'",
    )


def test_json2_argument_problems_are_422(http: httpx.Client) -> None:
    assert_json2_error(
        json2(http, "/json/2/res.partner/search_count", {"ids": [1], "domain": []}),
        422,
        "werkzeug.exceptions.UnprocessableEntity",
        "cannot call res.partner.search_count with ids",
    )
    assert_json2_error(
        json2(http, "/json/2/res.partner/search_count", {}),
        422,
        "werkzeug.exceptions.UnprocessableEntity",
        "missing a required argument: 'domain'",
    )


def test_json2_missing_record_is_empty(http: httpx.Client) -> None:
    response = json2(http, "/json/2/res.partner/read", {"ids": [999999], "fields": ["name"]})
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "User not authenticated, use an API Key with a Bearer Authorization header."),
        ({"Authorization": "bearer " + "0" * 40}, "Invalid apikey"),
        (
            {"Authorization": "Basic YWRtaW46YWRtaW4="},
            "User not authenticated, use an API Key with a Bearer Authorization header.",
        ),
    ],
)
def test_json2_unauthorized(http: httpx.Client, headers: dict, message: str) -> None:
    response = http.post("/json/2/res.partner/search_count", json={"domain": []}, headers=headers)
    assert_json2_error(response, 401, "werkzeug.exceptions.Unauthorized", message)
    assert response.headers["www-authenticate"].strip() == "Bearer"
    recorded = READONLY[
        "json2 error: no Authorization header"
        if "not authenticated" in message
        else "json2 error: invalid API key"
    ]
    assert recorded["response"]["message"] == message
    assert recorded["headers"]["WWW-Authenticate"].strip() == "Bearer"


def test_json2_auth_comes_before_model_lookup(http: httpx.Client) -> None:
    response = http.post("/json/2/no.such.model/search", json={})
    assert response.status_code == 401


def test_json2_invalid_json_body(http: httpx.Client) -> None:
    response = http.post(
        "/json/2/res.partner/search_count",
        content=b"{bad",
        headers={"Authorization": f"bearer {ADMIN_KEY}", "Content-Type": "application/json"},
    )
    expected = READONLY["json2 error: invalid JSON body"]["response"]["message"]
    assert_json2_error(response, 400, "werkzeug.exceptions.BadRequest", expected)


@pytest.mark.parametrize(
    ("verb", "path"),
    [
        ("GET", "/json/2/res.partner/search_read"),
        ("POST", "/json/2/res.partner"),
        ("POST", "/json/2"),
        ("POST", "/json/2/a/b/c"),
        ("GET", "/json/2/"),
    ],
)
def test_json2_did_you_mean(http: httpx.Client, verb: str, path: str) -> None:
    response = http.request(verb, path, headers={"Authorization": f"bearer {ADMIN_KEY}"})
    assert_json2_error(
        response, 404, "werkzeug.exceptions.NotFound", "Did you mean POST /json/2/<model>/<method>?"
    )


def test_json2_matches_recorded_samples(http: httpx.Client) -> None:
    """Same status, name, message and arguments as the real server for the shared cases."""
    pairs = {
        "json2 error: bad model": ("/json/2/no.such.model/search_read", {}),
        "json2 error: unknown method": ("/json/2/res.partner/no_such_method", {}),
        "json2 error: private method": ("/json/2/res.partner/_compute_display_name", {}),
        "json2 error: bad domain field": (
            "/json/2/res.partner/search_read",
            {"domain": [["no_such_field", "=", 1]]},
        ),
        "json2 error: malformed domain": (
            "/json/2/res.partner/search_read",
            {"domain": "not a domain"},
        ),
        "json2 error: unexpected argument": ("/json/2/res.partner/search_read", {"bogus": 1}),
        "json2 error: ids on @api.model method": (
            "/json/2/res.partner/search_count",
            {"ids": [1], "domain": []},
        ),
    }
    for label, (path, body) in pairs.items():
        recorded = READONLY[label]
        response = json2(http, path, body)
        assert response.status_code == recorded["status"], label
        got = response.json()
        for key in ("name", "message", "arguments", "context"):
            assert got[key] == recorded["response"][key], (label, key)


# ----------------------------------------------------------------------------- JSON-RPC


@pytest.mark.parametrize(
    ("case", "name", "message"),
    [
        ("bad model", "odoo.exceptions.UserError", "Object no.such.model doesn't exist"),
        (
            "bad domain field",
            "builtins.ValueError",
            "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)",
        ),
        (
            "bad operator",
            "builtins.ValueError",
            "Invalid operator in condition ('name', 'bogus', 1)",
        ),
        (
            "malformed domain",
            "builtins.TypeError",
            "Domain() invalid argument type for domain: 'not a domain'",
        ),
        (
            "private method",
            "odoo.exceptions.AccessError",
            "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely.",
        ),
        ("bad selection", "builtins.ValueError", "Wrong value for res.partner.type: 'bogus'"),
    ],
)
def test_jsonrpc_error_table(
    http: httpx.Client, store: FakeStore, case: str, name: str, message: str
) -> None:
    model, method, _body, args, kwargs = CASES[case]
    data = rpc_error(http, store.db, 2, "admin", model, method, args, kwargs)
    assert data["name"] == name
    assert data["message"] == message
    assert data["arguments"] == [message]
    assert data["context"] == {}
    assert data["debug"].startswith("Traceback (most recent call last):")
    assert data["debug"].rstrip().endswith(message)


def test_jsonrpc_bad_order_and_unknown_field(http: httpx.Client, store: FakeStore) -> None:
    data = rpc_error(
        http, store.db, 2, "admin", "res.partner", "search_read", [[]], {"order": "nope desc"}
    )
    assert (data["name"], data["message"]) == (
        "builtins.ValueError",
        "Invalid field 'nope' on model 'res.partner'",
    )
    data = rpc_error(
        http, store.db, 2, "admin", "res.partner", "search_read", [[]], {"fields": ["nope"]}
    )
    assert (data["name"], data["message"]) == (
        "builtins.ValueError",
        "Invalid field 'nope' on 'res.partner'",
    )


def test_jsonrpc_access_error(http: httpx.Client, store: FakeStore) -> None:
    data = rpc_error(
        http, store.db, 5, "demo", "ir.config_parameter", "search_read", [[]], {"limit": 1}
    )
    assert data["name"] == "odoo.exceptions.AccessError"
    assert data["message"] == ACCESS_READ


def test_jsonrpc_wrong_password_matches_sample(http: httpx.Client, store: FakeStore) -> None:
    data = rpc_error(http, store.db, 2, "wrong", "res.partner", "search_count", [[]])
    recorded = READONLY["jsonrpc error: wrong password"]["response"]["error"]["data"]
    assert data == recorded  # including the one-line debug


def test_jsonrpc_missing_record_read_is_empty(http: httpx.Client, store: FakeStore) -> None:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 16,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [store.db, 2, "admin", "res.partner", "read", [[999999]], {"fields": ["name"]}],
        },
    }
    assert (
        http.post("/jsonrpc", json=payload).json()
        == READONLY["jsonrpc error: missing record read"]["response"]
    )


def test_jsonrpc_matches_recorded_bad_model(http: httpx.Client, store: FakeStore) -> None:
    recorded = READONLY["jsonrpc error: bad model"]
    request = json.loads(json.dumps(recorded["request"]))
    request["params"]["args"][0] = store.db
    got = http.post("/jsonrpc", json=request).json()
    expected = recorded["response"]
    assert got["id"] == expected["id"] and got["jsonrpc"] == "2.0"
    assert {k: v for k, v in got["error"].items() if k != "data"} == {
        k: v for k, v in expected["error"].items() if k != "data"
    }
    for key in ("name", "message", "arguments", "context"):
        assert got["error"]["data"][key] == expected["error"]["data"][key]


# ----------------------------------------------------------------------------- XML-RPC


@pytest.mark.parametrize(
    ("case", "code", "needle"),
    [
        ("bad model", 2, "Object no.such.model doesn't exist"),
        (
            "bad domain field",
            1,
            "ValueError: Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)",
        ),
        ("bad selection", 1, "ValueError: Wrong value for res.partner.type: 'bogus'"),
        ("validation", 2, "The operation cannot be completed: Contacts require a name"),
        (
            "private method",
            4,
            "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely.",
        ),
    ],
)
def test_xmlrpc_fault_codes(
    server: SimulatorServer, store: FakeStore, case: str, code: int, needle: str
) -> None:
    model, method, _body, args, kwargs = CASES[case]
    error = fault(server, store.db, 2, "admin", model, method, args, kwargs)
    assert error.faultCode == code
    if code == 1:
        assert error.faultString.startswith("Traceback (most recent call last):")
        assert error.faultString.rstrip().endswith(needle)
    else:
        assert error.faultString == needle


def test_xmlrpc_access_error_and_denied(server: SimulatorServer, store: FakeStore) -> None:
    error = fault(
        server, store.db, 5, "demo", "ir.config_parameter", "search_read", [[]], {"limit": 1}
    )
    assert (error.faultCode, error.faultString) == (4, ACCESS_READ)
    error = fault(server, store.db, 2, "wrong", "res.partner", "search_count", [[]])
    recorded = READONLY["xmlrpc error: wrong password on object"]
    assert (error.faultCode, error.faultString) == (recorded["faultCode"], recorded["faultString"])


def test_xmlrpc_samples(server: SimulatorServer, store: FakeStore) -> None:
    recorded = READONLY["xmlrpc error: bad model"]
    error = fault(server, store.db, 2, "admin", "no.such.model", "search_read", [[]])
    assert (error.faultCode, error.faultString) == (recorded["faultCode"], recorded["faultString"])
    recorded = READONLY["xmlrpc error: bad domain field"]
    error = fault(
        server, store.db, 2, "admin", "res.partner", "search_read", [[["no_such_field", "=", 1]]]
    )
    assert error.faultCode == recorded["faultCode"]
    assert error.faultString.startswith("Traceback (most recent call last):")


def test_xmlrpc_none_result_is_a_fault_like_odoo(server: SimulatorServer, store: FakeStore) -> None:
    error = fault(server, store.db, 2, "admin", "res.partner", "action_none", [[1]])
    assert error.faultCode == 1
    assert "TypeError: cannot marshal None unless allow_none is enabled" in error.faultString


@pytest.mark.parametrize(
    ("args", "code", "string"),
    [
        (
            ("no.such.model", "search_read", [[]]),
            "warning -- UserError\n\nObject no.such.model doesn't exist",
            "",
        ),
        (
            ("ir.config_parameter", "search_read", [[]]),
            f"warning -- AccessError\n\n{ACCESS_READ}",
            "",
        ),
    ],
)
def test_xmlrpc_v1_string_fault_codes(
    server: SimulatorServer, store: FakeStore, args: tuple, code: str, string: str
) -> None:
    error = fault(server, store.db, 5, "demo", *args, v1=True)
    assert (error.faultCode, error.faultString) == (code, string)


def test_xmlrpc_v1_denied_and_application_error(server: SimulatorServer, store: FakeStore) -> None:
    error = fault(server, store.db, 2, "wrong", "res.partner", "search_count", [[]], v1=True)
    assert (error.faultCode, error.faultString) == ("AccessDenied", "Access Denied")
    error = fault(
        server,
        store.db,
        2,
        "admin",
        "res.partner",
        "search_read",
        [[["no_such_field", "=", 1]]],
        v1=True,
    )
    assert (
        error.faultCode
        == "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)"
    )
    assert error.faultString.startswith("Traceback (most recent call last):")


def test_xmlrpc_unknown_method_on_object_service(server: SimulatorServer, store: FakeStore) -> None:
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object").frobnicate(
            store.db, 2, "admin", "res.partner", "read"
        )
    assert info.value.faultCode == 1
    assert "NameError: Method not available frobnicate" in info.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/common").frobnicate()
    assert "Exception: Method not found: frobnicate" in info.value.faultString
