"""Retry policy: what is resent, how long it waits, and when it gives up."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from odoo_api_fakes import Call, FakeOdoo, make_client

from odoo_api.errors import (
    OdooConnectionError,
    OdooServerError,
    OdooTimeoutError,
    OdooTransientError,
)
from odoo_api.retry import RetryPolicy, is_read_only, parse_retry_after

pytestmark = pytest.mark.unit


class Script:
    """Answers model calls from a list: an httpx.Response, an exception to raise, or a value."""

    def __init__(self, *steps: Any) -> None:
        self.steps = list(steps)
        self.seen = 0

    def __call__(self, call: Call) -> Any:
        self.seen += 1
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


def test_503_twice_then_success_sleeps_twice() -> None:
    script = Script(httpx.Response(503), httpx.Response(503), [{"id": 1}])
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.search_read("res.partner", [], ["name"]) == [{"id": 1}]
    assert script.seen == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 1.0 for s in sleeps)  # full jitter under base * 2**attempt


def test_429_honours_retry_after_seconds() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), 5)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.search_count("res.partner") == 5
    assert sleeps == [7.0]


def test_retry_after_is_capped_by_backoff_max() -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "3600"}), 5)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps, backoff_max=12)
    assert client.search_count("res.partner") == 5
    assert sleeps == [12.0]


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 11, 23, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 22 Nov 2026 00:00:30 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after(" 2.5 ") == 2.5


@pytest.mark.parametrize("status", [502, 504])
def test_502_504_on_a_write_is_not_retried(status: int) -> None:
    script = Script(httpx.Response(status), True)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    with pytest.raises(OdooTransientError, match="outcome is unknown") as info:
        client.write("res.partner", [1], {"name": "x"})
    assert script.seen == 1
    assert sleeps == []
    assert info.value.status == status
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("status", [429, 503])
def test_429_503_on_a_write_is_retried(status: int) -> None:
    script = Script(httpx.Response(status), [70])
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.create("res.partner", {"name": "x"}) == 70
    assert script.seen == 2 and len(sleeps) == 1


def test_502_on_a_read_is_retried() -> None:
    script = Script(httpx.Response(502), httpx.Response(504), 3)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.search_count("res.partner") == 3
    assert len(sleeps) == 2


def test_budget_exhausted_gives_transient_error() -> None:
    script = Script(httpx.Response(503))
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps, max_retries=3)
    with pytest.raises(OdooTransientError, match="gave up after 4 attempts") as info:
        client.search_read("res.partner")
    assert script.seen == 4
    assert len(sleeps) == 3
    assert info.value.status == 503


def test_read_timeout_on_read_retried_then_timeout_error() -> None:
    script = Script(httpx.ReadTimeout("timed out"))
    sleeps: list[float] = []
    client = make_client(
        FakeOdoo(handler=script),
        transport="jsonrpc",
        sleeps=sleeps,
        max_retries=2,
        password="pw",
        api_key=None,
    )
    with pytest.raises(OdooTimeoutError, match="did not answer within 60s"):
        client.search_read("res.partner")
    assert script.seen == 3 and len(sleeps) == 2


def test_read_timeout_on_write_is_outcome_unknown() -> None:
    script = Script(httpx.ReadTimeout("timed out"), True)
    sleeps: list[float] = []
    client = make_client(
        FakeOdoo(handler=script), transport="xmlrpc", sleeps=sleeps, password="pw", api_key=None
    )
    with pytest.raises(OdooTimeoutError, match="outcome is unknown"):
        client.write("res.partner", [1], {"name": "x"})
    assert script.seen == 1 and sleeps == []


def test_connection_reset_on_read_is_retried() -> None:
    script = Script(httpx.RemoteProtocolError("Server disconnected without sending a response."), 4)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.search_count("res.partner") == 4
    assert len(sleeps) == 1


def test_connection_reset_on_message_post_is_not_retried() -> None:
    script = Script(httpx.ReadError("Connection reset by peer"), 1)
    client = make_client(FakeOdoo(handler=script), transport="json2")
    with pytest.raises(OdooTransientError, match="outcome is unknown"):
        client.call("res.partner", "message_post", ids=[1], body="hi")
    assert script.seen == 1


def test_connection_refused_after_connect_uses_full_budget_then_connection_error() -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps, max_retries=4)
    client.connect()
    with pytest.raises(
        OdooConnectionError,
        match=re.escape("cannot reach Odoo at http://odoo.test:8069: connection refused"),
    ):
        client.search_read("res.partner")
    assert script.seen == 5 and len(sleeps) == 4


def test_connection_refused_on_a_write_is_retried_because_nothing_was_sent() -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"), True)
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    assert client.write("res.partner", [1], {"name": "x"}) is True
    assert len(sleeps) == 1


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


def test_wrong_url_fails_fast_after_two_quick_retries() -> None:
    sleeps: list[float] = []
    client = make_client(_refused, sleeps=sleeps, max_retries=5)
    with pytest.raises(OdooConnectionError) as info:
        client.connect()
    assert str(info.value).startswith(
        "version: cannot reach Odoo at http://odoo.test:8069: connection refused"
    )
    assert len(sleeps) == 2 and all(s <= 0.25 for s in sleeps)


def test_dns_failure_names_dns() -> None:
    def dns(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    client = make_client(dns)
    with pytest.raises(OdooConnectionError, match="host name not found"):
        client.connect()


def test_serialization_failure_is_retried_even_for_writes() -> None:
    envelope = {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {
            "code": 0,
            "message": "Odoo Server Error",
            "data": {
                "name": "psycopg2.errors.SerializationFailure",
                "message": "could not serialize access due to concurrent update",
                "debug": "tb",
            },
        },
    }
    script = Script(httpx.Response(200, json=envelope), True)
    sleeps: list[float] = []
    client = make_client(
        FakeOdoo(handler=script), transport="jsonrpc", sleeps=sleeps, password="pw", api_key=None
    )
    assert client.write("res.partner", [1], {"name": "x"}) is True
    assert script.seen == 2 and len(sleeps) == 1


def test_application_errors_are_not_retried() -> None:
    body = {
        "name": "builtins.RuntimeError",
        "message": "boom",
        "arguments": [],
        "context": {},
        "debug": "",
    }
    script = Script(httpx.Response(500, json=body))
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps)
    with pytest.raises(OdooServerError, match="boom"):
        client.search_read("res.partner")
    assert script.seen == 1 and sleeps == []


def test_max_retries_zero_means_one_attempt() -> None:
    script = Script(httpx.Response(503))
    sleeps: list[float] = []
    client = make_client(FakeOdoo(handler=script), transport="json2", sleeps=sleeps, max_retries=0)
    with pytest.raises(OdooTransientError):
        client.search_count("res.partner")
    assert script.seen == 1 and sleeps == []


def test_backoff_is_exponential_full_jitter_and_capped() -> None:
    policy = RetryPolicy(max_retries=8, backoff_base=0.5, backoff_max=3.0, rand=lambda: 1.0)
    assert [policy.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    low = RetryPolicy(rand=lambda: 0.0)
    assert low.backoff(4) == 0.0


def test_retries_are_logged_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    script = Script(httpx.Response(503), 1)
    client = make_client(FakeOdoo(handler=script), transport="json2")
    with caplog.at_level("WARNING", logger="odoo_api.client"):
        client.search_count("res.partner")
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "res.partner.search_count" in text and "retry 1/5" in text
    assert "OdooTransientError" in text


def test_read_only_method_set() -> None:
    for method in (
        "search",
        "search_read",
        "read",
        "search_count",
        "fields_get",
        "name_search",
        "version",
    ):
        assert is_read_only(method)
    for method in ("create", "write", "unlink", "message_post", "action_archive", "action_post"):
        assert not is_read_only(method)


def test_request_body_is_resent_identically() -> None:
    script = Script(httpx.Response(503), [1])
    client = make_client(FakeOdoo(handler=script), transport="json2")
    fake_calls: list[Any] = []
    client.search("res.partner", [["id", ">", 5]], limit=2)
    del fake_calls
    # the FakeOdoo keeps both attempts; their bodies must be equal
    fake = client._http._transport.handler  # type: ignore[attr-defined]
    bodies = [json.loads(c.request.content) for c in fake.calls]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
