"""The three wire formats Odoo speaks, behind one interface.

Every call is ``(model, method, ids-or-None, named params)``:

* JSON-2 (Odoo 19+): ``POST /json/2/<model>/<method>``, the named params (plus ``ids`` and
  ``context``) as the JSON body, ``Authorization: bearer <key>``, ``X-Odoo-Database``.
* JSON-RPC and XML-RPC (Odoo 16-19): ``object.execute_kw(db, uid, secret, model, method,
  args, kwargs)`` with ``args = [ids]`` for record methods and the named params as kwargs,
  except the few parameters Odoo's ``call_kw`` needs positionally (``create``'s ``vals_list``,
  ``write``'s ``vals``).

Each transport makes exactly ONE HTTP attempt per call and turns every failure into an
:class:`~odoo_api.errors.OdooError` carrying retry hints; :mod:`odoo_api.retry` decides what
to resend. All three share one ``httpx.Client`` so timeouts, keep-alive and pooling match.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import xmlrpc.client
from abc import ABC, abstractmethod
from typing import Any
from xml.parsers.expat import ExpatError

import httpx
import orjson

from odoo_api.config import OdooConfig, safe_url
from odoo_api.errors import (
    OdooAuthError,
    OdooConnectionError,
    OdooError,
    OdooNotFoundError,
    OdooServerError,
    OdooTimeoutError,
    OdooTransientError,
    OdooValidationError,
    first_line,
    make_error,
)
from odoo_api.retry import parse_retry_after

__all__ = [
    "EndpointAbsent",
    "JSON2Transport",
    "JSONRPCTransport",
    "Transport",
    "XMLRPCTransport",
    "fault_to_error",
    "normalize_version",
]

logger = logging.getLogger("odoo_api.client")

#: Parameters Odoo's RPC ``call_kw`` must receive positionally (after ``ids``).
RPC_POSITIONAL: dict[str, tuple[str, ...]] = {
    "create": ("vals_list",),
    "write": ("vals",),
}


def _parse_json(response: httpx.Response) -> Any:
    """The JSON body; orjson reads a 5,000-row page several times faster than ``json``.
    What orjson refuses (NaN, integers beyond 64 bits) falls back to the standard parser."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return json.loads(response.content)


class EndpointAbsent(OdooConnectionError):
    """The server answered, but not on this endpoint (404, or not Odoo's format there).

    Used by version detection to fall back to another transport.
    """


def normalize_version(raw: dict[str, Any]) -> dict[str, Any]:
    """One shape for ``common.version`` and ``GET /json/version`` answers."""
    info = raw.get("server_version_info") or raw.get("version_info") or []
    version = raw.get("server_version") or raw.get("version")
    if not version and info:
        version = ".".join(str(part) for part in info[:2])
    out = dict(raw)
    out["server_version"] = version
    out["server_version_info"] = list(info)
    out.setdefault("server_serie", version)
    out.setdefault("protocol_version", 1)
    return out


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _none_to_false(value: Any) -> Any:
    """XML-RPC cannot carry None (Odoo marshals with allow_none=False); Odoo reads False
    as "empty" everywhere, so nested Nones become False."""
    if value is None:
        return False
    if isinstance(value, dict):
        return {key: _none_to_false(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_none_to_false(item) for item in value]
    return value


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if any(
        marker in text
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "name resolution",
            "no address associated",
        )
    ):
        return "host name not found (DNS)"
    if "ssl" in text or "certificate" in text:
        return f"TLS error ({first_line(str(exc))})"
    return first_line(str(exc)) or type(exc).__name__


