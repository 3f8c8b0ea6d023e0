"""Who may approve: users and their roles, from ``COO_APPROVERS`` or a YAML file.

``COO_APPROVERS`` is either inline, ``alice=finance_manager,coo;bob=sales_manager``, or the
path of a YAML file mapping each user to a list of roles::

    alice: [finance_manager, coo]
    bob: [sales_manager]

Without it, ``$COO_HOME/approvers.yaml`` is read when it exists. With neither, nobody can
approve (a safe default: ``auto`` skills still run). A user approves in one role they hold,
and only skills whose ``approver_roles`` list that role (``admin`` approves everything).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from core.settings import get_settings
from odoo_api.errors import ConfigError
from odoo_api.warehouse import coo_home

__all__ = ["DEMO_ROLE", "ensure_demo_approver", "load_approvers", "roles_of"]

DEMO_ROLE = "coo"


def _parse_inline(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        user, sep, roles = part.partition("=")
        if not sep or not user.strip():
            raise ConfigError(
                f"COO_APPROVERS entry {part!r} is malformed: write user=role1,role2;user2=role"
            )
        out.setdefault(user.strip(), set()).update(r.strip() for r in roles.split(",") if r.strip())
    return out


def _parse_file(path: Path) -> dict[str, set[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"approvers file {path} cannot be read ({exc}): fix COO_APPROVERS"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"approvers file {path} must map each user to a list of roles")
    out: dict[str, set[str]] = {}
    for user, roles in data.items():
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list):
            raise ConfigError(f"approvers file {path}: roles of {user!r} must be a list")
        out[str(user)] = {str(r) for r in roles}
    return out


def load_approvers() -> dict[str, set[str]]:
    """Every approver and their roles, read now (never at import)."""
    raw = get_settings().coo_approvers.strip()
    if raw:
        if "=" not in raw and (raw.endswith((".yaml", ".yml")) or Path(raw).exists()):
            return _parse_file(Path(raw))
        return _parse_inline(raw)
    default = coo_home() / "approvers.yaml"
    return _parse_file(default) if default.exists() else {}


def ensure_demo_approver(user: str) -> Path | None:
    """For the demo: when no approver is configured (no ``COO_APPROVERS``, no
    ``$COO_HOME/approvers.yaml``), write that file naming ``user`` as an approver in the
    ``coo`` role, so Approve works on first run. Returns the file written, else None (an
    existing configuration is never changed)."""
    if get_settings().coo_approvers.strip():
        return None
    path = coo_home() / "approvers.yaml"
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `coo demo`: the demo approver (edit, or set COO_APPROVERS)\n"
        + yaml.safe_dump({user: [DEMO_ROLE]}),
        encoding="utf-8",
    )
    return path


def roles_of(user: str) -> set[str]:
    return set(load_approvers().get(user, set()))
