"""The protocol layer of the simulated Odoo server: routing, authentication and the three
transports (JSON-2, JSON-RPC, XML-RPC) over the store, independent of the sockets.

The transports stay in one class: they share authentication, the store lock, the write log
and the error rendering, and each is 30-60 lines."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
import xmlrpc.client
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from simulator.exceptions import (
    AccessDenied,
    AccessError,
    DatabaseNotFound,
    MissingError,
    NotFound,
    OdooException,
    UserError,
    ValidationError,
)
from simulator.versions import NEW_IN_19, PRIVATE_SINCE_19, Recordset, shape_result
from simulator.wire import (
    dumps_json,
    exception_arguments,
    exception_message,
    exception_name,
    serialize_exception,
    xmlrpc_fault_for,
    xmlrpc_response,
)

logger = logging.getLogger("simulator.server")  # one logger name for the whole server


JSON_CT = "application/json; charset=utf-8"
XML_CT = "text/xml; charset=utf-8"
HTML_CT = "text/html; charset=utf-8"

DID_YOU_MEAN = "Did you mean POST /json/2/<model>/<method>?"
NO_AUTH = "User not authenticated, use an API Key with a Bearer Authorization header."
BAD_KEY = "Invalid apikey"

_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
_XMLRPC_PATH = re.compile(r"^/xmlrpc/(2/)?([^/]+)$")
# TypeErrors that json2.py raises as 422 UnprocessableEntity: its own "with ids" check and
# the messages of inspect.Signature.bind (which carry no function-name prefix, unlike a
# TypeError raised inside the method, e.g. "BaseModel._read_format() got an unexpected ...").
_JSON2_422 = re.compile(
    r"^(cannot call \S+ with ids|missing a required argument|too many positional arguments"
    r"|got an unexpected keyword argument|multiple values for argument|too many keyword arguments)"
)
_RELEASE_LEVELS = {"alpha": "alpha", "beta": "beta", "candidate": "rc", "final": ""}
_NOT_FOUND_HTML = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    b"<p>The requested URL was not found on the server. If you entered the URL manually "
    b"please check your spelling and try again.</p>\n"
)
_METHOD_NOT_ALLOWED_HTML = (
    b"<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
    b"<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n"
)


_READ_METHODS = frozenset(
    {
        "search_read",
        "search",
        "search_count",
        "read",
        "fields_get",
        "name_search",
        "exists",
        "search_fetch",
        "web_search_read",
        "check_access_rights",
        "read_group",
        "formatted_read_group",
    }
)


@dataclass
class WriteCall:
    """A call that may change data (create, write, unlink, message_post, ...), as received."""

    uid: int
    model: str
    method: str
    args: Any
    kwargs: Any
    result: Any = None
    error: str | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _missing_db_message(db: Any) -> str:
    # What psycopg2 says when Odoo opens a registry on a database that does not exist.
    return (
        'connection to server at "localhost" (127.0.0.1), port 5432 failed: '
        f'FATAL:  database "{db}" does not exist\n'
    )


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = JSON_CT
    headers: list[tuple[str, str]] = field(default_factory=list)


def _json(status: int, value: Any, headers: Iterable[tuple[str, str]] = ()) -> _Response:
    return _Response(status, dumps_json(value), JSON_CT, list(headers))


def _json2_http_error(
    status: int, name: str, message: str, headers: Iterable[tuple[str, str]] = ()
) -> _Response:
    """A werkzeug HTTPException as json2's handle_error renders it: arguments [msg, status]."""
    body = serialize_exception(name, message, [message, status], "json2")
    return _json(status, body, headers)


def _not_found_html() -> _Response:
    return _Response(404, _NOT_FOUND_HTML, HTML_CT)


