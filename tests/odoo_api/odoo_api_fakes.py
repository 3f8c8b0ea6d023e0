"""Helpers for the odoo_api tests: recorded samples and a scriptable fake Odoo.

The fake answers version/authenticate itself (so ``connect()`` works on every transport) and
hands every model call to ``fake.handler``, which tests point at recorded response bodies.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig

SAMPLES = Path(__file__).resolve().parents[2] / "simulator" / "odoo19" / "samples"
URL = "http://odoo.test:8069"
API_KEY = "SECRETKEY0123456789abcdef0123456789abcdef"
PASSWORD = "hunter2-SECRET-pw"


def load_samples() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in ("api_samples_readonly.json", "api_samples_mutating.json"):
        merged.update(json.loads((SAMPLES / name).read_text()))
    return merged


@dataclass
class Call:
    transport: str
    model: str
    method: str
    ids: list[int] | None
    args: list[Any]
    kwargs: dict[str, Any]
    request: httpx.Request


def version_answer(major: int) -> dict[str, Any]:
    return {
        "server_version": f"{major}.0",
        "server_version_info": [major, 0, 0, "final", 0, ""],
        "server_serie": f"{major}.0",
        "protocol_version": 1,
    }


def jsonrpc_result(result: Any, rid: Any = 1) -> httpx.Response:
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": rid, "result": result})


def xmlrpc_result(result: Any) -> httpx.Response:
    body = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
    return httpx.Response(200, content=body.encode(), headers={"Content-Type": "text/xml"})


def xmlrpc_fault(code: int | str, text: str) -> httpx.Response:
    fault = xmlrpc.client.Fault(code, text)  # type: ignore[arg-type]  # v1 codes are str
    body = xmlrpc.client.dumps(fault, methodresponse=True)
    return httpx.Response(200, content=body.encode(), headers={"Content-Type": "text/xml"})


def html_404() -> httpx.Response:
    """What a web server that is not Odoo (or an Odoo without the endpoint) answers."""
    return httpx.Response(
        404, text="<html><body>Not Found</body></html>", headers={"Content-Type": "text/html"}
    )


@dataclass
class FakeOdoo:
    """A scriptable Odoo: enough of each endpoint for connect() and model calls."""

    major: int = 19
    uid: int | bool = 2
    jsonrpc: bool = True
    json2: bool = True
    xmlrpc: bool = True
    databases: list[str] = field(default_factory=lambda: ["coo_demo"])
    handler: Callable[[Call], Any] | None = None
    auth_error: Callable[[str], httpx.Response] | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/jsonrpc" and self.jsonrpc:
            return self._jsonrpc(request)
        if path == "/json/version" and self.json2 and request.method == "GET":
            info = version_answer(self.major)
            return httpx.Response(
                200,
                json={"version_info": info["server_version_info"], "version": f"{self.major}.0"},
            )
        if path.startswith("/json/2/") and self.json2:
            _, _, _, model, method = path.split("/", 4)
            body = json.loads(request.content or b"{}")
            ids = body.pop("ids", None)
            return self._answer(Call("json2", model, method, ids, [], body, request), "json2")
        if path.startswith("/xmlrpc/2/") and self.xmlrpc:
            return self._xmlrpc(request, path.rsplit("/", 1)[-1])
        return html_404()

    @staticmethod
    def is_key_check(call: Call) -> bool:
        """The call connect() makes over JSON-2 to verify the API key."""
        if call.transport != "json2" or call.model != "res.users":
            return False
        if call.method == "context_get":
            return True
        domain = call.kwargs.get("domain") or [[None]]
        return call.method == "search_read" and domain[0][0] == "login"

    def _answer(self, call: Call, transport: str) -> httpx.Response:
        value: Any
        if self.is_key_check(call):
            if self.auth_error is not None:
                return self.auth_error(transport)
            value = [{"id": self.uid}] if call.method == "search_read" else {"lang": "en_US"}
        else:
            self.calls.append(call)
            value = self.handler(call) if self.handler else None
        if isinstance(value, httpx.Response):
            return value
        if transport == "json2":
            return httpx.Response(200, json=value)
        if transport == "jsonrpc":
            return jsonrpc_result(value)
        return xmlrpc_result(value)

    def _rpc_common(self, service: str, method: str, args: list[Any], transport: str) -> Any:
        if service == "common" and method == "version":
            return version_answer(self.major)
        if service == "common" and method == "authenticate":
            if self.auth_error is not None:
                return self.auth_error(transport)
            return self.uid
        if service == "db" and method == "list":
            return self.databases
        raise AssertionError(f"unexpected {service}.{method}")

    def _jsonrpc(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        params = body["params"]
        service, method, args = params["service"], params["method"], params["args"]
        if service == "object":
            _db, _uid, _secret, model, meth, margs, kwargs = args
            ids = (
                margs[0]
                if margs
                and isinstance(margs[0], list)
                and all(isinstance(i, int) for i in margs[0])
                else None
            )
            return self._answer(
                Call("jsonrpc", model, meth, ids, margs, kwargs, request), "jsonrpc"
            )
        value = self._rpc_common(service, method, args, "jsonrpc")
        if isinstance(value, httpx.Response):
            return value
        return jsonrpc_result(value, body["id"])

    def _xmlrpc(self, request: httpx.Request, service: str) -> httpx.Response:
        raw, method = xmlrpc.client.loads(request.content)
        params: list[Any] = list(raw)
        if service == "object":
            _db, _uid, _secret, model, meth, margs, kwargs = params
            ids = (
                margs[0]
                if margs
                and isinstance(margs[0], list)
                and all(isinstance(i, int) for i in margs[0])
                else None
            )
            return self._answer(
                Call("xmlrpc", model, meth, ids, list(margs), kwargs, request), "xmlrpc"
            )
        value = self._rpc_common(service, method or "", list(params), "xmlrpc")
        if isinstance(value, httpx.Response):
            return value
        return xmlrpc_result(value)


def make_client(
    fake: Callable[[httpx.Request], httpx.Response],
    *,
    transport: str = "auto",
    api_key: str | None = API_KEY,
    password: str | None = None,
    username: str | None = "admin",
    db: str | None = "coo_demo",
    sleeps: list[float] | None = None,
    **cfg: Any,
) -> OdooClient:
    config = OdooConfig(
        url=URL,
        db=db,
        username=username,
        api_key=api_key,
        password=password,
        transport=transport,  # type: ignore[arg-type]
        **cfg,
    )
    http = httpx.Client(transport=httpx.MockTransport(fake))
    record = sleeps if sleeps is not None else []
    return OdooClient(config, http=http, sleep=record.append)
