"""Alert rules: a YAML file a person edits, validated on load.

The packaged ``alerts/rules.yaml`` is the default; ``COO_ALERT_RULES`` (read when rules are
loaded, never at import) points at a user's copy. A malformed file ends in one
:class:`~odoo_api.errors.ConfigError` line that names the file, the rule and the field, since
the person who edits thresholds is rarely the person who reads stack traces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.settings import get_settings
from odoo_api.errors import ConfigError

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")

Area = Literal["finance", "sales", "operations", "customers", "expenses"]
Priority = Literal["critical", "high", "medium", "low"]
Family = Literal[
    "cash_runway",
    "receivables_overdue",
    "overdue_invoice",
    "receivables_share",
    "customer_overdue",
    "late_payer",
    "churn_risk",
    "stalled_deal",
    "stockout",
    "late_supplier",
    "duplicate_expense",
    "anomaly",
    "reorder",
]

PRIORITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

# The thresholds each family understands: "min" = the measure must be at least the value,
# "max" = below the value. A stricter escalation level moves in that direction.
FAMILY_THRESHOLDS: dict[str, dict[str, str]] = {
    "cash_runway": {"runway_days": "max"},
    "receivables_overdue": {"min_days_overdue": "min", "amount": "min"},
    "overdue_invoice": {"days_overdue": "min", "amount": "min"},
    "receivables_share": {"overdue_share": "min", "amount": "min", "months_of_revenue": "min"},
    "customer_overdue": {
        "share_of_receivables": "min",
        "days_overdue": "min",
        "amount": "min",
        "months_of_revenue": "min",
    },
    "late_payer": {"avg_days_late": "min", "median_days_late": "min", "min_invoices": "min"},
    "churn_risk": {
        "probability": "min",
        "silent_gaps": "min",
        "min_orders": "min",
        "order_ratio": "max",
        "min_expected_orders_6m": "min",
        "min_orders_12m": "min",
        "min_days_silent": "min",
    },
    "stalled_deal": {"days_over_threshold": "min", "expected_revenue": "min"},
    "stockout": {"probability": "min", "max_days_until_stockout": "max"},
    "late_supplier": {"late_rate": "min", "min_receipts": "min", "avg_days_late": "min"},
    "duplicate_expense": {"max_days_apart": "max", "amount": "min"},
    "anomaly": {"score": "min"},
    "reorder": {"min_qty_to_order": "min"},
}


class EscalationLevel(BaseModel):
    """Stricter thresholds (merged over the rule's) that give a higher priority."""

    model_config = ConfigDict(extra="forbid")
    priority: Priority
    thresholds: dict[str, float]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_:.-]+$")
    family: Family
    area: Area
    priority: Priority
    thresholds: dict[str, float] = Field(default_factory=dict)
    escalation: list[EscalationLevel] = Field(default_factory=list)
    cooldown_hours: float | None = Field(default=None, ge=0)
    companies: list[int] | None = None
    enabled: bool = True
    title: str | None = None

    @model_validator(mode="after")
    def _known_thresholds(self) -> Rule:
        known = FAMILY_THRESHOLDS[self.family]
        for name in [*self.thresholds, *(n for lvl in self.escalation for n in lvl.thresholds)]:
            if name not in known:
                raise ValueError(
                    f"threshold '{name}' is not one of {self.family}'s: {', '.join(sorted(known))}"
                )
        for lvl in self.escalation:
            if PRIORITY_RANK[lvl.priority] <= PRIORITY_RANK[self.priority]:
                raise ValueError(
                    f"escalation priority '{lvl.priority}' must be above the rule's '{self.priority}'"
                )
        return self

    def applies_to(self, company_id: int) -> bool:
        return self.companies is None or company_id in self.companies


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cooldown_hours: float = Field(default=24, ge=0)
    escalate_after_minutes: float = Field(default=120, ge=0)


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: Defaults = Field(default_factory=Defaults)
    rules: list[Rule]

    @field_validator("rules")
    @classmethod
    def _unique_keys(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for r in rules:
            if r.key in seen:
                raise ValueError(f"rule key '{r.key}' appears twice")
            seen.add(r.key)
        return rules

    def cooldown_hours(self, rule: Rule) -> float:
        return self.defaults.cooldown_hours if rule.cooldown_hours is None else rule.cooldown_hours

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]


def rules_path(path: str | Path | None = None) -> Path:
    """The rules file in use: the argument, else ``COO_ALERT_RULES``, else the packaged one."""
    chosen = path or get_settings().coo_alert_rules or DEFAULT_RULES_PATH
    return Path(chosen)


def _where(err: dict[str, Any], raw: Any) -> str:
    loc = list(err.get("loc", ()))
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            key = raw["rules"][loc[1]].get("key", f"#{loc[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            key = f"#{loc[1] + 1}"
        rest = ".".join(str(p) for p in loc[2:])
        return f"rule '{key}'" + (f" field '{rest}'" if rest else "")
    return "field '" + ".".join(str(p) for p in loc) + "'" if loc else "the file"


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Parse and validate the rules; any problem is one ConfigError line saying how to fix it."""
    p = rules_path(path)
    hint = "fix the file or unset COO_ALERT_RULES to use the packaged rules"
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"alert rules file {p} cannot be read ({exc.strerror}): {hint}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"alert rules file {p} is not valid YAML{at}: {hint}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"alert rules file {p} must be a mapping with a 'rules' list: {hint}")
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"alert rules file {p}: {_where(dict(first), raw)}: {msg}") from None
