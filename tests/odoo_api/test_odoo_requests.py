"""What goes on the wire for each transport, and recorded answers coming back."""

from __future__ import annotations

import json
import xmlrpc.client
from typing import Any

import httpx
import pytest
from odoo_api_fakes import API_KEY, PASSWORD, URL, Call, FakeOdoo, make_client

from odoo_api.errors import OdooValidationError

pytestmark = pytest.mark.unit


def test_json2_search_read_request_matches_the_recorded_one(samples: dict[str, Any]) -> None:
    sample = samples["json2 search_read"]
    fake = FakeOdoo(handler=lambda call: sample["response"])
    client = make_client(fake, transport="json2")
    rows = client.search_read(
        "res.partner",
        [["is_company", "=", True]],
        ["name", "country_id", "category_id", "write_date"],
        limit=2,
        order="id",
        context={"lang": "en_US"},
    )
    assert rows == sample["response"]
    request = fake.calls[0].request
    assert request.method == "POST"
    assert request.url == f"{URL}/json/2/res.partner/search_read"
    assert json.loads(request.content) == sample["request"]["body"]
    assert request.headers["Authorization"] == f"bearer {API_KEY}"
    assert request.headers["X-Odoo-Database"] == "coo_demo"
    assert request.headers["Content-Type"] == "application/json"


def test_json2_without_db_sends_no_database_header(samples: dict[str, Any]) -> None:
    fake = FakeOdoo(handler=lambda call: samples["json2 search_count"]["response"])
    client = make_client(fake, transport="json2", db=None)
    assert client.search_count("res.partner") == 60
    assert "X-Odoo-Database" not in fake.calls[0].request.headers
    assert json.loads(fake.calls[0].request.content) == {"domain": []}


def test_json2_record_methods_put_ids_in_the_body(samples: dict[str, Any]) -> None:
    answers = {
        "read": samples["json2 read with ids"]["response"],
        "create": samples["json2 create (returns list of ids)"]["response"],
        "write": True,
        "unlink": True,
        "message_post": 42,
    }
    fake = FakeOdoo(handler=lambda call: answers[call.method])
    client = make_client(fake, transport="json2")
    assert client.read("res.partner", [1, 3], ["name", "write_date"], load="") == answers["read"]
    assert client.create("res.partner", {"name": "x"}) == 65
    assert client.write("res.partner", [1], {"phone": "1"}) is True
    assert client.unlink("res.partner", [65]) is True
    assert client.call("res.partner", "message_post", ids=[7], body="hi") == 42
    bodies = [json.loads(c.request.content) for c in fake.calls]
    assert bodies == [
        {"ids": [1, 3], "fields": ["name", "write_date"], "load": ""},
        {"vals_list": [{"name": "x"}]},
        {"ids": [1], "vals": {"phone": "1"}},
        {"ids": [65]},
        {"ids": [7], "body": "hi"},
    ]
    assert [c.request.url.path for c in fake.calls][1] == "/json/2/res.partner/create"


def test_json2_search_and_fields_get_and_name_search(samples: dict[str, Any]) -> None:
    answers = {
        "search": samples["json2 search (recordset -> list of ids)"]["response"],
        "fields_get": samples["json2 fields_get"]["response"],
        "name_search": samples["json2 name_search"]["response"],
    }
    fake = FakeOdoo(handler=lambda call: answers[call.method])
    client = make_client(fake, transport="json2")
    assert client.search("res.partner", [["name", "ilike", "a"]], limit=3, offset=2) == [15, 9, 10]
    assert client.fields_get("res.partner", ["string", "type"]) == answers["fields_get"]
    assert client.call("res.partner", "name_search", name="Deco", limit=2) == [
        [9, "Deco Addict"],
        [36, "Deco Addict, Addison Olson"],
    ]
    bodies = [json.loads(c.request.content) for c in fake.calls]
    assert bodies[0] == {"domain": [["name", "ilike", "a"]], "offset": 2, "limit": 3}
    assert bodies[1] == {"attributes": ["string", "type"]}
    assert bodies[2] == {"name": "Deco", "limit": 2}


def test_json2_positional_args_are_refused_locally() -> None:
    fake = FakeOdoo()
    client = make_client(fake, transport="json2")
    with pytest.raises(OdooValidationError, match="by name"):
        client.call("res.partner", "name_search", args=["Deco"])
    assert fake.calls == []


def _execute_kw(transport: str, request: httpx.Request) -> tuple[str, list[Any]]:
    if transport == "jsonrpc":
        body = json.loads(request.content)
        assert body["jsonrpc"] == "2.0" and body["method"] == "call"
        assert body["params"]["service"] == "object"
        return body["params"]["method"], body["params"]["args"]
    params, method = xmlrpc.client.loads(request.content)
    assert request.url.path == "/xmlrpc/2/object"
    return method or "", list(params)


