"""Write-back fixtures: the small simulated company served on loopback, the real client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Table

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from opstore import StateStore
from opstore.schema import alerts
from simulator.runtime import serve_store
from simulator.server import SimulatorServer
from simulator.store import OdooStore

APPROVERS = (
    "alice=sales_manager,finance_manager,operations_manager,customer_success;"
    "bob=customer_success;carol=viewer;root=admin"
)


@dataclass
class Odoo:
    client: OdooClient
    store: OdooStore
    server: SimulatorServer

    def writes(self, method: str | None = None) -> list[Any]:
        return [c for c in self.server.write_calls if method is None or c.method == method]


@pytest.fixture
def odoo(small_store: OdooStore) -> Iterator[Odoo]:
    with serve_store(small_store) as server:
        config = OdooConfig(
            url=server.url,
            db=small_store.db,
            username="admin",
            api_key=small_store.api_key_for("admin"),
        )
        with OdooClient(config).connect() as client:
            yield Odoo(client, small_store, server)


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch) -> StateStore:
    monkeypatch.setenv("COO_APPROVERS", APPROVERS)
    return StateStore()


def alerts_table(state: StateStore) -> Table:
    """The ``alerts`` table (declared in ``opstore.schema``; every store has it)."""
    return alerts


def add_alert(
    state: StateStore,
    family: str,
    company_id: int,
    record_model: str | None,
    record_id: int | None,
    *,
    status: str = "new",
) -> str:
    table = alerts_table(state)
    key = f"{family}|{company_id}|{record_model}|{record_id}"
    now = datetime(2026, 11, 20, 23, 0)
    values = {
        "alert_key": key,
        "rule_key": family,
        "family": family,
        "area": "finance",
        "priority": "high",
        "company_id": company_id,
        "record_model": record_model,
        "record_id": record_id,
        "title": f"{family} on {record_model}({record_id})",
        "details": "{}",
        "status": status,
        "first_seen_at": now,
        "last_seen_at": now,
    }
    with state.begin() as conn:
        conn.execute(table.insert().values(**{k: v for k, v in values.items() if k in table.c}))
    return key


# -- records of the small company (seed 42) ----------------------------------------------------


def overdue_invoice(store: OdooStore, company_id: int = 1) -> dict[str, Any]:
    rows = [
        r
        for r in store.table("account.move").values()
        if r.get("move_type") == "out_invoice"
        and r.get("state") == "posted"
        and r.get("payment_state") in ("not_paid", "partial")
        and (r.get("invoice_date_due") or "9999") < "2026-11-20"
        and r.get("company_id") == company_id
    ]
    return sorted(rows, key=lambda r: r["id"])[0]


def open_leads(store: OdooStore, company_id: int = 1) -> list[dict[str, Any]]:
    return sorted(
        (
            r
            for r in store.table("crm.lead").values()
            if r.get("company_id") == company_id
            and r.get("active")
            and (r.get("probability") or 0) < 100
        ),
        key=lambda r: r["id"],
    )


def vendor_and_product(store: OdooStore) -> tuple[int, int]:
    vendor = min(i for i, r in store.table("res.partner").items() if r.get("supplier_rank"))
    product = min(store.table("product.product"))
    return vendor, product
