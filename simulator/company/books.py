"""The accounting rules shared by the generator and ``advance``: one place for the arithmetic.

Why a separate module of pure functions: the generator writes rows straight into its tables
(history is built before any store exists) while :mod:`simulator.advance` must go through the
store's ORM so that ``write_date`` stamps are real. Both post the same documents, so what an
invoice line, a tax, a settlement, a partial or full reconcile and a payment state *are* lives
here once, and each caller only decides how to persist the rows. The rules follow Odoo 19
(``account.move``, ``account.partial.reconcile``, ``account.full.reconcile``): taxes per
company (7.25 % sales tax for the US company, 21 % VAT for the EU one, purchases taxed in the
EU only), amounts rounded to the cent (both currencies have a rounding of 0.01), the company
currency balance derived from the transaction amount with the move's rate.
"""

from __future__ import annotations

from typing import Any

# Residuals below half a cent are settled (both currencies round to 0.01).
SETTLED = 0.005

SALE_TAX = {1: 0.0725, 2: 0.21}
PURCHASE_TAX = {1: 0.0, 2: 0.21}


def r2(x: float) -> float:
    """Round to cents (``+ 0.0`` turns ``-0.0`` into ``0.0``)."""
    return round(x + 0.0, 2)


def tax_rate(company: int, *, sale: bool) -> float:
    """The tax rate a line of ``company`` carries (sales or purchase side)."""
    return (SALE_TAX if sale else PURCHASE_TAX)[1 if company == 1 else 2]


def tax_label(company: int, *, sale: bool) -> str:
    """The tax line's label as Odoo shows it."""
    if not sale:
        return "VAT 21% (purchase)"
    return "Tax 7.25%" if company == 1 else "VAT 21%"


def subtotal(qty: float, price_unit: float, discount: float = 0.0) -> float:
    """A line's untaxed amount after its discount (percent)."""
    return r2(qty * price_unit * (1 - discount / 100.0))


def with_tax(amount: float, rate: float) -> float:
    """An untaxed amount plus its tax, rounded."""
    return r2(amount * (1 + rate))


def to_company_currency(amount_currency: float, rate: float) -> float:
    """The company-currency balance of a transaction-currency amount (``rate`` = units of the
    transaction currency per unit of the company's)."""
    return amount_currency if rate == 1.0 else r2(amount_currency / rate)


def settlement(
    residual: float, residual_currency: float, amount_currency: float | None
) -> tuple[float, float]:
    """What a payment of ``amount_currency`` settles: ``(company amount, currency amount)``.

    ``None`` (or anything within half a cent of the residual) settles the whole residual;
    a part settles the same share of the company-currency residual.
    """
    if amount_currency is None or amount_currency >= residual_currency - SETTLED:
        return residual, residual_currency
    amount_currency = r2(amount_currency)
    return r2(residual * amount_currency / residual_currency), amount_currency


def payment_state(residual_currency: float, *, in_payment: bool) -> str:
    """An invoice's payment state from its residual (``in_payment`` while a payment is still
    in process, i.e. not matched with a bank statement line)."""
    if abs(residual_currency) < SETTLED:
        return "in_payment" if in_payment else "paid"
    return "partial"


def partial_reconcile_vals(
    debit_id: int,
    debit: dict[str, Any],
    credit_id: int,
    credit: dict[str, Any],
    amount: float,
    amount_currency: float,
) -> dict[str, Any]:
    """The ``account.partial.reconcile`` row matching ``debit`` with ``credit`` for ``amount``
    (company currency); a cross-currency match counts in company currency on both sides."""
    same = debit["currency_id"] == credit["currency_id"]
    return {
        "debit_move_id": debit_id,
        "credit_move_id": credit_id,
        "amount": amount,
        "debit_amount_currency": amount_currency if same else amount,
        "credit_amount_currency": amount_currency if same else amount,
        "debit_currency_id": debit["currency_id"],
        "credit_currency_id": credit["currency_id"],
        "company_id": debit["company_id"],
        "max_date": max(debit["date"], credit["date"]),
    }


def full_reconcile_vals(partials: list[int], lines: list[int]) -> dict[str, Any]:
    """The ``account.full.reconcile`` row closing ``lines`` through ``partials``."""
    return {"partial_reconcile_ids": sorted(partials), "reconciled_line_ids": sorted(lines)}


def matching_number(full_id: int | None, partials: list[int]) -> str:
    """Odoo's matching number: the full reconcile's id, else ``P`` + the first partial's id."""
    return str(full_id) if full_id is not None else f"P{min(partials)}"


def sequence_name(prefix: str, number: int, *, monthly: bool) -> str:
    """A journal sequence name (``INV/2026/00012``, ``BILL/2026/11/0003``)."""
    return f"{prefix}{number:04d}" if monthly else f"{prefix}{number:05d}"
