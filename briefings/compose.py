"""Compose, archive and (optionally) deliver the briefings of a run.

One briefing per company and role: facts -> Claude (or the template when there is no key,
the budget is spent or the API fails) -> proposals chosen among deterministic candidates
and submitted to write-back -> text and HTML from Jinja2 templates -> archive -> email.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import update

from alerts.lifecycle import utcnow
from alerts.names import Names
from alerts.sources import MartReader
from alerts.wording import proposal_sentence
from briefings import proposals as props
from briefings.facts import ROLES, build_facts, unsupported_numbers
from briefings.llm import (
    BriefingOutput,
    LLMResult,
    ProposalChoice,
    Section,
    estimate_tokens,
    write_with_llm,
)
from briefings.service import list_alerts
from briefings.store import briefings
from odoo_api.errors import ConfigError
from opstore.db import StateStore

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")


def _env(html: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False)
        if html
        else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# ------------------------------------------------------------------ template path
def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("days", "deals", "products", "customers"):
        return f"{value:,.0f} {unit}"
    if unit == "%":
        return f"{value:.1f}%"
    # an amount: whole units once it is in the hundreds (cents say nothing at 06:00)
    return (f"{value:,.0f} {unit}" if abs(value) >= 100 else f"{value:,.2f} {unit}").strip()


def _change(m: dict[str, Any], previous_date: str | None) -> str:
    # no change worth a word: nothing to compare with, or no movement
    if m.get("change") is None or m["change"] == 0:
        return ""
    direction = "up" if m["change"] > 0 else "down"
    pct = f", {abs(m['change_pct']):.1f}%" if m.get("change_pct") is not None else ""
    return f" ({direction} {_fmt(abs(m['change']), m['unit'])}{pct} since {previous_date})"


_SERIES = {"revenue_monthly": "Revenue", "net_cash_weekly": "Net cash"}


def _period(f: dict[str, Any]) -> str:
    start = dt.date.fromisoformat(str(f["period_start"])[:10])
    if f.get("grain") == "month":
        return f"{start:%B %Y}"
    if f.get("grain") == "week":
        return f"week of {start:%d %b}"
    return f"from {start:%d %b %Y}"


def _figure(m: dict[str, Any], previous: str | None, metrics: list[dict[str, Any]]) -> str:
    """One key figure, with its change and, for the runway, why it is what it is."""
    text = f"{m['label']}: {_fmt(m['value'], m['unit'])}{_change(m, previous)}"
    if m["key"] == "monthly_burn" and m["value"] < 0:
        text = f"Cash generated a month on average: {_fmt(-m['value'], m['unit'])}"
    if m["key"] == "effective_runway_days":
        burn = next((x for x in metrics if x["key"] == "monthly_burn"), None)
        if burn is not None and burn["value"] is not None and burn["value"] < 0:
            text += (
                " (more cash comes in than goes out over a month, but bills fall due "
                "before customers pay)"
            )
    return text


def template_output(facts: dict[str, Any], candidates: list[dict[str, Any]]) -> BriefingOutput:
    """The briefing without an LLM: the same facts, fixed wording, every figure copied."""
    counts = facts["alert_counts"]
    alerts = facts["alerts"]
    top = alerts[0]["title"] if alerts else "No open alerts in your areas"
    urgent = counts["urgent"]
    headline = top if alerts else f"{facts['company']['name']}: nothing needs attention today"
    summary = (
        f"{counts['total']} open alerts for the {facts['role_title']}: {counts['critical']} critical, "
        f"{counts['high']} high, {counts['medium']} medium, {counts['low']} low."
    )
    if urgent:
        summary += f" {urgent} need attention today."
    sections: list[Section] = []
    if alerts:
        bullets = []
        for a in alerts[:6]:
            new = " (new)" if a["is_new_since_last_briefing"] else ""
            bullets.append(f"{a['priority'].upper()}: {a['title']}{new}")
        sections.append(Section(heading="What needs attention", bullets=bullets))
    metrics = [m for m in facts["metrics"] if m["value"] is not None]
    # a briefing written earlier the same day is no comparison
    previous = facts["previous_briefing_date"]
    previous = None if previous == facts.get("date") else previous
    bullets = [_figure(m, previous, metrics) for m in metrics[:6]]
    runway = next((m for m in facts["metrics"] if m["key"] == "effective_runway_days"), None)
    if runway is not None and runway["value"] is None and metrics:
        bullets.insert(
            1,
            "Runway: cash lasts (no net burn, and the invoices and bills due keep it above zero)",
        )
        bullets = bullets[:6]  # a section holds six
    if bullets:
        sections.append(Section(heading="Key figures", bullets=bullets))
    ahead = [
        f
        for f in facts["forecasts"]
        if f.get("yhat") is not None and str(f["period_start"]) >= str(facts.get("as_of") or "")
    ]
    if ahead:
        currency = (facts.get("company") or {}).get("currency") or ""
        sections.append(
            Section(
                heading="Forecast",
                bullets=[
                    f"{_SERIES.get(f['series'], str(f['series']).replace('_', ' '))}, "
                    f"{_period(f)}: {_fmt(f['yhat'], currency)} (likely "
                    f"{_fmt(f['yhat_lower'], '')} to {_fmt(f['yhat_upper'], currency)})"
                    for f in ahead[:4]
                ],
            )
        )
    chosen = [ProposalChoice(candidate_id=c["candidate_id"]) for c in candidates]
    return BriefingOutput(
        headline=headline[:160],
        summary=summary,
        sections=sections or [Section(heading="Status", bullets=[summary])],
        selected_proposals=chosen,
    )


# ------------------------------------------------------------------ one briefing
def subject_of(facts: dict[str, Any]) -> str:
    return f"[COO] {facts['role_title']} briefing: {facts['company']['name']}, {facts['date']}"


def render(
    facts: dict[str, Any],
    output: BriefingOutput,
    proposals: list[dict[str, Any]],
    *,
    kind: str,
    model: str | None,
    fallback_reason: str | None,
    briefing_id: int,
) -> tuple[str, str, str]:
    subject = subject_of(facts)
    alerts = {a.get("alert_key"): a for a in facts.get("alerts") or []}
    currency = (facts.get("company") or {}).get("currency") or ""
    proposals = [
        {**p, "sentence": proposal_sentence(p, alerts.get(p.get("alert_key")), currency)}
        for p in proposals
    ]
    ctx = {
        "subject": subject,
        "facts": facts,
        "output": output.model_dump(),
        "proposals": proposals,
        "kind": kind,
        "model": model,
        "fallback_reason": fallback_reason,
        "briefing_id": briefing_id,
    }
    text = _env(False).get_template("briefing.txt.j2").render(**ctx)
    html = _env(True).get_template("briefing.html.j2").render(**ctx)
    return subject, text, html


def compose(
    state: StateStore,
    reader: MartReader,
    company_id: int,
    role: str,
    *,
    open_alerts: list[dict[str, Any]] | None = None,
    use_llm: bool = True,
    llm_client: Any = None,
    names: Names | None = None,
    metrics_cache: dict[int, dict[str, dict[str, Any]]] | None = None,
    submit_proposals: bool = True,
    odoo: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Build, archive and return one briefing (delivery is separate)."""
    if role not in ROLES:
        raise ConfigError(f"role '{role}' is not one of {', '.join(ROLES)}")
    now = now or utcnow()
    if open_alerts is None:
        open_alerts = list_alerts(state, status=["new", "acknowledged"])
    facts = build_facts(
        state,
        reader,
        company_id,
        role,
        open_alerts,
        names=names,
        now=now,
        metrics_cache=metrics_cache,
    )
    cands = props.candidates(facts["alerts"])
    result = (
        write_with_llm(state, facts, cands, client=llm_client, now=now)
        if use_llm
        else LLMResult(None, "", "disabled", "the LLM was switched off for this run")
    )
    if result.output is not None:
        output, kind, model, reason = result.output, "llm", result.model, None
    else:
        output, kind, model, reason = template_output(facts, cands), "template", None, result.reason
    # the figure check holds for the template too: it proves the facts carry every number
    unsupported = unsupported_numbers(output.text(), [facts, cands])
    if unsupported:  # only reachable through a template bug; never send unbacked figures
        raise RuntimeError(f"briefing states figures not in its facts: {unsupported[:5]}")
    by_id = {c["candidate_id"]: c for c in cands}
    chosen = [
        {**by_id[c.candidate_id], "why": c.why}
        for c in output.selected_proposals
        if c.candidate_id in by_id
    ]
    facts_json = json.dumps(facts, sort_keys=True, default=str)
    with state.begin() as conn:
        res = conn.execute(
            briefings.insert().values(
                company_id=company_id,
                role=role,
                created_at=now,
                as_of=facts["as_of"],
                kind=kind,
                model=model,
                fallback_reason=reason,
                subject=subject_of(facts),
                body_text="",
                body_html="",
                facts=facts_json,
                output=output.model_dump_json(),
                input_tokens=result.usage.get("input_tokens", 0),
                output_tokens=result.usage.get("output_tokens", 0),
                cache_read_tokens=result.usage.get("cache_read_tokens", 0),
                cache_write_tokens=result.usage.get("cache_write_tokens", 0),
                cost_usd=result.cost_usd,
                delivery_status="pending",
            )
        )
        briefing_id = int((res.inserted_primary_key or [0])[0])
    submitted = (
        props.submit(state, chosen, briefing_id, odoo=odoo)
        if submit_proposals
        else [{**c, "proposal_id": None, "status": "not_submitted"} for c in chosen]
    )
    subject, text, html = render(
        facts,
        output,
        submitted,
        kind=kind,
        model=model,
        fallback_reason=reason,
        briefing_id=briefing_id,
    )
    estimated = estimate_tokens(facts_json) + estimate_tokens(text)
    with state.begin() as conn:
        conn.execute(
            update(briefings)
            .where(briefings.c.id == briefing_id)
            .values(
                body_text=text,
                body_html=html,
                proposals=json.dumps(submitted, default=str),
                estimated_tokens=estimated,
            )
        )
        if result.usage_id:
            from briefings.store import llm_usage

            conn.execute(
                update(llm_usage)
                .where(llm_usage.c.id == result.usage_id)
                .values(briefing_id=briefing_id)
            )
    return {
        "id": briefing_id,
        "company_id": company_id,
        "role": role,
        "kind": kind,
        "model": model,
        "fallback_reason": reason,
        "llm_status": result.status,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "facts": facts,
        "output": output,
        "proposals": submitted,
        "usage": result.usage,
        "cost_usd": result.cost_usd,
        "estimated_tokens": estimated,
    }


