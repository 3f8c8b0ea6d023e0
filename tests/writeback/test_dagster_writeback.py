"""The write-back job executes approved actions; the sensor starts it only when some wait."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context

from opstore import StateStore
from orchestration.assets.writeback import (
    approved_actions_sensor,
    execute_actions_job,
    reconcile_actions_job,
)
from orchestration.resources import OdooResource
from simulator.store import OdooStore
from tests.writeback.conftest import APPROVERS, open_leads
from writeback import ProposalRequest, approve, get_proposal, propose


@pytest.mark.integration
def test_sensor_and_job_execute_approved_actions(
    small_store: OdooStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COO_APPROVERS", APPROVERS)
    state = StateStore()
    with DagsterInstance.ephemeral() as instance:
        [idle] = list(approved_actions_sensor(build_sensor_context(instance=instance)))
        assert isinstance(idle, SkipReason)
        lead = open_leads(small_store)[1]
        out = propose(state, ProposalRequest("set_deal_priority", 1, "crm.lead", lead["id"],
                                             {"priority": "3" if lead.get("priority") != "3" else "0"},
                                             requested_by="rules"))  # fmt: skip
        [still] = list(approved_actions_sensor(build_sensor_context(instance=instance)))
        assert isinstance(still, SkipReason)  # pending is not approved
        approve(state, [out.id], "alice", "sales_manager")
        [request] = list(approved_actions_sensor(build_sensor_context(instance=instance)))
        assert isinstance(request, RunRequest) and request.run_key
        result = execute_actions_job.execute_in_process(
            instance=instance, resources={"odoo": OdooResource()}
        )
        assert result.success
    assert get_proposal(state, out.id)["status"] == "executed"
    with DagsterInstance.ephemeral() as instance:
        [after] = list(approved_actions_sensor(build_sensor_context(instance=instance)))
        assert isinstance(after, SkipReason)
        # the scheduled reconcile: agrees, then finds a planted lie (failed, yet in Odoo)
        resources = {"odoo": OdooResource()}
        assert reconcile_actions_job.execute_in_process(
            instance=instance, resources=resources
        ).success
        from writeback.store import proposals

        with state.begin() as conn:
            conn.execute(proposals.update().where(proposals.c.id == out.id).values(status="failed"))
        found = reconcile_actions_job.execute_in_process(
            instance=instance, resources=resources, raise_on_error=False
        )
        assert not found.success
        fixed = reconcile_actions_job.execute_in_process(
            instance=instance, resources=resources,
            run_config={"ops": {"reconcile_actions": {"config": {"fix": True}}}},
        )  # fmt: skip
        assert fixed.success
    assert get_proposal(state, out.id)["status"] == "executed"


@pytest.mark.unit
def test_sensor_waits_for_the_lease_of_an_interrupted_action() -> None:
    from datetime import timedelta

    from writeback.store import proposals, utcnow

    state = StateStore()
    out = propose(state, ProposalRequest("set_deal_priority", 1, "crm.lead", 3, {"priority": "1"},
                                         requested_by="rules"))  # fmt: skip
    with DagsterInstance.ephemeral() as instance:
        for age, expected in ((timedelta(seconds=5), SkipReason), (timedelta(hours=1), RunRequest)):
            with state.begin() as conn:
                conn.execute(proposals.update().where(proposals.c.id == out.id)
                             .values(status="executing", updated_at=utcnow() - age))  # fmt: skip
            [got] = list(approved_actions_sensor(build_sensor_context(instance=instance)))
            assert isinstance(got, expected), (age, got)
