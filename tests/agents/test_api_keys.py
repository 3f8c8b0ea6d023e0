"""API keys: stored hashed with a per-key salt, roles, revocation; the CLI around them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from agents.api_keys import (
    PERMISSIONS,
    api_keys,
    create_key,
    list_keys,
    revoke_key,
    verify_token,
)
from opstore import StateStore


@pytest.mark.unit
def test_keys_are_stored_hashed_and_verify_only_with_the_right_secret(state: StateStore) -> None:
    record, token = create_key(state, "claude", "agent", rate_per_minute=30)
    other_record, other = create_key(state, "dashboard", "reader")
    with state.begin() as conn:
        rows = list(conn.execute(select(api_keys)).mappings())
    secret = token.split("_", 2)[2]
    assert all(secret not in str(dict(r).values()) for r in rows)
    assert rows[0]["salt"] != rows[1]["salt"]
    key = verify_token(state, token)
    assert key is not None and key.role == "agent" and key.rate_per_minute == 30
    assert key.can("runs:create") and not key.can("runs:execute")
    assert verify_token(state, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert verify_token(state, f"coo_{record['key_id']}_{other.split('_', 2)[2]}") is None
    assert verify_token(state, "not a key") is None
    revoke_key(state, other_record["key_id"])
    assert verify_token(state, other) is None
    assert [k["active"] for k in list_keys(state)] == [True, False]
    assert PERMISSIONS["reader"] < PERMISSIONS["agent"] < PERMISSIONS["operator"]


@pytest.mark.unit
def test_bad_input_is_one_clear_error(state: StateStore) -> None:
    from odoo_api.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown role"):
        create_key(state, "x", "superuser")
    with pytest.raises(ConfigError, match="needs a name"):
        create_key(state, " ", "agent")
    with pytest.raises(ConfigError, match="no API key"):
        revoke_key(state, "000000000000")


@pytest.mark.integration
def test_cli_creates_lists_and_revokes_keys() -> None:
    from cli.main import app

    runner = CliRunner()
    created = runner.invoke(
        app, ["api-keys", "create", "claude-desktop", "--role", "operator", "--rate", "20"]
    )
    assert created.exit_code == 0, created.output
    token = re.search(r"coo_[0-9a-f]{12}_\S+", created.output)
    assert token is not None
    key_id = token.group(0).split("_")[1]
    listed = runner.invoke(app, ["api-keys", "list"])
    assert (
        listed.exit_code == 0
        and "claude-desktop" in listed.output
        and token.group(0) not in listed.output
    )
    assert verify_token(StateStore(), token.group(0)) is not None
    revoked = runner.invoke(app, ["api-keys", "revoke", key_id])
    assert revoked.exit_code == 0 and verify_token(StateStore(), token.group(0)) is None
    missing = runner.invoke(app, ["api-keys", "revoke", "ffffffffffff"])
    assert missing.exit_code == 2  # the one-line error goes to stderr through _guard
    bad_role = runner.invoke(app, ["api-keys", "create", "x", "--role", "root"])
    assert bad_role.exit_code == 2
