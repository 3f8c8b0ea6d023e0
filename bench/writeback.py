"""Write-back speed: propose, approve and execute 100 actions against the loopback simulator.

The simulated company is served in this process over real HTTP (JSON-2 by default), the
operational store is a fresh SQLite file. The actions are a mix of field writes
(set_deal_priority), created records (schedule_activity on deals) and chatter notes
(post_internal_note, an ``auto`` skill), on deals of both companies. Each execution re-checks
the record, stores the values before, writes, reads back and verifies: the figure includes
all of that. Target: executing 100 approved actions in under 10 s.

    python bench/writeback.py [--actions 100] [--size small] [--transport json2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from simulator.generator import generate_company
from simulator.runtime import serve_store
from simulator.store import OdooStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--size", default="small")
    parser.add_argument("--transport", default="json2", choices=["json2", "jsonrpc", "xmlrpc"])
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="coo-bench-writeback-"))
    os.environ["COO_HOME"] = str(home)
    os.environ["COO_APPROVERS"] = "alice=admin"
    from opstore import StateStore
    from writeback import ProposalRequest, approve, execute, propose

    company = generate_company(args.size, seed=42)
    store = OdooStore(tables=company.tables, now=company.now)
    leads = sorted(
        (r for r in store.table("crm.lead").values()
         if r.get("active") and (r.get("probability") or 0) < 100),
        key=lambda r: r["id"],
    )  # fmt: skip
    invoices = sorted(
        (r for r in store.table("account.move").values()
         if r.get("move_type") == "out_invoice" and r.get("state") == "posted"
         and r.get("payment_state") in ("not_paid", "partial")),
        key=lambda r: r["id"],
    )  # fmt: skip
    store.create("crm.tag", [{"name": "Stalled"}])
    note = {"body": "Stalled for three weeks: next step agreed."}
    activity = {"summary": "Call back about the proposal", "due_in_days": 2}
    pool: list[tuple[str, dict, str, dict]] = []
    for lead in leads:
        prio = {"priority": "3" if lead.get("priority") != "3" else "1"}
        for skill, params in (
            ("set_deal_priority", prio),
            ("schedule_activity", activity),
            ("post_internal_note", note),
            ("set_deal_tag", {"tag": "Stalled"}),
        ):
            pool.append((skill, lead, "crm.lead", params))  # fmt: skip
    for inv in invoices:
        pool.append(("post_internal_note", inv, "account.move", note))
        pool.append(("schedule_activity", inv, "account.move", activity))
    if len(pool) < args.actions:
        raise SystemExit(f"only {len(pool)} distinct actions available in this company")
    state = StateStore()
    with serve_store(store) as server:
        config = OdooConfig(url=server.url, db=store.db, username="admin",
                            api_key=store.api_key_for("admin"), password="admin",
                            transport=args.transport)  # fmt: skip
        with OdooClient(config).connect() as client:
            t0 = time.perf_counter()
            pending = []
            for i, (skill, record, model, params) in enumerate(pool[: args.actions]):
                request = ProposalRequest(skill, record["company_id"], model, record["id"], params,
                                          requested_by="bench")  # fmt: skip
                out = propose(state, request, odoo=client)
                if out.status == "rejected":
                    raise SystemExit(
                        f"proposal {i} ({skill} on {model} {record['id']}) refused: {out.reason}"
                    )
                if out.status == "pending":
                    pending.append(out.id)
            t_propose = time.perf_counter() - t0
            t1 = time.perf_counter()
            decisions = approve(state, pending, "alice", "admin")
            assert all(d.ok for d in decisions)
            t_approve = time.perf_counter() - t1
            writes_before = len(server.write_calls)
            t2 = time.perf_counter()
            results = execute(state, client)
            t_execute = time.perf_counter() - t2
            executed = sum(r["status"] == "executed" for r in results)
            writes = len(server.write_calls) - writes_before
            t3 = time.perf_counter()
            again = execute(state, client)
            t_again = time.perf_counter() - t3
    print(
        f"write-back bench: {args.actions} actions, simulated company {args.size}, {args.transport}"
    )
    print(f"  propose + policy (with Odoo checks): {t_propose:6.2f} s")
    print(f"  approve {len(pending)} in one call:          {t_approve:6.2f} s")
    print(f"  execute {len(results)} approved actions:    {t_execute:6.2f} s  "
          f"({1000 * t_execute / max(len(results), 1):.1f} ms/action, target < 10 s)")  # fmt: skip
    print(f"  executed: {executed}, Odoo write calls: {writes} (one per action)")
    print(f"  re-run (nothing left to do): {len(again)} actions in {t_again:.3f} s")
    if executed != args.actions or writes != args.actions:
        raise SystemExit("not every action executed exactly once")


if __name__ == "__main__":
    main()
