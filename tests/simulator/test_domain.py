"""Domain semantics of the simulated Odoo 19 (operators, paths, datetimes, errors)."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator.store import OdooStore


def _store() -> OdooStore:
    tables = {
        "res.company": {1: {"id": 1, "name": "C1"}, 2: {"id": 2, "name": "C2"}},
        "res.partner": {
            1: {"id": 1, "name": "Azure", "complete_name": "Azure", "is_company": True,
                "active": True, "country_id": 233, "write_date": "2026-01-01 10:00:00"},
            2: {"id": 2, "name": "Brandon", "complete_name": "Azure, Brandon", "parent_id": 1,
                "active": True, "write_date": "2026-01-01 10:00:00", "email": "b@x.com"},
            3: {"id": 3, "name": "Deco", "complete_name": "Deco", "is_company": True,
                "active": True, "country_id": 75, "write_date": "2026-01-01 10:00:01",
                "category_id": [5, 6]},
            4: {"id": 4, "name": "Old", "complete_name": "Old", "write_date": "2026-01-02 00:00:00"},
            5: {"id": 5, "name": "Sub", "complete_name": "Azure, Brandon, Sub", "parent_id": 2,
                "active": True, "write_date": "2026-01-03 00:00:00", "credit_limit": 5.0},
        },
    }  # fmt: skip
    return OdooStore(tables, now=datetime(2026, 2, 1))


def ids(store: OdooStore, domain: object, **kw: object) -> list[int]:
    return sorted(store.search("res.partner", domain, order="id", **kw))


@pytest.mark.unit
def test_basic_operators_and_prefix_logic() -> None:
    s = _store()
    assert ids(s, [["name", "=", "Azure"]]) == [1]
    assert ids(s, [("name", "!=", "Azure")]) == [2, 3, 5]
    assert ids(s, ["|", ["name", "=", "Azure"], ["name", "=", "Deco"]]) == [1, 3]
    assert ids(s, ["!", ["name", "=", "Azure"]]) == [2, 3, 5]
    assert ids(s, [["is_company", "=", True], ["country_id", "=", 75]]) == [3]
    assert ids(s, ["&", ["is_company", "=", True], "|", ["id", "=", 1], ["id", "=", 2]]) == [1]
    assert ids(s, [["id", "in", [1, 3, 99]]]) == [1, 3]
    assert ids(s, [["id", "not in", [1, 3]]]) == [2, 5]
    assert ids(s, [["credit_limit", ">", 1]]) == [5]
    assert ids(s, [["credit_limit", "<=", 0]]) == [1, 2, 3]


@pytest.mark.unit
def test_true_false_leaves_and_bare_booleans() -> None:
    s = _store()
    assert ids(s, [(1, "=", 1)]) == [1, 2, 3, 5]
    assert ids(s, [(0, "=", 1)]) == []
    assert ids(s, True) == [1, 2, 3, 5]


@pytest.mark.unit
def test_like_family() -> None:
    s = _store()
    assert ids(s, [["name", "ilike", "AZ"]]) == [1]
    assert ids(s, [["name", "like", "AZ"]]) == []
    assert ids(s, [["name", "=like", "A%"]]) == [1]
    assert ids(s, [["name", "=ilike", "a_ure"]]) == [1]
    assert ids(s, [["email", "not ilike", "x.com"]]) == [1, 3, 5]  # NULLs match negatives
    assert ids(s, [["email", "ilike", "x.com"]]) == [2]


@pytest.mark.unit
def test_many2one_int_list_false_name_and_path() -> None:
    s = _store()
    assert ids(s, [["parent_id", "=", 1]]) == [2]
    assert ids(s, [["parent_id", "in", [1, 2]]]) == [2, 5]
    assert ids(s, [["parent_id", "=", False]]) == [1, 3]
    assert ids(s, [["parent_id", "!=", False]]) == [2, 5]
    assert ids(s, [["parent_id", "=", "Azure"]]) == [2]
    assert ids(s, [["parent_id", "ilike", "brand"]]) == [5]
    assert ids(s, [["parent_id.name", "=", "Azure"]]) == [2]
    assert ids(s, [["parent_id.parent_id.name", "=", "Azure"]]) == [5]
    assert ids(s, [["parent_id.name", "!=", "Azure"]]) == [1, 3, 5]
    assert ids(s, [["country_id", "ilike", "united"]]) == [1]


@pytest.mark.unit
def test_x2many_and_any() -> None:
    s = _store()
    assert ids(s, [["category_id", "in", [6]]]) == [3]
    assert ids(s, [["category_id", "=", False]]) == [1, 2, 5]
    assert ids(s, [["child_ids", "any", [["name", "=", "Brandon"]]]]) == []  # o2m not kept
    assert ids(s, [["parent_id", "any", [["is_company", "=", True]]]]) == [2]
    assert ids(s, [["parent_id", "not any", [["is_company", "=", True]]]]) == [1, 3, 5]


@pytest.mark.unit
def test_child_of_parent_of() -> None:
    s = _store()
    assert ids(s, [["id", "child_of", 1]]) == [1, 2, 5]
    assert ids(s, [["id", "parent_of", 5]]) == [1, 2, 5]
    assert ids(s, [["parent_id", "child_of", [2]]]) == [5]


@pytest.mark.unit
def test_datetime_is_second_granular() -> None:
    s = _store()
    w = "2026-01-01 10:00:00"
    assert ids(s, [["write_date", ">", w]]) == [3, 5]
    assert ids(s, [["write_date", ">=", w]]) == [1, 2, 3, 5]
    assert ids(s, [["write_date", "=", w]]) == [1, 2]
    assert ids(s, [["write_date", "=", "2026-01-01 10:00:00.999"]]) == [1, 2]
    assert ids(s, [["write_date", ">", "2026-01-01 10:00:00.5"]]) == [3, 5]
    assert ids(s, [["write_date", "<=", "2026-01-01 10:00:00.2"]]) == [1, 2]
    assert ids(s, [["write_date", "<", w]]) == []
    assert ids(s, [["write_date", "in", [w, "2026-01-03 00:00:00"]]]) == [1, 2, 5]
    assert ids(s, [["write_date", ">", datetime(2026, 1, 1, 10, 0, 0)]]) == [3, 5]
    assert ids(s, [["write_date", "=", "2026-01-01"]]) == [1, 2, 3]  # whole day


@pytest.mark.unit
def test_active_test_and_explicit_active() -> None:
    s = _store()
    assert 4 not in ids(s, [])
    assert 4 in ids(s, [], context={"active_test": False})
    assert ids(s, [["active", "=", False]]) == [4]


@pytest.mark.unit
def test_errors_have_odoo_messages() -> None:
    s = _store()
    with pytest.raises(ValueError) as e:
        s.search("res.partner", [["no_such_field", "=", 1]])
    assert str(e.value) == (
        "Invalid field res.partner.no_such_field in condition ('no_such_field', '=', 1)"
    )
    with pytest.raises(ValueError) as e:
        s.search("res.partner", [["name", "bogus", 1]])
    assert str(e.value) == "Invalid operator in condition ('name', 'bogus', 1)"
    with pytest.raises(TypeError) as e:
        s.search("res.partner", "not a domain")
    assert str(e.value) == "Domain() invalid argument type for domain: 'not a domain'"
    with pytest.raises(ValueError, match="malformed"):
        s.search("res.partner", ["|", ["name", "=", "x"]])
