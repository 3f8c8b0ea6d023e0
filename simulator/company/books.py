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


def residual_after(
    row: dict[str, Any], amount: float, amount_currency: float, *, debit: bool
) -> tuple[float, float]:
    """A receivable/payable line's ``(amount_residual, amount_residual_currency)`` once
    ``amount`` of it is reconciled (a debit line's residual falls, a credit line's rises)."""
    s = -1.0 if debit else 1.0
    return (
        r2(row.get("amount_residual", 0.0) + s * amount),
        r2(row.get("amount_residual_currency", 0.0) + s * amount_currency),
    )


def full_reconcile_vals(partials: list[int], lines: list[int]) -> dict[str, Any]:
    """The ``account.full.reconcile`` row closing ``lines`` through ``partials``."""
    return {"partial_reconcile_ids": sorted(partials), "reconciled_line_ids": sorted(lines)}


def matching_number(full_id: int | None, partials: list[int]) -> str:
    """Odoo's matching number: the full reconcile's id, else ``P`` + the first partial's id."""
    return str(full_id) if full_id is not None else f"P{min(partials)}"


def sequence_name(prefix: str, number: int, *, monthly: bool) -> str:
    """A journal sequence name (``INV/2026/00012``, ``BILL/2026/11/0003``)."""
    return f"{prefix}{number:04d}" if monthly else f"{prefix}{number:05d}"


# Keys an entry line spec passes through to its ``account.move.line`` row unchanged.
_LINE_PASSTHROUGH = (
    "product_id",
    "quantity",
    "price_unit",
    "price_subtotal",
    "price_total",
    "product_uom_id",
    "discount",
    "date_maturity",
    "tax_base_amount",
    "purchase_line_id",
    "sale_line_ids",
    "payment_id",
)
RECEIVABLE, PAYABLE = "121000", "211000"


def invoice_lines(
    company: int, move_type: str, items: list[dict[str, Any]], *, due: str
) -> tuple[list[dict[str, Any]], float, float, float]:
    """The line specs of a customer/vendor invoice or refund: product lines, the tax line (when
    there is tax) and the payment term line; with the untaxed, tax and total amounts.

    Each item carries its resolved ``account`` code, ``name``, ``quantity``, ``price_unit`` and
    optionally ``discount``, ``product_id``, ``product_uom_id``, ``sale_line_ids`` or
    ``purchase_line_id``. Amounts are signed as Odoo stores them (income negative on a sale).
    """
    sale = move_type in ("out_invoice", "out_refund")
    sign = -1.0 if move_type in ("out_invoice", "in_refund") else 1.0
    rate = tax_rate(company, sale=sale)
    lines: list[dict[str, Any]] = []
    untaxed = 0.0
    for it in items:
        sub = subtotal(it["quantity"], it["price_unit"], it.get("discount", 0.0))
        untaxed += sub
        ln: dict[str, Any] = {
            "account": it["account"],
            "amount_currency": sign * sub,
            "display_type": "product",
            "name": it["name"],
            "quantity": float(it["quantity"]),
            "price_unit": float(it["price_unit"]),
            "price_subtotal": sub,
            "price_total": with_tax(sub, rate),
            "sequence": 100,
        }
        for key in (
            "product_id",
            "discount",
            "purchase_line_id",
            "sale_line_ids",
            "product_uom_id",
        ):
            if it.get(key):
                ln[key] = it[key]
        lines.append(ln)
    untaxed = r2(untaxed)
    tax = r2(untaxed * rate)
    if tax:
        lines.append(
            {
                "account": "251000" if sale else "131000",
                "amount_currency": sign * tax,
                "display_type": "tax",
                "name": tax_label(company, sale=sale),
                "tax_base_amount": sign * untaxed,
                "sequence": 10000,
            }
        )
    total = r2(untaxed + tax)
    lines.append(
        {
            "account": RECEIVABLE if sale else PAYABLE,
            "amount_currency": -sign * total,
            "display_type": "payment_term",
            "date_maturity": due,
            "sequence": 12000,
        }
    )
    return lines, untaxed, tax, total


def balance_lines(
    lines: list[dict[str, Any]], rate: float, *, company_currency: bool
) -> list[tuple[float, float]]:
    """``(amount_currency, balance)`` of each line of an entry: the balance from the line's own
    ``balance`` or the rate; the last line takes the opposite of the others' total so that the
    entry balances to the cent (in company currency it is then its own amount too)."""
    out = []
    total = 0.0
    for k, ln in enumerate(lines):
        amc = r2(ln["amount_currency"])
        if k == len(lines) - 1:
            bal = r2(-total)
            if company_currency:
                amc = bal
        else:
            bal = r2(ln["balance"]) if "balance" in ln else to_company_currency(amc, rate)
            total += bal
        out.append((amc, bal))
    return out


