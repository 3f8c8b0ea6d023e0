"""API keys of the agents' HTTP API, in the operational store (table ``api_keys``).

A key is shown once, when created: ``coo_<key id>_<secret>``. The store keeps the public key
id, and an HMAC-SHA256 of the secret under a random per-key salt, never the secret itself. The
secret is 32 random bytes, so a fast keyed hash is the right tool (a slow password hash
protects low-entropy passwords; here it would only slow every request). Verification looks
the key up by id and compares digests in constant time.

Each key has a role, which decides what it may call, and a rate limit in requests per minute
(enforced by the API process, see ``agents.api``). Roles, each including the one before:

- ``reader``   list skills, read runs, search the knowledge graph
- ``agent``    + create runs (proposals go through the write-back policy and approval queue)
- ``operator`` + execute an approved or failed run
- ``admin``    everything

No Dagster here: the CLI (``coo api-keys``) and the API import this module.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from odoo_api.errors import ConfigError
from opstore import StateStore
from opstore.schema import api_keys

ROLES: tuple[str, ...] = ("reader", "agent", "operator", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": frozenset({"skills:read", "runs:read", "graph:read"}),
    "agent": frozenset({"skills:read", "runs:read", "graph:read", "runs:create"}),
    "operator": frozenset(
        {"skills:read", "runs:read", "graph:read", "runs:create", "runs:execute"}
    ),
    "admin": frozenset({"skills:read", "runs:read", "graph:read", "runs:create", "runs:execute"}),
}
DEFAULT_RATE_PER_MINUTE = 60
TOKEN_PREFIX = "coo_"
_TOKEN = re.compile(r"^coo_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class ApiKey:
    """A verified key: who it is and what it may do (never the secret)."""

    key_id: str
    name: str
    role: str
    rate_per_minute: int

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), hashlib.sha256).hexdigest()


def _public(row: Any) -> dict[str, Any]:
    d = dict(row)
    d.pop("salt", None)
    d.pop("key_hash", None)
    d["active"] = d.get("revoked_at") is None
    return d


def create_key(
    state: StateStore,
    name: str,
    role: str,
    *,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    created_by: str = "cli",
) -> tuple[dict[str, Any], str]:
    """Store a new key; return its record and the token (shown once, stored nowhere)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ConfigError("an API key needs a name (1-200 characters) saying who uses it")
    if role not in ROLES:
        raise ConfigError(f"unknown role '{role}': one of {', '.join(ROLES)}")
    if not 1 <= int(rate_per_minute) <= 100_000:
        raise ConfigError("rate limit must be between 1 and 100000 requests per minute")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    now = _utcnow()
    with state.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                name=name,
                role=role,
                salt=salt,
                key_hash=_digest(salt, secret),
                rate_per_minute=int(rate_per_minute),
                created_at=now,
                created_by=created_by[:200],
            )
        )
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
    return _public(row), f"{TOKEN_PREFIX}{key_id}_{secret}"


def list_keys(state: StateStore, include_revoked: bool = True) -> list[dict[str, Any]]:
    query = select(api_keys).order_by(api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with state.begin() as conn:
        return [_public(r) for r in conn.execute(query).mappings()]


def revoke_key(state: StateStore, key_id: str, revoked_by: str = "cli") -> dict[str, Any]:
    """Revoke a key by its id (the part after ``coo_``); it stops working at once."""
    with state.begin() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None:
            raise ConfigError(f"no API key with id '{key_id}': see `coo api-keys list`")
        if row["revoked_at"] is None:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.key_id == key_id)
                .values(revoked_at=_utcnow(), revoked_by=revoked_by[:200])
            )
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
    return _public(row)


def verify_token(state: StateStore, token: str) -> ApiKey | None:
    """The key a token belongs to, or None (unknown, malformed, wrong secret or revoked)."""
    match = _TOKEN.match((token or "").strip())
    if not match:
        return None
    key_id, secret = match.groups()
    with state.begin() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["key_hash"], _digest(row["salt"], secret)):
            return None
        now = _utcnow()
        last = row["last_used_at"]
        if last is None or (now - last).total_seconds() > 60:  # one write a minute at most
            conn.execute(
                api_keys.update().where(api_keys.c.key_id == key_id).values(last_used_at=now)
            )
    return ApiKey(
        key_id=row["key_id"],
        name=row["name"],
        role=row["role"],
        rate_per_minute=row["rate_per_minute"],
    )
