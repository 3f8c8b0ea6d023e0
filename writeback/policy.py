"""The policy check every proposal passes before it is stored, and every action before it runs.

Whoever proposes (a rule, Claude writing a briefing, the API, a person), the same checks
apply: the skill is in the catalog and not forbidden, the record model is one the skill
names (an allow-list: sensitive models are unreachable), the parameters match the skill's
JSON schema and carry no markup or instructions, the limits hold, the proposal is tied to
its source (an alert that exists and is about this record and company, or a briefing), and,
with an Odoo client, the record exists, belongs to the company in scope and is in a state
the skill makes sense for. Text read from Odoo or written by a model is untrusted: it can
only ever land in the few fields the skill names.

This module is the pure part (no store, no Odoo): the checks on the request alone. The
source and the limits are checked against the store in ``writeback.checks``, the records
against Odoo in ``writeback.odoo_checks``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from core.untrusted import finite_problem, normalise, skeleton, text_problem
from writeback.catalog import Catalog, Skill, is_sensitive_model
from writeback.models import PolicyResult, ProposalRequest

__all__ = [
    "AGENT_SOURCES",
    "SOURCES",
    "PolicyResult",
    "check_static",
    "targets_of",
    "untrusted_text_problem",
    "writes_free_text",
]

SOURCES = ("alert", "briefing", "api", "mcp", "manual")
#: sources whose text an agent wrote (not a rule's template, not a person at the CLI)
AGENT_SOURCES = ("api", "mcp")

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


def check_static(
    catalog: Catalog, req: ProposalRequest
) -> tuple[PolicyResult, Skill | None, list[int]]:
    """Every check on the request alone (pure: no store, no Odoo): source kind, catalog,
    model, records, schema, text and the size and amount limits."""
    result = PolicyResult()
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
    return result, skill, targets
