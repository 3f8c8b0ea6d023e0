"""Alert evaluation: every enabled rule over its family's observations, the thresholds and
escalation levels deciding which observations are alerts and at what priority. Nothing is
written here (:mod:`alerts.lifecycle` stores the result)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from alerts.families import FAMILIES, MATCHERS, Observation
from alerts.names import Names
from alerts.rules import PRIORITY_RANK, Rule, RuleSet
from alerts.sources import MartReader

logger = logging.getLogger(__name__)


@dataclass
class AlertCandidate:
    rule_key: str
    family: str
    area: str
    priority: str
    company_id: int
    record_model: str | None
    record_id: int | None
    title: str
    details: dict[str, Any]

    @property
    def alert_key(self) -> str:
        return alert_key(self.rule_key, self.company_id, self.record_model, self.record_id)


def alert_key(
    rule_key: str, company_id: int, record_model: str | None, record_id: int | None
) -> str:
    """``rule_key|company_id|record_model|record_id`` (empty parts for a company-wide alert)."""
    return f"{rule_key}|{company_id}|{record_model or ''}|{'' if record_id is None else record_id}"


def classify(rule: Rule, observation: Observation) -> str | None:
    """The priority of an observation under a rule, or None when it is not an alert."""
    match = MATCHERS[rule.family]
    if not match(observation.measures, rule.thresholds):
        return None
    priority = rule.priority
    for level in rule.escalation:
        stricter = {**rule.thresholds, **level.thresholds}
        if PRIORITY_RANK[level.priority] > PRIORITY_RANK[priority] and match(
            observation.measures, stricter
        ):
            priority = level.priority
    return priority


@dataclass
class Evaluation:
    candidates: list[AlertCandidate]
    evaluated_rules: list[str]
    skipped_rules: list[str]
    # why each skipped rule was not evaluated (a missing mart, or its family failed)
    skipped_reasons: dict[str, str] = field(default_factory=dict)


def evaluate(reader: MartReader, ruleset: RuleSet) -> Evaluation:
    """Every alert the rules raise on the warehouse now (nothing is written)."""
    names = Names(reader)
    cache: dict[str, list[Observation] | None] = {}
    out: list[AlertCandidate] = []
    evaluated, skipped = [], []
    reasons: dict[str, str] = {}
    family_reasons: dict[str, str] = {}
    for rule in ruleset.enabled():
        if rule.family not in cache:
            try:
                cache[rule.family] = FAMILIES[rule.family](reader, names)
            except Exception as exc:
                # one broken family never takes the other alerts (and the briefing) down
                logger.exception("alert family %s failed", rule.family)
                cache[rule.family] = None
                family_reasons[rule.family] = f"failed: {type(exc).__name__}: {exc}".splitlines()[
                    0
                ][:300]
            if cache[rule.family] is None and rule.family not in family_reasons:
                family_reasons[rule.family] = (
                    "a mart it reads is not in the warehouse (its Odoo module is not "
                    "installed, or nothing was extracted yet)"
                )
        observations = cache[rule.family]
        if observations is None:
            skipped.append(rule.key)
            reasons[rule.key] = family_reasons[rule.family]
            continue
        evaluated.append(rule.key)
        for o in observations:
            if not rule.applies_to(o.company_id):
                continue
            priority = classify(rule, o)
            if priority is None:
                continue
            out.append(
                AlertCandidate(
                    rule.key,
                    rule.family,
                    rule.area,
                    priority,
                    o.company_id,
                    o.record_model,
                    o.record_id,
                    (rule.title or o.title)[:500],
                    o.details,
                )
            )
    return Evaluation(out, evaluated, skipped, reasons)


def candidates_by_family(evaluation: Evaluation) -> dict[str, list[AlertCandidate]]:
    out: dict[str, list[AlertCandidate]] = {}
    for c in evaluation.candidates:
        out.setdefault(c.family, []).append(c)
    return out
