"""Ask the COO: one entry point for the command line and the dashboard.

Claude answers when ``ANTHROPIC_API_KEY`` is set (or a client is given); otherwise, and when
the question is one of the common ones and Claude is not wanted, the intent matcher answers
from the marts and says that Claude is not configured. Every question and answer is kept in
the operational store (``ask_conversations``, ``ask_messages``) with its sources, the
figures that could not be traced, and its tokens and cost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from agents.ask.answer import NOT_CONFIGURED, Answer
from agents.ask.intents import INTENTS, answer_deterministic
from agents.ask.scope import Scope, scope_for
from alerts.lifecycle import utcnow
from core.settings import get_settings
from odoo_api.warehouse import Warehouse
from opstore.db import StateStore
from opstore.schema import ask_conversations, ask_messages

__all__ = ["INTENTS", "Answer", "ask", "claude_configured", "conversations", "scope_for"]


def claude_configured() -> bool:
    return bool(get_settings().env("ANTHROPIC_API_KEY"))


def ask(
    question: str,
    scope: Scope,
    *,
    warehouse: Warehouse | None = None,
    state: StateStore | None = None,
    company_id: int | None = None,
    client: Any = None,
    use_claude: bool = True,
    conversation_id: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """Answer ``question`` for ``scope``; the answer is stored and returned."""
    from core.errors import ConfigError

    question = (question or "").strip()
    if not question:
        raise ConfigError('ask a question, e.g. coo ask "which customers owe us the most?"')
    if len(question) > 2000:
        raise ConfigError("the question is longer than 2000 characters")
    warehouse = warehouse or Warehouse.from_url(None)
    state = state or StateStore()
    if company_id is not None:
        # one company asked for: the agent's queries are held to it, not only told about it
        scope = Scope(scope.role, frozenset({scope.check(company_id)}), scope.user)
    if use_claude and (client is not None or claude_configured()):
        from agents.ask.claude import answer_with_claude

        history = _history(state, conversation_id) if conversation_id else []
        answer = answer_with_claude(
            warehouse,
            state,
            question,
            scope,
            company_id=company_id,
            client=client,
            history=history,
            on_text=on_text,
        )
    else:
        notice = (
            NOT_CONFIGURED
            if not claude_configured()
            else "Answered from the built-in questions, without Claude (as asked)."
        )
        answer = answer_deterministic(
            warehouse, question, scope, state=state, company_id=company_id, notice=notice
        )
    answer.conversation_id = record(state, scope, answer, conversation_id)
    return answer


def _history(state: StateStore, conversation_id: int) -> list[dict[str, str]]:
    """The earlier turns of a conversation as plain text (the sources stay out of it)."""
    with state.begin() as conn:
        rows = conn.execute(
            select(ask_messages.c.author, ask_messages.c.content)
            .where(ask_messages.c.conversation_id == conversation_id)
            .order_by(ask_messages.c.id)
        ).all()
    return [{"role": r.author, "content": r.content} for r in rows][-10:]


def record(
    state: StateStore, scope: Scope, answer: Answer, conversation_id: int | None = None
) -> int:
    """Store the question and its answer; returns the conversation id."""
    now = utcnow()
    companies = "*" if scope.companies is None else json.dumps(sorted(scope.companies))
    with state.begin() as conn:
        if conversation_id is None:
            res = conn.execute(
                ask_conversations.insert().values(
                    created_at=now,
                    user_name=scope.user[:200],
                    role=scope.role[:20],
                    companies=companies[:300],
                    title=answer.question[:300],
                )
            )
            conversation_id = int((res.inserted_primary_key or [0])[0])
        conn.execute(
            ask_messages.insert().values(
                conversation_id=conversation_id,
                at=now,
                author="user",
                content=answer.question,
                input_tokens=0,
                output_tokens=0,
                cost_usd=0.0,
            )
        )
        conn.execute(
            ask_messages.insert().values(
                conversation_id=conversation_id,
                at=now,
                author="assistant",
                mode=answer.mode,
                status=answer.status,
                content=answer.text,
                sources=json.dumps([s.as_dict() for s in answer.sources], default=str),
                flagged=json.dumps(answer.flagged),
                model=answer.model,
                input_tokens=int(answer.usage.get("input_tokens", 0)),
                output_tokens=int(answer.usage.get("output_tokens", 0)),
                cost_usd=float(answer.cost_usd),
            )
        )
    return conversation_id


def conversations(state: StateStore, *, user: str | None = None, limit: int = 20) -> list[dict]:
    """The newest conversations (of ``user`` if given)."""
    q = select(ask_conversations).order_by(ask_conversations.c.id.desc()).limit(limit)
    if user:
        q = q.where(ask_conversations.c.user_name == user)
    with state.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
