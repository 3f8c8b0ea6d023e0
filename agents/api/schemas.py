"""The request and response bodies of the API (pydantic): what the OpenAPI document shows."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.untrusted import finite_problem

__all__ = [
    "API_PREFIX",
    "AUTH_RESPONSES",
    "Health",
    "Neighborhood",
    "Problem",
    "RunCreate",
    "RunOut",
    "RunTrace",
    "SearchHit",
    "SkillLimits",
    "SkillOut",
]

API_PREFIX = "/api/v1"


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
