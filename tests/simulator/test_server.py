"""The simulated Odoo server over real HTTP: success shapes, versions, auth, databases,
concurrency and log hygiene, on JSON-2, JSON-RPC and XML-RPC (v2 and v1).

The clients here are raw ``httpx`` and ``xmlrpc.client``, never ``odoo_api``: these tests pin
the wire format itself, as captured from a real Odoo 19 in ``simulator/odoo19/samples``.
"""

from __future__ import annotations

import inspect
import logging
import threading
import xmlrpc.client
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from simulator.exceptions import AccessError, NotFound, UserError, ValidationError
from simulator.server import SimulatorServer

pytestmark = pytest.mark.integration

ADMIN_KEY = "a" * 40
DEMO_KEY = "d" * 40
NOW = datetime(2026, 11, 20, 12, 0, 0)


class FakeStore:
    """A minimal stand-in for ``simulator.store.OdooStore`` with Odoo's messages.

    It lets the protocol layer be tested on its own: the server must turn each of these
    exceptions and results into exactly what a real Odoo 19 sends.
    """

    db = "coo_sim"

    def __init__(self) -> None:
        self.now = NOW
        self.fields: dict[str, dict[str, dict[str, Any]]] = {
            "res.partner": {
                "id": {"type": "integer", "string": "ID"},
                "name": {"type": "char", "string": "Name"},
                "type": {
                    "type": "selection",
                    "string": "Address Type",
                    "selection": [["contact", "Contact"], ["invoice", "Invoice Address"]],
                },
                "is_company": {"type": "boolean", "string": "Is a Company"},
                "phone": {"type": "char", "string": "Phone"},
                "country_id": {"type": "many2one", "string": "Country", "relation": "res.country"},
                "write_date": {"type": "datetime", "string": "Last Updated on"},
            },
            "res.country": {
                "id": {"type": "integer", "string": "ID"},
                "name": {"type": "char", "string": "Country Name"},
            },
            "ir.config_parameter": {
                "id": {"type": "integer", "string": "ID"},
                "key": {"type": "char", "string": "Key"},
            },
            "res.users": {
                "id": {"type": "integer", "string": "ID"},
                "login": {"type": "char", "string": "Login"},
            },
        }
        self.rows: dict[str, dict[int, dict[str, Any]]] = {
            "res.country": {233: {"id": 233, "name": "United States"}},
            "ir.config_parameter": {1: {"id": 1, "key": "web.base.url"}},
            "res.users": {2: {"id": 2, "login": "admin"}, 5: {"id": 5, "login": "demo"}},
            "res.partner": {},
        }
        for i in range(1, 6):
            self.rows["res.partner"][i] = {
                "id": i,
                "name": f"Partner {i}",
                "type": "contact",
                "is_company": i % 2 == 1,
                "phone": False,
                "country_id": 233 if i % 2 else False,
                "write_date": "2026-11-20 12:00:00",
            }
        self.users = {"admin": (2, "admin", ADMIN_KEY), "demo": (5, "demo", DEMO_KEY)}
        self.calls: list[tuple[int, str, str]] = []

    # -- auth
    def authenticate(self, login: str, password: str) -> int | None:
        user = self.users.get(login)
        return user[0] if user and password in (user[1], user[2]) else None

    def uid_for_api_key(self, key: str) -> int | None:
        return next((uid for uid, _pw, k in self.users.values() if k == key), None)

    def api_key_for(self, login: str) -> str:
        return self.users[login][2]

    # -- dispatch
    def execute(self, uid: int, model: str, method: str, args: list, kwargs: dict) -> Any:
        self.calls.append((uid, model, method))
        kwargs = dict(kwargs)
        kwargs.pop("context", None)
        if model not in self.fields:
            raise UserError(f"Object {model} doesn't exist")
        if method.startswith("_"):
            raise AccessError(
                f"Private methods (such as '{model}.{method}') cannot be called remotely."
            )
        if model == "ir.config_parameter" and uid != 2:
            raise AccessError(
                "You are not allowed to access 'System Parameter' (ir.config_parameter) records."
            )
        fn = getattr(self, f"m_{method}", None)
        if fn is None:
            raise NotFound(f"The method '{model}.{method}' does not exist")
        params = list(inspect.signature(fn).parameters)
        if params[1] == "ids":
            if "ids" in kwargs:
                args = [kwargs.pop("ids"), *args]
        elif kwargs.pop("ids", None):
            raise TypeError(f"cannot call {model}.{method} with ids")
        inspect.signature(fn).bind(model, *args, **kwargs)
        return fn(model, *args, **kwargs)

    def _match(self, model: str, domain: Any) -> list[dict[str, Any]]:
        if not isinstance(domain, list):
            raise TypeError(f"Domain() invalid argument type for domain: {domain!r}")
        rows = sorted(self.rows[model].values(), key=lambda r: r["id"])
        for cond in domain:
            field, op, value = cond
            if field not in self.fields[model]:
                raise ValueError(f"Invalid field {model}.{field} in condition {tuple(cond)!r}")
            ops = {
                "=": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
                ">": lambda a, b: a > b,
                "in": lambda a, b: a in b,
            }
            if op not in ops:
                raise ValueError(f"Invalid operator in condition {tuple(cond)!r}")
            rows = [r for r in rows if ops[op](r[field], value)]
        return rows

    def _shape(self, model: str, row: dict, fields: list | None, load: str) -> dict:
        names = fields or [f for f in self.fields[model] if f != "id"]
        out: dict[str, Any] = {"id": row["id"]}
        for name in names:
            if name not in self.fields[model]:
                raise ValueError(f"Invalid field {name!r} on {model!r}")
            value = row[name]
            if self.fields[model][name]["type"] == "many2one" and value and load:
                value = [value, self.rows["res.country"][value]["name"]]
            out[name] = value
        return out

    def m_search_read(
        self, model, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        bad = [k for k in read_kwargs if k != "load"]
        if bad:
            raise TypeError(
                f"BaseModel._read_format() got an unexpected keyword argument {bad[0]!r}"
            )
        if order and order.split()[0] not in self.fields[model]:
            raise ValueError(f"Invalid field {order.split()[0]!r} on model {model!r}")
        rows = self._match(model, domain or [])
        rows = rows[offset : offset + limit if limit else None]
        load = read_kwargs.get("load", "_classic_read")
        return [self._shape(model, r, fields, load) for r in rows]

    def m_read(self, model, ids, fields=None, load="_classic_read"):
        return [
            self._shape(model, self.rows[model][i], fields, load)
            for i in ids
            if i in self.rows[model]
        ]

    def m_search(self, model, domain, offset=0, limit=None, order=None):
        return [r["id"] for r in self._match(model, domain)][
            offset : offset + limit if limit else None
        ]

    def m_search_count(self, model, domain, limit=None):
        return len(self._match(model, domain))

    def m_create(self, model, vals_list):
        single = isinstance(vals_list, dict)
        ids = []
        for vals in [vals_list] if single else vals_list:
            if not vals.get("name"):
                raise ValidationError("The operation cannot be completed: Contacts require a name")
            new_id = max(self.rows[model]) + 1
            row = {f: False for f in self.fields[model]}
            row.update(vals, id=new_id, write_date="2026-11-20 12:00:01")
            self.rows[model][new_id] = row
            ids.append(new_id)
        return ids[0] if single else ids

    def m_write(self, model, ids, vals):
        if vals.get("type") not in (None, "contact", "invoice"):
            raise ValueError(f"Wrong value for {model}.type: {vals['type']!r}")
        for i in ids:
            self.rows[model][i].update(vals)
        return True

    def m_fields_get(self, model, allfields=None, attributes=None):
        return {
            name: {k: v for k, v in spec.items() if not attributes or k in attributes}
            for name, spec in self.fields[model].items()
            if not allfields or name in allfields
        }

    def m_action_none(self, model, ids):
        return None


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


def json2(
    http: httpx.Client, model: str, method: str, body: Any = None, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"bearer {kw.pop('key', ADMIN_KEY)}", **kw.pop("headers", {})}
    return http.post(f"/json/2/{model}/{method}", json=body or {}, headers=headers, **kw)


def jsonrpc(http: httpx.Client, service: str, method: str, *args: Any) -> dict[str, Any]:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    response = http.post("/jsonrpc", json=payload)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 7
    return body


def execute_kw(
    http: httpx.Client,
    store: FakeStore,
    model: str,
    method: str,
    args: list,
    kwargs: dict | None = None,
    *,
    uid: int = 2,
    password: str = "admin",
) -> Any:
    body = jsonrpc(
        http, "object", "execute_kw", store.db, uid, password, model, method, args, kwargs or {}
    )
    assert "error" not in body, body.get("error")
    return body["result"]


def proxy(server: SimulatorServer, service: str, *, v1: bool = False) -> xmlrpc.client.ServerProxy:
    prefix = "/xmlrpc/" if v1 else "/xmlrpc/2/"
    return xmlrpc.client.ServerProxy(server.url + prefix + service, allow_none=False)


# --------------------------------------------------------------------------- versions


def test_version_endpoints(http: httpx.Client) -> None:
    for path in ("/web/version", "/json/version"):
        response = http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json() == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}


