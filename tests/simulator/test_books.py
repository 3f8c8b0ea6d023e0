"""The shared ledger rules (simulator/company/books.py) that the generator and advance post through."""

from __future__ import annotations

import pytest

from simulator.company import books


@pytest.mark.unit
def test_invoice_lines_balance_and_carry_discount_tax_and_term() -> None:
    items = [
        {"account": "400000", "name": "Desk", "quantity": 3, "price_unit": 99.99, "discount": 10.0},
        {"account": "400100", "name": "Install", "quantity": 1, "price_unit": 150.0},
    ]
    lines, untaxed, tax, total = books.invoice_lines(2, "out_invoice", items, due="2026-12-31")
    assert [ln["display_type"] for ln in lines] == ["product", "product", "tax", "payment_term"]
    assert lines[0]["discount"] == 10.0 and lines[0]["price_subtotal"] == 269.97
    assert (untaxed, tax, total) == (419.97, 88.19, 508.16)
    assert lines[2]["name"] == "VAT 21%" and lines[-1]["date_maturity"] == "2026-12-31"
    # sale: income and tax credited (negative), receivable debited
    assert lines[0]["amount_currency"] < 0 and lines[-1]["amount_currency"] == total
    # in a foreign currency the last line absorbs the rounding: the entry balances to the cent
    amounts = books.balance_lines(lines, 1.0837, company_currency=False)
    assert abs(sum(bal for _, bal in amounts)) < 1e-9
    assert amounts[-1][0] == total and amounts[0][1] == books.r2(-269.97 / 1.0837)


@pytest.mark.unit
def test_no_tax_line_without_tax() -> None:
    items = [{"account": "500000", "name": "Parts", "quantity": 2, "price_unit": 10.0}]
    lines, _, tax, total = books.invoice_lines(1, "in_invoice", items, due="2026-12-31")
    assert tax == 0.0 and total == 20.0
    assert [ln["display_type"] for ln in lines] == ["product", "payment_term"]
    assert lines[-1]["account"] == books.PAYABLE and lines[-1]["amount_currency"] == -20.0


@pytest.mark.unit
def test_settlement_and_payment_state() -> None:
    assert books.settlement(92.31, 100.0, None) == (92.31, 100.0)
    assert books.settlement(92.31, 100.0, 99.996) == (92.31, 100.0)  # within half a cent
    assert books.settlement(92.31, 100.0, 40.0) == (36.92, 40.0)
    assert books.payment_state(0.004, in_payment=False) == "paid"
    assert books.payment_state(0.0, in_payment=True) == "in_payment"
    assert books.payment_state(-12.5, in_payment=False) == "partial"
    assert books.matching_number(None, [9, 4]) == "P4" and books.matching_number(7, [4]) == "7"
    receivable = {"amount_residual": 92.31, "amount_residual_currency": 100.0}
    assert books.residual_after(receivable, 36.92, 40.0, debit=True) == (55.39, 60.0)
    payable = {"amount_residual": -50.0, "amount_residual_currency": -50.0}
    assert books.residual_after(payable, 50.0, 50.0, debit=False) == (0.0, 0.0)


@pytest.mark.unit
def test_payment_memo_follows_odoo_reference_order() -> None:
    bill = {
        "id": 5,
        "move_type": "in_invoice",
        "name": "BILL/2026/11/0002",
        "ref": "INV/2026/0057",
        "partner_id": 3,
        "currency_id": 1,
        "company_id": 1,
    }
    common = dict(
        name="PBNK1/2026/00001",
        move_id=9,
        amount=10.0,
        amount_currency=10.0,
        date="2026-11-20",
        journal=1,
        destination_account=2,
        outstanding_account=3,
    )
    vals = books.payment_vals(bill, in_process=True, **common)
    assert vals["memo"] == "INV/2026/0057"  # the recorded Odoo 19 payment of this bill
    assert (vals["payment_type"], vals["partner_type"]) == ("outbound", "supplier")
    assert vals["amount_company_currency_signed"] == -10.0
    assert (vals["state"], vals["is_matched"]) == ("in_process", False)
    no_ref = {**bill, "ref": False}
    assert books.payment_vals(no_ref, in_process=False, **common)["memo"] == "BILL/2026/11/0002"


@pytest.mark.unit
def test_entry_header_sequence_and_entry_total() -> None:
    rows = [{"debit": 12.5}, {"debit": 0.0}]
    hdr = books.entry_header(
        name="PBNK1/2026/00042",
        move_type="entry",
        date="2026-11-20",
        journal=4,
        company=1,
        currency=1,
        rate=1.0,
        partner=7,
        rows=rows,
    )
    assert (hdr["sequence_prefix"], hdr["sequence_number"]) == ("PBNK1/2026/", 42)
    assert hdr["commercial_partner_id"] == 7 and hdr["amount_total"] == 12.5
