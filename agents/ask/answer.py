"""What an answer is, whoever wrote it (the intent matcher or Claude): the text, and the
sources its figures came from (each query with its rows), so a reader can check every
figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.sql import to_jsonable

NOT_CONFIGURED = (
    "Claude is not configured (no ANTHROPIC_API_KEY): answered by the built-in questions "
    "from the marts."
)


@dataclass
class Source:
    """One tool call an answer rests on: the query (or tool and arguments) and its rows."""

    tool: str
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "sql": self.sql,
            "columns": list(self.columns),
            "rows": to_jsonable(self.rows),
            "truncated": self.truncated,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class Answer:
    question: str
    mode: str  # deterministic | claude
    text: str
    intent: str | None = None
    sources: list[Source] = field(default_factory=list)
    notice: str | None = None
    flagged: list[str] = field(default_factory=list)  # figures not found in any source
    status: str = "ok"  # ok | unknown_question | budget | api_error | refused | no_data
    model: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    proposals: list[dict[str, Any]] = field(default_factory=list)
    conversation_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "mode": self.mode,
            "text": self.text,
            "intent": self.intent,
            "status": self.status,
            "notice": self.notice,
            "flagged": list(self.flagged),
            "model": self.model,
            "usage": dict(self.usage),
            "cost_usd": self.cost_usd,
            "proposals": list(self.proposals),
            "conversation_id": self.conversation_id,
            "sources": [s.as_dict() for s in self.sources],
        }
