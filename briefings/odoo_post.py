"""Odoo itself as a channel: a role's briefing as a To-Do activity for the role's Odoo user.

``COO_ODOO_BRIEFING_USER_<ROLE>`` names the Odoo user (its id) who receives the role's
briefing. The activity goes through the guarded write-back path like every other write: the
``brief_as_activity`` skill of the catalog (``auto``: no approval, its own limits, one per
user and day by its cooldown), proposed with the briefing as its source; once the policy has
verified the record in Odoo it is approved and the write-back sensor executes it, exactly
once, audited and undoable. The text is the briefing's own (the template's, or Claude's
after its checks), never an agent's.
"""

from __future__ import annotations

import logging
from typing import Any

from core.settings import get_settings
from odoo_api.errors import ConfigError
from opstore.db import StateStore

logger = logging.getLogger(__name__)

SKILL = "brief_as_activity"


def odoo_user_for(role: str) -> int | None:
    raw = get_settings().env(f"COO_ODOO_BRIEFING_USER_{role.upper()}")
    if not raw:
        return None
    try:
        user = int(raw)
    except ValueError:
        raise ConfigError(
            f"COO_ODOO_BRIEFING_USER_{role.upper()}={raw!r} is not an Odoo user id (a number)"
        ) from None
    if user < 1:
        raise ConfigError(f"COO_ODOO_BRIEFING_USER_{role.upper()} must be a positive user id")
    return user


def configured() -> bool:
    from briefings.facts import ROLES

    return any(odoo_user_for(r) for r in ROLES)


def propose_briefing_activity(
    state: StateStore, briefing: dict[str, Any], odoo: Any = None
) -> dict[str, Any] | None:
    """Propose the briefing as an activity for its role's Odoo user (None when no user is
    configured for the role). With ``odoo`` the record is verified now and the ``auto``
    skill is approved at once; without, it waits to be verified."""
    user = odoo_user_for(str(briefing["role"]))
    if user is None:
        return None
    from writeback import ProposalRequest, propose

    partner = _partner_of(odoo, user) if odoo is not None else None
    if partner is None:
        return {"id": None, "status": "rejected", "reason": f"Odoo user {user} has no contact"}
    text = str(briefing.get("body_text") or "").strip()
    outcome = propose(
        state,
        ProposalRequest(
            skill=SKILL,
            company_id=int(briefing["company_id"]),
            model="res.partner",
            record_id=partner,
            params={
                "summary": str(briefing.get("subject") or "Daily briefing")[:120],
                "note": text[:8000] or "Daily briefing",
                "user_id": user,
            },
            reasoning=f"the {briefing['role']} briefing, where its reader works in Odoo",
            source="briefing",
            source_ref=str(briefing["id"]),
            requested_by="briefings",
        ),
        odoo=odoo,
    )
    if outcome.status == "rejected":
        logger.warning("briefing %s not posted to Odoo: %s", briefing["id"], outcome.reason)
    return {"id": outcome.id, "status": outcome.status, "reason": outcome.reason}


def post_briefings_to_odoo(state: StateStore, made: list[dict[str, Any]]) -> dict[str, int]:
    """Propose each briefing whose role has an Odoo user (``COO_ODOO_BRIEFING_USER_<ROLE>``),
    verified through a client of the configured Odoo; the write-back sensor executes the
    approved ones. An unreachable Odoo is logged, never fails the briefings. Counts by status."""
    counts: dict[str, int] = {}
    wanted = [b for b in made if odoo_user_for(str(b["role"]))]
    if not wanted:
        return counts
    from writeback.connection import open_odoo

    try:
        with open_odoo() as odoo:
            for b in wanted:
                out = propose_briefing_activity(state, b, odoo=odoo)
                if out is not None:
                    counts[out["status"]] = counts.get(out["status"], 0) + 1
    except Exception as exc:  # Odoo down: the briefings are archived and emailed anyway
        logger.warning("briefings not posted to Odoo: %s", type(exc).__name__)
        counts["error"] = counts.get("error", 0) + len(wanted)
    return counts


def _partner_of(odoo: Any, user: int) -> int | None:
    rows = odoo.search_read(
        "res.users", [["id", "=", user]], ["partner_id"], context={"active_test": False}
    )
    if not rows:
        return None
    partner = rows[0].get("partner_id")
    if isinstance(partner, list | tuple):
        partner = partner[0] if partner else None
    return int(partner) if partner else None
