"""The catalog of skills (write-back's catalog, as agents see it)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from agents import tools
from agents.api.dependencies import require
from agents.api.schemas import API_PREFIX, AUTH_RESPONSES, Problem, SkillOut
from agents.api_keys import ApiKey

router = APIRouter(prefix=API_PREFIX, tags=["skills"])


@router.get("/skills", response_model=list[SkillOut], responses=AUTH_RESPONSES)
def list_skills(
    _key: Annotated[ApiKey, Depends(require("skills:read"))],
) -> list[dict[str, Any]]:
    """The catalog: every skill with its input schema, risk and autonomy."""
    return tools.list_skills()


@router.get(
    "/skills/{key}",
    response_model=SkillOut,
    responses={**AUTH_RESPONSES, 404: {"model": Problem, "description": "no such skill"}},
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
