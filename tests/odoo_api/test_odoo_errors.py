"""Every row of API.md's error table, per transport, replayed from the recorded bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from odoo_api_fakes import (
    API_KEY,
    Call,
    FakeOdoo,
    make_client,
    xmlrpc_fault,
)

from odoo_api.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooConnectionError,
    OdooError,
    OdooNotFoundError,
    OdooServerError,
    OdooTimeoutError,
    OdooTransientError,
    OdooValidationError,
    classify,
)
from odoo_api.transports import fault_to_error

pytestmark = pytest.mark.unit

JSON2_CASES = [
    ("json2 error: no Authorization header", OdooAuthError),
    ("json2 error: invalid API key", OdooAuthError),
    ("json2 error: bad model", OdooNotFoundError),
    ("json2 error: unknown method", OdooNotFoundError),
    ("json2 error: private method", OdooAccessError),
    ("json2 error: bad domain field", OdooNotFoundError),
    ("json2 error: malformed domain", OdooValidationError),
    ("json2 error: unexpected argument", OdooValidationError),
    ("json2 error: ids on @api.model method", OdooValidationError),
    ("json2 error: GET instead of POST", OdooNotFoundError),
    ("json2 error: invalid JSON body", OdooValidationError),
    ("json2 error: access error (demo user reads ir.config_parameter)", OdooAccessError),
    ("json2 error: access error (demo user writes res.company)", OdooAccessError),
    ("json2 error: bad selection value on write", OdooValidationError),
    ("json2 error: create without required name", OdooValidationError),
]

JSONRPC_CASES = [
    ("jsonrpc error: bad model", OdooNotFoundError),
    ("jsonrpc error: bad domain field", OdooNotFoundError),
    ("jsonrpc error: bad domain operator", OdooValidationError),
    ("jsonrpc error: malformed domain", OdooValidationError),
    ("jsonrpc error: bad order", OdooNotFoundError),
    ("jsonrpc error: unknown field in fields", OdooNotFoundError),
    ("jsonrpc error: private method", OdooAccessError),
    ("jsonrpc error: wrong password", OdooAuthError),
    ("jsonrpc error: access error (demo user reads ir.config_parameter)", OdooAccessError),
    ("jsonrpc error: access error (demo user writes res.company)", OdooAccessError),
    ("jsonrpc error: bad selection value on write", OdooValidationError),
]


def _replay(transport: str, response: httpx.Response) -> OdooError:
    fake = FakeOdoo(handler=lambda call: response)
    client = make_client(fake, transport=transport, password="pw")
    with pytest.raises(OdooError) as info:
        client.search_read("res.partner", [], ["name"], limit=1)
    return info.value


def _assert_one_line(exc: OdooError, server_message: str) -> None:
    text = str(exc)
    assert "\n" not in text
    assert server_message.splitlines()[0].strip() in text
    assert exc.server_message == server_message
    assert API_KEY not in text and "pw" not in text.split(":")[0]


@pytest.mark.parametrize(("key", "expected"), JSON2_CASES)
def test_json2_error_mapping(samples: dict[str, Any], key: str, expected: type) -> None:
    sample = samples[key]
    response = httpx.Response(
        sample["status"], json=sample["response"], headers=sample.get("headers") or {}
    )
    exc = _replay("json2", response)
    assert type(exc) is expected
    assert exc.odoo_name == sample["response"]["name"]
    assert exc.status == sample["status"]
    assert exc.debug == sample["response"]["debug"]
    assert exc.model == "res.partner" and exc.method == "search_read"
    _assert_one_line(exc, sample["response"]["message"])


@pytest.mark.parametrize(("key", "expected"), JSONRPC_CASES)
def test_jsonrpc_error_mapping(samples: dict[str, Any], key: str, expected: type) -> None:
    envelope = samples[key]["response"]
    exc = _replay("jsonrpc", httpx.Response(200, json=envelope))
    assert type(exc) is expected
    data = envelope["error"]["data"]
    assert exc.odoo_name == data["name"]
    assert exc.debug == data["debug"]
    _assert_one_line(exc, data["message"])


def test_access_error_keeps_odoo_first_line_and_full_message(samples: dict[str, Any]) -> None:
    envelope = samples["jsonrpc error: access error (demo user reads ir.config_parameter)"]
    exc = _replay("jsonrpc", httpx.Response(200, json=envelope["response"]))
    assert isinstance(exc, OdooAccessError)
    assert "You are not allowed to access 'System Parameter' (ir.config_parameter) records." in str(
        exc
    )
    assert "Role / Administrator" not in str(exc)  # the rest stays on .server_message
    assert exc.server_message is not None and "Role / Administrator" in exc.server_message


@pytest.mark.parametrize("transport", ["json2", "jsonrpc"])
def test_missing_record_is_an_empty_list_not_an_error(
    samples: dict[str, Any], transport: str
) -> None:
    if transport == "json2":
        response = httpx.Response(200, json=samples["json2 error: missing record"]["response"])
    else:
        response = httpx.Response(
            200, json=samples["jsonrpc error: missing record read"]["response"]
        )
    fake = FakeOdoo(handler=lambda call: response)
    assert make_client(fake, transport=transport, password="pw").read("res.partner", [999999]) == []


XMLRPC_CASES = [
    ("xmlrpc error: bad model", OdooNotFoundError),
    # the recorded traceback is cut before its last line; its first exception
    # (KeyError: 'no_such_field') still says what is missing
    ("xmlrpc error: bad domain field", OdooNotFoundError),
    ("xmlrpc error: wrong password on object", OdooAuthError),
]


@pytest.mark.parametrize(("key", "expected"), XMLRPC_CASES)
def test_xmlrpc_recorded_fault_mapping(samples: dict[str, Any], key: str, expected: type) -> None:
    sample = samples[key]
    exc = _replay("xmlrpc", xmlrpc_fault(sample["faultCode"], sample["faultString"]))
    assert type(exc) is expected
    assert "\n" not in str(exc)
    if sample["faultCode"] == 1:
        assert exc.debug == sample["faultString"]  # the traceback is kept for logs
        assert "Traceback" not in str(exc)
        assert "no_such_field" in str(exc)


TRACEBACK_TAIL = (
    "Traceback (most recent call last):\n"
    '  File "<odoo-src>/odoo/http.py", line 439, in dispatch_rpc\n'
    "    return dispatch(method, params)\n"
)


@pytest.mark.parametrize(
    ("code", "text", "expected", "needle"),
    [
        (2, "Object no.such.model doesn't exist", OdooNotFoundError, "no.such.model"),
        (
            2,
            "The operation cannot be completed: Contacts require a name",
            OdooValidationError,
            "Contacts require a name",
        ),
        (3, "Access Denied", OdooAuthError, "Access Denied"),
        (
            4,
            "You are not allowed to access 'Journal Item' (account.move.line) records.\n\n"
            "This operation is allowed for the following groups:\n\t- Accounting",
            OdooAccessError,
            "You are not allowed to access 'Journal Item' (account.move.line) records.",
        ),
        (
            1,
            TRACEBACK_TAIL + "ValueError: Invalid field res.partner.no_such_field in condition "
            "('no_such_field', '=', 1)\n",
            OdooNotFoundError,
            "Invalid field res.partner.no_such_field",
        ),
        (
            1,
            TRACEBACK_TAIL + "ValueError: Wrong value for res.partner.type: 'bogus'\n",
            OdooValidationError,
            "Wrong value for res.partner.type",
        ),
        (
            1,
            TRACEBACK_TAIL + "ZeroDivisionError: division by zero\n",
            OdooServerError,
            "division by zero",
        ),
        # /xmlrpc (v1): string fault codes
        (
            "warning -- UserError\n\nObject no.such.model doesn't exist",
            "",
            OdooNotFoundError,
            "Object no.such.model doesn't exist",
        ),
        (
            "warning -- AccessError\n\nYou are not allowed to modify 'Companies' (res.company) records.",
            "",
            OdooAccessError,
            "You are not allowed to modify 'Companies'",
        ),
        (
            "warning -- MissingError\n\nRecord does not exist or has been deleted.",
            "",
            OdooNotFoundError,
            "Record does not exist",
        ),
        (
            "warning -- UserError\n\nYou cannot delete a posted entry.",
            "",
            OdooValidationError,
            "posted entry",
        ),
        ("AccessDenied", "Access Denied", OdooAuthError, "Access Denied"),
        (
            "Wrong value for res.partner.type: 'bogus'",
            TRACEBACK_TAIL + "ValueError: Wrong value for res.partner.type: 'bogus'\n",
            OdooValidationError,
            "Wrong value for res.partner.type",
        ),
    ],
)
def test_xmlrpc_fault_codes(code: int | str, text: str, expected: type, needle: str) -> None:
    exc = fault_to_error(code, text, model="res.partner", method="write", url="http://x")
    assert type(exc) is expected
    assert needle in str(exc)
    assert "\n" not in str(exc)
    assert str(exc).startswith("res.partner.write")


def test_xmlrpc_fault_over_the_wire_v2() -> None:
    exc = _replay(
        "xmlrpc",
        xmlrpc_fault(
            4, "You are not allowed to access 'Journal Item' (account.move.line) records."
        ),
    )
    assert isinstance(exc, OdooAccessError)
    assert exc.transport == "xmlrpc"


MISSING_DB = (
    'connection to server at "localhost" (127.0.0.1), port 5432 failed: '
    'FATAL:  database "nope" does not exist'
)


def test_unknown_database_over_jsonrpc_is_an_auth_error() -> None:
    envelope = {
        "jsonrpc": "2.0",
        "id": 2,
        "error": {
            "code": 200,
            "message": "Odoo Server Error",
            "data": {"name": "psycopg2.OperationalError", "message": MISSING_DB, "debug": "tb"},
        },
    }
    fake = FakeOdoo(auth_error=lambda t: httpx.Response(200, json=envelope))
    client = make_client(fake, transport="jsonrpc", db="nope", api_key=None, password="pw")
    with pytest.raises(OdooAuthError, match="database 'nope' does not exist"):
        client.connect()


def test_unknown_database_over_xmlrpc_is_an_auth_error() -> None:
    text = TRACEBACK_TAIL + "psycopg2.OperationalError: " + MISSING_DB + "\n"
    fake = FakeOdoo(auth_error=lambda t: xmlrpc_fault(1, text))
    client = make_client(fake, transport="xmlrpc", db="nope", api_key=None, password="pw")
    with pytest.raises(OdooAuthError, match="database 'nope' does not exist") as info:
        client.connect()
    assert "check ODOO_DB" in str(info.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(303, headers={"Location": "/web/database/selector"}),
        httpx.Response(404, text="<html>404</html>", headers={"Content-Type": "text/html"}),
    ],
)
def test_unknown_database_over_json2_is_an_auth_error(response: httpx.Response) -> None:
    fake = FakeOdoo(auth_error=lambda t: response)
    client = make_client(fake, transport="json2", db="nope")
    with pytest.raises(OdooAuthError, match="database 'nope'") as info:
        client.connect()
    assert "ODOO_DB" in str(info.value)
    # X-Odoo-Database carried the name
    assert fake.requests[-1].headers["X-Odoo-Database"] == "nope"


def test_rejected_login_message() -> None:
    fake = FakeOdoo(uid=False)
    client = make_client(
        fake, transport="jsonrpc", api_key=None, password="pw", username="x", db="y"
    )
    with pytest.raises(OdooAuthError) as info:
        client.connect()
    assert str(info.value) == (
        "Odoo rejected login 'x' on database 'y': "
        "check ODOO_USERNAME and ODOO_API_KEY/ODOO_PASSWORD"
    )


def test_json2_bad_key_at_connect(samples: dict[str, Any]) -> None:
    sample = samples["json2 error: invalid API key"]
    fake = FakeOdoo(
        auth_error=lambda t: httpx.Response(401, json=sample["response"], headers=sample["headers"])
    )
    client = make_client(fake, transport="json2")
    with pytest.raises(OdooAuthError) as info:
        client.connect()
    assert "Invalid apikey" in str(info.value)
    assert "ODOO_API_KEY" in str(info.value)
    assert info.value.debug == sample["response"]["debug"]


@pytest.mark.parametrize(
    ("name", "message", "status", "expected"),
    [
        (
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
            None,
            OdooTransientError,
        ),
        (
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
            None,
            OdooNotFoundError,
        ),
        ("odoo.exceptions.RedirectWarning", "Configure a journal first", None, OdooValidationError),
        ("odoo.http.SessionExpiredException", "Session expired", None, OdooAuthError),
        (
            "builtins.AttributeError",
            "type object 'res.partner' has no attribute 'x'",
            None,
            OdooNotFoundError,
        ),
        ("builtins.RuntimeError", "boom", 500, OdooServerError),
        (None, "", 403, OdooAccessError),
        (None, "", 429, OdooTransientError),
    ],
)
def test_classify_other_names(
    name: str | None, message: str, status: int | None, expected: type
) -> None:
    assert classify(name, message, status) is expected


def test_json2_bare_500_without_odoo_body_is_a_server_error() -> None:
    exc = _replay("json2", httpx.Response(500, text="Internal Server Error"))
    assert type(exc) is OdooServerError
    assert "HTTP 500" in str(exc)


def test_jsonrpc_code_404_without_data_is_not_found() -> None:
    envelope = {"jsonrpc": "2.0", "id": 1, "error": {"code": 404, "message": "404: Not Found"}}
    exc = _replay("jsonrpc", httpx.Response(200, json=envelope))
    assert type(exc) is OdooNotFoundError


def test_error_body_is_json_not_raw_request(samples: dict[str, Any]) -> None:
    """The request body (with the secret, over RPC) never ends up on the exception."""
    sample = samples["jsonrpc error: bad model"]["response"]
    fake = FakeOdoo(handler=lambda call: httpx.Response(200, json=sample))
    client = make_client(fake, transport="jsonrpc", api_key=API_KEY)
    with pytest.raises(OdooNotFoundError) as info:
        client.search_read("no.such.model", [], limit=1)
    exc = info.value
    blob = json.dumps({k: str(v) for k, v in vars(exc).items()}) + str(exc) + repr(exc)
    assert API_KEY not in blob
    assert isinstance(fake.calls[0], Call)


def test_json2_redirect_without_db_is_a_connection_error() -> None:
    fake = FakeOdoo(
        auth_error=lambda t: httpx.Response(301, headers={"Location": "https://odoo.test/json/2"})
    )
    with pytest.raises(OdooConnectionError, match="redirected") as info:
        make_client(fake, transport="json2", db=None).connect()
    assert "https://odoo.test/json/2" in str(info.value)


def test_errors_survive_pickling() -> None:
    import pickle

    exc = fault_to_error(4, "You are not allowed", model="m", method="read", url="http://x")
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is OdooAccessError
    assert str(clone) == str(exc)
    assert clone.odoo_name == "odoo.exceptions.AccessError" and clone.model == "m"


def test_timeout_is_a_transient_error() -> None:
    assert issubclass(OdooTimeoutError, OdooTransientError)
    assert issubclass(OdooTransientError, OdooError)
