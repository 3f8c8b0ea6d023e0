"""The skills and runs API (``coo api``): agents request actions with the guarantees people get.

A *skill* is a write-back catalog entry; a *run* is a write-back proposal. ``POST /runs``
goes through ``writeback.propose`` like every other proposal (policy check, stored whatever
the outcome, approval queue); a skill whose catalog autonomy is ``auto`` and that passes
every check, Odoo included, is executed at once. ``GET /runs/{id}`` returns the state and the
full trace (policy result, approvals, executions, audit entries with values before/after).
Nobody approves through this API: approval stays with the people named in ``COO_APPROVERS``.

Authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, keys from
``coo api-keys create`` (stored hashed, see ``orchestration.api_keys``), each with a role and
a rate limit (requests per minute, sliding window in this process; a 429 carries
``Retry-After``). The knowledge graph's search and neighbourhoods are served here too.

(No ``from __future__ import annotations``: FastAPI resolves the dependencies declared in
the closures of :func:`create_app` from their live annotations.)
"""

import json
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents import graph, tools
from agents.sql import QueryTimeout, SqlRefused, to_jsonable
from core.untrusted import finite_problem
from odoo_api.errors import ConfigError, OdooError
from odoo_api.warehouse import Warehouse
from opstore import StateStore
from orchestration.api_keys import ApiKey, verify_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: a context manager yielding a connected Odoo client, or None when no Odoo is configured
OdooProvider = Callable[[], AbstractContextManager[Any]]


# -- schemas ------------------------------------------------------------------------------------


class Problem(BaseModel):
    """An error: what is wrong, in one line."""

    detail: str


class SkillLimits(BaseModel):
    max_records: int
    max_amount: float | None = None
    rate_per_hour: int | None = None
    cooldown_hours: float | None = None


class SkillOut(BaseModel):
    """A catalog skill: what it does, what it needs, how risky, who approves."""

    key: str
    description: str
    record_models: list[str]
    method: str
    risk: str
    autonomy: str
    limits: SkillLimits
    approver_roles: list[str]
    alert_families: list[str]
    input_schema: dict[str, Any]


class RunCreate(BaseModel):
    """A request to run one skill on one (or a few) Odoo records."""

    model_config = ConfigDict(extra="forbid")

    skill: str = Field(min_length=1, max_length=64, description="a key from GET /skills")
    company_id: int = Field(ge=1, le=2**31 - 1)
    model: str = Field(min_length=1, max_length=128, description="the Odoo model of the record")
    record_id: int = Field(ge=1, le=2**31 - 1)
    record_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=50, description="further records, for skills allowing several"
    )
    params: dict[str, Any] = Field(default_factory=dict, description="the skill's input_schema")
    reasoning: str = Field(default="", max_length=20000, description="why the agent asks")
    alert_key: str | None = Field(default=None, max_length=512, description="the alert answered")
    source_ref: str | None = Field(default=None, max_length=255)

    @field_validator("params")
    @classmethod
    def _finite(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = finite_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class RunOut(BaseModel):
    """A run's state: pending (waiting for approval), approved, executed, failed, rejected..."""

    id: int
    status: str
    reason: str | None = None
    skill: str | None = None
    company_id: int | None = None
    model: str | None = None
    record_id: int | None = None
    requested_by: str | None = None
    executed: bool = False


class RunTrace(RunOut):
    """A run with its full trace."""

    params: Any = None
    reasoning: str | None = None
    policy: Any = None
    approvals: list[dict[str, Any]] = Field(default_factory=list)
    executions: list[dict[str, Any]] = Field(default_factory=list)
    audit: list[dict[str, Any]] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None


class SearchHit(BaseModel):
    entity_key: str
    entity_type: str
    name: str | None = None
    status: str | None = None
    description: str | None = None
    score: float
    backend: str


class Neighborhood(BaseModel):
    center: dict[str, Any]
    depth: int
    entities: list[dict[str, Any]]
    entity_count: int
    truncated: bool


class Health(BaseModel):
    status: str


# -- auth and rate limits -------------------------------------------------------------------------


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


class NonFiniteNumber(ValueError):
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


#: query parameters whose values never reach a log line
_SECRET_PARAMS = re.compile(
    r"(?i)((?:api[_-]?key|access[_-]?token|token|key|secret|password|auth|authorization)=)[^&\s\"']*"
)


def redact(text: str) -> str:
    """``text`` with the values of key-like query parameters replaced by ``***``."""
    return _SECRET_PARAMS.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """A filter for uvicorn's access log: a token sent in the query string is never logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_log_redaction() -> None:
    """Put :class:`RedactTokens` on uvicorn's access and error loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in log.filters):
            log.addFilter(RedactTokens())


_bearer = HTTPBearer(auto_error=False, description="an API key from `coo api-keys create`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the same key, as a header")

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing, unknown or revoked API key"},
    403: {"model": Problem, "description": "the key's role does not allow this"},
    429: {
        "model": Problem,
        "description": "rate limit reached",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    },
}


