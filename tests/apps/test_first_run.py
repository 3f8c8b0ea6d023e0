"""First run, no configuration (issue 19): after the demo, the dashboard's local user is a
demo approver, so a proposal can be approved and executed from the Action center, the note it
writes is in the simulated Odoo, and Undo on the same screen removes it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.untrusted import md_text
from writeback.service import get_proposal, list_proposals

pytestmark = pytest.mark.integration


@pytest.fixture
def first_run(dashboard_env: Path, monkeypatch: pytest.MonkeyPatch):
    """The demo's outputs (alerts, briefings and their proposals) with nobody configured:
    no COO_APPROVERS, no COO_OPERATOR, then what `coo demo` does about approvers."""
    from alerts.lifecycle import run_alerts
    from alerts.sources import MartReader
    from briefings.compose import run_briefings
    from cli.main import _demo_approver
    from odoo_api.warehouse import Warehouse
    from opstore import StateStore

    for var in ("COO_APPROVERS", "COO_OPERATOR", "COO_OPERATOR_ROLE", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    state = StateStore()
    with MartReader(Warehouse.from_url(f"duckdb:///{dashboard_env}")) as reader:
        run_alerts(state, reader)
        run_briefings(state, reader, use_llm=False)
    import io

    from rich.console import Console

    said = io.StringIO()
    monkeypatch.setattr("cli.main.console", Console(file=said, width=200))
    _demo_approver()
    state.said = said.getvalue()  # type: ignore[attr-defined]
    return state


def _notes_on(partner_id: int, text: str) -> list[int]:
    from writeback.connection import open_odoo

    with open_odoo() as odoo:
        return odoo.search(
            "mail.message",
            [["model", "=", "res.partner"], ["res_id", "=", partner_id], ["body", "ilike", text]],
        )


def test_demo_approve_execute_see_the_note_in_odoo_and_undo(first_run, open_page):
    from writeback.approvers import roles_of

    assert "demo approver 'operator' (role coo)" in first_run.said  # and it says so
    assert roles_of("operator") == {"coo"}
    proposal = next(
        p
        for p in list_proposals(first_run, status="pending", company_id=1)
        if p["skill"] == "post_internal_note" and p["model"] == "res.partner"
    )
    pid, partner = int(proposal["id"]), int(proposal["record_id"])
    marker = proposal["params"]["body"][:40]
    assert _notes_on(partner, marker) == []

    at = open_page("actions", company=1)
    assert not at.warning, [w.value for w in at.warning]  # an approver, out of the box
    assert at.selectbox(key="approver_role").value == "coo"
    # the proposal reads as a sentence naming the partner, not "post_internal_note on ..."
    label = next(e.label for e in at.expander if e.label.startswith(md_text(f"#{pid} ")))
    assert label.startswith(md_text(f"#{pid} Post an internal note on "))
    assert "res.partner" not in label

    at.button(key=f"run_{pid}").click().run()
    assert not at.exception
    assert get_proposal(first_run, pid)["status"] == "executed"
    assert any(md_text(f"#{pid} executed in Odoo") in s.value for s in at.success), at.success
    assert len(_notes_on(partner, marker)) == 1  # written in the simulated Odoo, and kept

    # the result and its undo are on the same screen
    assert any(md_text("Written in Odoo on res.partner") in c.value for c in at.caption)
    at.button(key=f"undo_{pid}").click().run()
    assert not at.exception
    assert get_proposal(first_run, pid)["status"] == "rolled_back"
    assert _notes_on(partner, marker) == []
    assert any(md_text(f"#{pid} rolled back by operator") in s.value for s in at.success)
