"""The socket plumbing of the simulated Odoo server (request handler, threading HTTP server,
fault injection on the wire) and :class:`SimulatorServer`, the object tests and the CLI hold."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import urlsplit

from simulator.faults import FaultConfig, FaultInjector, fault_response
from simulator.server.protocol import HTML_CT, WriteCall, _App, _Response
from simulator.versions import ODOO_19

logger = logging.getLogger("simulator.server")  # one logger name for the whole server


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the fault injector or the app answer it, writes it back."""

    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/3.0.6"
    sys_version = "Python/3.11"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        owner = self.server.owner
        started = time.perf_counter()
        # Counted on arrival, before the answer is written: a client that has its answer
        # always sees the count include its request.
        owner._served()
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._write(_Response(400, b"Bad Request", HTML_CT))
            return
        path = urlsplit(self.path).path
        kind = owner._injector.decide(path)
        if kind is not None:
            logger.debug("fault %s injected on %s %s", kind, self.command, path)
            self._inject(kind, owner)
            return
        if owner.latency_s:
            # network round trip plus Odoo's per-request work (auth, cursor, registry check)
            time.sleep(owner.latency_s)
        try:
            response = owner._app.dispatch(self.command, self.path, self.headers, body)
        except Exception:
            logger.exception("simulator failed on %s %s", self.command, path)
            response = _Response(500, b"Internal Server Error", HTML_CT)
        self._write(response)
        logger.debug(
            "%s %s -> %s (%d bytes, %.1f ms)",
            self.command,
            path,
            response.status,
            len(response.body),
            (time.perf_counter() - started) * 1000,
        )

    def _inject(self, kind: str, owner: SimulatorServer) -> None:
        config = owner._injector.config
        if kind == "timeout":
            owner._stopping.wait(config.timeout_s)
            self._drop(reset=False)
        elif kind == "reset":
            self._drop(reset=True)
        else:
            fault = fault_response(kind, config.retry_after)
            self.send_response(fault.status, fault.reason)
            for name, value in fault.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(fault.body)

    def _drop(self, *, reset: bool) -> None:
        """Close the connection without an answer; with ``reset``, as an RST (SO_LINGER 0)."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.rfile.close()  # drops the last io reference: the descriptor really closes now

    def _write(self, response: _Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no secret (keys travel in headers, passwords in bodies);
        # still, keep it at DEBUG so the server is quiet by default.
        logger.debug("%s - %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: SimulatorServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall on a
        # machine without DNS; the loopback name is all we need.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake keep-alive handler threads blocked on a read, so they end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-answer are routine (timeouts, retries): log quietly
        # instead of socketserver's traceback on stderr.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class SimulatorServer:
    """A simulated Odoo server on a loopback port, serving ``store``.

    ``version`` poses as another release (e.g. ``(17, 0, 0, "final", 0, "")``, which has no
    JSON-2: ``/json/2/...`` and ``/json/version`` then 404 like unknown routes).
    ``faults`` injects transient failures before requests reach the store; ``latency_ms``
    delays every request, standing for the network and Odoo's own per-request work.
    """

    def __init__(
        self,
        store: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: FaultConfig | None = None,
        version: tuple[Any, ...] = ODOO_19,
        latency_ms: float = 0.0,
    ) -> None:
        self.store = store
        self.latency_s = max(0.0, latency_ms) / 1000.0
        self.host = host
        self.port = port
        self.version = tuple(version)
        self._app = _App(store, self.version)
        self._injector = FaultInjector(faults or FaultConfig())
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._count_lock = threading.Lock()
        self._requests = 0
        self._url: str | None = None

    # ------------------------------------------------------------------ state

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; known once the server is bound (after start())."""
        if self._url is None:
            raise RuntimeError("the simulator server is not started: call start() first")
        return self._url

    @property
    def requests_served(self) -> int:
        """HTTP requests received so far (counted on arrival), faulted ones included."""
        with self._count_lock:
            return self._requests

    @property
    def faults_injected(self) -> dict[str, int]:
        """Injected faults so far, per kind ("503", "reset", ...)."""
        return self._injector.counts()

    @property
    def write_calls(self) -> list[WriteCall]:
        """Every data-changing call received, in order, with its result or error."""
        with self._app.store_lock:
            return list(self._app.write_calls)

    @property
    def faults(self) -> FaultConfig:
        return self._injector.config

    def _served(self) -> None:
        with self._count_lock:
            self._requests += 1

    def fail_next(self, n: int = 1, kind: str = "503") -> None:
        """Make the next ``n`` eligible requests fail with ``kind`` (for targeted tests)."""
        self._injector.fail_next(n, kind)

    # ------------------------------------------------------------------ lifecycle

    def _bind(self) -> _HTTPServer:
        if self._httpd is not None:
            raise RuntimeError("the simulator server is already started")
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), self)
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        self.port = int(port)
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        self._url = f"http://{shown}:{self.port}"
        logger.info(
            "simulated Odoo %s serving database %r at %s",
            self._app.version_str,
            self.store.db,
            self._url,
        )
        return httpd

    def start(self) -> SimulatorServer:
        """Bind and serve in a daemon thread; returns self (``SimulatorServer(s).start()``)."""
        httpd = self._bind()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"odoo-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until stop() or KeyboardInterrupt."""
        httpd = self._bind()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        self._close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _close(self) -> None:
        httpd = self._httpd
        if httpd is None:
            return
        self._httpd = None
        self._stopping.set()
        httpd.server_close()
        httpd.close_connections()

    def __enter__(self) -> SimulatorServer:
        return self if self._httpd is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_forever(
    store: Any,
    host: str = "127.0.0.1",
    port: int = 8069,
    faults: FaultConfig | None = None,
    latency_ms: float = 0.0,
) -> None:
    """Serve ``store`` until interrupted (``coo simulator serve``), as the Odoo release
    ``COO_SIM_ODOO_VERSION`` names (17 or 19, default 19)."""
    from simulator.versions import version_from_env

    SimulatorServer(
        store, host, port, faults=faults, latency_ms=latency_ms, version=version_from_env()
    ).serve_forever()
