"""advance: the company keeps living through the store's ORM (stamps, deletions, batches)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from simulator.advance import advance
from simulator.generator import generate_company


class _MiniStore:
    """The documented store contract (create/write/unlink stamping), used only while
    ``simulator.store`` is not importable; the real store is used as soon as it exists."""

    def __init__(self, tables: dict[str, dict[int, dict[str, Any]]], now: datetime) -> None:
        self._t = tables
        self.now = now

    def _ts(self) -> str:
        return self.now.strftime("%Y-%m-%d %H:%M:%S")

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        return self._t.setdefault(model, {})

    def create(self, model: str, vals_list: list[dict[str, Any]], uid: int = 2) -> list[int]:
        t = self.table(model)
        ids = []
        for vals in vals_list:
            i = max(t, default=0) + 1
            t[i] = {
                **vals,
                "id": i,
                "create_date": self._ts(),
                "write_date": self._ts(),
                "create_uid": uid,
                "write_uid": uid,
            }
            ids.append(i)
        return ids

    def write(self, model: str, ids: list[int], vals: dict[str, Any], uid: int = 2) -> bool:
        for i in ids:
            self._t[model][i].update(vals, write_date=self._ts(), write_uid=uid)
        return True

    def unlink(self, model: str, ids: list[int], uid: int = 2) -> bool:
        for i in ids:
            del self._t[model][i]
        return True


def _store(tables: dict[str, Any], now: datetime) -> Any:
    try:
        from simulator.store import OdooStore
    except ImportError:
        return _MiniStore(tables, now)
    return OdooStore(tables=tables, now=now)


@pytest.fixture(scope="module")
def base():
    return generate_company("small", seed=42)


@pytest.mark.unit
def test_advance_changes_deletes_archives_and_batches(base) -> None:
    store = _store(copy.deepcopy(base.tables), base.now)
    before_now = store.now
    before = {
        m: set(store.table(m))
        for m in ("sale.order", "account.move", "mail.activity", "account.payment")
    }
    summary = advance(store, 10, seed=7)
    assert store.now > before_now and (store.now - before_now).days >= 9
    for key in (
        "quotations_created",
        "orders_confirmed",
        "invoices_posted",
        "payments_registered",
        "quotations_deleted",
        "partners_archived",
        "stage_changes",
        "activities_done",
    ):
        assert summary.get(key, 0) > 0, key
    assert set(store.table("sale.order")) - before["sale.order"]
    assert before["sale.order"] - set(store.table("sale.order")), "nothing deleted"
    assert before["mail.activity"] - set(store.table("mail.activity"))
    cutoff = before_now.strftime("%Y-%m-%d %H:%M:%S")
    changed = Counter(
        r["write_date"] for r in store.table("account.move").values() if r["write_date"] >= cutoff
    )
    assert max(changed.values()) >= 300
    # new invoices balance and payments reconcile
    lines = store.table("account.move.line")
    for mid in set(store.table("account.move")) - before["account.move"]:
        m = store.table("account.move")[mid]
        mls = [lines[i] for i in m["line_ids"]]
        assert (
            abs(sum(x.get("debit", 0) for x in mls) - sum(x.get("credit", 0) for x in mls)) < 0.005
        )
    for pid in set(store.table("account.payment")) - before["account.payment"]:
        inv = store.table("account.move")[store.table("account.payment")[pid]["invoice_ids"][0]]
        assert inv["payment_state"] in ("paid", "partial")
        term = next(
            lines[i] for i in inv["line_ids"] if lines[i].get("display_type") == "payment_term"
        )
        assert (
            abs(abs(term.get("amount_residual_currency", 0.0)) - inv.get("amount_residual", 0.0))
            < 0.005
        )


@pytest.mark.unit
def test_advance_is_deterministic(base) -> None:
    a = _store(copy.deepcopy(base.tables), base.now)
    b = _store(copy.deepcopy(base.tables), base.now)
    sa, sb = advance(a, 3, seed=1), advance(b, 3, seed=1)
    assert sa == sb
    assert a.table("account.move") == b.table("account.move")
    c = _store(copy.deepcopy(base.tables), base.now)
    assert advance(c, 3, seed=2) != sa or c.table("sale.order") != a.table("sale.order")
