"""The policy check every proposal passes before it is stored, and every action before it runs.

Whoever proposes (a rule, Claude writing a briefing, the API, a person), the same checks
apply: the skill is in the catalog and not forbidden, the record model is one the skill
names (an allow-list: sensitive models are unreachable), the parameters match the skill's
JSON schema and carry no markup or instructions, the limits hold, the proposal is tied to
its source (an alert that exists and is about this record and company, or a briefing), and,
with an Odoo client, the record exists, belongs to the company in scope and is in a state
the skill makes sense for. Text read from Odoo or written by a model is untrusted: it can
only ever land in the few fields the skill names.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from alerts.lookup import find_alert
from core.untrusted import finite_problem, normalise, skeleton, text_problem
from odoo_api.client import OdooClient
from odoo_api.errors import OdooAccessError, OdooError
from opstore import StateStore
from writeback.catalog import Catalog, Skill, is_sensitive_model
from writeback.store import proposals

__all__ = [
    "AGENT_SOURCES",
    "SOURCES",
    "PolicyResult",
    "check_odoo",
    "check_request",
    "recheck_rates",
    "untrusted_text_problem",
    "writes_free_text",
]

SOURCES = ("alert", "briefing", "api", "mcp", "manual")
#: sources whose text an agent wrote (not a rule's template, not a person at the CLI)
AGENT_SOURCES = ("api", "mcp")
#: statuses that count against rate limits and cooldowns (a refused proposal does not)
LIVE_STATUSES = ("pending", "approved", "executing", "executed", "failed")

_INJECTION = re.compile(
    r"(ignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|rules))"
    r"|(disregard\s+(the\s+|all\s+)?(previous|prior|above|policy|rules|instructions))"
    r"|(system\s+prompt)|(you\s+are\s+now\b)|(\bact\s+as\s+(an?\s+)?(admin|administrator|root)\b)"
    r"|(api[\s_-]?key)|(\bpassword\b)|(\bsudo\b)|(base\.group_)|(\bres\.users\b)|(\bir\.[a-z_.]+)"
    r"|(\bexecute_kw\b)|(/json/2/)|(/xmlrpc)|(/jsonrpc)",
    re.IGNORECASE,
)
_MARKUP = re.compile(
    r"<\s*[a-zA-Z!/?]|javascript:|data:text/html|\{\{|\{%|\$\{|&#"
    r"|!\[[^\]]*\]\s*\(|\[[^\]]*\]\s*\(\s*\S+\s*\)|\[[^\]]*\]\s*\[",  # Markdown images and links
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200b-\u200f]")


def untrusted_text_problem(text: str) -> str | None:
    """Why ``text`` may not be written to Odoo (or shown to an approver), or None.

    A heuristic backstop, not the guarantee: the guarantee is that text can only reach the
    body/summary/note of the one record the skill names. This keeps hidden characters
    (format, tag and control characters), look-alike letters, markup (HTML, Markdown images
    and links, template syntax) and instruction-like text out of it; markup and instructions
    are looked for in the NFKC form, so fullwidth letters do not hide them.
    """
    problem = text_problem(text)
    if problem:
        return problem
    folded = normalise(text)
    if _CONTROL.search(folded):
        return "contains control or invisible formatting characters"
    if _MARKUP.search(folded):
        return "contains markup or template syntax (plain text only)"
    match = _INJECTION.search(folded) or _INJECTION.search(skeleton(text))
    if match:
        return f"contains instruction-like or technical text ({match.group(0)!r})"
    return None


def writes_free_text(skill: Skill) -> bool:
    """Whether the skill writes text someone reads (a string parameter that is not an enum)."""
    props = (skill.input_schema or {}).get("properties") or {}
    return any(
        isinstance(spec, dict) and spec.get("type") == "string" and "enum" not in spec
        for spec in props.values()
    )


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


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def targets_of(record_id: Any, record_ids: Any) -> list[Any]:
    """Every record named: ``record_ids`` (which may repeat ``record_id``), else ``record_id``."""
    if record_ids is None:
        return [] if record_id is None else [record_id]
    extra = list(record_ids) if isinstance(record_ids, list | tuple) else [record_ids]
    if record_id is not None and record_id not in extra:
        extra.insert(0, record_id)
    return extra


def _walk_strings(value: Any, path: str = "params") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out.extend(_walk_strings(str(k), f"{path} key"))
            out.extend(_walk_strings(v, f"{path}/{k}"))
        return out
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _walk_strings(v, f"{path}/{i}")]
    return []


def check_request(
    state: StateStore, catalog: Catalog, req: Any, conn: Connection, *, now: datetime | None = None
) -> tuple[PolicyResult, Skill | None, list[int]]:
    """Every check that needs no Odoo: catalog, model, schema, text, limits, source."""
    result = PolicyResult()
    now = now or datetime.now(UTC)
    if req.source not in SOURCES:
        return (
            result.fail("source", f"unknown source {req.source!r} (one of {', '.join(SOURCES)})"),
            None,
            [],
        )
    if (
        not isinstance(req.requested_by, str)
        or not req.requested_by.strip()
        or len(req.requested_by) > 255
    ):
        return result.fail("source", "requested_by must name who (or what) proposes"), None, []
    if not isinstance(req.skill, str) or req.skill not in catalog:
        return (
            result.fail("catalog", f"skill {str(req.skill)[:64]!r} is not in the catalog"),
            None,
            [],
        )
    skill = catalog.skills[req.skill]
    if skill.autonomy == "forbidden":
        return result.fail("catalog", f"skill '{skill.key}' is forbidden by the catalog"), skill, []
    result.passed("catalog", f"skill '{skill.key}' ({skill.autonomy}, risk {skill.risk})")
    model = req.model
    if not isinstance(model, str):
        return result.fail("model", "model must be an Odoo model name"), skill, []
    if is_sensitive_model(model):
        return (
            result.fail("model", f"model {model[:64]!r} is sensitive and never reachable"),
            skill,
            [],
        )
    if model not in catalog.allowed_models():
        return (
            result.fail("model", f"model {model[:64]!r} is not in the catalog's allow-list"),
            skill,
            [],
        )
    if model not in skill.record_models:
        return (
            result.fail(
                "model",
                f"skill '{skill.key}' does not act on {model} (only {', '.join(skill.record_models)})",
            ),
            skill,
            [],
        )
    result.passed("model", model)
    if not _is_id(req.company_id):
        return result.fail("company", "company_id must be a positive integer"), skill, []
    raw_targets = targets_of(req.record_id, req.record_ids)
    if not raw_targets:
        return result.fail("records", "no record to act on (record_id)"), skill, []
    bad = [t for t in raw_targets if not _is_id(t)]
    if bad:
        return (
            result.fail(
                "records", f"record ids must be positive integers, got {str(bad[0])[:40]!r}"
            ),
            skill,
            [],
        )
    targets = [int(t) for t in raw_targets]
    if len(set(targets)) != len(targets):
        return result.fail("records", "the same record is named twice"), skill, []
    if len(targets) > skill.limits.max_records:
        return (
            result.fail(
                "limits",
                f"{len(targets)} records exceed the limit of {skill.limits.max_records} per action",
            ),
            skill,
            targets,
        )
    result.passed("records", f"{len(targets)} record(s)")
    params = req.params
    if not isinstance(params, dict):
        return result.fail("schema", "params must be a JSON object"), skill, targets
    infinite = finite_problem(params)
    if infinite:
        return result.fail("schema", infinite), skill, targets
    errors = skill.schema_errors(params)
    if errors:
        return (
            result.fail(
                "schema", "params do not match the skill's schema: " + "; ".join(errors)[:500]
            ),
            skill,
            targets,
        )
    for where, text in _walk_strings(params):
        problem = untrusted_text_problem(text)
        if problem:
            return result.fail("text", f"{where} {problem}"), skill, targets
    if req.reasoning is not None and not isinstance(req.reasoning, str):
        return result.fail("schema", "reasoning must be text"), skill, targets
    if isinstance(req.reasoning, str) and len(req.reasoning) > 20000:
        return result.fail("schema", "reasoning is longer than 20000 characters"), skill, targets
    for label, value in (
        ("reasoning", req.reasoning),
        ("requested_by", req.requested_by),
        ("source_ref", req.source_ref),
        ("alert_key", req.alert_key),
    ):
        if isinstance(value, str):
            problem = untrusted_text_problem(value)
            if problem:
                return result.fail("text", f"{label} {problem}"), skill, targets
    result.passed("schema", "params valid")
    if skill.key == "create_draft_rfq":
        amount = float(params["quantity"]) * float(params["price_unit"])
        if not math.isfinite(amount):  # never: params are finite; a backstop for the limit
            return (
                result.fail("limits", f"amount {amount!r} is not a finite number"),
                skill,
                targets,
            )
        result.amount = round(amount, 2)
        if skill.limits.max_amount is not None and amount > skill.limits.max_amount:
            return (
                result.fail(
                    "limits",
                    f"amount {amount:.2f} exceeds the limit of {skill.limits.max_amount:.2f}",
                ),
                skill,
                targets,
            )
    _check_source(result, req, skill, targets, conn)
    if not result.ok:
        return result, skill, targets
    _check_rates(result, req, skill, targets, conn, now)
    return result, skill, targets


def _check_source(
    result: PolicyResult, req: Any, skill: Skill, targets: list[int], conn: Connection
) -> None:
    if req.source == "alert":
        if not isinstance(req.alert_key, str) or not req.alert_key:
            result.fail("source", "a proposal from an alert must give its alert_key")
            return
        alert = find_alert(conn, req.alert_key)
        if alert is None:
            result.fail("source", f"alert not found: {req.alert_key[:200]!r}")
            return
        if alert.family not in skill.alert_families:
            result.fail("source", f"skill '{skill.key}' does not answer {alert.family} alerts")
            return
        if alert.company_id != req.company_id:
            result.fail(
                "source", f"the alert is about company {alert.company_id}, not {req.company_id}"
            )
            return
        if alert.record_model and (
            alert.record_model != req.model or alert.record_id not in targets
        ):
            result.fail(
                "source",
                f"the alert is about {alert.record_model}({alert.record_id}), not {req.model}{tuple(targets)}",
            )
            return
        if not alert.is_open:
            result.fail("source", f"the alert is {alert.status}: nothing to act on")
            return
        result.passed("source", f"alert {alert.family} #{alert.id}")
        return
    if req.source == "briefing":
        if not req.source_ref:
            result.fail(
                "source", "a proposal from a briefing must give the briefing id in source_ref"
            )
            return
        if req.alert_key:  # a briefing proposal that names an alert is held to it
            _check_source(result, _with_source(req, "alert"), skill, targets, conn)
            if result.ok:
                result.checks[-1]["detail"] += f" (briefing {req.source_ref})"
            return
        result.passed("source", f"briefing {req.source_ref}")
        return
    if req.alert_key:
        _check_source(result, _with_source(req, "alert"), skill, targets, conn)
        return
    result.passed("source", f"{req.source} by {req.requested_by}")


def _with_source(req: Any, source: str) -> Any:
    from dataclasses import replace

    return replace(req, source=source)


def _check_rates(
    result: PolicyResult,
    req: Any,
    skill: Skill,
    targets: list[int],
    conn: Connection,
    now: datetime,
) -> None:
    live = proposals.c.status.in_(LIVE_STATUSES)
    same = and_(proposals.c.skill == skill.key, proposals.c.company_id == req.company_id, live)
    if skill.limits.rate_per_hour is not None:
        count = conn.execute(
            select(func.count()).where(same, proposals.c.created_at >= now - timedelta(hours=1))
        ).scalar_one()
        if count >= skill.limits.rate_per_hour:
            result.fail(
                "limits",
                f"rate limit: {count} '{skill.key}' actions in the last hour (limit {skill.limits.rate_per_hour})",
            )
            return
    since = now - timedelta(hours=skill.limits.cooldown_hours or 0)
    rows = conn.execute(
        select(
            proposals.c.id, proposals.c.record_ids, proposals.c.status, proposals.c.created_at
        ).where(same, proposals.c.model == req.model)
    ).all()
    for pid, rids, status, created_at in rows:
        overlap = set(json.loads(str(rids or "[]"))) & set(targets)
        if not overlap:
            continue
        created: datetime = created_at  # type: ignore[assignment]
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        if status in ("pending", "approved", "executing"):
            result.fail(
                "limits",
                f"proposal #{pid} already does '{skill.key}' on record {min(overlap)} ({status})",
            )
            return
        if skill.limits.cooldown_hours and created >= since:
            result.fail(
                "limits",
                f"cooldown: '{skill.key}' ran on record {min(overlap)} less than {skill.limits.cooldown_hours:g} h ago (proposal #{pid})",
            )
            return
    result.passed("limits", "within rate, cooldown and size limits")


def recheck_rates(
    result: PolicyResult,
    req: Any,
    skill: Skill,
    targets: list[int],
    conn: Connection,
    now: datetime,
) -> None:
    """The duplicate, cooldown and rate checks again, in the transaction that stores the
    proposal (under its lock): what another proposal stored meanwhile counts."""
    again = PolicyResult()
    _check_rates(again, req, skill, targets, conn, now)
    if not again.ok:
        result.fail("limits", again.reason or "limits")


# -- Odoo side -----------------------------------------------------------------------------

_READ_FIELDS: dict[str, list[str]] = {
    "account.move": [
        "company_id",
        "move_type",
        "state",
        "payment_state",
        "invoice_date_due",
        "amount_residual",
        "partner_id",
        "invoice_user_id",
    ],
    "crm.lead": ["company_id", "active", "probability", "user_id", "type", "priority", "tag_ids"],
    "res.partner": ["company_id", "active", "user_id"],
    "product.product": ["company_id", "active"],
    "purchase.order": ["company_id", "state", "user_id"],
    "sale.order": ["company_id", "state", "user_id"],
    "hr.expense": ["company_id", "state"],
}
#: records that may be shared by every company (company_id False)
_SHARED_OK = ("res.partner", "product.product")


def _m2o(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else False
    return value


def _today(odoo: OdooClient) -> date:
    return datetime.now(UTC).date()


def check_odoo(
    result: PolicyResult, skill: Skill, req: Any, targets: list[int], odoo: OdooClient
) -> PolicyResult:
    """The checks against the live data: existence, company, and the record's state."""
    company = int(req.company_id)
    ctx = {"allowed_company_ids": [company], "active_test": False}
    fields = [*_READ_FIELDS.get(req.model, ["company_id"]), "write_date"]
    try:
        rows = odoo.call(req.model, "read", ids=targets, fields=fields, context=ctx)
    except OdooAccessError as exc:
        # a record rule hides it: another company's record, or one the API user may not read
        return result.fail(
            "company",
            f"{req.model}{tuple(targets)} is not accessible in company {company}: it belongs to "
            f"another company (or the API user may not read it): {exc}",
        )
    except OdooError as exc:
        return result.fail(
            "odoo", f"cannot read {req.model}{tuple(targets)} in company {company}: {exc}"
        )
    found = {int(r["id"]): r for r in rows or []}
    for rid in targets:
        row = found.get(rid)
        if row is None:
            return result.fail(
                "odoo",
                f"{req.model}({rid}) does not exist (or is not visible in company {company})",
            )
        rc = _m2o(row.get("company_id"))
        if rc is False and req.model in _SHARED_OK:
            pass
        elif rc != company:
            return result.fail(
                "company", f"{req.model}({rid}) belongs to company {rc}, not {company}"
            )
        if row.get("active") is False:
            return result.fail("odoo", f"{req.model}({rid}) is archived")
        problem = _state_problem(skill, req.model, row, odoo)
        if problem:
            return result.fail("consistency", f"{req.model}({rid}) {problem}")
        result.records[str(rid)] = row
    try:
        _check_params_in_odoo(result, skill, req, company, odoo)
    except OdooError as exc:
        return result.fail("odoo", f"cannot check the parameters in Odoo: {exc}")
    if result.ok:
        result.verified_in_odoo = True
        result.passed("odoo", f"{len(targets)} record(s) exist in company {company}")
    return result


