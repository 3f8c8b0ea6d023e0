"""Odoo as a channel: a role's briefing becomes a To-Do activity for the role's Odoo user,
through the catalog's ``auto`` skill ``brief_as_activity`` (real client, loopback simulator):
approved without a person once verified, executed once, one per user and day."""

from __future__ import annotations

import pytest

from briefings.odoo_post import propose_briefing_activity
from core.errors import ConfigError
from opstore import StateStore
from tests.writeback.conftest import Odoo
from writeback.service import execute, get_proposal, rollback

pytestmark = pytest.mark.integration

BRIEFING = {
    "id": 7,
    "role": "cfo",
    "company_id": 1,
    "subject": "CFO briefing: cash runway of the EU company is 23 days",
    "body_text": "Cash runway of Northbridge Furnishings Europe B.V. is 23 days.\n"
    "Receivables overdue: 35,552.77.",
}


def _user(odoo: Odoo, company_id: int = 1) -> dict:
    users = odoo.client.search_read(
        "res.users", [["share", "=", False], ["company_ids", "in", [company_id]]],
        ["id", "partner_id"], limit=5,
    )  # fmt: skip
    return users[-1]


def test_a_briefing_becomes_an_activity_for_the_roles_user(
    odoo: Odoo, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user(odoo)
    monkeypatch.setenv("COO_ODOO_BRIEFING_USER_CFO", str(user["id"]))
    out = propose_briefing_activity(state, BRIEFING, odoo=odoo.client)
    assert out is not None and out["status"] == "approved", out  # auto: no person needed
    results = execute(state, odoo.client)
    assert [r["status"] for r in results] == ["executed"]
    trace = get_proposal(state, out["id"])
    key = trace["idempotency_key"]
    acts = odoo.client.search_read(
        "mail.activity", [["note", "ilike", key]], ["user_id", "res_model", "res_id", "summary",
                                                     "note"],
    )  # fmt: skip
    assert len(acts) == 1
    act = acts[0]
    assert act["res_model"] == "res.partner" and act["res_id"] == user["partner_id"][0]
    assert act["user_id"][0] == user["id"] and act["summary"] == BRIEFING["subject"]
    assert "23 days" in act["note"]
    # one per user and day: the cooldown refuses a second the same day
    again = propose_briefing_activity(state, {**BRIEFING, "id": 8}, odoo=odoo.client)
    assert again is not None and again["status"] == "rejected" and "cooldown" in again["reason"]
    # undoable like every write-back action
    undone = rollback(state, odoo.client, out["id"], "root")
    assert undone["ok"], undone
    assert odoo.client.search("mail.activity", [["note", "ilike", key]]) == []


def test_no_user_configured_means_nothing_is_proposed(odoo: Odoo, state: StateStore) -> None:
    assert propose_briefing_activity(state, BRIEFING, odoo=odoo.client) is None


def test_a_malformed_user_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COO_ODOO_BRIEFING_USER_CFO", "maria")
    with pytest.raises(ConfigError, match="not an Odoo user id"):
        propose_briefing_activity(StateStore(), BRIEFING)


def test_an_unreachable_odoo_never_fails_the_briefings(
    state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefings.odoo_post import post_briefings_to_odoo

    monkeypatch.setenv("COO_ODOO_BRIEFING_USER_CFO", "2")
    monkeypatch.setenv("ODOO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ODOO_DB", "x")
    monkeypatch.setenv("ODOO_USERNAME", "admin")
    monkeypatch.setenv("ODOO_API_KEY", "k" * 40)
    monkeypatch.setenv("ODOO_MAX_RETRIES", "0")
    assert post_briefings_to_odoo(state, [BRIEFING, {**BRIEFING, "role": "sales"}]) == {"error": 1}