def move_line_row(
    ln: dict[str, Any],
    amount_currency: float,
    balance: float,
    *,
    move_id: int,
    move_name: str,
    account_id: int,
    company: int,
    company_currency: int,
    currency: int,
    journal: int,
    date: str,
    partner: int | bool,
    invoice: bool,
) -> dict[str, Any]:
    """The ``account.move.line`` row of a posted entry's line spec (residuals open on the
    receivable/payable lines)."""
    row: dict[str, Any] = {
        "move_id": move_id,
        "move_name": move_name,
        "account_id": account_id,
        "company_id": company,
        "company_currency_id": company_currency,
        "currency_id": currency,
        "journal_id": journal,
        "date": date,
        "parent_state": "posted",
        "display_type": ln.get("display_type", "product"),
        "balance": balance,
        "debit": balance if balance > 0 else 0.0,
        "credit": -balance if balance < 0 else 0.0,
        "amount_currency": amount_currency,
        "deductible_amount": 100.0,
        "sequence": ln.get("sequence", 10),
    }
    pt = ln.get("partner", partner)
    if pt:
        row["partner_id"] = pt
    if ln.get("name"):
        row["name"] = ln["name"]
    if invoice:
        row["invoice_date"] = date
    for key in _LINE_PASSTHROUGH:
        if key in ln:
            row[key] = ln[key]
    if ln["account"] in (RECEIVABLE, PAYABLE):
        row["amount_residual"] = balance
        row["amount_residual_currency"] = amount_currency
    return row


def invoice_amounts(
    move_type: str, rows: list[dict[str, Any]], untaxed: float, tax: float, total: float
) -> dict[str, Any]:
    """An invoice's header amounts from its line rows (signed fields positive for money in)."""
    hs = 1.0 if move_type in ("out_invoice", "in_refund") else -1.0
    bal_untaxed = r2(sum(r["balance"] for r in rows if r["display_type"] == "product"))
    bal_tax = r2(sum(r["balance"] for r in rows if r["display_type"] == "tax"))
    bal_total = next(r["balance"] for r in rows if r["display_type"] == "payment_term")
    return {
        "amount_untaxed": untaxed,
        "amount_tax": tax,
        "amount_total": total,
        "amount_residual": total,
        "amount_untaxed_signed": r2(abs(bal_untaxed) * hs),
        "amount_tax_signed": r2(abs(bal_tax) * hs),
        "amount_total_signed": r2(abs(bal_total) * hs),
        "amount_total_in_currency_signed": r2(total * hs),
        "amount_untaxed_in_currency_signed": r2(untaxed * hs),
        "amount_residual_signed": r2(abs(bal_total) * hs),
    }


def payment_vals(
    invoice: dict[str, Any],
    *,
    name: str,
    move_id: int,
    amount: float,
    amount_currency: float,
    date: str,
    journal: int,
    destination_account: int,
    outstanding_account: int,
    in_process: bool,
) -> dict[str, Any]:
    """The ``account.payment`` row registered on ``invoice`` (Odoo's register-payment wizard).

    The memo is the invoice's payment reference, else its ``ref`` (a vendor bill's own number),
    else its name, as in the recorded Odoo 19 payments. A payment stays ``in_process`` (not
    matched) until a bank statement line matches it.
    """
    inbound = invoice["move_type"] in ("out_invoice", "in_refund")
    customer = invoice["move_type"] in ("out_invoice", "out_refund")
    return {
        "name": name,
        "payment_type": "inbound" if inbound else "outbound",
        "partner_type": "customer" if customer else "supplier",
        "partner_id": invoice["partner_id"],
        "amount": amount_currency,
        "amount_company_currency_signed": (1.0 if inbound else -1.0) * amount,
        "currency_id": invoice["currency_id"],
        "date": date,
        "journal_id": journal,
        "company_id": invoice["company_id"],
        "move_id": move_id,
        "memo": invoice.get("payment_reference") or invoice.get("ref") or invoice["name"],
        "destination_account_id": destination_account,
        "outstanding_account_id": outstanding_account,
        "invoice_ids": [invoice["id"]],
        "state": "in_process" if in_process else "paid",
        "is_reconciled": True,
        "is_matched": not in_process,
    }


def entry_header(
    *,
    name: str,
    move_type: str,
    date: str,
    journal: int,
    company: int,
    currency: int,
    rate: float,
    partner: int | bool = False,
    commercial_partner: int | bool = False,
    rows: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``account.move`` header of a posted entry named ``name`` by its journal sequence.

    A plain entry (``move_type == "entry"``) carries its total from its ``rows``' debits.
    """
    prefix, number = name.rsplit("/", 1)
    hdr: dict[str, Any] = {
        "name": name,
        "move_type": move_type,
        "state": "posted",
        "date": date,
        "journal_id": journal,
        "company_id": company,
        "currency_id": currency,
        "sequence_prefix": prefix + "/",
        "sequence_number": int(number),
        "posted_before": True,
        "auto_post": "no",
        "checked": True,
        "payment_state": "not_paid",
        "invoice_currency_rate": rate,
    }
    if partner:
        hdr["partner_id"] = partner
        hdr["commercial_partner_id"] = commercial_partner or partner
    if move_type == "entry":
        total = r2(sum(r["debit"] for r in rows or []))
        hdr.update(
            amount_total=total,
            amount_total_signed=total,
            amount_total_in_currency_signed=total,
            invoice_date_due=date,
        )
    return hdr
