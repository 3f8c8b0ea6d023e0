"""The accounting core every process posts through: rates, sequences, journal entries and their
lines, customer/vendor invoices, payments, partial/full reconciliation and the payment state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulator.company import books
from simulator.company.core import _r2
from simulator.company.reference import ReferenceData


class Ledger(ReferenceData):
    # ------------------------------------------------------------------ accounting core
    def rate(self, company: int, currency: int, day: int) -> float:
        """Units of ``currency`` per one unit of the company's currency on ``day``."""
        if currency == self.ccur[company]:
            return 1.0
        w = max(0, day // 7 + 10)
        r = self._rates_eur[min(w, len(self._rates_eur) - 1)]
        return r if company == 1 else round(1.0 / r, 6)

    def seq_name(self, company: int, code: str, day: int, monthly: bool) -> tuple[str, str, int]:
        d = self.start + timedelta(days=day)
        prefix = f"{code}/{d.year}/{d.month:02d}/" if monthly else f"{code}/{d.year}/"
        key = (company, code, prefix)
        self._seqs[key] += 1
        n = self._seqs[key]
        return books.sequence_name(prefix, n, monthly=monthly), prefix, n

    def move(
        self,
        company: int,
        journal: str,
        move_type: str,
        lines: list[dict[str, Any]],
        *,
        partner: int | bool = False,
        currency: int | None = None,
        day: int | None = None,
        header: dict[str, Any] | None = None,
        name_code: str | None = None,
        monthly: bool = True,
        uid: int | None = None,
        rate: float | None = None,
    ) -> int:
        """Create a posted journal entry: balanced lines, header totals, names.

        ``lines`` carry ``account``, ``amount_currency`` (signed, transaction currency) and
        optionally ``balance`` (company currency; computed with the day's rate when absent).
        The last line absorbs the rounding so that the entry balances to the cent.
        """
        day = self.day if day is None else day
        currency = currency or self.ccur[company]
        rate = rate or self.rate(company, currency, day)
        jid = self.jr[company][journal]
        name, _prefix, _number = self.seq_name(company, name_code or journal, day, monthly)
        dstr = self.ds(day)
        mid = self.next_id["account.move"]
        is_inv = move_type != "entry"
        ccur = self.ccur[company]
        rows = []
        amounts = books.balance_lines(lines, rate, company_currency=currency == ccur)
        for ln, (amc, bal) in zip(lines, amounts, strict=True):
            rows.append(
                books.move_line_row(
                    ln,
                    amc,
                    bal,
                    move_id=mid,
                    move_name=name,
                    account_id=self.acc[company][ln["account"]],
                    company=company,
                    company_currency=ccur,
                    currency=currency,
                    journal=jid,
                    date=dstr,
                    partner=partner,
                    invoice=is_inv,
                )
            )
            self.acc_bal[(company, ln["account"])] += bal
        line_ids = [self.new("account.move.line", r, uid=uid) for r in rows]
        hdr = books.entry_header(
            name=name,
            move_type=move_type,
            date=dstr,
            journal=jid,
            company=company,
            currency=currency,
            rate=rate,
            partner=partner,
            commercial_partner=partner
            and self.t["res.partner"][partner].get("commercial_partner_id", partner),
            rows=rows,
        )
        hdr["line_ids"] = line_ids
        hdr["journal_line_ids"] = list(line_ids)
        if header:
            hdr.update(header)
        got = self.new("account.move", hdr, uid=uid)
        assert got == mid
        return mid

    def invoice(
        self,
        company: int,
        move_type: str,
        partner: int,
        items: list[dict[str, Any]],
        *,
        currency: int,
        term: int | None,
        header: dict[str, Any] | None = None,
        income_account: str | None = None,
        uid: int | None = None,
        due_days: int | None = None,
        rate: float | None = None,
    ) -> int:
        """Create a posted customer/vendor invoice or refund with product, tax and term lines."""
        sale = move_type in ("out_invoice", "out_refund")
        resolved = []
        for it in items:
            r = dict(it)
            r["account"] = it.get("account") or income_account or ("400000" if sale else "500000")
            r["name"] = it.get("name") or self.pname.get(it.get("product_id", 0), "Line")
            r.pop("product_uom_id", None)
            if it.get("product_id"):
                r["product_uom_id"] = self.t["product.template"][
                    self.t["product.product"][it["product_id"]]["product_tmpl_id"]
                ]["uom_id"]
            resolved.append(r)
        days = self.terms[term] if term else 0
        if due_days is not None:
            days = due_days
        due = self.ds(self.day + days)
        lines, untaxed, tax, total = books.invoice_lines(company, move_type, resolved, due=due)
        code = {
            "out_invoice": "INV",
            "out_refund": "RINV",
            "in_invoice": "BILL",
            "in_refund": "RBILL",
        }[move_type]
        monthly = not sale
        mid = self.move(
            company,
            "INV" if sale else "BILL",
            move_type,
            lines,
            partner=partner,
            currency=currency,
            name_code=code,
            monthly=monthly,
            uid=uid,
            rate=rate,
        )
        M = self.t["account.move"][mid]
        L = self.t["account.move.line"]
        lids = M["line_ids"]
        pt = L[lids[-1]]
        pt["name"] = M["name"] if sale else (header or {}).get("ref", False) or False
        if not pt["name"]:
            del pt["name"]
        M.update(
            invoice_date=M["date"],
            invoice_date_due=due,
            invoice_line_ids=[i for i in lids if L[i]["display_type"] == "product"],
            invoice_payment_term_id=term or False,
            partner_shipping_id=partner if sale else False,
            invoice_partner_display_name=self.t["res.partner"][partner]["name"],
            payment_reference=M["name"] if sale else False,
            **books.invoice_amounts(move_type, [L[i] for i in lids], untaxed, tax, total),
            delivery_date=M["date"],
            is_move_sent=sale,
        )
        if header:
            M.update(header)
        self.open_items[mid] = lids[-1]
        self.open_items_all[mid] = lids[-1]
        self.groups[mid] = [lids[-1]]
        return mid

    def reconcile(self, debit_line: int, credit_line: int, amount: float, amount_cur: float) -> int:
        """Reconcile two receivable/payable lines for ``amount`` (company currency)."""
        L = self.t["account.move.line"]
        d, c = L[debit_line], L[credit_line]
        prid = self.new(
            "account.partial.reconcile",
            books.partial_reconcile_vals(debit_line, d, credit_line, c, amount, amount_cur),
        )
        for row, debit, key in ((d, True, "matched_credit_ids"), (c, False, "matched_debit_ids")):
            row["amount_residual"], row["amount_residual_currency"] = books.residual_after(
                row, amount, amount_cur, debit=debit
            )
            row.setdefault(key, []).append(prid)
            row["write_date"] = self.ts
        return prid

    def refresh_matching(self, group: list[int]) -> None:
        """Set matching numbers / full reconcile on a group of reconciled lines."""
        L = self.t["account.move.line"]
        P = self.t["account.partial.reconcile"]
        partials = sorted(
            {
                p
                for i in group
                for p in L[i].get("matched_debit_ids", []) + L[i].get("matched_credit_ids", [])
            }
        )
        if all(abs(L[i].get("amount_residual", 0.0)) < books.SETTLED for i in group):
            fid = self.new("account.full.reconcile", books.full_reconcile_vals(partials, group))
            for p in partials:
                P[p]["full_reconcile_id"] = fid
                P[p]["write_date"] = self.ts
            for i in group:
                L[i]["full_reconcile_id"] = fid
                L[i]["matching_number"] = books.matching_number(fid, partials)
                L[i]["reconciled"] = True
                L[i]["amount_residual"] = 0.0
                L[i]["amount_residual_currency"] = 0.0
        else:
            for i in group:
                L[i]["matching_number"] = books.matching_number(None, partials)

    def update_invoice_state(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        L = self.t["account.move.line"]
        pt = L[self.open_items_all[mid]]
        res_cur = abs(pt.get("amount_residual_currency", 0.0))
        res = abs(pt.get("amount_residual", 0.0))
        hs = 1.0 if M["move_type"] in ("out_invoice", "in_refund") else -1.0
        M["amount_residual"] = _r2(res_cur)
        M["amount_residual_signed"] = _r2(res * hs)
        in_payment = any(
            self.t["account.payment"][p]["state"] == "in_process"
            for p in M.get("matched_payment_ids", [])
        )
        M["payment_state"] = books.payment_state(res_cur, in_payment=in_payment)
        M["write_date"] = self.ts

    def pay(self, mid: int, amount_cur: float | None = None) -> int | None:
        """Register a payment on invoice ``mid`` today (full residual unless ``amount_cur``)."""
        M = self.t["account.move"][mid]
        if M["payment_state"] in ("paid", "in_payment", "reversed"):
            return None
        L = self.t["account.move.line"]
        ptid = self.open_items_all[mid]
        pt = L[ptid]
        company = M["company_id"]
        res_cur = abs(pt["amount_residual_currency"])
        res = abs(pt["amount_residual"])
        if res_cur < books.SETTLED:
            return None
        amount, amount_cur = books.settlement(res, res_cur, amount_cur)
        inbound = M["move_type"] in ("out_invoice", "in_refund")
        partner = M["partner_id"]
        currency = M["currency_id"]
        self.tick()
        recent = self.day > self.H - 3
        liquidity = ("101402" if inbound else "101403") if recent else "101401"
        counter = "121000" if M["move_type"] in ("out_invoice", "out_refund") else "211000"
        sgn = 1.0 if inbound else -1.0
        pay_id = self.next_id["account.payment"]
        pmid = self.move(
            company,
            "BNK1",
            "entry",
            [
                {
                    "account": liquidity,
                    "amount_currency": sgn * amount_cur,
                    "balance": sgn * amount,
                    "name": M["name"],
                    "payment_id": pay_id,
                },
                {
                    "account": counter,
                    "amount_currency": -sgn * amount_cur,
                    "name": M["name"],
                    "payment_id": pay_id,
                    "balance": -sgn * amount,
                },
            ],
            partner=partner,
            currency=currency,
            name_code="PBNK1",
            monthly=False,
        )
        PM = self.t["account.move"][pmid]
        cl = PM["line_ids"][1]
        # the last line absorbed rounding; make it exact
        L[cl]["balance"] = -sgn * amount
        L[cl]["amount_currency"] = -sgn * amount_cur
        L[cl]["amount_residual"] = -sgn * amount
        L[cl]["amount_residual_currency"] = -sgn * amount_cur
        L[cl]["debit"] = amount if sgn < 0 else 0.0
        L[cl]["credit"] = amount if sgn > 0 else 0.0
        pid = self.new(
            "account.payment",
            books.payment_vals(
                M,
                name=PM["name"],
                move_id=pmid,
                amount=amount,
                amount_currency=amount_cur,
                date=self.day_str,
                journal=self.jr[company]["BNK1"],
                destination_account=self.acc[company][counter],
                outstanding_account=self.acc[company][liquidity],
                in_process=recent,
            ),
        )
        assert pid == pay_id
        PM["origin_payment_id"] = pid
        PM["payment_ids"] = [pid]
        PM["ref"] = M["name"]
        if inbound:
            self.reconcile(ptid, cl, amount, amount_cur)
        else:
            self.reconcile(cl, ptid, amount, amount_cur)
        M.setdefault("matched_payment_ids", []).append(pid)
        self.groups[mid].append(cl)
        self.refresh_matching(self.groups[mid])
        self.update_invoice_state(mid)
        if abs(L[ptid].get("amount_residual_currency", 0.0)) < 0.005:
            self.open_items.pop(mid, None)
        return pid
