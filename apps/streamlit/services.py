"""The operational-store services the dashboard writes through, imported lazily.

The dashboard never writes a table itself: acknowledging an alert goes through
``briefings.service``, approving an action through ``writeback.service``, so the dashboard,
the CLI, the API and the agent apply the same rules and leave the same trail. A service that
is not installed yet (its package is still being built) makes its page say so instead of
failing.
"""

from __future__ import annotations

import importlib
import json
import logging
from types import ModuleType
from typing import Any

from core.untrusted import md_text

logger = logging.getLogger(__name__)

ALERT_STATUSES = ["new", "acknowledged", "resolved", "dismissed"]
AREAS = ["finance", "sales", "operations", "customers", "expenses"]
PRIORITIES = ["critical", "high", "medium", "low"]
ROLLBACK_STATUSES = ("executed",)


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def alerts_service() -> ModuleType | None:
    """``briefings.service`` (alerts and briefings), or None before it exists."""
    return _optional("briefings.service")


def writeback_service() -> ModuleType | None:
    """``writeback.service`` (proposals, decisions, execution, rollback), or None."""
    return _optional("writeback.service")


def roles_of(user: str) -> list[str]:
    """The roles ``user`` holds for approvals (COO_APPROVERS), sorted; [] if none/unknown."""
    approvers = _optional("writeback.approvers")
    if approvers is None:
        return []
    try:
        return sorted(approvers.roles_of(user))
    except Exception as exc:  # a malformed COO_APPROVERS: the page shows the fallback role
        logger.warning("cannot read approvers: %s", exc)
        return []


def rollback(proposal_id: int, user: str) -> str:
    """Undo an executed action in Odoo (the configured one, or the simulated company)."""
    service = writeback_service()
    if service is None:
        return "write-back is not installed"
    from apps.streamlit.ui import state
    from writeback.connection import open_odoo

    try:
        # the simulated company keeps the change, as for `coo actions rollback`
        with open_odoo(writable=True) as odoo:
            outcome = service.rollback(state(), odoo, proposal_id, user)
    except Exception as exc:
        return f"Rollback of #{proposal_id} failed: {exc}"
    if not outcome.get("ok"):
        return f"Rollback of #{proposal_id} refused: {outcome.get('reason')}"
    detail = {k: v for k, v in outcome.items() if k not in ("id", "ok")}
    return f"#{proposal_id} rolled back by {user}: {json.dumps(detail, default=str)[:400]}"


_CREATED = {
    "schedule_activity": "activity",
    "post_internal_note": "internal note",
    "send_payment_reminder": "reminder message",
    "create_draft_rfq": "draft RFQ",
}


def execute(proposal_ids: list[int]) -> list[str]:
    """Carry out approved actions now in Odoo (the configured one, or the simulated company),
    as the write-back job would; one line per action saying what happened."""
    service = writeback_service()
    if service is None:
        return ["write-back is not installed"]
    from apps.streamlit.ui import state
    from writeback.connection import open_odoo

    try:
        # the simulated company keeps the change, as for `coo actions execute`
        with open_odoo(writable=True) as odoo:
            outcomes = service.execute(state(), odoo, ids=proposal_ids)
    except Exception as exc:
        return [f"Executing {', '.join(f'#{i}' for i in proposal_ids)} failed: {exc}"]
    lines = []
    for o in outcomes:
        if o.get("status") == "executed":
            made = _CREATED.get(str(o.get("skill")), "change")
            ids = o.get("created_ids") or []
            lines.append(
                f"#{o['id']} executed in Odoo"
                + (f": {made} {', '.join(f'#{i}' for i in ids)} created." if ids else ".")
            )
        else:
            lines.append(f"#{o['id']} {o.get('status')}: {o.get('reason') or ''}".strip())
    return lines


def odoo_link(model: Any, record_id: Any) -> str | None:
    """The record's form in the configured Odoo (none for the simulated company)."""
    from core.settings import get_settings

    base = get_settings().odoo_url.rstrip("/")
    if not base or not model or record_id is None:
        return None
    return f"{base}/web#model={model}&id={int(record_id)}&view_type=form"


