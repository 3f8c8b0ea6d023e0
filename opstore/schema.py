"""Every table of the operational store, declared once, here, on :data:`metadata`.

The packages above (briefings and alerts, writeback, the API keys) import their tables from
this module, so the store never imports them: the schema and its migrations
(``opstore/migrations``) live in the lowest package that touches the store, and
``alembic`` autogenerate sees the whole schema from this one module.

Alerts and their history, briefings, deliveries and LLM usage: ``alerts`` is a shared
contract (the dashboard, the API and the agent read it), one row per alert_key,
``rule_key|company_id|record_model|record_id``, updated in place on every run.
Write-back: proposals, approvals, executions and the append-only, hash-chained audit log.
API keys: hashed secrets, roles and rate limits for the agent API.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import (
    text as sql_text,
)

metadata = MetaData()

# -- briefings and alerts ---------------------------------------------------------------------

ALERT_STATUSES = ("new", "acknowledged", "resolved", "dismissed")
PRIORITIES = ("critical", "high", "medium", "low")

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(300), nullable=False, unique=True),
    Column("rule_key", String(100), nullable=False, index=True),
    Column("family", String(50), nullable=False, index=True),
    Column("area", String(20), nullable=False, index=True),
    Column("priority", String(10), nullable=False),
    Column("company_id", Integer, nullable=False, index=True),
    Column("record_model", String(100), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("details", Text, nullable=False, default="{}"),
    Column("status", String(20), nullable=False, default="new", index=True),
    Column("first_seen_at", DateTime(timezone=False), nullable=False),
    Column("last_seen_at", DateTime(timezone=False), nullable=False),
    Column("resolved_at", DateTime(timezone=False), nullable=True),
    Column("acknowledged_by", String(200), nullable=True),
    Column("acknowledged_at", DateTime(timezone=False), nullable=True),
    Column("dismissed_by", String(200), nullable=True),
    Column("dismissed_at", DateTime(timezone=False), nullable=True),
    Column("escalated_at", DateTime(timezone=False), nullable=True),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("event", String(30), nullable=False),  # raised|updated|reopened|acknowledged|...
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=False), nullable=False),
    Column("note", Text, nullable=True),
)

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


# -- write-back -------------------------------------------------------------------------------

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("skill", String(64), nullable=False, index=True),
    Column("company_id", Integer, nullable=True, index=True),
    Column("model", String(128), nullable=True),
    Column("record_id", Integer, nullable=True),
    Column("record_ids", Text, nullable=False, default="[]"),  # JSON list: every target
    Column("params", Text, nullable=False, default="{}"),  # JSON
    Column("reasoning", Text, nullable=True),
    Column("source", String(32), nullable=True),
    Column("source_ref", String(255), nullable=True),
    Column("alert_key", String(512), nullable=True),
    Column("requested_by", String(255), nullable=True),
    # pending | approved | rejected | executing | executed | failed | rolled_back
    Column("status", String(16), nullable=False, index=True),
    Column("reason", Text, nullable=True),
    Column("policy", Text, nullable=False, default="{}"),  # JSON: the checks and their result
    Column("autonomy", String(16), nullable=True),
    Column("risk", String(16), nullable=True),
    Column("amount", Float, nullable=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: statuses of a proposal that is still to be done: at most one per skill, company, model and
#: set of records (the partial unique index below), whoever proposes and however fast
OPEN_STATUSES = ("pending", "approved", "executing")
_OPEN_WHERE = "status IN ('pending', 'approved', 'executing')"
OPEN_ACTION_INDEX = Index(
    "uq_proposals_open_action",
    proposals.c.skill,
    proposals.c.company_id,
    proposals.c.model,
    proposals.c.record_ids,
    unique=True,
    sqlite_where=sql_text(_OPEN_WHERE),
    postgresql_where=sql_text(_OPEN_WHERE),
)
#: the same index for a store created before it existed (``CREATE ... IF NOT EXISTS``)
OPEN_ACTION_INDEX_DDL = (
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_proposals_open_action "
    f"ON proposals (skill, company_id, model, record_ids) WHERE {_OPEN_WHERE}"
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("decision", String(16), nullable=False),  # approved | rejected
    Column("user", String(255), nullable=False),
    Column("role", String(64), nullable=False),
    Column("reason", Text, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    # started | succeeded | recovered | failed | dry_run | rolled_back | rollback_refused
    Column("status", String(24), nullable=False),
    Column("request", Text, nullable=False, default="{}"),
    Column("response", Text, nullable=True),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("proposal_id", Integer, nullable=True, index=True),
    Column("idempotency_key", String(64), nullable=True, index=True),
    # proposed | policy | approved | rejected | dry_run | execution_started |
    # execution_succeeded | execution_recovered | execution_failed | rolled_back | rollback_refused
    # | rollback_partial | reconciled
    Column("event", String(32), nullable=False, index=True),
    Column("actor", String(255), nullable=True),
    Column("payload", Text, nullable=False, default="{}"),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=False),
)

_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}
for _dialect, _statements in _APPEND_ONLY.items():
    for _sql in _statements:
        event.listen(audit_log, "after_create", DDL(_sql).execute_if(dialect=_dialect))


# -- the agent API's keys -----------------------------------------------------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(12), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("rate_per_minute", Integer, nullable=False),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("last_used_at", DateTime(timezone=False), nullable=True),
    Column("revoked_at", DateTime(timezone=False), nullable=True),
    Column("revoked_by", String(200), nullable=True),
)


# -- Ask the COO ------------------------------------------------------------------------------
# One conversation per question thread; each message keeps what the answer rests on (the
# queries and rows), the figures that could not be traced, and its tokens and cost (the
# calls themselves are in llm_usage, counted against the same budget as briefings).

ask_conversations = Table(
    "ask_conversations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("role", String(20), nullable=False, index=True),
    Column("companies", String(300), nullable=False),  # JSON list of ids, or "*"
    Column("title", Text, nullable=False),
)

ask_messages = Table(
    "ask_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "conversation_id", Integer, ForeignKey("ask_conversations.id"), nullable=False, index=True
    ),
    Column("at", DateTime(timezone=False), nullable=False),
    Column("author", String(20), nullable=False),  # user | assistant
    Column("mode", String(20), nullable=True),  # deterministic | claude
    Column("status", String(20), nullable=True),
    Column("content", Text, nullable=False),
    Column("sources", Text, nullable=True),  # JSON: tool calls with their queries and rows
    Column("flagged", Text, nullable=True),  # JSON: figures not found in any source
    Column("model", String(100), nullable=True),
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
)


# -- channels (Apprise) -----------------------------------------------------------------------
# One row per item (a critical alert, a briefing) and channel; the channel is named by its
# redacted label and a hash of its URL, never by the URL (it holds the channel's secret).

channel_deliveries = Table(
    "channel_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # alert | briefing
    Column("ref_id", Integer, nullable=False),
    Column("role", String(20), nullable=False),
    Column("channel", String(300), nullable=False),
    Column("channel_key", String(16), nullable=False),
    Column("status", String(20), nullable=False),  # sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=False), nullable=False),
    Column("sent_at", DateTime(timezone=False), nullable=True),
    UniqueConstraint("kind", "ref_id", "channel_key", name="uq_channel_delivery"),
)
