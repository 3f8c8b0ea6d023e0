"""Write-back skill x Odoo release x transport: the table of issue 23, re-run on the simulator.

For every executable catalog skill, against the loopback simulator posing as Odoo 17 (JSON-RPC,
XML-RPC) and Odoo 19 (JSON-2, JSON-RPC, XML-RPC): propose, approve, execute, roll back, and
after each step compare the audit log with the simulator's own tables (the ids recorded are
the rows carrying the action's marker; the values recorded are the values stored). A cell
reads ``executed ✓ / rolled back ✓`` when the audit and Odoo agree after both steps, and
says what happened otherwise.

    python bench/writeback_matrix.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from simulator.generator import generate_company
from simulator.server import SimulatorServer
from simulator.store import OdooStore
from simulator.versions import VERSIONS

MODES = [(17, "jsonrpc"), (17, "xmlrpc"), (19, "json2"), (19, "jsonrpc"), (19, "xmlrpc")]


def _agrees_after_execute(store: OdooStore, skill: str, proposal: dict[str, Any]) -> bool:
    from tests.writeback.versions import WRITES, audit_value, field_now, marked

    entry = proposal["audit"][-1]
    if proposal["status"] != "executed":
        return False
    payload = entry["payload"]
    if skill in WRITES:
        f = WRITES[skill]
        return all(
            field_now(store, "crm.lead", int(rid), f) == audit_value(row[f], f)
            for rid, row in payload["after"].items()
        )
    rows = marked(store, skill, proposal["idempotency_key"])
    return bool(rows) and sorted(rows) == sorted(payload["created_ids"])


def _agrees_after_rollback(store: OdooStore, skill: str, proposal: dict[str, Any]) -> bool:
    from tests.writeback.versions import WRITES, audit_value, field_now, marked

    entry = proposal["audit"][-1]
    if proposal["status"] != "rolled_back" or entry["event"] != "rolled_back":
        return False
    if skill in WRITES:
        f = WRITES[skill]
        return all(
            field_now(store, "crm.lead", int(rid), f) == audit_value(row[f], f)
            for rid, row in entry["payload"]["before"].items()
        )
    left = marked(store, skill, proposal["idempotency_key"])
    return sorted(left) == sorted(entry["payload"].get("cancelled") or [])


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="coo-bench-matrix-"))
    os.environ["COO_HOME"] = str(home)
    os.environ["COO_APPROVERS"] = "alice=sales_manager,finance_manager,operations_manager"
    import copy

    from opstore import StateStore
    from tests.writeback.versions import SKILLS, request_for
    from writeback.service import approve, execute, get_proposal, propose, rollback

    company = generate_company("small", seed=42)
    table: dict[str, dict[str, str]] = {s: {} for s in SKILLS}
    timings: dict[str, float] = {}
    for n, (version, transport) in enumerate(MODES):
        store = OdooStore(tables=copy.deepcopy(company.tables), now=company.now)
        os.environ["COO_HOME"] = str(home / f"{version}-{transport}")
        state = StateStore()
        started = time.perf_counter()
        with SimulatorServer(store, version=VERSIONS[version]) as server:
            config = OdooConfig(url=server.url, db=store.db, username="admin",
                                api_key=store.api_key_for("admin"), transport=transport)  # fmt: skip
            with OdooClient(config).connect() as client:
                for skill, role in SKILLS.items():
                    req = request_for(store, state, skill, nth=n)
                    out = propose(state, req, odoo=client)
                    if out.status == "pending":
                        approve(state, out.id, "alice", role)
                    [done] = execute(state, client, ids=[out.id])
                    p = get_proposal(state, out.id)
                    first = (
                        "executed ✓"
                        if _agrees_after_execute(store, skill, p)
                        else f"{done['status']} ✗"
                    )
                    back = rollback(state, client, out.id, "alice")
                    p = get_proposal(state, out.id)
                    if _agrees_after_rollback(store, skill, p):
                        second = "rolled back ✓" + (
                            " (left cancelled)" if back.get("cancelled") else ""
                        )
                    else:
                        second = f"rollback {'refused' if not back['ok'] else 'disagrees'} ✗"
                    table[skill][f"{version}/{transport}"] = f"{first} / {second}"
        timings[f"{version}/{transport}"] = time.perf_counter() - started
    heads = [f"{v}/{t}" for v, t in MODES]
    print("| skill | " + " | ".join(f"Odoo {h}" for h in heads) + " |")
    print("|---|" + "---|" * len(heads))
    for skill, cells in table.items():
        print(f"| {skill} | " + " | ".join(cells[h] for h in heads) + " |")
    print()
    print(
        "seconds per column (7 skills, execute + rollback): "
        + ", ".join(f"{h} {s:.2f}" for h, s in timings.items())
    )


if __name__ == "__main__":
    main()