def written_summary(trace: dict[str, Any]) -> str:
    """What the executed action wrote, from its last successful execution."""
    runs = [
        e for e in trace.get("executions") or [] if e.get("status") in ("succeeded", "recovered")
    ]
    if not runs:
        return "Executed."
    after = runs[-1].get("after")
    if isinstance(after, str):
        try:
            after = json.loads(after)
        except ValueError:
            after = None
    made = _CREATED.get(str(trace.get("skill")), "change")
    where = f"{trace.get('model')} #{trace.get('record_id')}"
    ids: list[Any] = []
    if isinstance(after, dict):
        for value in after.values():
            if isinstance(value, list):
                ids.extend(v.get("id") for v in value if isinstance(v, dict) and v.get("id"))
    return (
        f"Written in Odoo on {where}: {made}"
        + (f" {', '.join(f'#{i}' for i in ids[:5])}" if ids else "")
        + (" (simulated company)" if not odoo_link(trace.get("model"), 0) else "")
        + "."
    )


def _md_lines(text: str) -> str:
    """Plain text as Markdown that shows exactly it: every line escaped, line breaks kept."""
    return "  \n".join(md_text(line) for line in str(text).splitlines())


def briefing_markdown(briefing: dict[str, Any]) -> str:
    """The readable body of an archived briefing, whatever shape its output has.

    A briefing's text holds Odoo names and, when Claude wrote it, the model's words: every
    piece is escaped (:func:`core.untrusted.md_text`), and only the structure (headline in
    bold, section headings, bullets) is Markdown of ours."""
    for key in ("body_markdown", "body_text", "markdown", "text"):
        if briefing.get(key):
            lines = str(briefing[key]).splitlines()
            # the page shows the subject as the heading: not again, with its underline
            if lines and lines[0].strip() == str(briefing.get("subject") or "").strip():
                lines = (
                    lines[2:] if len(lines) > 1 and set(lines[1].strip()) == {"="} else lines[1:]
                )
            return _md_lines("\n".join(lines).strip("\n"))
    output = briefing.get("output")
    if isinstance(output, dict):
        parts = []
        for key in ("headline", "summary"):
            if output.get(key):
                text = md_text(output[key])
                parts.append(f"**{text}**" if key == "headline" else text)
        for section in output.get("sections") or []:
            if isinstance(section, dict):
                heading = section.get("heading") or section.get("title") or ""
                body = section.get("body") or ""
                parts.append(f"#### {md_text(heading)}" + (f"\n{md_text(body)}" if body else ""))
                for bullet in section.get("bullets") or []:
                    parts.append(f"- {md_text(bullet)}")
        if parts:
            return "\n\n".join(parts)
        return "```json\n" + json.dumps(output, indent=1, default=str).replace("`", "'") + "\n```"
    if isinstance(output, str) and output:
        return _md_lines(output)
    return "_(empty briefing)_"


def ask(
    question: str,
    role: str,
    user: str,
    company_id: int | None,
    on_text: Any = None,
    conversation_id: int | None = None,
) -> Any:
    """Ask the COO (``agents.ask.service``, the same path as ``coo ask``): the answer, with
    its sources, stored in the operational store (in ``conversation_id`` when given, so
    Claude sees the earlier questions and answers)."""
    from agents.ask import service as ask_service
    from apps.streamlit.ui import state

    scope = ask_service.scope_for(role, user)
    return ask_service.ask(
        question,
        scope,
        state=state(),
        company_id=company_id,
        on_text=on_text,
        conversation_id=conversation_id,
    )


def claude_configured() -> bool:
    from agents.ask import service as ask_service

    return bool(ask_service.claude_configured())


def ask_examples() -> list[str]:
    from agents.ask import service as ask_service

    return [i.example for i in ask_service.INTENTS]
