"""The real Odoo 17 and 19 answers, replayed through the executor and the rollback.

The client talks to the simulator (posing as that release) through an ``httpx`` transport
that lets every call through, but for each call a real server was recorded answering
(``simulator/odoo1*/samples/writeback``) it hands the client the *recorded body* instead of
the simulator's: ``"mail.activity(36,)"``, ``601``, ``[50]``, ``null``, the UserError of a
draft order's delete... The ids in those bodies are the real servers' (36, 50, 1135, 13,
15), not the simulator's, so a verdict drawn from a return value shows as a wrong id.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from opstore import StateStore
from simulator.server import SimulatorServer
from simulator.store import OdooStore
from simulator.versions import ODOO_17, ODOO_19
from tests.writeback.versions import SKILLS, marked, request_for
from writeback.service import approve, execute, get_proposal, propose, rollback

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2] / "simulator"
#: (model or "*", method) -> the recorded file; unlink picks draft/cancelled by the outcome
RECORDED = {
    17: ("odoo17", "jsonrpc", {
        ("*", "activity_schedule"): "jsonrpc_activity_schedule_return.json",
        ("*", "message_post"): "jsonrpc_message_post_return.json",
        ("purchase.order", "create"): "jsonrpc_purchase_order_create_return.json",
        ("purchase.order", "button_cancel"): "jsonrpc_purchase_order_button_cancel.json",
        ("purchase.order", "unlink"): ("jsonrpc_purchase_order_unlink_draft.json",
                                       "jsonrpc_purchase_order_unlink_cancelled.json"),
        ("mail.activity", "exists"): "jsonrpc_exists.json",
    }),
    19: ("odoo19", "json2", {
        ("*", "activity_schedule"): "json2_activity_schedule_return.json",
        ("*", "message_post"): "json2_message_post_return.json",
        ("purchase.order", "create"): "json2_purchase_order_create_return.json",
        ("purchase.order", "button_cancel"): "json2_purchase_order_button_cancel.json",
        ("purchase.order", "unlink"): ("json2_purchase_order_unlink_draft.json",
                                       "json2_purchase_order_unlink_cancelled.json"),
        ("mail.activity", "exists"): "json2_exists_private.json",
    }),
}  # fmt: skip


@dataclass
class Replayer:
    """An httpx transport: the simulator answers, except where a real answer was recorded."""

    version: int
    server: SimulatorServer
    drop_write: bool = False  # answer as recorded without letting the call reach Odoo
    replayed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        folder, self.transport, self.table = RECORDED[self.version]
        self.folder = ROOT / folder / "samples" / "writeback"
        self.inner = httpx.Client(base_url=self.server.url, timeout=10)

    def _call_of(self, request: httpx.Request) -> tuple[str, str] | None:
        path = request.url.path
        if path.startswith("/json/2/"):
            model, method = path[len("/json/2/") :].split("/")
            return model, method
        if path == "/jsonrpc":
            params = json.loads(request.content)["params"]
            if params["service"] == "object":
                return params["args"][3], params["args"][4]
        return None

    def _recorded(self, model: str, method: str) -> Any:
        return self.table.get((model, method)) or self.table.get(("*", method))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        call = self._call_of(request)
        recorded = self._recorded(*call) if call else None
        forward = recorded is None or not (self.drop_write and call and call[1] != "unlink")
        real = None
        if forward:
            real = self.inner.request(
                request.method, request.url.path, content=request.content,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            )  # fmt: skip
            if recorded is None:
                return httpx.Response(real.status_code, content=real.content,
                                      headers={"Content-Type": real.headers["content-type"]})  # fmt: skip
        assert call is not None
        failed = real is not None and (
            real.status_code >= 400 or "error" in (real.json() if self.version == 17 else {})
        )
        name = recorded if isinstance(recorded, str) else recorded[0 if failed else 1]
        self.replayed.append(name)
        body = (self.folder / name).read_bytes()
        status = 200
        if self.version == 19:
            parsed = json.loads(body)
            if isinstance(parsed, dict) and "name" in parsed:
                status = 403 if "AccessError" in parsed["name"] else 422
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


@dataclass
class Replay:
    store: OdooStore
    server: SimulatorServer
    replayer: Replayer
    client: OdooClient


@pytest.fixture(params=[17, 19], ids=["odoo17-jsonrpc", "odoo19-json2"])
def replay(request: pytest.FixtureRequest, small_company_tables: Any) -> Iterator[Replay]:
    version = request.param
    store = OdooStore(
        tables=copy.deepcopy(small_company_tables.tables), now=small_company_tables.now
    )
    with SimulatorServer(store, version=ODOO_17 if version == 17 else ODOO_19) as server:
        replayer = Replayer(version, server)
        config = OdooConfig(url=server.url, db=store.db, username="admin",
                            api_key=store.api_key_for("admin"), transport=replayer.transport)  # fmt: skip
        http = httpx.Client(base_url=server.url, transport=httpx.MockTransport(replayer))
        with OdooClient(config, http=http).connect() as client:
            yield Replay(store, server, replayer, client)
        http.close()
        replayer.inner.close()


REPLAYED_SKILLS = ["schedule_activity", "post_internal_note", "create_draft_rfq"]
REAL_IDS = {36, 50, 601, 1135, 13, 15}


@pytest.mark.parametrize("skill", REPLAYED_SKILLS)
def test_recorded_answers_give_the_right_verdicts(
    replay: Replay, state: StateStore, skill: str
) -> None:
    out = propose(state, request_for(replay.store, state, skill), odoo=replay.client)
    if out.status == "pending":
        assert approve(state, out.id, "alice", SKILLS[skill])[0].ok
    [done] = execute(state, replay.client, ids=[out.id])
    key = get_proposal(state, out.id)["idempotency_key"]
    in_odoo = marked(replay.store, skill, key)
    # executed, with the ids Odoo holds for the marker, whatever the recorded answer said
    assert done["status"] == "executed", done
    assert sorted(done["created_ids"]) == sorted(in_odoo) and in_odoo
    assert not set(in_odoo) & REAL_IDS  # the real servers' ids were never taken as ours
    assert replay.replayer.replayed, "no recorded answer was replayed"
    result = rollback(state, replay.client, out.id, "alice")
    assert result["ok"], result
    assert "error" not in result, result  # every recorded answer of the undo is understood
    assert marked(replay.store, skill, key) == {}
    assert get_proposal(state, out.id)["status"] == "rolled_back"
    if skill == "create_draft_rfq":  # cancelled first: the recorded delete of a cancelled order
        assert replay.replayer.replayed[-2:] == [
            f"{'jsonrpc' if replay.replayer.version == 17 else 'json2'}_purchase_order_button_cancel.json",
            f"{'jsonrpc' if replay.replayer.version == 17 else 'json2'}_purchase_order_unlink_cancelled.json",
        ]
    assert not [n for n in replay.replayer.replayed if "exists" in n]


def test_a_recorded_answer_without_the_write_is_a_failure(
    replay: Replay, state: StateStore
) -> None:
    """The recorded success answer, but nothing reached Odoo: failed, because the marker is
    not found (a return value proves nothing)."""
    replay.replayer.drop_write = True
    out = propose(state, request_for(replay.store, state, "schedule_activity"), odoo=replay.client)
    approve(state, out.id, "alice", "finance_manager")
    [done] = execute(state, replay.client, ids=[out.id])
    assert done["status"] == "failed"
    assert "nothing carrying the marker" in done["reason"]
    key = get_proposal(state, out.id)["idempotency_key"]
    assert marked(replay.store, "schedule_activity", key) == {}


def test_the_recorded_draft_delete_refusal_is_not_a_rollback(
    replay: Replay, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the cancel step the real servers refuse the delete (recorded): the rollback
    is refused, not recorded as done, and the draft RFQ is still there."""
    import importlib

    rb = importlib.import_module("writeback.rollback")  # the module, not the function

    out = propose(state, request_for(replay.store, state, "create_draft_rfq"), odoo=replay.client)
    approve(state, out.id, "alice", "operations_manager")
    [done] = execute(state, replay.client, ids=[out.id])
    original = rb.remote

    def no_cancel(odoo: Any, model: str, method: str, **kw: Any) -> Any:
        if method == "button_cancel":
            return None
        return original(odoo, model, method, **kw)

    monkeypatch.setattr(rb, "remote", no_cancel)
    result = rollback(state, replay.client, out.id, "alice")
    assert not result["ok"]
    assert "you must cancel it first" in result["reason"]
    assert replay.replayer.replayed[-1].endswith("_purchase_order_unlink_draft.json")
    [po] = done["created_ids"]
    assert replay.store.table("purchase.order")[po]["state"] == "draft"
    proposal = get_proposal(state, out.id)
    assert proposal["status"] == "executed"
    assert proposal["audit"][-1]["event"] == "rollback_refused"
