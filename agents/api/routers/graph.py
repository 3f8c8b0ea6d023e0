"""The knowledge graph: search and neighbourhoods, read from the warehouse."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from agents import graph
from agents.api.dependencies import ApiContext, context, require
from agents.api.schemas import API_PREFIX, AUTH_RESPONSES, Neighborhood, Problem, SearchHit
from agents.api_keys import ApiKey
from agents.sql import QueryTimeout, SqlRefused, to_jsonable
from odoo_api.errors import OdooError

router = APIRouter(prefix=API_PREFIX, tags=["graph"])


@router.get(
    "/graph/search",
    response_model=list[SearchHit],
    responses={**AUTH_RESPONSES, 503: {"model": Problem, "description": "no warehouse yet"}},
)
def search(
    q: Annotated[str, Query(min_length=1, max_length=500, description="free text")],
    _key: Annotated[ApiKey, Depends(require("graph:read"))],
    ctx: Annotated[ApiContext, Depends(context)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    entity_type: Annotated[list[str] | None, Query(max_length=9)] = None,
) -> list[dict[str, Any]]:
    """Entities whose name and description best match the text."""
    try:
        return graph.search(ctx.warehouse(), q, limit=limit, entity_types=entity_type)
    except (SqlRefused, QueryTimeout, OdooError) as exc:
        raise HTTPException(503, str(exc)) from None


@router.get(
    "/graph/neighborhood",
    response_model=Neighborhood,
    responses={
        **AUTH_RESPONSES,
        404: {"model": Problem, "description": "no such entity"},
        503: {"model": Problem, "description": "no warehouse yet"},
    },
)
def neighborhood(
    entity: Annotated[
        str, Query(min_length=1, max_length=200, description="res.partner:84 or a name")
    ],
    _key: Annotated[ApiKey, Depends(require("graph:read"))],
    ctx: Annotated[ApiContext, Depends(context)],
    depth: Annotated[int, Query(ge=1, le=4)] = 1,
) -> dict[str, Any]:
    """Entities around one entity, each with the evidence record linking it."""
    try:
        return dict(to_jsonable(graph.neighborhood(ctx.warehouse(), entity, depth)))
    except graph.EntityNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except (SqlRefused, QueryTimeout, OdooError) as exc:
        raise HTTPException(503, str(exc)) from None
