"""The operational store: what people and the pipeline change while it runs.

Alerts and their lifecycle, action proposals, approvals, the audit log, the briefing archive
and LLM usage live here, never in the warehouse, so acknowledging an alert or approving an
action never competes with the pipeline for the warehouse's write lock.

SQLite (WAL) under ``COO_HOME`` by default, PostgreSQL in production (``COO_STATE_URL``),
through SQLAlchemy. Each package declares its own tables on :data:`metadata`; this package
owns only the engine and the schema creation.
"""

from opstore.db import StateStore, metadata, state_url

__all__ = ["StateStore", "metadata", "state_url"]
