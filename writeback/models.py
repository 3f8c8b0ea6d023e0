"""The typed values write-back passes between its layers (no I/O, no imports above it).

:class:`ProposalRequest` is what someone asks, :class:`PolicyResult` what the checks found,
:class:`Plan` exactly what will be sent to Odoo, :class:`ProposalOutcome` what ``propose``
answers. Every other module of the package imports these from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Plan", "PolicyResult", "ProposalOutcome", "ProposalRequest"]


@dataclass(frozen=True)
class ProposalRequest:
    """What someone asks write-back to do. ``record_ids`` names further records for skills
    that allow several per action (``max_records``)."""

    skill: str
    company_id: int
    model: str
    record_id: int | None
    params: dict[str, Any] = field(default_factory=dict)
    reasoning: str = ""
    source: str = "manual"  # alert | briefing | api | mcp | manual
    source_ref: str | None = None
    alert_key: str | None = None
    requested_by: str = "unknown"
    record_ids: list[int] | None = None


@dataclass(frozen=True)
class ProposalOutcome:
    """The stored proposal's id, its status and, when refused or held, why."""

    id: int
    status: str
    reason: str | None = None


@dataclass
class PolicyResult:
    """The outcome of the checks: ``ok`` with the checks run, or the first failing reason."""

    ok: bool = True
    reason: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    verified_in_odoo: bool = False
    amount: float | None = None
    resolved: dict[str, Any] = field(default_factory=dict)  # e.g. tag name -> tag id
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> fields read

    def passed(self, name: str, detail: str = "") -> None:
        self.checks.append({"check": name, "ok": True, "detail": detail})

    def fail(self, name: str, reason: str) -> PolicyResult:
        self.ok = False
        self.reason = reason
        self.checks.append({"check": name, "ok": False, "detail": reason})
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "checks": self.checks,
            "verified_in_odoo": self.verified_in_odoo,
            "amount": self.amount,
            "resolved": self.resolved,
        }


@dataclass
class Plan:
    """Exactly what will be sent to Odoo, and how to recognise it afterwards."""

    skill: str
    model: str  # the model the call goes to
    method: str
    calls: list[dict[str, Any]]  # each {"ids": [...] | None, "kwargs": {...}}
    context: dict[str, Any]
    marker: str
    kind: str  # create | message | write
    created_model: str | None = None
    watch_model: str = ""
    watch_ids: list[int] = field(default_factory=list)
    watch_fields: list[str] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "method": self.method,
            "calls": self.calls,
            "context": self.context,
            "marker": self.marker,
            "kind": self.kind,
            "created_model": self.created_model,
            "watch_model": self.watch_model,
            "watch_ids": self.watch_ids,
            "watch_fields": self.watch_fields,
            "expected": self.expected,
        }
