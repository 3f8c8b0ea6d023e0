"""The per-release table of what write-back may call remotely, against the recorded samples,
and an undo recipe for every executable skill of the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from writeback.catalog import load_catalog
from writeback.odoo_io import RECIPES, REMOTE_METHODS, check_remote, major_of

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2] / "simulator"


def test_exists_is_listed_exactly_where_the_real_server_allowed_it() -> None:
    on17 = json.loads((ROOT / "odoo17/samples/writeback/jsonrpc_exists.json").read_text())
    on19 = json.loads((ROOT / "odoo19/samples/writeback/json2_exists_private.json").read_text())
    assert "result" in on17 and "exists" in REMOTE_METHODS[17]
    assert "cannot be called remotely" in on19["message"] and "exists" not in REMOTE_METHODS[19]


@pytest.mark.parametrize("major", [17, 19])
def test_never_exists_even_where_allowed(major: int) -> None:
    with pytest.raises(ValueError, match="not remotely callable"):
        check_remote(major, "mail.activity", "exists")
    with pytest.raises(ValueError, match="not remotely callable"):
        check_remote(major, "res.partner", "unlink_all_the_things")


def test_every_executable_skill_has_a_recipe_callable_on_both_releases() -> None:
    catalog = load_catalog()
    executable = [k for k, s in catalog.skills.items() if s.autonomy != "forbidden"]
    assert set(executable) <= set(RECIPES), set(executable) - set(RECIPES)
    for key in executable:
        recipe = RECIPES[key]
        assert recipe.undo and recipe.verify, key
        assert catalog.skills[key].method in [m for _, m in recipe.do]
        for major in (17, 19):
            for model, method in recipe.calls():
                check_remote(major, model, method)  # raises if not callable


def test_purchase_orders_are_cancelled_before_they_are_deleted() -> None:
    undo = [m for _, m in RECIPES["create_draft_rfq"].undo]
    assert undo.index("button_cancel") < undo.index("unlink")
    # both releases refuse to delete a draft order (recorded)
    for path in ("odoo17/samples/writeback/jsonrpc_purchase_order_unlink_draft.json",
                 "odoo19/samples/writeback/json2_purchase_order_unlink_draft.json"):  # fmt: skip
        assert "must cancel it first" in (ROOT / path).read_text()


def test_major_of_a_version_answer() -> None:
    assert major_of({"server_version_info": [17, 0, 0, "final", 0, ""]}) == 17
    assert major_of({}) == 19
