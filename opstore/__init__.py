"""The operational store: what people and the pipeline change while it runs.

Alerts and their lifecycle, action proposals, approvals, the audit log, the briefing archive
and LLM usage live here, never in the warehouse, so acknowledging an alert or approving an
action never competes with the pipeline for the warehouse's write lock.

SQLite (WAL) under ``COO_HOME`` by default, PostgreSQL in production (``COO_STATE_URL``),
through SQLAlchemy. Every table is declared in ``opstore.schema`` (the packages above import
theirs from there) and migrated by Alembic (``opstore/migrations``) when a store is opened.
"""

from opstore.db import StateStore, metadata, state_url

__all__ = ["StateStore", "metadata", "state_url"]