def _state_problem(skill: Skill, model: str, row: dict[str, Any], odoo: OdooClient) -> str | None:
    if model == "account.move":
        if row.get("move_type") != "out_invoice" or row.get("state") != "posted":
            return "is not a posted customer invoice"
        if skill.key in ("send_payment_reminder", "schedule_activity"):
            if row.get("payment_state") not in ("not_paid", "partial"):
                return f"is {row.get('payment_state')}: nothing to chase"
            due = row.get("invoice_date_due")
            if skill.key == "send_payment_reminder" and (
                not due or date.fromisoformat(due) >= _today(odoo)
            ):
                return f"is not overdue (due {due})"
        if (
            skill.limits.max_amount is not None
            and float(row.get("amount_residual") or 0) > skill.limits.max_amount
        ):
            return f"residual {row.get('amount_residual')} is over the limit of {skill.limits.max_amount:g}"
    if model == "crm.lead":
        if float(row.get("probability") or 0) >= 100:
            return "is won already"
        if skill.key == "assign_lead" and _m2o(row.get("user_id")):
            return "is already assigned"
    return None


def _check_params_in_odoo(
    result: PolicyResult, skill: Skill, req: Any, company: int, odoo: OdooClient
) -> None:
    params = req.params
    ctx = {"allowed_company_ids": [company], "active_test": False}
    user_id = params.get("user_id")
    if user_id is not None:
        users = odoo.search_read(
            "res.users",
            [["id", "=", user_id]],
            ["company_ids", "active", "share"],
            context={"active_test": False},
        )
        if not users or not users[0].get("active") or users[0].get("share"):
            result.fail("params", f"user {user_id} is not an active internal user")
            return
        if company not in (users[0].get("company_ids") or []):
            result.fail("company", f"user {user_id} does not work for company {company}")
            return
    if skill.key == "set_deal_tag":
        tags = odoo.search_read("crm.tag", [["name", "=", params["tag"]]], ["id", "name"], limit=2)
        exact = [t for t in tags if t.get("name") == params["tag"]]
        if not exact:
            result.fail(
                "params",
                f"CRM tag {params['tag']!r} does not exist (tags are not created by write-back)",
            )
            return
        result.resolved["tag_id"] = int(exact[0]["id"])
    if skill.key == "create_draft_rfq":
        vendors = odoo.call(
            "res.partner",
            "read",
            ids=[params["partner_id"]],
            fields=["company_id", "active"],
            context=ctx,
        )
        if not vendors or vendors[0].get("active") is False:
            result.fail("params", f"vendor res.partner({params['partner_id']}) does not exist")
            return
        vc = _m2o(vendors[0].get("company_id"))
        if vc not in (False, company):
            result.fail(
                "company", f"vendor res.partner({params['partner_id']}) belongs to company {vc}"
            )
            return
