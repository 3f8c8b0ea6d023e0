"""Invoicing and payments of the advancing company, posted through the shared ledger rules
(:mod:`simulator.company.books`) and persisted through the store's ORM.
"""

from __future__ import annotations

from datetime import timedelta

from simulator.advance.base import AdvanceBase, _r2
from simulator.company import books


class AdvanceLedger(AdvanceBase):
    def invoice_order(self, sid: int) -> None:
        so = self.s.table("sale.order")[sid]
        c = so["company_id"]
        sol = self.s.table("sale.order.line")
        lines = [sol[i] for i in so["order_line"] if sol[i].get("qty_to_invoice", 0) > 0]
        if not lines:
            return
        self.step()
        currency = so.get("currency_id") or self.ccur[c]
        rate = so.get("currency_rate", 1.0) if currency != self.ccur[c] else 1.0
        year = self.s.now.year
        name = (
            self.next_name("account.move", f"INV/{year}/", 5)
            if c == 1
            else self.next_name_company(c, f"INV/{year}/")
        )
        days = self.terms_days.get(so.get("payment_term_id") or 0, 30)
        due = (self.s.now + timedelta(days=days)).strftime("%Y-%m-%d")
        jid = self.journals[(c, "INV")]
        ccur = self.ccur[c]
        items = [
            {
                "account": "400100" if ln.get("is_service") else "400000",
                "name": ln["name"],
                "quantity": ln["qty_to_invoice"],
                "price_unit": ln["price_unit"],
                "discount": ln.get("discount", 0.0),
                "product_id": ln["product_id"],
                "product_uom_id": ln.get("product_uom_id", 1),
                "sale_line_ids": [ln["id"]],
            }
            for ln in lines
        ]
        specs, untaxed, tax, total = books.invoice_lines(c, "out_invoice", items, due=due)
        specs[-1]["name"] = name
        amounts = books.balance_lines(specs, rate, company_currency=currency == ccur)
        vals = [
            books.move_line_row(
                spec,
                amc,
                bal,
                move_id=0,
                move_name=name,
                account_id=self.accounts[(c, spec["account"])],
                company=c,
                company_currency=ccur,
                currency=currency,
                journal=jid,
                date=self.today,
                partner=so["partner_id"],
                invoice=True,
            )
            for spec, (amc, bal) in zip(specs, amounts, strict=True)
        ]
        header_amounts = books.invoice_amounts("out_invoice", vals, untaxed, tax, total)
        for v in vals:
            for k in [k for k, x in v.items() if x in (0.0, False)]:
                del v[k]
        mid = self.s.create(
            "account.move",
            [
                {
                    **books.entry_header(
                        name=name,
                        move_type="out_invoice",
                        date=self.today,
                        journal=jid,
                        company=c,
                        currency=currency,
                        rate=rate,
                        partner=so["partner_id"],
                    ),
                    "invoice_date": self.today,
                    "invoice_date_due": due,
                    "partner_shipping_id": so["partner_id"],
                    "invoice_partner_display_name": self.s.table("res.partner")[so["partner_id"]][
                        "name"
                    ],
                    "invoice_origin": so["name"],
                    "invoice_user_id": so.get("user_id", False),
                    "team_id": so.get("team_id", False),
                    "invoice_payment_term_id": so.get("payment_term_id", False),
                    "payment_reference": name,
                    **header_amounts,
                    "delivery_date": self.today,
                    "is_move_sent": True,
                }
            ],
        )[0]
        for v in vals:
            v["move_id"] = mid
        line_ids = self.s.create("account.move.line", vals)
        self.s.write(
            "account.move",
            [mid],
            {
                "line_ids": line_ids,
                "journal_line_ids": line_ids,
                "invoice_line_ids": line_ids[: len(lines)],
            },
        )
        for ln, aml in zip(lines, line_ids, strict=False):
            self.s.write(
                "sale.order.line",
                [ln["id"]],
                {
                    "qty_invoiced": ln.get("qty_invoiced", 0.0) + ln["qty_to_invoice"],
                    "qty_to_invoice": 0.0,
                    "invoice_status": "invoiced",
                    "invoice_lines": [*ln.get("invoice_lines", []), aml],
                    "untaxed_amount_invoiced": ln["price_subtotal"],
                    "untaxed_amount_to_invoice": 0.0,
                },
            )
        self.s.write("sale.order", [sid], {"invoice_status": "invoiced"})
        self.counts["invoices_posted"] += 1

    def next_name_company(self, c: int, prefix: str) -> str:
        """Invoice numbers run per company journal (both companies have an INV journal)."""
        key = ("account.move", f"{c}:{prefix}")
        if key not in self.seqs:
            jid = self.journals[(c, "INV")]
            n = 0
            for r in self.s.table("account.move").values():
                name = r.get("name") or ""
                if (
                    r.get("journal_id") == jid
                    and name.startswith(prefix)
                    and name[len(prefix) :].isdigit()
                ):
                    n = max(n, int(name[len(prefix) :]))
            self.seqs[key] = n
        self.seqs[key] += 1
        return f"{prefix}{self.seqs[key]:05d}"

    # -------------------------------------------------------------- payments
    def pay(self, mid: int, fraction: float = 1.0) -> None:
        M = self.s.table("account.move")[mid]
        L = self.s.table("account.move.line")
        term_id = next(i for i in M["line_ids"] if L[i].get("display_type") == "payment_term")
        term = L[term_id]
        res, res_cur = (
            abs(term.get("amount_residual", 0.0)),
            abs(term.get("amount_residual_currency", 0.0)),
        )
        if res_cur < books.SETTLED:
            return
        amount, amount_cur = books.settlement(
            res, res_cur, None if fraction >= 1 else _r2(res_cur * fraction)
        )
        c = M["company_id"]
        inbound = M["move_type"] == "out_invoice"
        sgn = 1.0 if inbound else -1.0
        self.step()
        year = self.s.now.year
        name = self.next_name_company_payment(c, f"PBNK1/{year}/")
        jid = self.journals[(c, "BNK1")]
        counter_acc = self.accounts[(c, "121000" if inbound else "211000")]
        liq_acc = self.accounts[(c, "101401")]
        specs = [
            {"account": "101401", "name": M["name"]},
            {"account": "121000" if inbound else "211000", "name": M["name"]},
        ]
        liq, cp = (
            books.move_line_row(
                spec,
                sign * amount_cur,
                sign * amount,
                move_id=0,
                move_name=name,
                account_id=self.accounts[(c, spec["account"])],
                company=c,
                company_currency=self.ccur[c],
                currency=M["currency_id"],
                journal=jid,
                date=self.today,
                partner=M["partner_id"],
                invoice=False,
            )
            for spec, sign in zip(specs, (sgn, -sgn), strict=True)
        )
        header = books.entry_header(
            name=name,
            move_type="entry",
            date=self.today,
            journal=jid,
            company=c,
            currency=M["currency_id"],
            rate=M.get("invoice_currency_rate", 1.0),
            partner=M["partner_id"],
            rows=[liq, cp],
        )
        pmid = self.s.create("account.move", [{**header, "ref": M["name"]}])[0]
        for v in (liq, cp):
            v["move_id"] = pmid
            # the counterpart is consumed by the reconcile below: no residual of its own
            for k in [k for k, x in v.items() if x in (0.0, False) or k.startswith("amount_res")]:
                del v[k]
        liq_id, cp_id = self.s.create("account.move.line", [liq, cp])
        pid = self.s.create(
            "account.payment",
            [
                books.payment_vals(
                    M,
                    name=name,
                    move_id=pmid,
                    amount=amount,
                    amount_currency=amount_cur,
                    date=self.today,
                    journal=jid,
                    destination_account=counter_acc,
                    outstanding_account=liq_acc,
                    in_process=False,
                )
            ],
        )[0]
        self.s.write(
            "account.move",
            [pmid],
            {
                "line_ids": [liq_id, cp_id],
                "journal_line_ids": [liq_id, cp_id],
                "origin_payment_id": pid,
                "payment_ids": [pid],
            },
        )
        self.s.write("account.move.line", [liq_id, cp_id], {"payment_id": pid})
        debit, credit = (term_id, cp_id) if inbound else (cp_id, term_id)
        rows = {term_id: term, cp_id: cp}
        prid = self.s.create(
            "account.partial.reconcile",
            [
                books.partial_reconcile_vals(
                    debit, rows[debit], credit, rows[credit], amount, amount_cur
                )
            ],
        )[0]
        new_res, new_res_cur = books.residual_after(term, amount, amount_cur, debit=inbound)
        partial_key = "matched_credit_ids" if inbound else "matched_debit_ids"
        other_key = "matched_debit_ids" if inbound else "matched_credit_ids"
        group = [term_id]
        partials = list(term.get(partial_key, []))
        for p in partials:
            pr = self.s.table("account.partial.reconcile")[p]
            group.append(pr["credit_move_id"] if inbound else pr["debit_move_id"])
        group.append(cp_id)
        partials = sorted([*partials, *term.get(other_key, []), prid])
        self.s.write(
            "account.move.line",
            [term_id],
            {partial_key: sorted([*term.get(partial_key, []), prid])},
        )
        self.s.write("account.move.line", [cp_id], {other_key: [prid]})
        state = books.payment_state(new_res_cur, in_payment=False)
        if state == "paid":
            fid = self.s.create(
                "account.full.reconcile", [books.full_reconcile_vals(partials, group)]
            )[0]
            self.s.write("account.partial.reconcile", partials, {"full_reconcile_id": fid})
            self.s.write(
                "account.move.line",
                sorted(group),
                {
                    "amount_residual": 0.0,
                    "amount_residual_currency": 0.0,
                    "reconciled": True,
                    "full_reconcile_id": fid,
                    "matching_number": books.matching_number(fid, partials),
                },
            )
            residual_signed = 0.0
            residual = 0.0
        else:
            self.s.write(
                "account.move.line",
                [term_id],
                {"amount_residual": new_res, "amount_residual_currency": new_res_cur},
            )
            self.s.write(
                "account.move.line",
                sorted(group),
                {"matching_number": books.matching_number(None, partials)},
            )
            residual = abs(new_res_cur)
            residual_signed = new_res  # the line's residual already has the move's sign
        self.s.write(
            "account.move",
            [mid],
            {
                "payment_state": state,
                "amount_residual": residual,
                "amount_residual_signed": residual_signed,
                "matched_payment_ids": [*M.get("matched_payment_ids", []), pid],
            },
        )
        self.counts["payments_registered"] += 1

    def next_name_company_payment(self, c: int, prefix: str) -> str:
        key = ("account.payment", f"{c}:{prefix}")
        if key not in self.seqs:
            jid = self.journals[(c, "BNK1")]
            n = 0
            for r in self.s.table("account.move").values():
                name = r.get("name") or ""
                if (
                    r.get("journal_id") == jid
                    and name.startswith(prefix)
                    and name[len(prefix) :].isdigit()
                ):
                    n = max(n, int(name[len(prefix) :]))
            self.seqs[key] = n
        self.seqs[key] += 1
        return f"{prefix}{self.seqs[key]:05d}"
