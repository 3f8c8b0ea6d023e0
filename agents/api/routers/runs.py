"""Runs: an agent proposes a skill run (a write-back proposal), reads its trace, and executes
one a person approved."""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.responses import JSONResponse

from agents import tools
from agents.api.dependencies import ApiContext, context, require
from agents.api.schemas import API_PREFIX, AUTH_RESPONSES, Problem, RunCreate, RunOut, RunTrace
from agents.api_keys import ApiKey
from agents.sql import to_jsonable
from odoo_api.errors import ConfigError
from writeback.service import execute, get_proposal

logger = logging.getLogger(__name__)

router = APIRouter(prefix=API_PREFIX, tags=["runs"])

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


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


def _load_run(ctx: ApiContext, run_id: int) -> dict[str, Any]:
    try:
        return dict(to_jsonable(get_proposal(ctx.state(), run_id)))
    except ConfigError:
        raise HTTPException(404, f"no run #{run_id}") from None


def _trace(ctx: ApiContext, run_id: int) -> dict[str, Any]:
    run = _load_run(ctx, run_id)
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


@router.post(
    "/runs",
    response_model=RunOut,
    status_code=201,
    responses={
        **AUTH_RESPONSES,
        422: {
            "model": RunOut,
            "description": "refused by the policy (stored, with the reason)",
        },
    },
)
def create_run(
    body: RunCreate,
    key: Annotated[ApiKey, Depends(require("runs:create"))],
    ctx: Annotated[ApiContext, Depends(context)],
) -> Any:
    """Propose a skill run. It is checked by the write-back policy and stored whatever the
    outcome: pending until a person approves it, approved-and-executed at once for an
    ``auto`` skill that passes every check, or rejected with the reason (HTTP 422)."""
    with ctx.odoo() as client:
        outcome = tools.propose_action(
            ctx.state(),
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
            execute(ctx.state(), client, ids=[outcome["id"]])
    run = _run_out(_load_run(ctx, int(outcome["id"])))
    if run["status"] == "rejected":
        return JSONResponse(run, status_code=422)
    return run


@router.get(
    "/runs/{run_id}",
    response_model=RunTrace,
    responses={**AUTH_RESPONSES, 404: {"model": Problem, "description": "no such run"}},
)
def get_run(
    run_id: RunId,
    _key: Annotated[ApiKey, Depends(require("runs:read"))],
    ctx: Annotated[ApiContext, Depends(context)],
) -> dict[str, Any]:
    """A run's state and full trace: policy checks, approvals, executions, audit entries
    (values before and after)."""
    return _trace(ctx, run_id)


@router.post(
    "/runs/{run_id}/execute",
    response_model=RunTrace,
    responses={
        **AUTH_RESPONSES,
        404: {"model": Problem, "description": "no such run"},
        409: {"model": Problem, "description": "the run is not approved or failed"},
        503: {"model": Problem, "description": "no Odoo or no executor here"},
    },
)
def execute_run(
    run_id: RunId,
    key: Annotated[ApiKey, Depends(require("runs:execute"))],
    ctx: Annotated[ApiContext, Depends(context)],
) -> dict[str, Any]:
    """Execute a run that a person approved (or retry one that failed)."""
    run = _load_run(ctx, run_id)
    if run["status"] not in ("approved", "failed"):
        raise HTTPException(
            409, f"run #{run_id} is {run['status']}: only approved or failed runs execute"
        )
    logger.info("run %s executed by key %s", run_id, key.key_id)
    with ctx.odoo() as client:
        if client is None:
            raise HTTPException(
                503, "no Odoo configured (ODOO_URL): the run cannot be executed here"
            )
        execute(ctx.state(), client, ids=[run_id])
    return _trace(ctx, run_id)