class Transport(ABC):
    """One wire format. Subclasses implement one attempt of each operation."""

    name: str = ""

    def __init__(self, http: httpx.Client, config: OdooConfig) -> None:
        self.http = http
        self.config = config
        self.url = config.url
        self.shown_url = safe_url(config.url)
        self.db: str | None = config.db
        self.uid: int | None = None

    # -- HTTP with failure mapping -------------------------------------------------------

    def _send(
        self, method: str, path: str, *, model: str | None, op: str, **kwargs: Any
    ) -> httpx.Response:
        """One HTTP exchange; network failures become errors with retry hints."""
        target = f"{self.url}{path}"
        try:
            response = self.http.request(method, target, **kwargs)
        except httpx.ConnectTimeout as exc:
            raise self._net_error(
                OdooConnectionError,
                f"cannot reach Odoo at {self.shown_url}: connection timed out",
                model,
                op,
                not_processed=True,
            ) from exc
        except httpx.PoolTimeout as exc:
            raise self._net_error(
                OdooTimeoutError,
                f"no free connection to {self.shown_url} in time",
                model,
                op,
                not_processed=True,
            ) from exc
        except httpx.TimeoutException as exc:
            raise self._net_error(
                OdooTimeoutError,
                f"Odoo at {self.shown_url} did not answer within {self.config.timeout:g}s",
                model,
                op,
                not_processed=False,
            ) from exc
        except httpx.ConnectError as exc:
            raise self._net_error(
                OdooConnectionError,
                f"cannot reach Odoo at {self.shown_url}: {_reason(exc)}",
                model,
                op,
                not_processed=True,
            ) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise self._net_error(
                OdooTransientError,
                f"connection to {self.shown_url} broke: {_reason(exc)}",
                model,
                op,
                not_processed=False,
            ) from exc
        except httpx.TransportError as exc:
            raise OdooConnectionError(
                f"cannot reach Odoo at {self.shown_url}: {_reason(exc)}",
                model=model,
                method=op,
                url=self.shown_url,
                transport=self.name,
            ) from exc
        self._check_overload(response, model, op)
        return response

    def _net_error(
        self,
        cls: type[OdooError],
        text: str,
        model: str | None,
        op: str,
        *,
        not_processed: bool,
    ) -> OdooError:
        where = f"{model}.{op}" if model else op
        exc = cls(
            f"{where}: {text}", model=model, method=op, url=self.shown_url, transport=self.name
        )
        exc.retryable = True
        exc.not_processed = not_processed
        return exc

    def _check_overload(self, response: httpx.Response, model: str | None, op: str) -> None:
        """429/502/503/504: overload or a proxy in trouble, whatever the body says."""
        status = response.status_code
        if status not in (429, 502, 503, 504):
            return
        where = f"{model}.{op}" if model else op
        exc = OdooTransientError(
            f"{where}: HTTP {status} {response.reason_phrase} from {self.shown_url} "
            "(temporary: try again later)",
            model=model,
            method=op,
            status=status,
            url=self.shown_url,
            transport=self.name,
            server_message=response.text[:2000] or None,
        )
        exc.retryable = True
        # 429 and 503 mean "not handled"; 502/504 come from a proxy that may have passed the
        # request on, so for a write the outcome is unknown.
        exc.not_processed = status in (429, 503)
        if status in (429, 503):
            exc.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise exc

    def _not_odoo(self, path: str, response: httpx.Response, model: str | None, op: str) -> None:
        where = f"{model}.{op}" if model else op
        raise EndpointAbsent(
            f"{where}: {self.shown_url}{path} answered HTTP {response.status_code} "
            f"({response.headers.get('content-type', 'no content type')}), not Odoo's "
            f"{self.name} format: check ODOO_URL",
            model=model,
            method=op,
            status=response.status_code,
            url=self.shown_url,
            transport=self.name,
        )

    # -- operations ------------------------------------------------------------------------

    @abstractmethod
    def version(self) -> dict[str, Any]:
        """The server's version answer (no authentication)."""

    @abstractmethod
    def authenticate(self) -> int | None:
        """Log in (RPC) and return the uid; JSON-2 has no login step and returns None."""

    @abstractmethod
    def execute(
        self, model: str, method: str, ids: list[int] | None, params: dict[str, Any]
    ) -> Any:
        """Call ``model.method`` once; ``params`` are named and already free of None."""

    def list_databases(self) -> list[str]:
        """``db.list`` (RPC only), used to pick the database when ODOO_DB is unset. JSON-2
        has no such route: the client turns this into "set ODOO_DB"."""
        raise OdooNotFoundError("this transport cannot list the server's databases")


