"""Tables of the briefings package in the operational store (the alerts' are in
:mod:`alerts.store`).

Briefings are archived with the facts they were written from, so any sentence can be
traced back to the numbers; deliveries and LLM usage are kept per attempt and per call.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from opstore.db import metadata

briefings = Table(
    "briefings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", Integer, nullable=False, index=True),
    Column("role", String(20), nullable=False, index=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("as_of", String(10), nullable=True),
    Column("kind", String(10), nullable=False),  # 'llm' | 'template'
    Column("model", String(100), nullable=True),
    Column("fallback_reason", Text, nullable=True),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("facts", Text, nullable=False),  # JSON: exactly what the text was written from
    Column("output", Text, nullable=True),  # JSON: the validated structured output
    Column("proposals", Text, nullable=True),  # JSON: proposals submitted with it
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cache_read_tokens", Integer, nullable=False, default=0),
    Column("cache_write_tokens", Integer, nullable=False, default=0),
    Column("estimated_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("delivery_status", String(20), nullable=False, default="pending"),
)

deliveries = Table(
    "briefing_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("briefing_id", Integer, ForeignKey("briefings.id"), nullable=False, index=True),
    Column("recipient", String(300), nullable=False),
    Column("status", String(20), nullable=False),  # pending|sent|failed|skipped
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("sent_at", DateTime(timezone=False), nullable=True),
    UniqueConstraint("briefing_id", "recipient", name="uq_delivery_recipient"),
)

llm_usage = Table(
    "llm_usage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=False), nullable=False, index=True),
    Column("briefing_id", Integer, nullable=True),
    Column("company_id", Integer, nullable=True),
    Column("role", String(20), nullable=True),
    Column("model", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # ok|invalid_output|api_error|...
    Column("error", Text, nullable=True),
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cache_read_tokens", Integer, nullable=False, default=0),
    Column("cache_write_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
)
