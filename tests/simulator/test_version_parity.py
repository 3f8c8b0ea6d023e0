"""The simulator answers the write-back calls as the real Odoo 17 and 19 servers did.

Each recorded response in ``simulator/odoo17/samples/writeback`` (JSON-RPC, Odoo 17) and
``simulator/odoo19/samples/writeback`` (JSON-2, Odoo 19) is replayed: the same call is sent
to the simulator posing as that release, over the same transport, and the answer must have
the recorded shape (types, keys, error class and message; ids may differ). XML-RPC was not
recorded: its shapes follow from Odoo's marshaller (a recordset or None cannot be marshalled,
after the transaction committed), tested below on the record left in the store.
"""

from __future__ import annotations

import json
import re
import xmlrpc.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.server import SimulatorServer
from simulator.store import OdooStore
from simulator.versions import ODOO_17, ODOO_19

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2] / "simulator"
SAMPLES = {
    17: ROOT / "odoo17" / "samples" / "writeback",
    19: ROOT / "odoo19" / "samples" / "writeback",
}
MARKER = "coo-sample-1"
_REPR = re.compile(r"^[a-z_]+(\.[a-z_]+)+\((\d+(, \d+)*,?)?\)$")


def normalise(value: Any) -> Any:
    """The shape of an answer: ids and counts become 0, a recordset repr its model name,
    tracebacks are dropped; error names and messages stay as they are."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, str) and _REPR.match(value):
        return "repr:" + value.split("(")[0]
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        # the JSON-RPC error code is compared as is (17 says 200, 19 says 0)
        return {k: v if k == "code" else normalise(v) for k, v in value.items() if k != "debug"}
    return value


def sample(version: int, name: str) -> Any:
    return json.loads((SAMPLES[version] / name).read_text())


class Wire:
    """One release of the simulator over the small company, and raw calls to it."""

    def __init__(self, store: OdooStore, server: SimulatorServer) -> None:
        self.store = store
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.key = store.api_key_for("admin")
        self.uid = store.authenticate("admin", self.key)

    def json2(self, model: str, method: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = self.http.post(
            f"/json/2/{model}/{method}", json=body, headers={"Authorization": f"bearer {self.key}"}
        )
        return response.status_code, response.json()

    def jsonrpc(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        payload = {"jsonrpc": "2.0", "method": "call", "id": None, "params": {
            "service": "object", "method": "execute_kw",
            "args": [self.store.db, self.uid, self.key, model, method, args, kwargs]}}  # fmt: skip
        response = self.http.post("/jsonrpc", json=payload)
        assert response.status_code == 200
        return response.json()

    def xmlrpc(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        proxy = xmlrpc.client.ServerProxy(self.server.url + "/xmlrpc/2/object")
        return proxy.execute_kw(self.store.db, self.uid, self.key, model, method, args, kwargs)


@pytest.fixture(scope="module")
def small_store(small_company_tables: Any) -> OdooStore:
    """One copy of the small company for the module: every case makes its own records."""
    import copy

    return OdooStore(
        tables=copy.deepcopy(small_company_tables.tables), now=small_company_tables.now
    )


@pytest.fixture(params=[17, 19], ids=["odoo17", "odoo19"])
def wire(request: pytest.FixtureRequest, small_store: OdooStore) -> Iterator[Wire]:
    version = ODOO_17 if request.param == 17 else ODOO_19
    with SimulatorServer(small_store, version=version) as server:
        w = Wire(small_store, server)
        yield w
        w.http.close()


def _partner(store: OdooStore) -> int:
    return min(store.table("res.partner"))


def _lead(store: OdooStore) -> int:
    return min(store.table("crm.lead"))


def _draft_po_vals(store: OdooStore) -> dict[str, Any]:
    vendor = min(i for i, r in store.table("res.partner").items() if r.get("supplier_rank"))
    product = min(store.table("product.product"))
    line = {"product_id": product, "product_qty": 1.0, "price_unit": 10.0}
    return {"partner_id": vendor, "origin": MARKER, "order_line": [[0, 0, line]]}


def _activity(store: OdooStore) -> int:
    return int(store.execute(2, "res.partner", "activity_schedule", [[_partner(store)]],
                             {"summary": "s", "note": f"<p>sample [{MARKER}]</p>"})[0])  # fmt: skip


def _po(store: OdooStore, state: str | None = None) -> int:
    pid = int(store.create("purchase.order", [_draft_po_vals(store)])[0])
    if state == "cancel":
        store.button_cancel("purchase.order", [pid])
    return pid


# (sample file, model, method, ids or a function making them, arguments by name)
Case = tuple[str, str, str, Callable[[OdooStore], list[int] | None], dict[str, Any]]
SCHEDULE = {"act_type_xmlid": "mail.mail_activity_data_todo", "summary": "sample",
            "note": f"<p>sample [{MARKER}]</p>"}  # fmt: skip
CASES_17: list[Case] = [
    ("jsonrpc_activity_schedule_return.json", "res.partner", "activity_schedule",
     lambda s: [_partner(s)], SCHEDULE),
    ("jsonrpc_message_post_return.json", "crm.lead", "message_post", lambda s: [_lead(s)],
     {"body": f"note [{MARKER}]", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}),
    ("jsonrpc_purchase_order_create_return.json", "purchase.order", "create", lambda s: None,
     {"vals_list": "one-dict"}),
    ("jsonrpc_exists.json", "mail.activity", "exists", lambda s: [_activity(s)], {}),
    ("jsonrpc_purchase_order_unlink_draft.json", "purchase.order", "unlink",
     lambda s: [_po(s)], {}),
    ("jsonrpc_purchase_order_button_cancel.json", "purchase.order", "button_cancel",
     lambda s: [_po(s)], {}),
    ("jsonrpc_purchase_order_unlink_cancelled.json", "purchase.order", "unlink",
     lambda s: [_po(s, "cancel")], {}),
]  # fmt: skip
CASES_19: list[Case] = [
    ("json2_activity_schedule_return.json", "res.partner", "activity_schedule",
     lambda s: [_partner(s)], SCHEDULE),
    ("json2_message_post_return.json", "crm.lead", "message_post", lambda s: [_lead(s)],
     {"body": f"note [{MARKER}]", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}),
    ("json2_purchase_order_create_return.json", "purchase.order", "create", lambda s: None,
     {"vals_list": "list"}),
    ("json2_exists_private.json", "mail.activity", "exists", lambda s: [_activity(s)], {}),
    ("json2_purchase_order_unlink_draft.json", "purchase.order", "unlink",
     lambda s: [_po(s)], {}),
    ("json2_purchase_order_button_cancel.json", "purchase.order", "button_cancel",
     lambda s: [_po(s)], {}),
    ("json2_purchase_order_unlink_cancelled.json", "purchase.order", "unlink",
     lambda s: [_po(s, "cancel")], {}),
]  # fmt: skip


def _kwargs(store: OdooStore, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("vals_list") == "one-dict":
        return {"vals_list": _draft_po_vals(store)}
    if params.get("vals_list") == "list":
        return {"vals_list": [_draft_po_vals(store)]}
    return dict(params)


@pytest.mark.parametrize("case", CASES_17, ids=[c[0] for c in CASES_17])
def test_odoo17_jsonrpc_answers_like_the_recording(small_store: OdooStore, case: Case) -> None:
    name, model, method, make_ids, params = case
    with SimulatorServer(small_store, version=ODOO_17) as server:
        wire = Wire(small_store, server)
        ids = make_ids(small_store)
        args = [ids] if ids is not None else []
        got = wire.jsonrpc(model, method, args, _kwargs(small_store, params))
        wire.http.close()
    assert normalise(got) == normalise(sample(17, name))


@pytest.mark.parametrize("case", CASES_19, ids=[c[0] for c in CASES_19])
def test_odoo19_json2_answers_like_the_recording(small_store: OdooStore, case: Case) -> None:
    name, model, method, make_ids, params = case
    with SimulatorServer(small_store, version=ODOO_19) as server:
        wire = Wire(small_store, server)
        ids = make_ids(small_store)
        body = {**({"ids": ids} if ids is not None else {}), **_kwargs(small_store, params)}
        status, got = wire.json2(model, method, body)
        wire.http.close()
    recorded = sample(19, name)
    assert normalise(got) == normalise(recorded)
    error = isinstance(recorded, dict) and "name" in recorded
    assert (status >= 400) == error
    if error:
        assert status == {"odoo.exceptions.AccessError": 403}.get(recorded["name"], 422)


def test_odoo19_finds_the_activity_by_its_marker(small_store: OdooStore) -> None:
    marker = "coo-sample-found"
    with SimulatorServer(small_store, version=ODOO_19) as server:
        wire = Wire(small_store, server)
        _, ids = wire.json2("res.partner", "activity_schedule",
                            {"ids": [_partner(small_store)], **SCHEDULE,
                             "note": f"<p>sample [{marker}]</p>"})  # fmt: skip
        status, got = wire.json2("mail.activity", "search_read",
                                 {"domain": [["note", "ilike", marker]], "fields": ["note"]})  # fmt: skip
        wire.http.close()
    assert status == 200
    recorded = sample(19, "json2_activity_found_by_marker.json")
    assert normalise(got) == normalise(json.loads(json.dumps(recorded).replace(MARKER, marker)))
    assert [r["id"] for r in got] == ids


def test_odoo17_jsonrpc_activity_repr_names_the_new_activity(small_store: OdooStore) -> None:
    with SimulatorServer(small_store, version=ODOO_17) as server:
        got = Wire(small_store, server).jsonrpc(
            "res.partner", "activity_schedule", [[_partner(small_store)]], SCHEDULE
        )
    created = max(small_store.table("mail.activity"))
    assert got["result"] == f"mail.activity({created},)"


def test_xmlrpc_odoo17_cannot_marshal_the_activity_but_it_was_created(wire: Wire) -> None:
    before = set(wire.store.table("mail.activity"))
    partner = _partner(wire.store)
    if wire.server.version[0] == 17:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            wire.xmlrpc("res.partner", "activity_schedule", [[partner]], SCHEDULE)
        assert "cannot marshal <class 'odoo.api.mail.activity'> objects" in fault.value.faultString
    else:
        created = wire.xmlrpc("res.partner", "activity_schedule", [[partner]], SCHEDULE)
        assert created == sorted(set(wire.store.table("mail.activity")) - before)
    new = set(wire.store.table("mail.activity")) - before
    assert len(new) == 1 and MARKER in wire.store.table("mail.activity")[new.pop()]["note"]


def test_xmlrpc_button_cancel_returns_none_a_fault_after_the_commit(wire: Wire) -> None:
    po = _po(wire.store)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        wire.xmlrpc("purchase.order", "button_cancel", [[po]], {})
    assert "cannot marshal None" in fault.value.faultString
    assert wire.store.table("purchase.order")[po]["state"] == "cancel"
    assert wire.xmlrpc("purchase.order", "unlink", [[po]], {}) is True


def test_exists_private_on_19_over_every_transport(wire: Wire) -> None:
    act = _activity(wire.store)
    got = wire.jsonrpc("mail.activity", "exists", [[act]], {})
    if wire.server.version[0] >= 19:
        assert got["error"]["data"]["name"] == "odoo.exceptions.AccessError"
        assert "cannot be called remotely" in got["error"]["data"]["message"]
        with pytest.raises(xmlrpc.client.Fault):
            wire.xmlrpc("mail.activity", "exists", [[act]], {})
    else:
        assert got["result"] == [act]
        assert wire.xmlrpc("mail.activity", "exists", [[act]], {}) == [act]


def test_message_post_shape_per_release(wire: Wire) -> None:
    lead = _lead(wire.store)
    got = wire.xmlrpc("crm.lead", "message_post", [[lead]], {"body": "x"})
    newest = max(wire.store.table("mail.message"))
    assert got == (newest if wire.server.version[0] == 17 else [newest])


def test_a_posted_vendor_bill_blocks_button_cancel(small_store: OdooStore) -> None:
    billed = next(
        pid
        for pid, po in small_store.table("purchase.order").items()
        if any(
            (small_store.table("account.move").get(m) or {}).get("state") == "posted"
            for m in po.get("invoice_ids") or []
        )
    )
    with pytest.raises(Exception, match="cancel the related vendor bills"):
        small_store.button_cancel("purchase.order", [billed])
    assert small_store.table("purchase.order")[billed]["state"] != "cancel"


def test_the_release_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from odoo_api.errors import ConfigError
    from simulator.versions import version_from_env

    monkeypatch.delenv("COO_SIM_ODOO_VERSION", raising=False)
    assert version_from_env() == ODOO_19
    monkeypatch.setenv("COO_SIM_ODOO_VERSION", "17.0")
    assert version_from_env() == ODOO_17
    monkeypatch.setenv("COO_SIM_ODOO_VERSION", "16")
    with pytest.raises(ConfigError, match="use 17 or 19"):
        version_from_env()
