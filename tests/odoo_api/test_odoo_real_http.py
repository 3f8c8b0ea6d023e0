"""The client over real sockets (a tiny stdlib HTTP server standing in for Odoo 19)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from odoo_api_fakes import API_KEY, version_answer

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.errors import OdooConnectionError, OdooTimeoutError

pytestmark = pytest.mark.integration


class _State:
    def __init__(self) -> None:
        self.ports: set[int] = set()
        self.fail_next = 0
        self.slow = 0.0
        self.calls = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    state: _State

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # the client may have given up (timeout test)

    def do_GET(self) -> None:
        self.state.ports.add(self.client_address[1])
        if self.path == "/json/version":
            self._send(200, {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"})
        else:
            self._send(404, {"error": "nope"})

    def do_POST(self) -> None:
        self.state.ports.add(self.client_address[1])
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path == "/jsonrpc":
            self._send(200, {"jsonrpc": "2.0", "id": body["id"], "result": version_answer(19)})
            return
        if self.headers.get("Authorization") != f"bearer {API_KEY}":
            self._send(
                401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"}
            )
            return
        if self.path == "/json/2/res.users/search_read":
            self._send(200, [{"id": 2}])
            return
        self.state.calls += 1
        if self.state.slow:
            time.sleep(self.state.slow)
        if self.state.fail_next > 0:
            self.state.fail_next -= 1
            self._send(503, {"error": "busy"}, {"Retry-After": "0"})
            return
        self._send(200, 60)


@pytest.fixture
def server() -> Iterator[tuple[str, _State]]:
    state = _State()
    handler = type("H", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _client(url: str, **cfg: Any) -> OdooClient:
    config = OdooConfig(url=url, db=None, username="admin", api_key=API_KEY, **cfg)
    return OdooClient(config, sleep=lambda s: None)


def test_real_http_json2_keep_alive_and_503_retry(server: tuple[str, _State]) -> None:
    url, state = server
    state.fail_next = 2
    with _client(url) as client:
        client.connect()
        assert client.transport_name == "json2"
        assert client.search_count("res.partner") == 60
        for _ in range(5):
            assert client.search_count("res.partner") == 60
    assert state.calls == 8  # 2 refused with 503 + 6 answered
    assert len(state.ports) == 1  # one pooled connection served every request


def test_real_http_read_timeout(server: tuple[str, _State]) -> None:
    url, state = server
    with _client(url, timeout=0.3, max_retries=1) as client:
        client.connect()
        state.slow = 1.0
        with pytest.raises(OdooTimeoutError, match=r"did not answer within 0\.3s"):
            client.search_count("res.partner")
    assert state.calls == 2


def test_real_connection_refused_fails_fast() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    sleeps: list[float] = []
    config = OdooConfig(url=f"http://127.0.0.1:{port}", db="d", username="u", api_key=API_KEY)
    client = OdooClient(config, sleep=sleeps.append)
    started = time.monotonic()
    with pytest.raises(
        OdooConnectionError,
        match=f"cannot reach Odoo at http://127.0.0.1:{port}: connection refused",
    ):
        client.connect()
    assert len(sleeps) == 2
    assert time.monotonic() - started < 5