class JSON2Transport(Transport):
    """Odoo 19+ ``/json/2``: bearer API key, named arguments, real HTTP statuses."""

    name = "json2"

    def __init__(self, http: httpx.Client, config: OdooConfig) -> None:
        super().__init__(http, config)
        self.headers = {"Content-Type": "application/json"}
        if config.api_key:
            self.headers["Authorization"] = f"bearer {config.api_key}"
        if config.db:
            self.headers["X-Odoo-Database"] = config.db

    def version(self) -> dict[str, Any]:
        path = "/json/version"
        response = self._send("GET", path, model=None, op="version")
        if response.status_code != 200:
            self._not_odoo(path, response, None, "version")
        try:
            body = response.json()
        except ValueError:
            self._not_odoo(path, response, None, "version")
        if not isinstance(body, dict) or not (body.get("version_info") or body.get("version")):
            self._not_odoo(path, response, None, "version")
        return normalize_version(body)

    def authenticate(self) -> int | None:
        return None

    def execute(
        self, model: str, method: str, ids: list[int] | None, params: dict[str, Any]
    ) -> Any:
        body = dict(params)
        if ids is not None:
            body["ids"] = list(ids)
        path = f"/json/2/{model}/{method}"
        response = self._send(
            "POST",
            path,
            model=model,
            op=method,
            content=json.dumps(body).encode("utf-8"),
            headers=self.headers,
        )
        status = response.status_code
        if 300 <= status < 400:
            self._redirected(response, model, method)
        payload: Any
        try:
            payload = _parse_json(response)
        except ValueError:
            payload = None
            if status == 200:
                self._not_odoo(path, response, model, method)
        if status == 200:
            return payload
        if isinstance(payload, dict) and "name" in payload and "message" in payload:
            raise self._odoo_error(payload, status, model, method)
        self._bare_status(path, response, model, method)
        return None  # unreachable: _bare_status always raises

    def _odoo_error(
        self, payload: dict[str, Any], status: int, model: str, method: str
    ) -> OdooError:
        name = payload.get("name")
        message = payload.get("message") or ""
        debug = payload.get("debug")
        if status == 401:
            return OdooAuthError(
                f"Odoo at {self.shown_url} rejected the API key: {first_line(message)} "
                "(check ODOO_API_KEY: JSON-2 needs an API key from Preferences > "
                "Account Security, not a password)",
                odoo_name=name,
                model=model,
                method=method,
                server_message=message,
                debug=debug,
                status=status,
                url=self.shown_url,
                transport=self.name,
            )
        return make_error(
            name,
            message,
            model=model,
            method=method,
            debug=debug,
            status=status,
            url=self.shown_url,
            transport=self.name,
        )

    def _redirected(self, response: httpx.Response, model: str, method: str) -> None:
        location = safe_url(response.headers.get("location", "?"))
        if self.db:
            raise OdooAuthError(
                f"database '{self.db}' does not exist or is not served at {self.shown_url} "
                f"(Odoo redirected {model}.{method} to {location}): check ODOO_DB",
                model=model,
                method=method,
                status=response.status_code,
                url=self.shown_url,
                transport=self.name,
            )
        raise OdooConnectionError(
            f"{self.shown_url} redirected {model}.{method} to {location}: set ODOO_URL to "
            "the final address, or ODOO_DB when the server hosts several databases",
            model=model,
            method=method,
            status=response.status_code,
            url=self.shown_url,
            transport=self.name,
        )

    def _bare_status(self, path: str, response: httpx.Response, model: str, method: str) -> None:
        status = response.status_code
        if status == 404:
            if self.db:
                raise OdooAuthError(
                    f"{self.shown_url} has no JSON-2 endpoint for database '{self.db}' "
                    f"({model}.{method} answered a bare 404): the database does not exist "
                    "or is not served there; check ODOO_DB",
                    model=model,
                    method=method,
                    status=status,
                    url=self.shown_url,
                    transport=self.name,
                )
            self._not_odoo(path, response, model, method)
        if status == 401:
            raise OdooAuthError(
                f"Odoo at {self.shown_url} rejected the API key (HTTP 401): check ODOO_API_KEY",
                model=model,
                method=method,
                status=status,
                url=self.shown_url,
                transport=self.name,
            )
        raise OdooServerError(
            f"{model}.{method} failed: HTTP {status} {response.reason_phrase} from "
            f"{self.shown_url}",
            model=model,
            method=method,
            status=status,
            url=self.shown_url,
            transport=self.name,
            server_message=response.text[:2000] or None,
        )


