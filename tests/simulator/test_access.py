"""Access rights and multi-company checks, with Odoo 19's exact error texts."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator.access import SimUser, allowed_companies, default_users
from simulator.exceptions import AccessError
from simulator.store import OdooStore

NOW = datetime(2026, 3, 1)


def _store() -> OdooStore:
    tables = {
        "res.company": {1: {"id": 1, "name": "C1"}, 2: {"id": 2, "name": "C2"}},
        "res.partner": {1: {"id": 1, "name": "P", "complete_name": "P", "active": True}},
        "account.move.line": {1: {"id": 1, "company_id": 1}},
        "crm.lead": {1: {"id": 1, "name": "L", "active": True, "company_id": 1}},
    }
    return OdooStore(tables, now=NOW)


@pytest.mark.unit
def test_default_users() -> None:
    users = {u.uid: u for u in default_users([1, 2, 3])}
    assert users[1].login is None and users[2].login == "admin"
    assert users[2].company_ids == [1, 2, 3] and users[2].access is None
    assert users[5].login == "demo" and users[5].company_ids == [1]
    assert "hr.employee" not in users[5].access and "account.move.line" not in users[5].access
    assert users[6].access is not None and "write" in users[6].access["crm.lead"]


@pytest.mark.unit
def test_denied_read_message_is_odoos() -> None:
    s = _store()
    with pytest.raises(AccessError) as e:
        s.search_read("account.move.line", [], ["id"], uid=5)
    assert str(e.value) == (
        "You are not allowed to access 'Journal Item' (account.move.line) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Accounting / Billing\n\n"
        "Contact your administrator to request access if necessary."
    )
    with pytest.raises(AccessError) as e:
        s.execute(5, "ir.config_parameter", "search_read", [[]], {})
    assert str(e.value).startswith(
        "You are not allowed to access 'System Parameter' (ir.config_parameter) records."
    )
    assert "\t- Role / Administrator\n" in str(e.value)
    for model in ("hr.employee", "hr.expense", "ir.cron", "ir.rule", "res.groups"):
        with pytest.raises(AccessError):
            s.search(model, [], uid=5)
    assert s.search("ir.config_parameter", [], uid=2) != []


@pytest.mark.unit
def test_write_create_unlink_verbs() -> None:
    s = _store()
    with pytest.raises(AccessError) as e:
        s.write("res.company", [1], {"name": "x"}, uid=5)
    assert str(e.value).startswith("You are not allowed to modify 'Companies' (res.company)")
    with pytest.raises(AccessError) as e:
        s.create("account.move", [{"move_type": "entry"}], uid=5)
    assert str(e.value).startswith("You are not allowed to create 'Journal Entry' (account.move)")
    with pytest.raises(AccessError) as e:
        s.unlink("res.partner", [1], uid=5)
    assert str(e.value).startswith("You are not allowed to delete 'Contact' (res.partner)")
    assert s.search("crm.lead", [], uid=5) == [1]
    assert s.write("crm.lead", [1], {"name": "ok"}, uid=6) is True
    with pytest.raises(AccessError):
        s.search("account.move.line", [], uid=6)


@pytest.mark.unit
def test_allowed_companies() -> None:
    user = SimUser(9, "u", "u", "U", 1, [1, 2], {})
    assert allowed_companies(user, None) == [1, 2]
    assert allowed_companies(user, {"allowed_company_ids": [2]}) == [2]
    with pytest.raises(AccessError, match="unauthorized or invalid companies"):
        allowed_companies(user, {"allowed_company_ids": [3]})
    s = _store()
    with pytest.raises(AccessError, match="unauthorized"):
        s.search("crm.lead", [], uid=5, context={"allowed_company_ids": [2]})


@pytest.mark.unit
def test_check_access_rights_method() -> None:
    s = _store()
    assert s.execute(5, "res.company", "check_access_rights", ["read"], {}) is True
    assert s.execute(5, "res.company", "check_access_rights", ["write", False], {}) is False
    with pytest.raises(AccessError):
        s.execute(5, "res.company", "check_access_rights", ["write"], {})