def _no_odoo() -> Iterator[None]:
    yield None


def default_odoo_provider() -> AbstractContextManager[Any]:
    """A client to the Odoo in ``ODOO_URL`` (read now), or None when none is configured: runs
    are then stored pending and checked against Odoo before execution."""
    import os

    if not os.environ.get("ODOO_URL"):
        return contextmanager(_no_odoo)()
    from odoo_api.client import OdooClient
    from odoo_api.config import OdooConfig

    return OdooClient(OdooConfig.from_env()).connect()


def create_app(
    state: StateStore | None = None,
    *,
    warehouse: Warehouse | None = None,
    odoo: OdooProvider | None = None,
    limiter: RateLimiter | None = None,
    failed_auth: FailedAuthLimiter | None = None,
) -> FastAPI:
    """The FastAPI application. Stores are opened on first use (not at import)."""
    app = FastAPI(
        dependencies=[Depends(strict_json)],
        title="AI COO for Odoo: skills and runs",
        version="1.0.0",
        description=__doc__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    limits = limiter or RateLimiter()
    failures = failed_auth or FailedAuthLimiter()
    holder: dict[str, Any] = {"state": state, "warehouse": warehouse}
    odoo_provider: OdooProvider = odoo or default_odoo_provider

    def get_state() -> StateStore:
        if holder["state"] is None:
            holder["state"] = StateStore()
        return holder["state"]  # type: ignore[no-any-return]

    def get_warehouse() -> Warehouse:
        if holder["warehouse"] is None:
            holder["warehouse"] = Warehouse.from_url()
        return holder["warehouse"]  # type: ignore[no-any-return]

    def authenticate(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header: Annotated[str | None, Depends(_header)],
    ) -> ApiKey:
        token = (bearer.credentials if bearer else None) or header
        client = request.client.host if request.client else "unknown"
        if not token:
            raise HTTPException(
                401,
                "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        blocked = failures.blocked(client)
        if blocked is not None:
            raise HTTPException(
                429,
                "too many failed authentications from this address: wait and retry",
                headers={"Retry-After": str(math.ceil(blocked))},
            )
        key = verify_token(get_state(), token)
        if key is None:
            failures.failed(client)
            raise HTTPException(
                401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
            )
        wait = limits.hit(key.key_id, key.rate_per_minute)
        if wait is not None:
            raise HTTPException(
                429,
                f"rate limit of {key.rate_per_minute} requests per minute reached",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        return key

    def require(permission: str) -> Callable[..., ApiKey]:
        def check(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
            if not key.can(permission):
                raise HTTPException(
                    403, f"role '{key.role}' may not {permission.replace(':', ' ')}"
                )
            return key

        return check

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(ConfigError)
    async def config_error(_request: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get(f"{API_PREFIX}/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        """Liveness; needs no key."""
        return Health(status="ok")

    @app.get(
        f"{API_PREFIX}/skills",
        response_model=list[SkillOut],
        responses=AUTH_RESPONSES,
        tags=["skills"],
    )
    def list_skills(
        _key: Annotated[ApiKey, Depends(require("skills:read"))],
    ) -> list[dict[str, Any]]:
        """The catalog: every skill with its input schema, risk and autonomy."""
        return tools.list_skills()

    @app.get(
        f"{API_PREFIX}/skills/{{key}}",
        response_model=SkillOut,
        responses={**AUTH_RESPONSES, 404: {"model": Problem, "description": "no such skill"}},
        tags=["skills"],
    )
    def get_skill(
        key: Annotated[str, Path(max_length=64)],
        _key: Annotated[ApiKey, Depends(require("skills:read"))],
    ) -> dict[str, Any]:
        """One skill."""
        for skill in tools.list_skills():
            if skill["key"] == key:
                return skill
        raise HTTPException(404, f"no skill '{key}' in the catalog: see GET {API_PREFIX}/skills")

    def _run_out(run: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": run["id"],
            "status": run["status"],
            "reason": run.get("reason"),
            "skill": run.get("skill"),
            "company_id": run.get("company_id"),
            "model": run.get("model"),
            "record_id": run.get("record_id"),
            "requested_by": run.get("requested_by"),
            "executed": run["status"] == "executed",
        }

    def _load_run(run_id: int) -> dict[str, Any]:
        try:
            from writeback.service import get_proposal

            return dict(to_jsonable(get_proposal(get_state(), run_id)))
        except ConfigError:
            raise HTTPException(404, f"no run #{run_id}") from None

    def _execute(run_id: int) -> dict[str, Any]:
        from writeback.service import execute

        with odoo_provider() as client:
            if client is None:
                raise HTTPException(
                    503, "no Odoo configured (ODOO_URL): the run cannot be executed here"
                )
            try:
                results = execute(get_state(), client, ids=[run_id])
            except ImportError:
                raise HTTPException(503, "the write-back executor is not installed") from None
        return {"results": to_jsonable(results)}

    @app.post(
        f"{API_PREFIX}/runs",
        response_model=RunOut,
        status_code=201,
        responses={
            **AUTH_RESPONSES,
            422: {
                "model": RunOut,
                "description": "refused by the policy (stored, with the reason)",
            },
        },
        tags=["runs"],
    )
    def create_run(
        body: RunCreate,
        key: Annotated[ApiKey, Depends(require("runs:create"))],
    ) -> Any:
        """Propose a skill run. It is checked by the write-back policy and stored whatever the
        outcome: pending until a person approves it, approved-and-executed at once for an
        ``auto`` skill that passes every check, or rejected with the reason (HTTP 422)."""
        with odoo_provider() as client:
            outcome = tools.propose_action(
                get_state(),
                skill=body.skill,
                company_id=body.company_id,
                model=body.model,
                record_id=body.record_id,
                record_ids=body.record_ids,
                params=body.params,
                reasoning=body.reasoning,
                source="api",
                source_ref=body.source_ref,
                alert_key=body.alert_key,
                requested_by=f"api:{key.name}",
                odoo=client,
            )
            if outcome["status"] == "approved" and client is not None:
                from writeback.service import execute

                try:
                    execute(get_state(), client, ids=[outcome["id"]])
                except ImportError:
                    logger.warning(
                        "run %s approved but the executor is not installed", outcome["id"]
                    )
        run = _run_out(_load_run(int(outcome["id"])))
        if run["status"] == "rejected":
            return JSONResponse(run, status_code=422)
        return run

    @app.get(
        f"{API_PREFIX}/runs/{{run_id}}",
        response_model=RunTrace,
        responses={**AUTH_RESPONSES, 404: {"model": Problem, "description": "no such run"}},
        tags=["runs"],
    )
    def get_run(
        run_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
        _key: Annotated[ApiKey, Depends(require("runs:read"))],
    ) -> dict[str, Any]:
        """A run's state and full trace: policy checks, approvals, executions, audit entries
        (values before and after)."""
        run = _load_run(run_id)
        return {
            **_run_out(run),
            "params": run.get("params"),
            "reasoning": run.get("reasoning"),
            "policy": run.get("policy"),
            "approvals": run.get("approvals", []),
            "executions": run.get("executions", []),
            "audit": run.get("audit", []),
            "created_at": run.get("created_at"),
            "updated_at": run.get("updated_at"),
        }

    @app.post(
        f"{API_PREFIX}/runs/{{run_id}}/execute",
        response_model=RunTrace,
        responses={
            **AUTH_RESPONSES,
            404: {"model": Problem, "description": "no such run"},
            409: {"model": Problem, "description": "the run is not approved or failed"},
            503: {"model": Problem, "description": "no Odoo or no executor here"},
        },
        tags=["runs"],
    )
    def execute_run(
        run_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
        key: Annotated[ApiKey, Depends(require("runs:execute"))],
    ) -> dict[str, Any]:
        """Execute a run that a person approved (or retry one that failed)."""
        run = _load_run(run_id)
        if run["status"] not in ("approved", "failed"):
            raise HTTPException(
                409, f"run #{run_id} is {run['status']}: only approved or failed runs execute"
            )
        logger.info("run %s executed by key %s", run_id, key.key_id)
        _execute(run_id)
        return get_run(run_id, key)

    @app.get(
        f"{API_PREFIX}/graph/search",
        response_model=list[SearchHit],
        responses={**AUTH_RESPONSES, 503: {"model": Problem, "description": "no warehouse yet"}},
        tags=["graph"],
    )
    def search(
        q: Annotated[str, Query(min_length=1, max_length=500, description="free text")],
        _key: Annotated[ApiKey, Depends(require("graph:read"))],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        entity_type: Annotated[list[str] | None, Query(max_length=9)] = None,
    ) -> list[dict[str, Any]]:
        """Entities whose name and description best match the text."""
        try:
            return graph.search(get_warehouse(), q, limit=limit, entity_types=entity_type)
        except (SqlRefused, QueryTimeout, OdooError) as exc:
            raise HTTPException(503, str(exc)) from None

    @app.get(
        f"{API_PREFIX}/statements/{{statement}}",
        responses={
            **AUTH_RESPONSES,
            422: {"model": Problem, "description": "unknown statement, grain or period"},
            503: {"model": Problem, "description": "no warehouse yet"},
        },
        tags=["statements"],
    )
    def financial_statement(
        statement: Annotated[
            str,
            Path(
                max_length=40,
                description="profit_and_loss, balance_sheet, cash_flow, trial_balance or kpis",
            ),
        ],
        company_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
        _key: Annotated[ApiKey, Depends(require("graph:read"))],
        period: Annotated[
            str | None, Query(pattern=r"^\d{4}-\d{2}$", description="first month, YYYY-MM")
        ] = None,
        grain: Annotated[str, Query(max_length=20)] = "month",
    ) -> dict[str, Any]:
        """A company's financial statement for one period, in company currency."""
        try:
            return dict(
                to_jsonable(
                    tools.financial_statement(get_warehouse(), statement, company_id, period, grain)
                )
            )
        except ConfigError as exc:
            raise HTTPException(422, str(exc)) from None
        except (SqlRefused, QueryTimeout, OdooError) as exc:
            raise HTTPException(503, str(exc)) from None

    @app.get(
        f"{API_PREFIX}/graph/neighborhood",
        response_model=Neighborhood,
        responses={
            **AUTH_RESPONSES,
            404: {"model": Problem, "description": "no such entity"},
            503: {"model": Problem, "description": "no warehouse yet"},
        },
        tags=["graph"],
    )
    def neighborhood(
        entity: Annotated[
            str, Query(min_length=1, max_length=200, description="res.partner:84 or a name")
        ],
        _key: Annotated[ApiKey, Depends(require("graph:read"))],
        depth: Annotated[int, Query(ge=1, le=4)] = 1,
    ) -> dict[str, Any]:
        """Entities around one entity, each with the evidence record linking it."""
        try:
            return dict(to_jsonable(graph.neighborhood(get_warehouse(), entity, depth)))
        except graph.EntityNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except (SqlRefused, QueryTimeout, OdooError) as exc:
            raise HTTPException(503, str(exc)) from None

    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API with uvicorn until stopped."""
    import uvicorn

    config = uvicorn.Config(create_app(), host=host, port=port, log_level="info")
    install_log_redaction()  # after the Config: it (re)configures uvicorn's loggers
    uvicorn.Server(config).run()
