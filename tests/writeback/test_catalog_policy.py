"""The catalog loads, refuses sensitive models, and the policy stores every proposal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from odoo_api.errors import ConfigError
from opstore import StateStore
from writeback import ProposalRequest, get_proposal, list_proposals, load_catalog, propose
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


@pytest.mark.unit
def test_rate_limit_per_company_and_hour(tmp_path: Path) -> None:
    text = (
        (Path(load_catalog().path))
        .read_text()
        .replace(
            "limits: {max_records: 10, rate_per_hour: 60, cooldown_hours: 24, max_attempts: 3}\n"
            "    approver_roles: [admin, coo, sales_manager]\n    alert_families: [stalled_deal]\n"
            "    input_schema:\n      type: object\n      additionalProperties: false\n"
            "      required: [priority]",
            "limits: {max_records: 10, rate_per_hour: 2, cooldown_hours: 24, max_attempts: 3}\n"
            "    approver_roles: [admin, coo, sales_manager]\n    alert_families: [stalled_deal]\n"
            "    input_schema:\n      type: object\n      additionalProperties: false\n"
            "      required: [priority]",
        )
    )
    assert "rate_per_hour: 2," in text
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    catalog = load_catalog(path)
    state = StateStore()

    def ask(lead: int, company: int = 1) -> str | None:
        out = propose(state, ProposalRequest("set_deal_priority", company, "crm.lead", lead,
                                             {"priority": "1"}, requested_by="x"), catalog=catalog)  # fmt: skip
        return out.reason if out.status == "rejected" else None

    assert ask(1) is None and ask(2) is None
    assert "rate limit: 2 'set_deal_priority' actions in the last hour" in (ask(3) or "")
    assert ask(4, company=2) is None  # limits are per company


@pytest.mark.integration
def test_audit_log_is_append_only_on_postgresql(postgres_warehouse: Any) -> None:
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed
    url = postgres_warehouse.url.replace("postgresql://", "postgresql+psycopg2://", 1)
    state = StateStore(url=url)
    out = propose(state, ProposalRequest("set_deal_priority", 1, "crm.lead", 7, {"priority": "2"},
                                         requested_by="x"))  # fmt: skip
    with state.begin() as conn:
        assert verify_audit_chain(conn) == []
    for sql in ("update audit_log set actor = 'me'", "delete from audit_log"):
        with pytest.raises(Exception, match="append-only"), state.begin() as conn:
            conn.execute(text(sql))
    assert get_proposal(state, out.id)["audit"][0]["event"] == "proposed"
    state.dispose()
