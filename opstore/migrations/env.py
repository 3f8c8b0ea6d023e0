"""Alembic environment of the operational store: always run from :mod:`opstore.migrate`,
which hands over an open connection (no alembic.ini, no URL here)."""

from __future__ import annotations

from alembic import context

from opstore.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch mode copies the table instead
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
