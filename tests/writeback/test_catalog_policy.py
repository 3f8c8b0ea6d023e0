"""The catalog loads, refuses sensitive models, and the policy stores every proposal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from odoo_api.errors import ConfigError
from opstore import StateStore
from writeback import ProposalRequest, list_proposals, load_catalog, propose
from writeback.store import verify_audit_chain

SKILLS = {
    "schedule_activity",
    "post_internal_note",
    "send_payment_reminder",
    "create_draft_rfq",
    "set_deal_priority",
    "set_deal_tag",
    "assign_lead",
}


@pytest.mark.unit
def test_catalog_ships_the_skills_and_no_sensitive_model() -> None:
    catalog = load_catalog()
    assert set(catalog.keys()) >= SKILLS
    allowed = catalog.allowed_models()
    for model in ("res.users", "res.groups", "ir.rule", "ir.config_parameter", "ir.cron",
                  "ir.actions.server", "ir.model.access"):  # fmt: skip
        assert model not in allowed
    for key in SKILLS:
        skill = catalog.skills[key]
        assert skill.input_schema["additionalProperties"] is False
        assert skill.approver_roles


@pytest.mark.unit
def test_catalog_naming_a_sensitive_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.yaml"
    bad.write_text(
        "skills:\n  - key: grant\n    record_models: [res.partner]\n    write_model: res.users\n"
        "    method: write\n    input_schema: {type: object, additionalProperties: false}\n"
    )
    with pytest.raises(ConfigError, match=r"sensitive model res\.users"):
        load_catalog(bad)


@pytest.mark.unit
def test_proposal_without_odoo_is_pending_and_audited() -> None:
    state = StateStore()
    out = propose(
        state,
        ProposalRequest(
            "set_deal_priority",
            1,
            "crm.lead",
            5,
            {"priority": "3"},
            source="manual",
            requested_by="bob",
        ),
    )
    assert out.status == "pending"
    assert "not verified in Odoo" in (out.reason or "")
    again = propose(
        state,
        ProposalRequest(
            "set_deal_priority",
            1,
            "crm.lead",
            5,
            {"priority": "2"},
            source="manual",
            requested_by="bob",
        ),
    )
    assert again.status == "rejected" and f"#{out.id} already" in (again.reason or "")
    assert [p["id"] for p in list_proposals(state, status="rejected")] == [again.id]
    with state.begin() as conn:
        assert verify_audit_chain(conn) == []
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("delete from audit_log"))
