"""The operational store: where it lives, and one clear line when it cannot be opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from odoo_api.errors import ConfigError
from opstore import StateStore, state_url

pytestmark = pytest.mark.unit


def test_default_is_sqlite_in_wal_mode_under_coo_home(tmp_path: Path) -> None:
    store = StateStore()
    assert store.url == f"sqlite:///{tmp_path / 'coo' / 'state.db'}"
    with store.begin() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    # every package's tables exist after the first open
    names = set(inspect(store.engine).get_table_names())
    assert {"alerts", "proposals", "audit_log", "api_keys"} <= names
    store.dispose()


def test_postgres_urls_use_the_installed_driver() -> None:
    assert state_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert state_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"


def test_unsupported_scheme_is_one_line() -> None:
    with pytest.raises(ConfigError, match="COO_STATE_URL scheme 'mysql' is not supported"):
        state_url("mysql://u@h/db")


def test_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        StateStore("postgresql://coo:s3cret@127.0.0.1:1/state")
    message = str(info.value)
    assert message.startswith("cannot open the operational store postgresql+psycopg2://coo:***@")
    assert "check COO_STATE_URL" in message and "s3cret" not in message
    assert "\n" not in message
