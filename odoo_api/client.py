"""``OdooClient``: one interface over JSON-2, JSON-RPC and XML-RPC.

The rest of the platform (extraction, write-back) calls ``search_read``/``write``/``call``
and never cares which wire format or Odoo version is on the other side: the client detects
the version, picks the fastest transport the server and credentials allow, authenticates,
retries what is safe to retry, and raises the typed errors of :mod:`odoo_api.errors`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx

from odoo_api.config import OdooConfig
from odoo_api.errors import (
    ConfigError,
    OdooAccessError,
    OdooAuthError,
    OdooConnectionError,
    OdooNotFoundError,
    OdooServerError,
    OdooValidationError,
)
from odoo_api.retry import RetryPolicy, is_read_only
from odoo_api.transports import (
    EndpointAbsent,
    JSON2Transport,
    JSONRPCTransport,
    Transport,
    XMLRPCTransport,
)

__all__ = ["OdooClient"]

logger = logging.getLogger("odoo_api.client")
# A library does not decide where logs go: without this, Python's last-resort handler would
# print retry warnings to stderr of any program that did not configure logging.
logger.addHandler(logging.NullHandler())

T = TypeVar("T")

_TRANSPORT_CLASSES: dict[str, type[Transport]] = {
    "json2": JSON2Transport,
    "jsonrpc": JSONRPCTransport,
    "xmlrpc": XMLRPCTransport,
}

#: The first Odoo major version that serves JSON-2.
JSON2_MIN_MAJOR = 19


def _major(version: dict[str, Any]) -> int:
    info = version.get("server_version_info") or []
    try:
        return int(info[0])
    except (IndexError, TypeError, ValueError):
        pass
    text = str(version.get("server_version") or "")
    digits = "".join(ch for ch in text.split(".")[0] if ch.isdigit())
    return int(digits) if digits else 0


class OdooClient:
    """A connection to one Odoo database.

    Connects lazily on the first call (or explicitly with :meth:`connect`). Thread-safe for
    concurrent calls once connected: the shared ``httpx.Client`` pools keep-alive connections.
    """

    def __init__(
        self,
        config: OdooConfig,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(config.timeout, connect=min(config.timeout, 10.0)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
            headers={"User-Agent": "odoo-coo-odoo_api/0.1"},
        )
        self.retry = RetryPolicy(
            max_retries=config.max_retries,
            backoff_base=config.backoff_base,
            backoff_max=config.backoff_max,
            sleep=sleep or time.sleep,
        )
        self.transport_name: str | None = None if config.transport == "auto" else config.transport
        self.uid: int | None = None
        self.db: str | None = config.db
        self._transport: Transport | None = None
        self._version: dict[str, Any] | None = None
        self._reached = False  # has the server ever answered? (fast-fail on a wrong URL)
        self._connected = False

    @classmethod
    def from_env(cls) -> OdooClient:
        """A client configured from ``ODOO_*`` environment variables."""
        return cls(OdooConfig.from_env())

    def __repr__(self) -> str:
        return (
            f"OdooClient(url={self.config.redacted()['url']!r}, db={self.db!r}, "
            f"transport={self.transport_name!r}, uid={self.uid!r})"
        )

    # -- plumbing --------------------------------------------------------------------------

    def _run(self, fn: Callable[[], T], *, model: str | None, method: str, read_only: bool) -> T:
        result = self.retry.run(
            fn,
            read_only=read_only,
            model=model,
            method=method,
            first_contact=not self._reached,
        )
        self._reached = True
        return result

    def _make(self, name: str) -> Transport:
        transport = _TRANSPORT_CLASSES[name](self._http, self.config)
        transport.db = self.db
        return transport

    def _probe(self, name: str) -> dict[str, Any] | None:
        """The version answer through one transport, or None when its endpoint is absent."""
        transport = self._make(name)
        try:
            version = self._run(transport.version, model=None, method="version", read_only=True)
        except EndpointAbsent:
            self._reached = True  # something answered: the URL reaches a server
            return None
        return version

    def _detect(self) -> tuple[str, dict[str, Any]]:
        """Find the version and the transport to use.

        auto: ``common.version`` over ``/jsonrpc`` (Odoo 16-19) -> JSON-2 when the server is
        19+ and an API key is set, else JSON-RPC; when ``/jsonrpc`` is absent (Odoo 20, or a
        proxy blocking it), ``GET /json/version`` -> JSON-2; then XML-RPC. A forced transport
        only asks its own endpoint (JSON-2 falls back to ``/jsonrpc`` for the version).
        """
        forced = self.config.transport
        order = {
            "auto": ["jsonrpc", "json2", "xmlrpc"],
            "json2": ["json2", "jsonrpc"],
            "jsonrpc": ["jsonrpc"],
            "xmlrpc": ["xmlrpc"],
        }[forced]
        for probe in order:
            version = self._probe(probe)
            if version is None:
                continue
            if forced != "auto":
                return forced, version
            if probe == "jsonrpc":
                if _major(version) >= JSON2_MIN_MAJOR and self.config.api_key:
                    return "json2", version
                return "jsonrpc", version
            if probe == "json2":
                if self.config.api_key:
                    return "json2", version
                continue  # Odoo 19+ without an API key: try the RPC fallback
            return probe, version
        raise OdooConnectionError(
            f"{self.config.redacted()['url']} answered, but not like an Odoo server "
            f"(tried {', '.join(order)}): check ODOO_URL"
            + (
                " and set ODOO_API_KEY (this server may only speak JSON-2)"
                if not self.config.api_key
                else ""
            ),
            url=self.config.redacted()["url"],
        )

    # -- connection ------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        """The server's version (``server_version``, ``server_version_info`` ...)."""
        if self._version is None:
            name, version = self._detect()
            self._version = version
            if self.transport_name is None:
                self.transport_name = name
        return dict(self._version)

    def connect(self) -> OdooClient:
        """Detect the version, choose the transport and authenticate; idempotent."""
        if self._connected:
            return self
        version = self.version()
        name = self.transport_name or "jsonrpc"
        if name == "json2" and not self.config.api_key:
            raise ConfigError(
                "JSON-2 needs an API key: set ODOO_API_KEY (Preferences > Account Security)"
            )
        if (
            name == "json2"
            and _major(version) < JSON2_MIN_MAJOR
            and self.config.transport == "json2"
        ):
            raise ConfigError(
                f"ODOO_TRANSPORT=json2 needs Odoo {JSON2_MIN_MAJOR}+, but the server runs "
                f"{version.get('server_version')}: use ODOO_TRANSPORT=auto or jsonrpc"
            )
        transport = self._make(name)
        if name in ("jsonrpc", "xmlrpc"):
            self._rpc_login(transport)
        else:
            self._json2_check(transport)
        self._transport = transport
        self.transport_name = name
        self._connected = True
        logger.info(
            "odoo connected: %s, Odoo %s, transport %s, db %s, uid %s",
            self.config.redacted()["url"],
            version.get("server_version"),
            name,
            self.db,
            self.uid,
        )
        return self

    def _rpc_login(self, transport: Transport) -> None:
        if not self.config.username:
            raise ConfigError(
                f"ODOO_USERNAME is not set: the {transport.name} transport logs in with a "
                "user name (or use Odoo 19+ with ODOO_API_KEY for JSON-2)"
            )
        if not self.config.secret:
            raise ConfigError("neither ODOO_API_KEY nor ODOO_PASSWORD is set")
        if not self.db:
            self.db = self._only_database(transport)
            transport.db = self.db
        self.uid = self._run(
            transport.authenticate, model=None, method="authenticate", read_only=True
        )

    def _only_database(self, transport: Transport) -> str:
        try:
            names = self._run(transport.list_databases, model=None, method="list", read_only=True)
        except (OdooAuthError, OdooAccessError, OdooNotFoundError, OdooServerError) as exc:
            raise ConfigError(
                "ODOO_DB is not set and the server does not list its databases: set ODOO_DB"
            ) from exc
        if len(names) == 1:
            return names[0]
        raise ConfigError(
            f"ODOO_DB is not set and the server has {len(names)} databases"
            + (f" ({', '.join(names[:5])})" if names else "")
            + ": set ODOO_DB"
        )

    def _json2_check(self, transport: Transport) -> None:
        """Verify the API key with a call any internal or portal user may make, and learn
        the uid: ``res.users.search_read`` on the user's own login when the login is known,
        else ``res.users.context_get``.

        JSON-2 authenticates every request before dispatching it, so an access error (or a
        server without that method) still proves the key is good: only 401, a missing
        database and network failures make ``connect()`` fail.
        """
        if self.config.username:
            method = "search_read"
            params: dict[str, Any] = {
                "domain": [["login", "=", self.config.username]],
                "fields": ["id"],
                "limit": 1,
            }
        else:
            method, params = "context_get", {}
        try:
            answer = self._run(
                lambda: transport.execute("res.users", method, None, params),
                model="res.users",
                method=method,
                read_only=True,
            )
        except (OdooAccessError, OdooNotFoundError) as exc:
            if isinstance(exc, OdooNotFoundError) and exc.status not in (None, 404):
                raise
            logger.debug("odoo key check on res.users.%s refused (%s): key accepted", method, exc)
            return
        if isinstance(answer, list) and answer and isinstance(answer[0], dict):
            self.uid = int(answer[0]["id"])
        elif isinstance(answer, dict) and isinstance(answer.get("uid"), int):
            self.uid = answer["uid"]

    def close(self) -> None:
        """Close pooled connections (only when this client created the ``httpx.Client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- generic call ------------------------------------------------------------------------

    def _execute(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        params: dict[str, Any],
        context: dict[str, Any] | None,
    ) -> Any:
        self.connect()
        transport = self._transport
        assert transport is not None
        named = {key: value for key, value in params.items() if value is not None}
        if context:
            named["context"] = dict(context)
        id_list = None if ids is None else [int(i) for i in ids]
        logger.debug("odoo %s %s.%s", transport.name, model, method)
        return self._run(
            lambda: transport.execute(model, method, id_list, named),
            model=model,
            method=method,
            read_only=is_read_only(method),
        )

    def call(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        args: list[Any] | None = None,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call any public model method, e.g. ``call("res.partner", "message_post",
        ids=[7], body="hi")``. ``args`` are extra positional arguments (RPC transports only:
        JSON-2 takes arguments by name)."""
        params = dict(kwargs)
        if args:
            self.connect()
            if self.transport_name == "json2":
                raise OdooValidationError(
                    f"{model}.{method}: JSON-2 takes arguments by name: pass them as keyword "
                    "arguments instead of args=",
                    model=model,
                    method=method,
                    transport="json2",
                )
            params["__args__"] = list(args)
        return self._execute(model, method, ids, params, context)

    # -- convenience methods ------------------------------------------------------------------

    def fields_get(
        self,
        model: str,
        attributes: list[str] | None = None,
        *,
        context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Field definitions of ``model`` (restricted to ``attributes`` when given)."""
        result = self._execute(model, "fields_get", None, {"attributes": attributes}, context)
        return dict(result or {})

    def search(
        self,
        model: str,
        domain: list[Any] | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[int]:
        """Ids matching ``domain``; use an ``order`` that includes ``id`` for stable pages."""
        result = self._execute(
            model,
            "search",
            None,
            {"domain": domain or [], "offset": offset or None, "limit": limit, "order": order},
            context,
        )
        return [int(i) for i in result or []]

    def search_read(
        self,
        model: str,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
        load: str | None = "_classic_read",
    ) -> list[dict[str, Any]]:
        """Records matching ``domain``. ``load=""`` (or None) returns many2one fields as
        bare ids, which is much faster on the server."""
        result = self._execute(
            model,
            "search_read",
            None,
            {
                "domain": domain or [],
                "fields": fields,
                "offset": offset or None,
                "limit": limit,
                "order": order,
                "load": _load(load),
            },
            context,
        )
        return list(result or [])

    def search_count(
        self, model: str, domain: list[Any] | None = None, *, context: dict[str, Any] | None = None
    ) -> int:
        """How many records match ``domain``."""
        return int(self._execute(model, "search_count", None, {"domain": domain or []}, context))

    def read_group(
        self,
        model: str,
        domain: list[Any] | None,
        groupby: Sequence[str],
        aggregates: Sequence[str],
        *,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Totals per group, computed by the server, in one shape on every release: one dict
        per group keyed by the ``groupby`` field names (a many2one as ``[id, name]`` or
        False), the ``aggregates`` specs as written (``"balance:sum"``) and ``"__count"``.

        Odoo 19 is asked ``formatted_read_group``; Odoo 17, which lacks it, ``read_group``
        (not lazy, each aggregate under an alias so two on one field cannot collide)."""
        groupby = list(groupby)
        specs = [str(a) for a in aggregates]
        if _major(self.version()) >= JSON2_MIN_MAJOR:
            rows = self._execute(
                model,
                "formatted_read_group",
                None,
                {"domain": domain or [], "groupby": groupby, "aggregates": [*specs, "__count"]},
                context,
            )
            return [dict(r) for r in rows or []]
        aliases: dict[str, str] = {}
        fields = []
        for i, spec in enumerate(specs):
            name, _, func = spec.partition(":")
            alias = f"coo_agg_{i}"
            aliases[alias] = spec
            fields.append(f"{alias}:{func or 'sum'}({name})")
        rows = self._execute(
            model,
            "read_group",
            None,
            {"domain": domain or [], "fields": fields, "groupby": groupby, "lazy": False},
            context,
        )
        out = []
        for row in rows or []:
            group = {name: row.get(name, False) for name in groupby}
            group.update({spec: row.get(alias) for alias, spec in aliases.items()})
            group["__count"] = row.get("__count", 0)
            out.append(group)
        return out

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: list[str] | None = None,
        *,
        context: dict[str, Any] | None = None,
        load: str | None = "_classic_read",
    ) -> list[dict[str, Any]]:
        """Records by id (ids that do not exist are silently absent, as in Odoo)."""
        result = self._execute(model, "read", ids, {"fields": fields, "load": _load(load)}, context)
        return list(result or [])

    def create(
        self,
        model: str,
        vals: dict[str, Any] | list[dict[str, Any]],
        *,
        context: dict[str, Any] | None = None,
    ) -> int | list[int]:
        """Create one record (returns its id) or several (returns their ids)."""
        single = isinstance(vals, dict)
        vals_list = [vals] if isinstance(vals, dict) else list(vals)
        result = self._execute(model, "create", None, {"vals_list": vals_list}, context)
        ids = [int(i) for i in result] if isinstance(result, list) else [int(result)]
        return ids[0] if single else ids

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: dict[str, Any],
        *,
        context: dict[str, Any] | None = None,
    ) -> bool:
        """Write ``vals`` on the records ``ids``."""
        return bool(self._execute(model, "write", ids, {"vals": vals}, context))

    def unlink(
        self, model: str, ids: Sequence[int], *, context: dict[str, Any] | None = None
    ) -> bool:
        """Delete the records ``ids`` (a hard delete in Odoo)."""
        return bool(self._execute(model, "unlink", ids, {}, context))


def _load(load: str | None) -> str | None:
    """Odoo's default load is ``_classic_read`` ([id, name] many2ones): leave it off the wire;
    anything else (``""`` or None) asks for bare ids and is sent as ``""``."""
    if load == "_classic_read":
        return None
    return load or ""
