"""Unit tests of the pieces of extraction that need no server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from odoo_api.extract import (
    DELETED_COLUMN,
    EXTRACTED_COLUMN,
    keyset_domain,
    rows_to_arrow,
    stored_fields,
)

pytestmark = pytest.mark.unit


def test_stored_fields_skip_binary_x2many_inverse_and_computed():
    meta = {
        "name": {"type": "char", "store": True},
        "image_1920": {"type": "binary", "store": True},
        "invoice_line_ids": {"type": "one2many", "store": True},
        "tag_ids": {"type": "many2many", "store": True},
        "display_name": {"type": "char", "store": False},
        "x_tier": {"type": "selection", "store": True},
    }
    assert stored_fields(meta) == {
        "name": "char",
        "tag_ids": "many2many",
        "x_tier": "selection",
        "id": "integer",
    }


def test_rows_to_arrow_types_and_false_as_null():
    types = {
        "id": "integer",
        "name": "char",
        "active": "boolean",
        "partner_id": "many2one",
        "date": "date",
        "write_date": "datetime",
        "amount": "monetary",
        "tag_ids": "many2many",
    }
    rows = [
        {
            "id": 1,
            "name": "A",
            "active": True,
            "partner_id": 7,
            "date": "2026-01-31",
            "write_date": "2026-02-01 10:00:05",
            "amount": 12,
            "tag_ids": [3, 4],
        },
        {
            "id": 2,
            "name": False,
            "active": False,
            "partner_id": False,
            "date": False,
            "write_date": "2026-02-01 10:00:05",
            "amount": 0.5,
            "tag_ids": [],
        },
        {
            "id": 3,
            "name": "C",
            "active": True,
            "partner_id": [9, "Deco Addict"],
            "date": "2026-03-01",
            "write_date": "2026-02-01 10:00:06",
            "amount": -1.25,
            "tag_ids": [1],
        },
    ]
    at = datetime(2026, 2, 2, tzinfo=UTC)
    table = rows_to_arrow(rows, types, at)
    d = table.to_pydict()
    assert d["name"] == ["A", None, "C"]
    assert d["active"] == [True, False, True]
    assert d["partner_id"] == [7, None, 9]
    assert d["date"] == [date(2026, 1, 31), None, date(2026, 3, 1)]
    assert d["write_date"][0] == datetime(2026, 2, 1, 10, 0, 5, tzinfo=UTC)
    assert d["amount"] == [12.0, 0.5, -1.25]
    assert d["tag_ids"] == ["[3, 4]", "[]", "[1]"]
    assert table.schema.field("amount").type == pa.float64()
    assert d[EXTRACTED_COLUMN] == [at] * 3
    assert d[DELETED_COLUMN] == [None] * 3


def test_keyset_domain_is_strictly_after_the_cursor():
    assert keyset_domain([], None, 0) == []
    assert keyset_domain([["a", "=", 1]], None, 10) == [["a", "=", 1], ["id", ">", 10]]
    dom = keyset_domain([], "2026-01-01 00:00:00", 42)
    assert dom == [
        "|",
        ["write_date", ">", "2026-01-01 00:00:00"],
        "&",
        ["write_date", "=", "2026-01-01 00:00:00"],
        ["id", ">", 42],
    ]