def test_common_version_over_rpc(server: SimulatorServer, http: httpx.Client) -> None:
    expected = {
        "server_version": "19.0",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
        "protocol_version": 1,
    }
    assert jsonrpc(http, "common", "version")["result"] == expected
    assert proxy(server, "common").version() == expected
    assert proxy(server, "common", v1=True).version() == expected


def test_posing_as_odoo_17_has_no_json2(store: FakeStore) -> None:
    with (
        SimulatorServer(store, version=(17, 0, 0, "final", 0, "")) as srv,
        httpx.Client(base_url=srv.url) as http,
    ):
        response = json2(http, "res.partner", "search_count", {"domain": []})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert http.get("/json/version").status_code == 404
        assert http.get("/web/version").json()["version"] == "17.0"
        assert proxy(srv, "common").version()["server_version_info"][0] == 17


# --------------------------------------------------------------------------- JSON-2 shapes


def test_json2_search_read_is_the_bare_result(http: httpx.Client) -> None:
    body = {
        "domain": [["is_company", "=", True]],
        "fields": ["name", "country_id"],
        "limit": 2,
        "order": "id",
        "context": {"lang": "en_US"},
    }
    response = json2(http, "res.partner", "search_read", body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "set-cookie" not in response.headers
    assert response.json() == [
        {"id": 1, "name": "Partner 1", "country_id": [233, "United States"]},
        {"id": 3, "name": "Partner 3", "country_id": [233, "United States"]},
    ]


def test_json2_load_empty_gives_plain_ids(http: httpx.Client) -> None:
    body = {"domain": [["id", "=", 1]], "fields": ["country_id"], "load": ""}
    assert json2(http, "res.partner", "search_read", body).json() == [{"id": 1, "country_id": 233}]


def test_json2_read_count_search_create_write_fields_get(
    http: httpx.Client, store: FakeStore
) -> None:
    assert json2(http, "res.partner", "read", {"ids": [1, 999], "fields": ["name"]}).json() == [
        {"id": 1, "name": "Partner 1"}
    ]
    assert json2(http, "res.partner", "search_count", {"domain": []}).json() == 5
    assert json2(http, "res.partner", "search", {"domain": [["is_company", "=", True]]}).json() == [
        1,
        3,
        5,
    ]
    created = json2(http, "res.partner", "create", {"vals_list": [{"name": "New"}]})
    assert created.status_code == 200 and created.json() == [6]
    assert store.rows["res.partner"][6]["name"] == "New"
    assert json2(http, "res.partner", "write", {"ids": [6], "vals": {"phone": "+1"}}).json() is True
    assert store.rows["res.partner"][6]["phone"] == "+1"
    fields = json2(
        http, "res.partner", "fields_get", {"allfields": ["name"], "attributes": ["string", "type"]}
    ).json()
    assert fields == {"name": {"type": "char", "string": "Name"}}


def test_json2_passes_ids_and_context_to_the_store(http: httpx.Client, store: FakeStore) -> None:
    seen: list[dict[str, Any]] = []
    original = store.execute

    def spy(uid: int, model: str, method: str, args: list, kwargs: dict) -> Any:
        seen.append({"uid": uid, "args": list(args), "kwargs": dict(kwargs)})
        return original(uid, model, method, args, kwargs)

    store.execute = spy  # type: ignore[method-assign]
    json2(
        http,
        "res.partner",
        "read",
        {"ids": [1], "fields": ["name"], "context": {"active_test": False}},
        key=DEMO_KEY,
    )
    assert seen == [
        {
            "uid": 5,
            "args": [],
            "kwargs": {"ids": [1], "fields": ["name"], "context": {"active_test": False}},
        }
    ]


def test_json2_empty_body_is_no_arguments(http: httpx.Client) -> None:
    response = http.post(
        "/json/2/res.partner/search_read", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status_code == 200
    assert len(response.json()) == 5


# --------------------------------------------------------------------------- RPC shapes


def test_jsonrpc_execute_kw_shapes(http: httpx.Client, store: FakeStore) -> None:
    rows = execute_kw(
        http,
        store,
        "res.partner",
        "search_read",
        [[["is_company", "=", True]]],
        {"fields": ["name", "country_id"], "limit": 2, "order": "id"},
    )
    assert rows == [
        {"id": 1, "name": "Partner 1", "country_id": [233, "United States"]},
        {"id": 3, "name": "Partner 3", "country_id": [233, "United States"]},
    ]
    assert execute_kw(
        http,
        store,
        "res.partner",
        "search_read",
        [[["id", "=", 2]]],
        {"fields": ["country_id"], "load": ""},
    ) == [{"id": 2, "country_id": False}]
    assert execute_kw(http, store, "res.partner", "read", [[1]], {"fields": ["name"]}) == [
        {"id": 1, "name": "Partner 1"}
    ]
    assert execute_kw(http, store, "res.partner", "read", [[999]], {"fields": ["name"]}) == []
    assert execute_kw(http, store, "res.partner", "search_count", [[]]) == 5
    new_id = execute_kw(http, store, "res.partner", "create", [{"name": "Via JSON-RPC"}])
    assert new_id == 6
    assert execute_kw(http, store, "res.partner", "write", [[6], {"phone": "+2"}]) is True
    assert store.rows["res.partner"][6]["phone"] == "+2"
    fields = execute_kw(http, store, "res.partner", "fields_get", [], {"attributes": ["type"]})
    assert fields["name"] == {"type": "char"}
    # plain `execute` (positional only) works too
    body = jsonrpc(
        http, "object", "execute", store.db, 2, "admin", "res.partner", "search_count", []
    )
    assert body["result"] == 6


def test_jsonrpc_none_result_omits_result_member(http: httpx.Client, store: FakeStore) -> None:
    body = jsonrpc(
        http, "object", "execute_kw", store.db, 2, "admin", "res.partner", "action_none", [[1]], {}
    )
    assert "result" not in body and "error" not in body


def test_xmlrpc_shapes_v2_and_v1(server: SimulatorServer, store: FakeStore) -> None:
    for v1 in (False, True):
        obj = proxy(server, "object", v1=v1)
        rows = obj.execute_kw(
            store.db,
            2,
            "admin",
            "res.partner",
            "search_read",
            [[["id", "in", [1, 2]]]],
            {"fields": ["name", "country_id", "write_date"]},
        )
        assert rows == [
            {
                "id": 1,
                "name": "Partner 1",
                "country_id": [233, "United States"],
                "write_date": "2026-11-20 12:00:00",
            },
            {
                "id": 2,
                "name": "Partner 2",
                "country_id": False,
                "write_date": "2026-11-20 12:00:00",
            },
        ]
        assert obj.execute_kw(
            store.db,
            2,
            "admin",
            "res.partner",
            "search_read",
            [[["id", "=", 1]]],
            {"fields": ["country_id"], "load": ""},
        ) == [{"id": 1, "country_id": 233}]
        assert obj.execute_kw(
            store.db, 2, "admin", "res.partner", "read", [[1]], {"fields": ["name"]}
        ) == [{"id": 1, "name": "Partner 1"}]
        assert obj.execute_kw(store.db, 2, "admin", "res.partner", "search_count", [[]]) == len(
            store.rows["res.partner"]
        )
        new_id = obj.execute_kw(
            store.db, 2, "admin", "res.partner", "create", [{"name": "X <&> y"}]
        )
        assert obj.execute_kw(
            store.db, 2, "admin", "res.partner", "read", [[new_id]], {"fields": ["name"]}
        ) == [{"id": new_id, "name": "X <&> y"}]
        assert (
            obj.execute_kw(
                store.db, 2, "admin", "res.partner", "write", [[new_id], {"phone": "+3"}]
            )
            is True
        )
        assert (
            obj.execute_kw(
                store.db, 2, "admin", "res.partner", "fields_get", [], {"allfields": ["name"]}
            )["name"]["type"]
            == "char"
        )
        assert obj.execute(store.db, 2, "admin", "res.partner", "search", [["id", "=", 1]]) == [1]


def test_xmlrpc_raw_response_matches_odoo_bytes(http: httpx.Client, store: FakeStore) -> None:
    request = xmlrpc.client.dumps(
        (
            store.db,
            2,
            "admin",
            "res.partner",
            "search_read",
            [[["id", "=", 1]]],
            {"fields": ["name", "country_id"]},
        ),
        "execute_kw",
    )
    response = http.post("/xmlrpc/2/object", content=request, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.text == (
        '<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n'
        "<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n"
        "<member>\n<name>name</name>\n<value><string>Partner 1</string></value>\n</member>\n"
        "<member>\n<name>country_id</name>\n<value><array><data>\n<value><int>233</int></value>\n"
        "<value><string>United States</string></value>\n</data></array></value>\n</member>\n"
        "</struct></value>\n</data></array></value>\n</param>\n</params>\n\n</methodResponse>\n"
    )


def test_xmlrpc_dates_travel_as_strings(server: SimulatorServer, store: FakeStore) -> None:
    store.rows["res.partner"][1]["write_date"] = datetime(2026, 11, 20, 9, 30, 15, 123456)
    rows = proxy(server, "object").execute_kw(
        store.db, 2, "admin", "res.partner", "read", [[1]], {"fields": ["write_date"]}
    )
    assert rows == [{"id": 1, "write_date": "2026-11-20 09:30:15"}]


# --------------------------------------------------------------------------- auth


def test_bearer_scheme_is_case_insensitive(http: httpx.Client) -> None:
    for scheme in ("bearer", "Bearer", "BEARER"):
        response = http.post(
            "/json/2/res.partner/search_count",
            json={"domain": []},
            headers={"Authorization": f"{scheme} {ADMIN_KEY}"},
        )
        assert response.status_code == 200 and response.json() == 5


def test_authenticate_password_and_key_as_password(
    server: SimulatorServer, http: httpx.Client, store: FakeStore
) -> None:
    assert jsonrpc(http, "common", "authenticate", store.db, "admin", "admin", {})["result"] == 2
    assert jsonrpc(http, "common", "authenticate", store.db, "admin", ADMIN_KEY, {})["result"] == 2
    assert (
        jsonrpc(http, "common", "authenticate", store.db, "admin", "wrong", {})["result"] is False
    )
    assert jsonrpc(http, "common", "login", store.db, "demo", "demo")["result"] == 5
    common = proxy(server, "common")
    assert common.authenticate(store.db, "admin", "admin", {}) == 2
    assert common.authenticate(store.db, "admin", "wrong", {}) is False
    assert common.login(store.db, "demo", DEMO_KEY) == 5


def test_execute_kw_with_key_as_password_without_authenticate(
    server: SimulatorServer, http: httpx.Client, store: FakeStore
) -> None:
    assert execute_kw(http, store, "res.partner", "search_count", [[]], password=ADMIN_KEY) == 5
    assert (
        proxy(server, "object").execute_kw(
            store.db, 5, DEMO_KEY, "res.partner", "search_count", [[]]
        )
        == 5
    )
    # the admin's password is not the demo user's
    with pytest.raises(xmlrpc.client.Fault) as info:
        proxy(server, "object").execute_kw(
            store.db, 5, "admin", "res.partner", "search_count", [[]]
        )
    assert info.value.faultCode == 3


# --------------------------------------------------------------------------- databases


def test_json2_database_header(http: httpx.Client, store: FakeStore) -> None:
    ok = json2(
        http, "res.partner", "search_count", {"domain": []}, headers={"X-Odoo-Database": store.db}
    )
    assert ok.status_code == 200 and ok.json() == 5
    other = json2(
        http,
        "res.partner",
        "search_count",
        {"domain": []},
        headers={"X-Odoo-Database": "no_such_db"},
    )
    # Odoo serves an unknown database as "no database": the bearer route does not exist there
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("text/html")


def test_unknown_database_over_rpc(
    server: SimulatorServer, http: httpx.Client, store: FakeStore
) -> None:
    for service, method, args in (
        ("common", "authenticate", ["no_such_db", "admin", "admin", {}]),
        ("object", "execute_kw", ["no_such_db", 2, "admin", "res.partner", "search_count", [[]]]),
    ):
        data = jsonrpc(http, service, method, *args)["error"]["data"]
        assert data["name"] == "psycopg2.OperationalError"
        assert 'database "no_such_db" does not exist' in data["message"]
    with pytest.raises(xmlrpc.client.Fault) as info:
        proxy(server, "common").authenticate("no_such_db", "admin", "admin", {})
    assert info.value.faultCode == 1
    assert "psycopg2.OperationalError: connection to server" in info.value.faultString
    assert 'database "no_such_db" does not exist' in info.value.faultString


def test_db_service(http: httpx.Client, store: FakeStore) -> None:
    data = jsonrpc(http, "db", "list")["error"]["data"]
    assert data["name"] == "odoo.exceptions.AccessDenied" and data["message"] == "Access Denied"
    assert jsonrpc(http, "db", "server_version")["result"] == "19.0"
    assert jsonrpc(http, "db", "db_exist", store.db)["result"] is True


# --------------------------------------------------------------------------- plumbing


def test_keep_alive_reuses_one_connection(server: SimulatorServer, store: FakeStore) -> None:
    with httpx.Client(base_url=server.url, limits=httpx.Limits(max_connections=1)) as http:
        ports = set()
        for _ in range(5):
            response = json2(http, "res.partner", "search_count", {"domain": []})
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == len(response.content)
            stream = response.extensions["network_stream"]
            ports.add(stream.get_extra_info("client_addr")[1])
        assert len(ports) == 1
    assert server.requests_served == 5


def test_many_servers_in_one_process(store: FakeStore) -> None:
    servers = [SimulatorServer(store).start() for _ in range(4)]
    try:
        assert len({s.url for s in servers}) == 4
        for s in servers:
            assert httpx.get(s.url + "/web/version").status_code == 200
    finally:
        for s in servers:
            s.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(servers[0].url + "/web/version", timeout=2)


def test_concurrent_calls_all_answered(server: SimulatorServer, store: FakeStore) -> None:
    errors: list[BaseException] = []
    results: dict[int, list[Any]] = {}

    def worker(n: int) -> None:
        try:
            out: list[Any] = []
            with httpx.Client(base_url=server.url, timeout=30) as http:
                for _ in range(5):
                    out.append(
                        json2(
                            http, "res.partner", "read", {"ids": [n % 5 + 1], "fields": ["name"]}
                        ).json()
                    )
                    out.append(execute_kw(http, store, "res.partner", "search_count", [[]]))
            out.append(
                proxy(server, "object").execute_kw(
                    store.db, 2, "admin", "res.partner", "read", [[n % 5 + 1]], {"fields": ["name"]}
                )
            )
            results[n] = out
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(results) == 20
    for n, out in results.items():
        expected_row = [{"id": n % 5 + 1, "name": f"Partner {n % 5 + 1}"}]
        assert out[-1] == expected_row
        assert out[0:10:2] == [expected_row] * 5
        assert out[1:10:2] == [5] * 5
    assert server.requests_served == 20 * 11


def test_unknown_route_and_wrong_verb(http: httpx.Client) -> None:
    missing = http.get("/no/such/route")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert http.get("/xmlrpc/2/object").status_code == 405
    assert (
        http.post(
            "/jsonrpc", content=b"{nope", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_secrets_never_logged(
    server: SimulatorServer, http: httpx.Client, store: FakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_password = "s3cret-Passw0rd"
    store.users["admin"] = (2, secret_password, ADMIN_KEY)
    json2(http, "res.partner", "search_count", {"domain": []})
    json2(http, "res.partner", "search_count", {"domain": []}, key="f" * 40)
    json2(http, "no.such.model", "search_count", {"domain": []})
    jsonrpc(http, "common", "authenticate", store.db, "admin", secret_password, {})
    jsonrpc(
        http,
        "object",
        "execute_kw",
        store.db,
        2,
        secret_password,
        "res.partner",
        "search_count",
        [[]],
        {},
    )
    jsonrpc(
        http,
        "object",
        "execute_kw",
        store.db,
        2,
        secret_password,
        "res.partner",
        "search_read",
        [[["bad", "=", 1]]],
        {},
    )
    proxy(server, "object").execute_kw(store.db, 2, ADMIN_KEY, "res.partner", "search_count", [[]])
    assert any(r.name == "simulator.server" for r in caplog.records)  # logging did happen
    text = caplog.text
    for secret in (ADMIN_KEY, "f" * 40, secret_password):
        assert secret not in text
    assert not any(
        r.levelno >= logging.WARNING for r in caplog.records if r.name.startswith("simulator")
    )