class _App:
    """Routing and protocol logic, independent of the socket plumbing."""

    def __init__(self, store: Any, version: tuple[Any, ...]) -> None:
        self.store = store
        self.version = tuple(version)
        major, minor = int(self.version[0]), int(self.version[1])
        self.serie = f"{major}.{minor}"
        level = str(self.version[3]) if len(self.version) > 3 else "final"
        serial = self.version[4] if len(self.version) > 4 else 0
        suffix = str(self.version[5]) if len(self.version) > 5 else ""
        self.version_str = (
            self.serie
            + _RELEASE_LEVELS.get(level, level)
            + (str(serial) if serial else "")
            + suffix
        )
        # JSON-2 (/json/2, /json/version) arrived with Odoo 19; older servers 404 on it.
        self.major = major
        self.json2_enabled = major >= 19
        self.store_lock = threading.RLock()
        # (uid, sha256(password)) pairs already checked: spares a lookup per execute_kw
        # without keeping the password itself in memory.
        self._verified: set[tuple[int, str]] = set()
        self.write_calls: list[WriteCall] = []

    # ------------------------------------------------------------------ routing

    def dispatch(self, method: str, raw_path: str, headers: Message, body: bytes) -> _Response:
        path = urlsplit(raw_path).path or "/"
        if path == "/web/version" or (path == "/json/version" and self.json2_enabled):
            return _json(200, {"version_info": list(self.version), "version": self.version_str})
        if self.json2_enabled and (path == "/json/2" or path.startswith("/json/2/")):
            return self.json2(method, path, headers, body)
        if path == "/jsonrpc":
            if method != "POST":
                return _Response(405, _METHOD_NOT_ALLOWED_HTML, HTML_CT, [("Allow", "POST")])
            return self.jsonrpc(body)
        match = _XMLRPC_PATH.match(path)
        if match:
            if method != "POST":
                return _Response(405, _METHOD_NOT_ALLOWED_HTML, HTML_CT, [("Allow", "POST")])
            return self.xmlrpc(match.group(2), v1=match.group(1) is None, body=body)
        return _not_found_html()

    # ------------------------------------------------------------------ store access

    def call_store(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.store_lock:
            return fn(*args)

    def execute(self, uid: int, model: str, func: str, args: Any, kwargs: Any) -> Any:
        """One model call; calls that may change data are kept in ``write_calls``.

        The value returned is what this release hands its encoder (``simulator.versions``):
        a list of ids on 19, a bare id or a :class:`Recordset` on 17."""
        if self.major >= 19 and func in PRIVATE_SINCE_19:
            raise AccessError(_private_message(model, func))
        if self.major < 19 and func in NEW_IN_19:
            raise NotFound(f"The method '{model}.{func}' does not exist")
        if func in _READ_METHODS:
            return self.call_store(self.store.execute, uid, model, func, args, kwargs)
        call = WriteCall(uid, model, str(func), copy.deepcopy(args), copy.deepcopy(kwargs))
        try:
            call.result = self.call_store(self.store.execute, uid, model, func, args, kwargs)
        except Exception as exc:
            call.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            with self.store_lock:
                self.write_calls.append(call)
        return shape_result(self.major, str(func), call.result)

    def check_db(self, db: Any) -> None:
        if db != self.store.db:
            raise DatabaseNotFound(_missing_db_message(db))

    def authenticate(self, db: Any, login: Any, password: Any) -> int | bool:
        """``common.authenticate``: the uid, or False for a wrong login/password (not an error)."""
        self.check_db(db)
        if not isinstance(login, str) or not isinstance(password, str) or not password:
            return False
        uid = self.call_store(self.store.authenticate, login, password)
        if not uid:
            return False
        with self.store_lock:
            self._verified.add((int(uid), _digest(password)))
        return int(uid)

    def check_uid_password(self, uid: int, password: Any) -> None:
        """Odoo's ``res.users._check_uid_passwd``: the password or an API key of that user."""
        if not isinstance(password, str) or not password:
            raise AccessDenied()
        digest = _digest(password)
        with self.store_lock:
            if (uid, digest) in self._verified:
                return
            if self.store.uid_for_api_key(password) == uid:
                return
            checker = getattr(self.store, "check_uid_password", None) or getattr(
                self.store, "check_credentials", None
            )
            if checker is not None:
                if checker(uid, password):
                    self._verified.add((uid, digest))
                    return
                raise AccessDenied()
            login = self._login_of(uid)
            if login is not None and self.store.authenticate(login, password) == uid:
                self._verified.add((uid, digest))
                return
        raise AccessDenied()

    def _login_of(self, uid: int) -> str | None:
        login_for = getattr(self.store, "login_for", None)
        if login_for is not None:
            return login_for(uid)
        try:
            rows = self.store.execute(
                1, "res.users", "read", [[uid], ["login"]], {"context": {"active_test": False}}
            )
        except Exception:
            logger.debug("cannot look up the login of uid %s", uid)
            return None
        if rows and isinstance(rows, list) and isinstance(rows[0], dict):
            login = rows[0].get("login")
            return login if isinstance(login, str) else None
        return None

    # ------------------------------------------------------------------ JSON-2

    def json2(self, method: str, path: str, headers: Message, body: bytes) -> _Response:
        header_db = headers.get("X-Odoo-Database")
        if header_db is not None and header_db != self.store.db:
            # Odoo serves the request without a database: the bearer routes do not exist
            # there, so werkzeug answers its bare HTML 404 (no JSON body).
            return _not_found_html()
        parts = path[len("/json/2/") :].split("/") if path.startswith("/json/2/") else []
        if method != "POST" or len(parts) != 2 or not all(parts):
            return _json2_http_error(404, "werkzeug.exceptions.NotFound", DID_YOU_MEAN)
        model, func = parts
        if body:
            mimetype = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            if mimetype != "application/json":
                message = (
                    f"Request inferred type is compatible with ['http'] but {path} is "
                    "type=json2.\n\nPlease verify the Content-Type request header and try again."
                )
                return _Response(415, message.encode(), HTML_CT)
        authorization = headers.get("Authorization") or ""
        bearer = _BEARER.match(authorization.strip())
        auth_headers = [("WWW-Authenticate", "Bearer ")]
        if bearer is None:
            return _json2_http_error(401, "werkzeug.exceptions.Unauthorized", NO_AUTH, auth_headers)
        uid = self.call_store(self.store.uid_for_api_key, bearer.group(1).strip())
        if not uid:
            return _json2_http_error(401, "werkzeug.exceptions.Unauthorized", BAD_KEY, auth_headers)
        params: dict[str, Any] = {}
        if body:
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                message = f"could not parse the body as json: {exc.args[0]}"
                return _json2_http_error(400, "werkzeug.exceptions.BadRequest", message)
            if isinstance(parsed, dict):  # Odoo 19.0 ignores a body that is not an object
                params = parsed
        params.pop("__model__", None)
        params.pop("__method__", None)
        if model not in self.store.fields:
            message = f"the model {model!r} does not exist"
            return _json2_http_error(404, "werkzeug.exceptions.NotFound", message)
        if func.startswith("_"):
            return self.json2_error(AccessError(_private_message(model, func)))
        try:
            result = self.execute(int(uid), model, func, [], params)
        except Exception as error:
            return self.json2_error(error)
        return _json(200, result)

    def json2_error(self, exc: BaseException) -> _Response:
        """Odoo 19's ``Json2Dispatcher.handle_error``: UserError family by ``http_status``,
        werkzeug exceptions by code, anything else 500."""
        message = exception_message(exc)
        if isinstance(exc, NotFound | AttributeError):
            return _json2_http_error(404, "werkzeug.exceptions.NotFound", message)
        if isinstance(exc, TypeError) and _JSON2_422.match(message):
            return _json2_http_error(422, "werkzeug.exceptions.UnprocessableEntity", message)
        if isinstance(exc, AccessError | AccessDenied):
            status = 403
        elif isinstance(exc, MissingError):
            status = 404
        elif isinstance(exc, UserError | ValidationError):
            status = 422
        else:
            status = 500
            if not isinstance(exc, ValueError | TypeError | OdooException):
                logger.debug("JSON-2 call failed with %s", type(exc).__name__)
        name = exception_name(exc)
        return _json(status, serialize_exception(name, message, exception_arguments(exc)))

    # ------------------------------------------------------------------ JSON-RPC

    def jsonrpc(self, body: bytes) -> _Response:
        try:
            request = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _Response(400, b"Invalid JSON data", HTML_CT)
        if not isinstance(request, dict):
            return _Response(400, b"Invalid JSON-RPC data", HTML_CT)
        response: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            params = request.get("params", {})
            if not isinstance(params, dict):
                raise TypeError(
                    f"unsupported operand type(s) for |: '{type(params).__name__}' and 'dict'"
                )
            missing = [k for k in ("service", "method", "args") if k not in params]
            if missing:
                names = " and ".join(repr(k) for k in missing)
                raise TypeError(
                    f"JSONRPC.jsonrpc() missing {len(missing)} required positional "
                    f"argument{'s' if len(missing) > 1 else ''}: {names}"
                )
            result = self.rpc(params["service"], params["method"], params["args"])
        except Exception as exc:
            name = exception_name(exc)
            not_found = isinstance(exc, NotFound)
            response["error"] = {
                # Odoo 17's JSON-RPC said 200 (recorded), 19's says 0
                "code": 404 if not_found else (0 if self.major >= 19 else 200),
                "message": "404: Not Found" if not_found else "Odoo Server Error",
                "data": serialize_exception(
                    name, exception_message(exc), exception_arguments(exc), "jsonrpc"
                ),
            }
            return _json(200, response)
        if isinstance(result, Recordset):  # json_default: str() of what json cannot encode
            result = str(result)
        if result is not None:  # Odoo omits "result" when the method returned None
            response["result"] = result
        return _json(200, response)

    # ------------------------------------------------------------------ XML-RPC

    def xmlrpc(self, service: str, *, v1: bool, body: bytes) -> _Response:
        try:
            params, method = xmlrpc.client.loads(body, use_datetime=True)
            result = self.rpc(service, method, list(params))
            if isinstance(result, Recordset):  # committed, then the marshaller refuses it
                raise result.marshal_error()
            payload = xmlrpc_response(result)
        except Exception as exc:
            payload = xmlrpc_fault_for(exc, v1=v1)
        return _Response(200, payload, XML_CT)

    # ------------------------------------------------------------------ RPC services

    def rpc(self, service: Any, method: Any, args: Any) -> Any:
        """``odoo.http.dispatch_rpc``: the common, db and object services."""
        if not isinstance(args, list | tuple):
            raise TypeError(f"{type(args).__name__!r} object is not iterable")
        args = list(args)
        if service == "common":
            return self._common(method, args)
        if service == "db":
            return self._db(method, args)
        if service == "object":
            return self._object(method, args)
        raise KeyError(service)

    def _common(self, method: Any, args: list[Any]) -> Any:
        app = self

        def exp_version() -> dict[str, Any]:
            return {
                "server_version": app.version_str,
                "server_version_info": list(app.version),
                "server_serie": app.serie,
                "protocol_version": 1,
            }

        def exp_login(db: Any, login: Any, password: Any) -> Any:
            return app.authenticate(db, login, password)

        def exp_authenticate(db: Any, login: Any, password: Any, user_agent_env: Any) -> Any:
            return app.authenticate(db, login, password)

        def exp_about(extended: bool = False) -> Any:
            info = "See http://openerp.com"
            return [info, app.version_str] if extended else info

        def exp_set_loglevel(loglevel: Any, logger: Any = None) -> bool:
            return True

        functions: dict[str, Callable[..., Any]] = {
            "version": exp_version,
            "login": exp_login,
            "authenticate": exp_authenticate,
            "about": exp_about,
            "set_loglevel": exp_set_loglevel,
        }
        fn = functions.get(method) if isinstance(method, str) else None
        if fn is None:
            raise Exception(f"Method not found: {method}")
        return fn(*args)

    def _db(self, method: Any, args: list[Any]) -> Any:
        # The recorded server runs with list_db = False: listing and every management call
        # answer AccessDenied; the few harmless public calls still work.
        if method == "server_version":
            return self.version_str
        if method == "db_exist":
            if len(args) != 1:
                raise TypeError(
                    f"exp_db_exist() takes 1 positional argument but {len(args)} were given"
                )
            return args[0] == self.store.db
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        if method in {
            "list",
            "list_countries",
            "create_database",
            "duplicate_database",
            "drop",
            "dump",
            "restore",
            "rename",
            "change_admin_password",
            "migrate_databases",
        }:
            raise AccessDenied()
        raise KeyError(f"Method not found: {method}")

    def _object(self, method: Any, params: list[Any]) -> Any:
        """``odoo.service.model.dispatch``: unknown database, then method, then credentials."""
        if len(params) < 5:
            raise ValueError(
                f"not enough values to unpack (expected at least 5, got {len(params)})"
            )
        db, uid, password, model, func, *rest = params
        uid = int(uid)
        if not password:
            raise AccessDenied()
        self.check_db(db)
        if method == "execute":
            args, kwargs = rest, {}
        elif method == "execute_kw":
            if len(rest) == 1:
                rest.append({})
            if len(rest) != 2:
                raise ValueError(
                    "too many values to unpack (expected 2)"
                    if len(rest) > 2
                    else "not enough values to unpack (expected 2, got 0)"
                )
            args, kwargs = rest
            if kwargs is None:
                kwargs = {}
        else:
            raise NameError(f"Method not available {method}")
        self.check_uid_password(uid, password)
        if isinstance(func, str) and func.startswith("_") and model in self.store.fields:
            raise AccessError(_private_message(model, func))
        try:
            return self.execute(uid, model, func, args, kwargs)
        except NotFound as exc:
            # get_public_method raises AttributeError; only JSON-2 turns it into a 404.
            raise AttributeError(exc.message) from None


def _private_message(model: str, func: str) -> str:
    return f"Private methods (such as '{model}.{func}') cannot be called remotely."
