"""The API's dependencies: the stores and the Odoo client of the running app, the API-key
authentication with its rate limits, and the strict JSON check every request passes.

What the routers need lives on ``app.state.coo`` (an :class:`ApiContext` that
:func:`agents.api.app.create_app` sets), so the routers are plain module-level
``APIRouter``\\ s that FastAPI wires through ``Depends``; a test hands its own stores,
Odoo provider and limiters to ``create_app``.
"""

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from agents.api_keys import ApiKey, verify_token
from core.errors import DataError
from core.settings import get_settings
from odoo_api.warehouse import Warehouse
from opstore import StateStore

__all__ = [
    "ApiContext",
    "FailedAuthLimiter",
    "OdooProvider",
    "RateLimiter",
    "authenticate",
    "context",
    "default_odoo_provider",
    "require",
    "strict_json",
]

#: a context manager yielding a connected Odoo client, or None when no Odoo is configured
OdooProvider = Callable[[], AbstractContextManager[Any]]


class RateLimiter:
    """Requests per key in the last 60 s (sliding window, in this process)."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key_id: str, limit: int) -> float | None:
        """Record a request; None if allowed, else the seconds until one is allowed again."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= limit:
                return max(0.001, self.window_s - (now - hits[0]))
            hits.append(now)
            return None


class FailedAuthLimiter:
    """Failed authentications per client address: after ``limit`` in ``window_s`` seconds the
    address gets 429 until the window slides (guessing keys at full speed is not possible)."""

    def __init__(self, limit: int = 10, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, client: str, now: float) -> deque[float]:
        fails = self._fails.setdefault(client, deque())
        while fails and now - fails[0] >= self.window_s:
            fails.popleft()
        return fails

    def blocked(self, client: str) -> float | None:
        """Seconds until ``client`` may try again, or None."""
        now = time.monotonic()
        with self._lock:
            fails = self._window(client, now)
            if len(fails) >= self.limit:
                return max(0.001, self.window_s - (now - fails[0]))
            return None

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._window(client, now).append(now)
            if len(self._fails) > 10_000:  # forget idle addresses
                for idle in [c for c, f in self._fails.items() if not f]:
                    del self._fails[idle]


def _no_odoo() -> Iterator[None]:
    yield None


def default_odoo_provider() -> AbstractContextManager[Any]:
    """A client to the Odoo in ``ODOO_URL`` (read now), or None when none is configured: runs
    are then stored pending and checked against Odoo before execution."""
    if not get_settings().odoo_url:
        return contextmanager(_no_odoo)()
    from odoo_api.client import OdooClient
    from odoo_api.config import OdooConfig

    return OdooClient(OdooConfig.from_env()).connect()


@dataclass
class ApiContext:
    """What one app serves from: stores opened on first use (not at import)."""

    state_store: StateStore | None = None
    warehouse_store: Warehouse | None = None
    odoo: OdooProvider = default_odoo_provider
    limits: RateLimiter = field(default_factory=RateLimiter)
    failures: FailedAuthLimiter = field(default_factory=FailedAuthLimiter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def state(self) -> StateStore:
        with self._lock:
            if self.state_store is None:
                self.state_store = StateStore()
            return self.state_store

    def warehouse(self) -> Warehouse:
        with self._lock:
            if self.warehouse_store is None:
                self.warehouse_store = Warehouse.from_url()
            return self.warehouse_store


def context(request: Request) -> ApiContext:
    """The running app's :class:`ApiContext`."""
    ctx: ApiContext = request.app.state.coo
    return ctx


class NonFiniteNumber(DataError, ValueError):
    """A JSON body with NaN or Infinity (Python's json accepts them; JSON does not)."""


def _refuse_constant(name: str) -> Any:
    raise NonFiniteNumber(f"{name} is not a JSON number: send finite numbers only")


async def strict_json(request: Request) -> None:
    """Refuse a body holding NaN, Infinity or -Infinity with a one-line 400 (before the body
    is validated: FastAPI's own parser accepts them)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    body = await request.body()
    if not body:
        return
    try:
        json.loads(body, parse_constant=_refuse_constant)
    except NonFiniteNumber as exc:
        raise HTTPException(400, str(exc)) from None
    except ValueError:
        return  # malformed JSON: FastAPI answers it


_bearer = HTTPBearer(auto_error=False, description="an API key from `coo api-keys create`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the same key, as a header")


def authenticate(
    request: Request,
    ctx: Annotated[ApiContext, Depends(context)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> ApiKey:
    """The caller's API key: 401 without a valid one, 429 past its rate or after too many
    failed attempts from the address."""
    token = (bearer.credentials if bearer else None) or header
    client = request.client.host if request.client else "unknown"
    if not token:
        raise HTTPException(
            401,
            "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    blocked = ctx.failures.blocked(client)
    if blocked is not None:
        raise HTTPException(
            429,
            "too many failed authentications from this address: wait and retry",
            headers={"Retry-After": str(math.ceil(blocked))},
        )
    key = verify_token(ctx.state(), token)
    if key is None:
        ctx.failures.failed(client)
        raise HTTPException(
            401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    wait = ctx.limits.hit(key.key_id, key.rate_per_minute)
    if wait is not None:
        raise HTTPException(
            429,
            f"rate limit of {key.rate_per_minute} requests per minute reached",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    return key


def require(permission: str) -> Callable[..., ApiKey]:
    """A dependency: the caller's key, 403 when its role lacks ``permission``."""

    def check(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.can(permission):
            raise HTTPException(403, f"role '{key.role}' may not {permission.replace(':', ' ')}")
        return key

    return check
