"""``coo actions``: the queue, approvals, dry run, execution and rollback from the shell."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from odoo_api.errors import ConfigError
from opstore import StateStore
from simulator.store import OdooStore
from tests.writeback.conftest import APPROVERS, open_leads
from writeback import ProposalRequest, get_proposal, propose


@pytest.mark.integration
def test_actions_commands_end_to_end(
    small_store: OdooStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COO_APPROVERS", APPROVERS)
    monkeypatch.setenv("COLUMNS", "200")
    state = StateStore()
    lead = open_leads(small_store)[0]
    new = "3" if lead.get("priority") != "3" else "0"
    out = propose(state, ProposalRequest("set_deal_priority", 1, "crm.lead", lead["id"],
                                         {"priority": new}, requested_by="claude"))  # fmt: skip
    runner = CliRunner()
    listed = runner.invoke(app, ["actions", "list"])
    assert listed.exit_code == 0 and "set_deal_priority" in listed.output
    refused = runner.invoke(
        app, ["actions", "approve", str(out.id), "--user", "carol", "--role", "viewer"]
    )
    assert refused.exit_code == 1 and "refused" in refused.output
    ok = runner.invoke(
        app, ["actions", "approve", str(out.id), "--user", "alice", "--role", "sales_manager"]
    )
    assert ok.exit_code == 0 and "approved" in ok.output
    dry = runner.invoke(app, ["actions", "execute", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        '"priority": "' + new + '"' in dry.output
        and get_proposal(state, out.id)["status"] == "approved"
    )
    done = runner.invoke(app, ["actions", "execute"])
    assert done.exit_code == 0 and "executed" in done.output, done.output
    shown = runner.invoke(app, ["actions", "show", str(out.id)])
    trace = json.loads(shown.output)
    assert trace["status"] == "executed"
    assert [e["event"] for e in trace["audit"]][-1] == "execution_succeeded"
    # the simulated company kept the change: a second process sees it and can undo it
    back = runner.invoke(app, ["actions", "rollback", str(out.id), "--user", "alice"])
    assert back.exit_code == 0 and "rolled back" in back.output, back.output
    again = runner.invoke(app, ["actions", "rollback", str(out.id), "--user", "alice"])
    assert again.exit_code == 1 and "not executed" in again.output
    agree = runner.invoke(app, ["actions", "reconcile"])
    assert agree.exit_code == 0 and "agree" in agree.output, agree.output
    # plant a disagreement: the priority is back in Odoo although the audit says rolled back
    from odoo_api.warehouse import coo_home
    from simulator.runtime import SimulatedCompany

    company = SimulatedCompany(coo_home() / "simulator", "small", 42)
    sim = company.load()
    sim.write("crm.lead", [lead["id"]], {"priority": new})
    company.save(sim)
    found = runner.invoke(app, ["actions", "reconcile"])
    assert found.exit_code == 1 and "rolled_back_but_present" in found.output, found.output
    fixed = runner.invoke(app, ["actions", "reconcile", "--fix"])
    assert fixed.exit_code == 0 and "1 fixed" in fixed.output, fixed.output
    assert get_proposal(state, out.id)["status"] == "executed"
    missing = runner.invoke(app, ["actions", "show", "999"])
    assert missing.exit_code == 2  # one line on stderr (ConfigError), no traceback
    with pytest.raises(ConfigError, match="no action proposal #999"):
        get_proposal(state, 999)
