"""The skills and runs API (``coo api``): agents request actions with the guarantees people get.

A *skill* is a write-back catalog entry; a *run* is a write-back proposal. ``POST /runs``
goes through ``writeback.propose`` like every other proposal (policy check, stored whatever
the outcome, approval queue); a skill whose catalog autonomy is ``auto`` and that passes
every check, Odoo included, is executed at once. ``GET /runs/{id}`` returns the state and the
full trace (policy result, approvals, executions, audit entries with values before/after).
Nobody approves through this API: approval stays with the people named in ``COO_APPROVERS``.

Authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, keys from
``coo api-keys create`` (stored hashed, see ``agents.api_keys``), each with a role and
a rate limit (requests per minute, sliding window in this process; a 429 carries
``Retry-After``). The knowledge graph's search and neighbourhoods are served here too.

(No ``from __future__ import annotations`` in this package: FastAPI resolves the
dependencies from their live annotations.)
"""

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from agents.api.dependencies import (
    ApiContext,
    FailedAuthLimiter,
    OdooProvider,
    RateLimiter,
    default_odoo_provider,
    strict_json,
)
from agents.api.redaction import install_log_redaction
from agents.api.routers import ROUTERS
from agents.api.schemas import API_PREFIX
from odoo_api.errors import ConfigError
from odoo_api.warehouse import Warehouse
from opstore import StateStore

__all__ = ["DESCRIPTION", "create_app", "serve"]

#: the OpenAPI description: the module's doc without the note for maintainers
DESCRIPTION = (__doc__ or "").split("(No ``from __future__")[0].rstrip() + "\n"


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def config_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503)


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
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.coo = ApiContext(
        state_store=state,
        warehouse_store=warehouse,
        odoo=odoo or default_odoo_provider,
        limits=limiter or RateLimiter(),
        failures=failed_auth or FailedAuthLimiter(),
    )
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(ConfigError, config_error)
    for router in ROUTERS:
        app.include_router(router)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API with uvicorn until stopped."""
    import uvicorn

    config = uvicorn.Config(create_app(), host=host, port=port, log_level="info")
    install_log_redaction()  # after the Config: it (re)configures uvicorn's loggers
    uvicorn.Server(config).run()
