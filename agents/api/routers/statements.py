"""Financial statements (P&L, balance sheet, cash flow, trial balance, KPIs), read from the marts."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from agents import tools
from agents.api.dependencies import ApiContext, context, require
from agents.api.schemas import API_PREFIX, AUTH_RESPONSES, Problem
from agents.api_keys import ApiKey
from agents.sql import QueryTimeout, SqlRefused, to_jsonable
from odoo_api.errors import ConfigError, OdooError

router = APIRouter(prefix=API_PREFIX, tags=["statements"])


@router.get(
    "/statements/{statement}",
    responses={
        **AUTH_RESPONSES,
        422: {"model": Problem, "description": "unknown statement, grain or period"},
        503: {"model": Problem, "description": "no warehouse yet"},
    },
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
    ctx: Annotated[ApiContext, Depends(context)],
    period: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}$", description="first month, YYYY-MM")
    ] = None,
    grain: Annotated[str, Query(max_length=20)] = "month",
) -> dict[str, Any]:
    """A company's financial statement for one period, in company currency."""
    try:
        return dict(
            to_jsonable(
                tools.financial_statement(ctx.warehouse(), statement, company_id, period, grain)
            )
        )
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    except (SqlRefused, QueryTimeout, OdooError) as exc:
        raise HTTPException(503, str(exc)) from None
