"""The simulated ``read_group`` (Odoo 17, deprecated on 19) and ``formatted_read_group``
(Odoo 19): the shapes real servers answer, checked over the external API."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator.exceptions import NotFound
from simulator.server.protocol import _App
from simulator.store import OdooStore
from simulator.versions import ODOO_17, ODOO_19

NOW = datetime(2026, 3, 1, 12, 0, 0)

pytestmark = pytest.mark.unit


def _store() -> OdooStore:
    tables = {
        "res.company": {1: {"id": 1, "name": "C1"}},
        "res.partner": {
            10: {"id": 10, "name": "Beta", "complete_name": "Beta", "active": True},
            11: {"id": 11, "name": "Alpha", "complete_name": "Alpha", "active": True},
        },
        "sale.order": {
            1: {"id": 1, "name": "S1", "partner_id": 10, "company_id": 1, "state": "sale",
                "amount_total": 100.1, "date_order": "2026-01-05 10:00:00"},
            2: {"id": 2, "name": "S2", "partner_id": 10, "company_id": 1, "state": "draft",
                "amount_total": 200.2, "date_order": "2026-01-06 10:00:00"},
            3: {"id": 3, "name": "S3", "partner_id": 11, "company_id": 1, "state": "sale",
                "amount_total": 0.3, "date_order": "2026-01-07 10:00:00"},
            4: {"id": 4, "name": "S4", "partner_id": False, "company_id": 1, "state": "sale",
                "amount_total": 5.0, "date_order": "2026-01-08 10:00:00"},
        },
    }  # fmt: skip
    return OdooStore(tables, now=NOW)


def test_read_group_lazy_answers_odoo_17s_shape() -> None:
    groups = _store().execute(
        2, "sale.order", "read_group", [[], ["amount_total:sum"], ["partner_id", "state"]], {}
    )
    # partners in their _order (name), the empty group last; exact numeric sums
    assert [g["partner_id"] for g in groups] == [[11, "Alpha"], [10, "Beta"], False]
    beta = groups[1]
    assert beta["partner_id_count"] == 2
    assert beta["amount_total"] == 300.3
    assert beta["__domain"] == [["partner_id", "=", 10]]
    assert beta["__context"] == {"group_by": ["state"]}
    assert "state" not in beta and "__count" not in beta


def test_read_group_not_lazy_counts_in_dunder_count_and_ands_the_domain() -> None:
    groups = _store().execute(
        2,
        "sale.order",
        "read_group",
        [],
        {
            "domain": [["state", "=", "sale"]],
            "fields": ["total:sum(amount_total)", "name"],
            "groupby": ["partner_id", "state"],
            "lazy": False,
        },
    )
    assert [(g["partner_id"], g["state"], g["__count"], g["total"]) for g in groups] == [
        ([11, "Alpha"], "sale", 1, 0.3),
        ([10, "Beta"], "sale", 1, 100.1),
        (False, "sale", 1, 5.0),
    ]
    assert "name" not in groups[0]  # a char field has no aggregator: dropped
    assert groups[0]["__domain"] == [
        "&", "&", ["state", "=", "sale"], ["partner_id", "=", 11], ["state", "=", "sale"]
    ]  # fmt: skip


def test_formatted_read_group_keys_by_spec_with_extra_domain() -> None:
    groups = _store().execute(
        2,
        "sale.order",
        "formatted_read_group",
        [],
        {"domain": [], "groupby": ["state"], "aggregates": ["amount_total:sum", "__count"]},
    )
    assert groups == [
        {"state": "draft", "amount_total:sum": 200.2, "__count": 1,
         "__extra_domain": [["state", "=", "draft"]]},
        {"state": "sale", "amount_total:sum": 105.4, "__count": 3,
         "__extra_domain": [["state", "=", "sale"]]},
    ]  # fmt: skip


def test_grouping_by_date_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="not simulated"):
        _store().execute(
            2, "sale.order", "formatted_read_group", [[], ["date_order:month"], ["__count"]], {}
        )


def test_odoo_17_has_no_formatted_read_group_and_19_has_both() -> None:
    args = [[], ["state"], ["__count"]]
    with pytest.raises(NotFound):
        _App(_store(), ODOO_17).execute(2, "sale.order", "formatted_read_group", args, {})
    assert _App(_store(), ODOO_19).execute(2, "sale.order", "formatted_read_group", args, {})
    rows = _App(_store(), ODOO_17).execute(
        2, "sale.order", "read_group", [[], ["amount_total"], ["state"]], {}
    )
    assert [r["state_count"] for r in rows] == [1, 3]