class _RPCTransport(Transport):
    """What JSON-RPC and XML-RPC share: ``common.version``/``authenticate``, ``execute_kw``."""

    def _rpc(
        self, service: str, method: str, args: list[Any], *, model: str | None, op: str
    ) -> Any:
        raise NotImplementedError

    def version(self) -> dict[str, Any]:
        result = self._rpc("common", "version", [], model=None, op="version")
        if not isinstance(result, dict):
            raise EndpointAbsent(
                f"version: {self.shown_url} did not answer common.version like Odoo: check ODOO_URL",
                url=self.shown_url,
                transport=self.name,
            )
        return normalize_version(result)

    def list_databases(self) -> list[str]:
        result = self._rpc("db", "list", [], model=None, op="list")
        return [str(name) for name in result or []]

    def authenticate(self) -> int | None:
        cfg = self.config
        if not self.db:
            raise OdooAuthError("no database to log in to: set ODOO_DB", transport=self.name)
        result = self._rpc(
            "common",
            "authenticate",
            [self.db, cfg.username or "", cfg.secret or "", {}],
            model=None,
            op="authenticate",
        )
        if not result:
            raise OdooAuthError(
                f"Odoo rejected login '{cfg.username}' on database '{self.db}': "
                "check ODOO_USERNAME and ODOO_API_KEY/ODOO_PASSWORD",
                method="authenticate",
                url=self.shown_url,
                transport=self.name,
            )
        self.uid = int(result)
        return self.uid

    def execute(
        self, model: str, method: str, ids: list[int] | None, params: dict[str, Any]
    ) -> Any:
        kwargs = dict(params)
        args: list[Any] = [list(ids)] if ids is not None else []
        for name in RPC_POSITIONAL.get(method, ()):
            if name in kwargs:
                args.append(kwargs.pop(name))
        extra = kwargs.pop("__args__", None)
        if extra:
            args.extend(extra)
        return self._rpc(
            "object",
            "execute_kw",
            [self.db, self.uid, self.config.secret or "", model, method, args, kwargs],
            model=model,
            op=method,
        )


class JSONRPCTransport(_RPCTransport):
    """``POST /jsonrpc`` (Odoo 8-19, deprecated in 19): HTTP 200 with ``result``/``error``."""

    name = "jsonrpc"

    def __init__(self, http: httpx.Client, config: OdooConfig) -> None:
        super().__init__(http, config)
        self._ids = itertools.count(1)

    def _rpc(
        self, service: str, method: str, args: list[Any], *, model: str | None, op: str
    ) -> Any:
        request = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        path = "/jsonrpc"
        response = self._send(
            "POST",
            path,
            model=model,
            op=op,
            content=json.dumps(request).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            body = _parse_json(response)
        except ValueError:
            body = None
        if (
            isinstance(body, dict)
            and response.status_code == 200
            and body.get("jsonrpc") == "2.0"
            and "result" not in body
            and "error" not in body
        ):
            # Odoo leaves "result" out when the method returned None (recorded on 17:
            # purchase.order.button_cancel answers {"jsonrpc": "2.0", "id": null})
            return None
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            if response.status_code == 200 or response.status_code in (404, 405):
                self._not_odoo(path, response, model, op)
            raise OdooServerError(
                f"{model + '.' if model else ''}{op} failed: HTTP {response.status_code} "
                f"{response.reason_phrase} from {self.shown_url}",
                model=model,
                method=op,
                status=response.status_code,
                url=self.shown_url,
                transport=self.name,
                server_message=response.text[:2000] or None,
            )
        if "error" in body and body["error"] is not None:
            raise self._error(body["error"], model, op)
        return body.get("result")

    def _error(self, error: dict[str, Any], model: str | None, op: str) -> OdooError:
        data = error.get("data") or {}
        name = data.get("name")
        message = data.get("message") or error.get("message") or ""
        code = error.get("code")
        if not name and code == 404:
            name = "werkzeug.exceptions.NotFound"
        if code == 100:
            name = name or "odoo.http.SessionExpiredException"
        return make_error(
            name,
            message,
            model=model,
            method=op,
            debug=data.get("debug"),
            url=self.shown_url,
            transport=self.name,
        )


_TRACEBACK_TAIL = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Denied|Warning|Failure|NotFound|Unauthorized|"
    r"Missing|Entity|Request)\w*): ?(.*)$",
    re.MULTILINE,
)