@pytest.mark.parametrize("transport", ["jsonrpc", "xmlrpc"])
def test_rpc_execute_kw_shapes(transport: str) -> None:
    answers: dict[str, Any] = {
        "search_read": [{"id": 1, "name": "A"}],
        "read": [{"id": 1, "partner_id": 3}],
        "search_count": 60,
        "create": [70, 71],
        "write": True,
        "unlink": True,
        "message_post": 9,
        "name_search": [[9, "Deco Addict"]],
        "fields_get": {"name": {"type": "char"}},
    }
    fake = FakeOdoo(handler=lambda call: answers[call.method])
    client = make_client(fake, transport=transport, api_key=None, password=PASSWORD)
    assert (
        client.search_read(
            "res.partner", [["is_company", "=", True]], ["name"], limit=2, order="id"
        )
        == answers["search_read"]
    )
    assert client.read("res.partner", [1], ["partner_id"], load="") == answers["read"]
    assert (
        client.search_count("res.partner", [["active", "=", False]], context={"active_test": False})
        == 60
    )
    assert client.create("res.partner", [{"name": "a"}, {"name": "b"}]) == [70, 71]
    assert client.write("res.partner", [1], {"name": "x"}) is True
    assert client.unlink("res.partner", [70]) is True
    assert client.call("res.partner", "message_post", ids=[7], body="hi", subject=None) == 9
    assert client.call("res.partner", "name_search", args=["Deco"], limit=1) == [[9, "Deco Addict"]]
    assert client.fields_get("res.partner") == answers["fields_get"]

    wire = [_execute_kw(transport, c.request) for c in fake.calls]
    assert {method for method, _ in wire} == {"execute_kw"}
    head = [args[:5] for _, args in wire]
    assert all(h[:3] == ["coo_demo", 2, PASSWORD] for h in head)
    assert [h[4] for h in head] == [
        "search_read",
        "read",
        "search_count",
        "create",
        "write",
        "unlink",
        "message_post",
        "name_search",
        "fields_get",
    ]
    args_kwargs = [(args[5], args[6]) for _, args in wire]
    assert args_kwargs == [
        (
            [],
            {"domain": [["is_company", "=", True]], "fields": ["name"], "limit": 2, "order": "id"},
        ),
        ([[1]], {"fields": ["partner_id"], "load": ""}),
        ([], {"domain": [["active", "=", False]], "context": {"active_test": False}}),
        ([[{"name": "a"}, {"name": "b"}]], {}),  # create: vals_list goes positionally
        ([[1], {"name": "x"}], {}),  # write: like the recorded request
        ([[70]], {}),
        ([[7]], {"body": "hi"}),  # None-valued kwargs are dropped
        (["Deco"], {"limit": 1}),
        ([], {}),
    ]


def test_rpc_write_matches_the_recorded_request(samples: dict[str, Any]) -> None:
    recorded = samples["jsonrpc error: access error (demo user writes res.company)"]["request"]
    fake = FakeOdoo(handler=lambda call: True)
    client = make_client(fake, transport="jsonrpc", api_key=None, password="demo", db="coo_probe")
    client.write("res.company", [1], {"name": "x"})
    sent = json.loads(fake.calls[0].request.content)["params"]
    assert sent["args"][3:] == recorded["params"]["args"][3:]
    assert sent["service"] == recorded["params"]["service"]


def test_jsonrpc_replays_recorded_search_read(samples: dict[str, Any]) -> None:
    recorded = samples["jsonrpc object.execute_kw search_read"]
    fake = FakeOdoo(handler=lambda call: httpx.Response(200, json=recorded["response"]))
    client = make_client(fake, transport="jsonrpc", api_key=None, password="admin")
    rows = client.search_read("res.partner", [["is_company", "=", True]], limit=2, order="id")
    assert rows == recorded["response"]["result"]


def test_xmlrpc_replays_recorded_raw_xml(samples: dict[str, Any]) -> None:
    raw = samples["xmlrpc raw"]
    fake = FakeOdoo(
        handler=lambda call: httpx.Response(
            raw["status"],
            content=raw["response_xml"].encode(),
            headers={"Content-Type": raw["content_type"]},
        )
    )
    client = make_client(fake, transport="xmlrpc", api_key=None, password="admin")
    rows = client.search_read("res.partner", [], ["name", "country_id"], limit=1)
    assert rows == [
        {"id": 1, "name": "My Company (San Francisco)", "country_id": [233, "United States"]}
    ]


def test_xmlrpc_nested_none_becomes_false() -> None:
    fake = FakeOdoo(handler=lambda call: True)
    client = make_client(fake, transport="xmlrpc", api_key=None, password="pw")
    client.write("res.partner", [1], {"phone": None})
    call: Call = fake.calls[0]
    assert call.args == [[1], {"phone": False}]


@pytest.mark.parametrize("transport", ["json2", "jsonrpc", "xmlrpc"])
def test_one_http_client_is_reused(transport: str) -> None:
    seen: list[int] = []
    fake = FakeOdoo(handler=lambda call: 1)
    http = httpx.Client(transport=httpx.MockTransport(fake))
    original = http.request

    def spy(*args: Any, **kwargs: Any) -> httpx.Response:
        seen.append(id(http))
        return original(*args, **kwargs)

    http.request = spy  # type: ignore[method-assign]
    from odoo_api.client import OdooClient
    from odoo_api.config import OdooConfig

    cfg = OdooConfig(url=URL, db="coo_demo", username="admin", api_key=API_KEY, transport=transport)  # type: ignore[arg-type]
    with OdooClient(cfg, http=http) as client:
        client.search_count("res.partner")
        client.search_count("res.partner")
    assert len(seen) >= 3 and set(seen) == {id(http)}
    assert not http.is_closed  # a client passed in is not closed by OdooClient
