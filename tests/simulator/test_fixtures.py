"""The recorded Odoo 19 demo database served through the store returns what Odoo returned."""

from __future__ import annotations

import pytest

from simulator.fixtures import load_recorded_demo, recorded_records


@pytest.mark.unit
def test_recorded_demo_round_trips_every_model() -> None:
    store = load_recorded_demo()
    records = recorded_records()
    assert len(records) >= 34
    total = 0
    for model, rows in records.items():
        if not rows:
            continue
        keys = sorted({k for r in rows.values() for k in r})
        got = store.search_read(model, [], keys, order="id", context={"active_test": False})
        assert got == [rows[i] for i in sorted(rows)], model
        total += len(got)
    assert total == sum(len(r) for r in records.values()) > 1500


@pytest.mark.unit
def test_recorded_demo_setup() -> None:
    store = load_recorded_demo()
    assert store.now.strftime("%Y-%m-%d %H:%M:%S") == max(
        r["write_date"]
        for rows in recorded_records().values()
        for r in rows.values()
        if r.get("write_date")
    )
    assert sorted(store.users[2].company_ids) == [1, 2, 3]
    assert store.search_count("res.partner", []) == 60
    assert store.search_count("res.partner", [], context={"active_test": False}) == 63
    assert store.search_count("crm.lead", []) == 39
    assert store.search("res.partner", [], limit=5) == [46, 54, 47, 15, 27]
    page = store.search_read("res.partner", [["is_company", "=", True]],
                             ["name", "country_id", "category_id"], limit=2, order="id")  # fmt: skip
    assert page[0] == {"id": 1, "name": "My Company (San Francisco)",
                       "country_id": [233, "United States"], "category_id": []}  # fmt: skip
    assert page[1]["category_id"] == [7, 6]
    payment = store.read("account.payment", [1], ["move_id"])[0]
    assert payment["move_id"] == [57, "PBNK1/2026/00001 (INV/2026/00001)"]