def _parse_traceback(text: str) -> tuple[str | None, str]:
    """The exception name and message at the end of a Python traceback."""
    matches = list(_TRACEBACK_TAIL.finditer(text or ""))
    if not matches:
        return None, ""
    last = matches[-1]
    name = last.group(1)
    message = text[last.start(2) :]
    for marker in ("\n\nDuring handling of the above", "\n\nThe above exception"):
        message = message.split(marker, 1)[0]
    message = message.strip()
    if "." not in name:
        name = f"builtins.{name}"
    return name, message


def fault_to_error(
    code: int | str, text: str, *, model: str | None, method: str, url: str
) -> OdooError:
    """Map an XML-RPC fault (``/xmlrpc/2`` int codes, ``/xmlrpc`` v1 string codes)."""
    text = text or ""
    name: str | None
    debug: str | None = None
    if isinstance(code, str):
        if code.startswith("warning -- "):
            head, _, rest = code[len("warning -- ") :].partition("\n")
            short = head.strip() or "UserError"
            name = (
                "odoo.exceptions.RedirectWarning"
                if short == "Warning"
                else f"odoo.exceptions.{short}"
            )
            message = rest.strip() or text
        elif code.strip() == "AccessDenied":
            name, message = "odoo.exceptions.AccessDenied", text or "Access Denied"
        else:
            parsed_name, parsed_msg = _parse_traceback(text)
            name, message, debug = parsed_name, code or parsed_msg, text
    elif code == 2:
        name, message = "odoo.exceptions.UserError", text
    elif code == 3:
        name, message = "odoo.exceptions.AccessDenied", text or "Access Denied"
    elif code == 4:
        name, message = "odoo.exceptions.AccessError", text
    else:
        # faultCode 1: the faultString is the whole traceback.
        name, message = _parse_traceback(text)
        debug = text
        if not message:
            message = "server error (Odoo's traceback is on the exception's .debug)"
    if name == "odoo.exceptions.UserError" and first_line(message).startswith(
        "The operation cannot be completed"
    ):
        name = "odoo.exceptions.ValidationError"
    return make_error(
        name,
        message,
        model=model,
        method=method,
        debug=debug,
        url=url,
        transport="xmlrpc",
    )


class XMLRPCTransport(_RPCTransport):
    """``/xmlrpc/2/common`` and ``/xmlrpc/2/object`` (deprecated in 19), over httpx."""

    name = "xmlrpc"

    def _rpc(
        self, service: str, method: str, args: list[Any], *, model: str | None, op: str
    ) -> Any:
        try:
            payload = xmlrpc.client.dumps(
                tuple(_none_to_false(args)), methodname=method, allow_none=False, encoding="utf-8"
            )
        except (TypeError, OverflowError) as exc:
            raise OdooValidationError(
                f"{model + '.' if model else ''}{op}: cannot encode the arguments as XML-RPC: {exc}",
                model=model,
                method=op,
                transport=self.name,
            ) from exc
        path = f"/xmlrpc/2/{service}"
        response = self._send(
            "POST",
            path,
            model=model,
            op=op,
            content=payload.encode("utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
        if response.status_code != 200:
            if response.status_code in (404, 405) or "xml" not in response.headers.get(
                "content-type", ""
            ):
                self._not_odoo(path, response, model, op)
            raise OdooServerError(
                f"{model + '.' if model else ''}{op} failed: HTTP {response.status_code} "
                f"{response.reason_phrase} from {self.shown_url}",
                model=model,
                method=op,
                status=response.status_code,
                url=self.shown_url,
                transport=self.name,
                server_message=response.text[:2000] or None,
            )
        try:
            params, _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            raise fault_to_error(
                fault.faultCode,
                fault.faultString,
                model=model,
                method=op,
                url=self.shown_url,
            ) from None
        except (ExpatError, ValueError, xmlrpc.client.ResponseError):
            self._not_odoo(path, response, model, op)
        return params[0] if params else None
