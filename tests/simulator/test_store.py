"""The simulated Odoo 19 ORM: read/write semantics, stamping, paging, dispatch, persistence."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from simulator.exceptions import AccessError, MissingError, NotFound, UserError, ValidationError
from simulator.fixtures import recorded_records, to_internal
from simulator.store import OdooStore, load_fields

NOW = datetime(2026, 3, 1, 12, 0, 0)


def _sales_store() -> OdooStore:
    tables = {
        "res.company": {1: {"id": 1, "name": "C1"}, 2: {"id": 2, "name": "C2"}},
        "res.partner": {
            10: {"id": 10, "name": "Deco", "complete_name": "Deco", "active": True,
                 "is_company": True, "write_date": "2026-01-01 00:00:00"},
            11: {"id": 11, "name": "Other Co", "complete_name": "Other Co", "active": True,
                 "company_id": 2, "write_date": "2026-01-01 00:00:00"},
        },
        "sale.order": {
            1: {"id": 1, "name": "S00001", "partner_id": 10, "company_id": 1, "state": "draft",
                "date_order": "2026-01-05 10:00:00", "order_line": [1, 2],
                "write_date": "2026-01-05 10:00:00"},
            2: {"id": 2, "name": "S00002", "partner_id": 11, "company_id": 2, "state": "sale",
                "date_order": "2026-01-06 10:00:00", "write_date": "2026-01-06 10:00:00"},
        },
        "sale.order.line": {
            1: {"id": 1, "order_id": 1, "name": "Desk", "product_uom_qty": 1.0,
                "company_id": 1, "write_date": "2026-01-05 10:00:00"},
            2: {"id": 2, "order_id": 1, "name": "Chair", "product_uom_qty": 2.0,
                "company_id": 1, "write_date": "2026-01-05 10:00:00"},
        },
    }  # fmt: skip
    return OdooStore(tables, now=NOW)


def _lines_store(n: int = 2000, per_second: int = 7) -> OdooStore:
    base = datetime(2025, 1, 1)
    rows = {}
    for i in range(1, n + 1):
        wd = (base + timedelta(seconds=i // per_second)).strftime("%Y-%m-%d %H:%M:%S")
        rows[i] = {"id": i, "move_id": 1 + i // 4, "debit": float(i % 10), "write_date": wd,
                   "company_id": 1 + (i % 3 == 0), "date": "2025-01-01"}  # fmt: skip
    return OdooStore({"account.move.line": rows, "res.company": {1: {"id": 1}, 2: {"id": 2}}},
                     now=NOW)  # fmt: skip


# ---------------------------------------------------------------- read side


@pytest.mark.unit
def test_read_fills_defaults_and_renders_many2one() -> None:
    s = _sales_store()
    [row] = s.read("sale.order.line", [1], ["order_id", "price_unit", "tax_ids", "name"])
    assert row == {"id": 1, "order_id": [1, "S00001"], "price_unit": 0.0, "tax_ids": [],
                   "name": "Desk"}  # fmt: skip
    [bare] = s.read("sale.order.line", [1], ["order_id"], load="")
    assert bare == {"id": 1, "order_id": 1}
    [none] = s.read("sale.order.line", [1], ["order_id"], load=None)
    assert none["order_id"] == 1
    full = s.read("sale.order", [1])[0]
    assert set(full) >= {"id", "name", "partner_id", "write_date"} and None not in full.values()
    assert s.read("sale.order", [999]) == []
    with pytest.raises(ValueError) as e:
        s.read("res.partner", [10], ["nope"])
    assert str(e.value) == "Invalid field 'nope' on 'res.partner'"


@pytest.mark.unit
def test_display_name_of_sale_order_line_and_partner_contact() -> None:
    s = _sales_store()
    [row] = s.read("sale.order.line", [2], ["display_name"])
    assert row["display_name"] == "S00001 - Chair (Deco)"
    pid = s.create("res.partner", [{"name": "Brandon", "parent_id": 10}])[0]
    [p] = s.read("res.partner", [pid], ["complete_name", "display_name", "commercial_partner_id"])
    assert p["complete_name"] == "Deco, Brandon" == p["display_name"]
    assert p["commercial_partner_id"] == [10, "Deco"]


@pytest.mark.unit
def test_default_and_explicit_order_limit_offset() -> None:
    s = _sales_store()
    assert s.search("sale.order", []) == [2, 1]  # date_order desc
    assert s.search("sale.order", [], order="name asc") == [1, 2]
    assert s.search("sale.order", [], order="partner_id desc") == [2, 1]
    assert s.search("sale.order", [], limit=1, offset=1) == [1]
    assert s.search("sale.order", [], limit=0) == [2, 1]
    assert s.search("sale.order", [], offset=10) == []
    with pytest.raises(ValueError) as e:
        s.search("res.partner", [], order="nope desc")
    assert str(e.value) == "Invalid field 'nope' on model 'res.partner'"


@pytest.mark.unit
def test_order_nulls_and_tiebreak_by_id() -> None:
    s = _lines_store(20)
    s.insert("account.move.line", [{"id": 50, "debit": 1.0, "write_date": "2025-01-01 00:00:00"}])
    got = s.search("account.move.line", [], order="date asc")
    assert got[-1] == 50  # NULL date last in ascending order
    assert s.search("account.move.line", [], order="date desc")[0] == 50
    assert s.search("account.move.line", [], order="date asc nulls first")[0] == 50
    same = s.search("account.move.line", [["date", "=", "2025-01-01"]], order="date")
    assert same == sorted(same)


@pytest.mark.unit
@pytest.mark.parametrize("shape", ["id", "keyset", "keyset_ge"])
def test_keyset_paging_matches_generic_path(shape: str) -> None:
    s = _lines_store()
    fields = ["move_id", "debit", "write_date"]
    seen: list[int] = []
    last_w, last_i = "1970-01-01 00:00:00", 0
    while True:
        if shape == "id":
            dom, order = [["id", ">", last_i]], "id"
        elif shape == "keyset":
            dom = ["|", ["write_date", ">", last_w], "&", ["write_date", "=", last_w],
                   ["id", ">", last_i]]  # fmt: skip
            order = "write_date asc, id asc"
        else:
            dom, order = [["write_date", ">=", last_w]], "write_date asc, id asc"
        page = s.search_read("account.move.line", dom, fields, limit=300, order=order, load="")
        # the same query through the generic path (order spelled differently)
        slow_order = "id asc, write_date" if shape == "id" else "write_date, id asc, debit"
        slow = s.search_read("account.move.line", dom, fields, limit=300, order=slow_order,
                             load="")  # fmt: skip
        assert page == slow
        if shape == "keyset_ge":
            page = [r for r in page if r["id"] not in set(seen)]
            if not page:
                break
        if not page:
            break
        seen.extend(r["id"] for r in page)
        last_w, last_i = page[-1]["write_date"], page[-1]["id"]
    assert sorted(seen) == list(range(1, 2001)) and len(seen) == len(set(seen))


@pytest.mark.unit
def test_page_boundary_inside_block_of_equal_write_dates() -> None:
    s = _lines_store(100, per_second=50)  # ids 50..99 share one write_date
    w = s.table("account.move.line")[60]["write_date"]
    dom = ["|", ["write_date", ">", w], "&", ["write_date", "=", w], ["id", ">", 60]]
    page = s.search("account.move.line", dom, limit=5, order="write_date asc, id asc")
    assert page == [61, 62, 63, 64, 65]
    assert s.search("account.move.line", [["write_date", ">", w]], order="id") == [100]


@pytest.mark.unit
def test_index_follows_writes_creates_unlinks() -> None:
    s = _lines_store(50)
    order = "write_date asc, id asc"
    s.search("account.move.line", [["id", ">", 0]], order="id")
    s.search("account.move.line", [["write_date", ">=", "2025-01-01"]], order=order)
    s.write("account.move.line", [3], {"debit": 9.0})
    s.unlink("account.move.line", [4])
    new = s.create("account.move.line", [{"move_id": 1}])[0]
    fast = s.search("account.move.line", [["write_date", ">=", "2025-01-01"]], order=order)
    slow = s.search(
        "account.move.line", [["write_date", ">=", "2025-01-01"]], order="write_date, id, debit"
    )
    assert fast == slow and fast[-2:] == [3, new] and 4 not in fast
    assert s.search("account.move.line", [["id", ">", 2]], order="id", limit=2) == [3, 5]


@pytest.mark.unit
def test_search_count_and_company_rules() -> None:
    s = _sales_store()
    assert s.search_count("sale.order", []) == 2
    assert s.search_count("sale.order", [], limit=1) == 1
    assert s.search("sale.order", [], context={"allowed_company_ids": [1]}) == [1]
    assert s.search("res.partner", [], context={"allowed_company_ids": [1]}) == [10]
    with pytest.raises(AccessError) as e:
        s.search("sale.order", [], context={"allowed_company_ids": [1, 99]})
    assert str(e.value) == "Access to unauthorized or invalid companies."
    with pytest.raises(AccessError, match="top-secret"):
        s.read("sale.order", [2], ["name"], context={"allowed_company_ids": [1]})


# ---------------------------------------------------------------- write side


@pytest.mark.unit
def test_create_stamps_one_timestamp_and_validates() -> None:
    s = _sales_store()
    ids = s.create("res.partner", [{"name": "A"}, {"name": "B", "type": "invoice"}], uid=5)
    rows = s.read("res.partner", ids, ["create_date", "write_date", "create_uid", "active"],
                  load="")  # fmt: skip
    assert {r["write_date"] for r in rows} == {"2026-03-01 12:00:00"}
    assert all(r["create_uid"] == 5 and r["active"] is True for r in rows)
    assert ids == [12, 13]
    with pytest.raises(ValueError) as e:
        s.create("res.partner", [{"name": "X", "type": "bogus"}])
    assert str(e.value) == "Wrong value for res.partner.type: 'bogus'"
    with pytest.raises(ValueError) as e:
        s.create("res.partner", [{"name": "X", "nope": 1}])
    assert str(e.value) == "Invalid field 'nope' on model 'res.partner'"
    with pytest.raises(ValidationError) as e:
        s.create("res.partner", [{"email": "x@y"}])
    assert str(e.value) == "The operation cannot be completed: Contacts require a name"
    with pytest.raises(ValidationError, match="Missing required value"):
        s.create("sale.order", [{"name": "S9"}])
    with pytest.raises(ValidationError, match="does not exist"):
        s.create("sale.order", [{"partner_id": 999}])
    assert s.search_count("res.partner", [["name", "=", "X"]]) == 0
    assert len(s.call_log) >= 1 and s.call_log[0]["method"] == "create"


@pytest.mark.unit
def test_write_bumps_write_date_and_parent() -> None:
    s = _sales_store()
    s.now = datetime(2026, 3, 2, 8, 0, 0)
    assert s.write("res.partner", [10], {"name": "Deco"}) is True  # unchanged value
    assert s.table("res.partner")[10]["write_date"] == "2026-03-02 08:00:00"
    s.now = datetime(2026, 3, 3, 8, 0, 0)
    s.write("sale.order.line", [1], {"product_uom_qty": 5})
    assert s.table("sale.order.line")[1]["write_date"] == "2026-03-03 08:00:00"
    assert s.table("sale.order")[1]["write_date"] == "2026-03-03 08:00:00"
    assert s.table("sale.order")[2]["write_date"] == "2026-01-06 10:00:00"
    with pytest.raises(MissingError):
        s.write("res.partner", [999], {"name": "x"})
    assert s.call_log[-1]["method"] == "write" and s.call_log[-1]["ids"] == [999]
    assert [c["ids"] for c in s.call_log] == [[10], [1], [999]]


@pytest.mark.unit
def test_archive_hides_and_bumps() -> None:
    s = _sales_store()
    s.now = datetime(2026, 4, 1)
    s.execute(2, "res.partner", "action_archive", [[10]], {})
    assert 10 not in s.search("res.partner", [])
    assert s.table("res.partner")[10]["write_date"] == "2026-04-01 00:00:00"
    s.execute(2, "res.partner", "action_unarchive", [[10]], {})
    assert 10 in s.search("res.partner", [])
    s.write("res.partner", [11], {"active": False})
    assert s.search("res.partner", [["active", "=", False]]) == [11]


@pytest.mark.unit
def test_x2many_commands() -> None:
    s = _sales_store()
    s.write("sale.order", [1], {"order_line": [(0, 0, {"name": "Lamp", "product_uom_qty": 1})]})
    lines = s.table("sale.order")[1]["order_line"]
    assert len(lines) == 3 and s.table("sale.order.line")[lines[-1]]["order_id"] == 1
    s.write("sale.order", [1], {"order_line": [[1, lines[-1], {"name": "Lamp 2"}]]})
    assert s.table("sale.order.line")[lines[-1]]["name"] == "Lamp 2"
    s.write("sale.order", [1], {"order_line": [(2, lines[-1], 0)]})
    assert lines[-1] not in s.table("sale.order.line")
    assert s.table("sale.order")[1]["order_line"] == [1, 2]
    s.write("res.partner", [10], {"category_id": [(4, 7, 0), (4, 8, 0)]})
    assert s.table("res.partner")[10]["category_id"] == [7, 8]
    s.write("res.partner", [10], {"category_id": [(3, 7, 0)]})
    assert s.table("res.partner")[10]["category_id"] == [8]
    s.write("res.partner", [10], {"category_id": [(6, 0, [1, 2])]})
    assert s.table("res.partner")[10]["category_id"] == [1, 2]
    s.write("res.partner", [10], {"category_id": [(5, 0, 0)]})
    assert s.read("res.partner", [10], ["category_id"])[0]["category_id"] == []
    s.write("res.partner", [10], {"category_id": [3, 4]})
    assert s.table("res.partner")[10]["category_id"] == [3, 4]


@pytest.mark.unit
def test_unlink_cascades_and_message_post() -> None:
    s = _sales_store()
    before = s.table("res.partner")[10]["write_date"]
    mid = s.execute(2, "res.partner", "message_post", [[10]], {"body": "hi",
                                                              "message_type": "comment"})  # fmt: skip
    assert isinstance(mid, int)
    assert s.table("mail.message")[mid]["res_id"] == 10
    assert s.table("res.partner")[10]["write_date"] == before
    assert s.unlink("sale.order", [1]) is True
    assert 1 not in s.table("sale.order") and not s.table("sale.order.line")
    with pytest.raises(MissingError):
        s.unlink("sale.order", [1])
    s.unlink("sale.order", [])  # empty is fine


@pytest.mark.unit
def test_mail_activity_needs_res_model() -> None:
    s = _sales_store()
    with pytest.raises(ValidationError):
        s.create("mail.activity", [{"summary": "x", "date_deadline": "2026-03-05"}])
    aid = s.create("mail.activity", [{"summary": "Call", "res_model": "sale.order", "res_id": 1,
                                      "date_deadline": "2026-03-05"}])[0]  # fmt: skip
    row = s.read("mail.activity", [aid], ["res_id", "res_model"])[0]
    assert row == {"id": aid, "res_id": 1, "res_model": "sale.order"}


# ---------------------------------------------------------------- dispatch


@pytest.mark.unit
def test_execute_positional_and_keyword_forms() -> None:
    s = _sales_store()
    a = s.execute(
        2, "sale.order", "search_read", [[["state", "=", "sale"]], ["name"], 0, 5, "id"], {}
    )
    b = s.execute(2, "sale.order", "search_read", [], {"domain": [["state", "=", "sale"]],
                                                        "fields": ["name"], "limit": 5})  # fmt: skip
    assert a == b == [{"id": 2, "name": "S00002"}]
    assert s.execute(2, "sale.order", "search", [[]], {"order": "id"}) == [1, 2]
    assert s.execute(2, "sale.order", "search_count", [[]], {}) == 2
    assert s.execute(2, "sale.order", "read", [[1], ["name"]], {}) == [{"id": 1, "name": "S00001"}]
    assert s.execute(2, "sale.order", "read", [], {"ids": [1], "fields": ["name"]})[0]["id"] == 1
    new = s.execute(2, "res.partner", "create", [{"name": "Solo"}], {})
    assert isinstance(new, int)
    many = s.execute(2, "res.partner", "create", [[{"name": "L1"}, {"name": "L2"}]], {})
    assert isinstance(many, list) and len(many) == 2
    assert s.execute(2, "res.partner", "write", [[new], {"phone": "+1"}], {}) is True
    assert s.execute(2, "res.partner", "write", [], {"ids": [new], "vals": {"phone": "+2"}})
    assert s.execute(2, "res.partner", "name_search", ["Solo"], {}) == [[new, "Solo"]]
    fg = s.execute(2, "res.partner", "fields_get", [["name"]], {"attributes": ["type"]})
    assert fg == {"name": {"type": "char"}}
    assert s.execute(2, "res.partner", "unlink", [[new]], {}) is True
    ctx = {"context": {"active_test": False}}
    assert s.execute(2, "res.partner", "search_count", [[]], ctx) == 4


@pytest.mark.unit
def test_execute_errors() -> None:
    s = _sales_store()
    with pytest.raises(UserError) as e:
        s.execute(2, "no.such.model", "search", [[]], {})
    assert str(e.value) == "Object no.such.model doesn't exist"
    with pytest.raises(NotFound) as e:
        s.execute(2, "res.partner", "no_such_method", [], {})
    assert str(e.value) == "The method 'res.partner.no_such_method' does not exist"
    with pytest.raises(AccessError) as e:
        s.execute(2, "res.partner", "_compute_display_name", [], {})
    assert str(e.value) == (
        "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely."
    )
    with pytest.raises(TypeError) as e:
        s.execute(2, "res.partner", "search_count", [], {"ids": [1], "domain": []})
    assert str(e.value) == "cannot call res.partner.search_count with ids"
    with pytest.raises(TypeError) as e:
        s.execute(2, "res.partner", "search_count", [], {})
    assert str(e.value) == "missing a required argument: 'domain'"
    with pytest.raises(TypeError) as e:
        s.execute(2, "res.partner", "search_read", [], {"bogus": 1})
    assert str(e.value) == "BaseModel._read_format() got an unexpected keyword argument 'bogus'"
    assert s.execute(2, "res.partner", "search_read", [], {}) != []


# ---------------------------------------------------------------- auth & persistence


@pytest.mark.unit
def test_authentication_and_keys() -> None:
    s = _sales_store()
    key = s.api_key_for("admin")
    assert len(key) == 40 and int(key, 16) >= 0 and key == s.api_key_for("admin")
    assert s.authenticate("admin", "admin") == 2
    assert s.authenticate("admin", key) == 2
    assert s.authenticate("admin", "wrong") is None
    assert s.authenticate("demo", "demo") == 5
    assert s.uid_for_api_key(s.api_key_for("demo")) == 5
    assert s.uid_for_api_key("0" * 40) is None


@pytest.mark.unit
def test_save_load_round_trip(tmp_path: Path) -> None:
    s = _sales_store()
    s.create("res.partner", [{"name": "Saved"}])
    path = tmp_path / "store.pkl.gz"
    s.save(path)
    t = OdooStore.load(path)
    assert t.now == s.now and t.db == s.db and t.call_log == s.call_log
    for model in ("res.partner", "sale.order", "sale.order.line"):
        assert t.search_read(model, [], context={"active_test": False}) == s.search_read(
            model, [], context={"active_test": False}
        )
    assert t.create("res.partner", [{"name": "Next"}]) == s.create(
        "res.partner", [{"name": "Next"}]
    )


# ---------------------------------------------------------------- recorded display names


@pytest.mark.unit
def test_display_names_match_recorded_data() -> None:
    fields = load_fields()
    recs = recorded_records()
    tables = {
        model: {rid: to_internal(model, r, fields[model]) for rid, r in rows.items()}
        for model, rows in recs.items()
    }
    s = OdooStore(tables, now=NOW)
    total = agree = 0
    misses = []
    for model, rows in recs.items():
        m2o = [f for f, d in fields[model].items() if d["type"] == "many2one"]
        got = {r["id"]: r for r in s.read(model, list(rows), [f for f in m2o if f in
               next(iter(rows.values()))])}  # fmt: skip
        for rid, rec in rows.items():
            for f in m2o:
                if isinstance(rec.get(f), list):
                    target = fields[model][f]["relation"]
                    if target not in recs or rec[f][0] not in recs[target]:
                        continue  # only names the store computes from its own rows
                    total += 1
                    if got[rid][f] == rec[f]:
                        agree += 1
                    else:
                        misses.append((model, rid, f, rec[f], got[rid][f]))
    assert total > 1000
    assert agree == total, misses[:5]


@pytest.mark.unit
def test_sensitive_models_exist_with_fields() -> None:
    s = OdooStore(None, now=NOW)
    for model in ("ir.config_parameter", "ir.cron", "ir.actions.server", "ir.rule",
                  "ir.model.access", "res.groups"):  # fmt: skip
        assert model in s.models()
        assert s.search_count(model, []) >= 1
    path = Path(__file__).resolve().parents[2] / "simulator/odoo19/fields_extra/ir.cron.json"
    assert "nextcall" in json.loads(path.read_text())