def company_ids(reader: MartReader) -> list[int]:
    try:
        rows = reader.rows("select company_id from core.dim_companies order by company_id")
    except Exception:
        rows = reader.rows("select company_id from finance.fct_cash_runway order by company_id")
    return [int(r["company_id"]) for r in rows]


def run_briefings(
    state: StateStore,
    reader: MartReader,
    *,
    companies: list[int] | None = None,
    roles: tuple[str, ...] | list[str] = ROLES,
    use_llm: bool = True,
    llm_client: Any = None,
    submit_proposals: bool = True,
    odoo: Any = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Every briefing of a run, archived; what the Dagster asset and the bench call."""
    now = now or utcnow()
    open_alerts = list_alerts(state, status=["new", "acknowledged"])
    names = Names(reader)
    cache: dict[int, dict[str, dict[str, Any]]] = {}
    out = []
    for cid in companies or company_ids(reader):
        for role in roles:
            t0 = time.perf_counter()
            b = compose(
                state,
                reader,
                cid,
                role,
                open_alerts=open_alerts,
                use_llm=use_llm,
                llm_client=llm_client,
                names=names,
                metrics_cache=cache,
                submit_proposals=submit_proposals,
                odoo=odoo,
                now=now,
            )
            logger.info(
                "briefing #%d %s company %d: %s, %d proposals, %.2f s",
                b["id"],
                role,
                cid,
                b["kind"],
                len(b["proposals"]),
                time.perf_counter() - t0,
            )
            out.append(b)
    return out
