"""Continue the simulated company's life by N days, through the store's ORM.

Why through ``create``/``write``/``unlink`` and never by editing tables: the point of
``advance`` is to give incremental extraction something real to find, and only the ORM stamps
``write_date`` (one timestamp per call, parents bumped by their lines) and really deletes rows
the way Odoo does. Each day: new quotations, confirmations with deliveries, invoices, payments
that reconcile invoices (partial reconciles, residuals, payment state, matching numbers),
pipeline moves with their stage tracking, activities planned and done (done = deleted), old
cancelled quotations deleted, a partner or product archived now and then, and once a large
batch written in one call (a run of equal ``write_date`` values across a page boundary).

Deterministic given the store's state and ``seed``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Protocol

from simulator.company import books


class _Store(Protocol):
    now: datetime

    def table(self, model: str) -> dict[int, dict[str, Any]]: ...

    def create(self, model: str, vals_list: list[dict[str, Any]], uid: int = 2) -> list[int]: ...

    def write(self, model: str, ids: list[int], vals: dict[str, Any], uid: int = 2) -> Any: ...

    def unlink(self, model: str, ids: list[int], uid: int = 2) -> Any: ...


def _r2(x: float) -> float:
    return round(x + 0.0, 2)


class _Advancer:
    def __init__(self, store: _Store, seed: int) -> None:
        self.s = store
        self.rng = random.Random(f"advance-{seed}-{store.now.isoformat()}")
        self.counts: Counter[str] = Counter()
        self.seqs: dict[tuple[str, str], int] = {}
        t = store.table
        self.companies = sorted(t("res.company"))
        self.ccur = {c: t("res.company")[c]["currency_id"] for c in self.companies}
        self.accounts: dict[tuple[int, str], int] = {}
        for aid, a in t("account.account").items():
            for c in a.get("company_ids", []):
                self.accounts[(c, a.get("code_store", ""))] = aid
        self.journals: dict[tuple[int, str], int] = {
            (j["company_id"], j["code"]): jid for jid, j in t("account.journal").items()
        }
        self.wh = {w["company_id"]: w for w in t("stock.warehouse").values()}
        self.loc_customer = next(
            lid for lid, loc in t("stock.location").items() if loc.get("usage") == "customer"
        )
        self.terms_days = {
            tid: int(m.group(1)) if (m := re.match(r"(\d+) Days", r.get("name", ""))) else 0
            for tid, r in t("account.payment.term").items()
        }
        self.stages = {r["name"]: sid for sid, r in t("crm.stage").items()}
        self.stage_names = {sid: r["name"] for sid, r in t("crm.stage").items()}
        customers = [
            pid
            for pid, p in t("res.partner").items()
            if p.get("customer_rank") and p.get("active") and p.get("is_company")
        ]
        self.customers = sorted(customers)
        self.cust_company: dict[int, int] = {}
        for so in t("sale.order").values():
            self.cust_company[so["partner_id"]] = so["company_id"]
        self.customers = [c for c in self.customers if c in self.cust_company]
        self.products: dict[int, list[int]] = {c: [] for c in self.companies}
        for q in t("stock.quant").values():
            p = t("product.product").get(q["product_id"])
            if p and p.get("active"):
                self.products[q["company_id"]].append(q["product_id"])
        self.quants = {
            (q["product_id"], q["location_id"]): qid for qid, q in t("stock.quant").items()
        }
        self.user_partner = {uid: u["partner_id"] for uid, u in t("res.users").items()}

    # -------------------------------------------------------------- helpers
    @property
    def today(self) -> str:
        return self.s.now.strftime("%Y-%m-%d")

    def step(self, minutes: int = 3) -> None:
        self.s.now = self.s.now + timedelta(
            minutes=self.rng.randint(1, minutes), seconds=self.rng.randint(0, 59)
        )

    def next_name(self, model: str, prefix: str, width: int) -> str:
        key = (model, prefix)
        if key not in self.seqs:
            n = 0
            for r in self.s.table(model).values():
                name = r.get("name") or ""
                if name.startswith(prefix) and name[len(prefix) :].isdigit():
                    n = max(n, int(name[len(prefix) :]))
            self.seqs[key] = n
        self.seqs[key] += 1
        return f"{prefix}{self.seqs[key]:0{width}d}"

    # -------------------------------------------------------------- sales
    def new_quotation(self) -> None:
        rng = self.rng
        cust = rng.choice(self.customers)
        c = self.cust_company[cust]
        if not self.products[c]:
            return
        last = max(
            (so for so in self.s.table("sale.order").values() if so["partner_id"] == cust),
            key=lambda so: so["id"],
        )
        currency = last.get("currency_id") or self.ccur[c]
        rate = last.get("currency_rate", 1.0) if currency != self.ccur[c] else 1.0
        user = last.get("user_id") or 2
        self.step()
        sid = self.s.create(
            "sale.order",
            [
                {
                    "name": self.next_name("sale.order", "S", 5),
                    "partner_id": cust,
                    "partner_invoice_id": cust,
                    "partner_shipping_id": cust,
                    "company_id": c,
                    "currency_id": currency,
                    "currency_rate": rate,
                    "date_order": self.s.now.strftime("%Y-%m-%d %H:%M:%S"),
                    "state": "draft",
                    "user_id": user,
                    "team_id": last.get("team_id", False),
                    "payment_term_id": last.get("payment_term_id", False),
                    "warehouse_id": self.wh[c].get("id", False),
                    "picking_policy": "direct",
                    "invoice_status": "no",
                    "validity_date": (self.s.now + timedelta(days=30)).strftime("%Y-%m-%d"),
                }
            ],
            uid=user,
        )[0]
        tax = 0.0725 if c == 1 else 0.21
        vals = []
        for k, pid in enumerate(
            rng.sample(self.products[c], min(len(self.products[c]), rng.randint(1, 3)))
        ):
            tmpl = self.s.table("product.template")[
                self.s.table("product.product")[pid]["product_tmpl_id"]
            ]
            price = _r2(tmpl.get("list_price", 0.0) * rate)
            qty = float(rng.randint(1, 8))
            sub = _r2(qty * price)
            vals.append(
                {
                    "order_id": sid,
                    "product_id": pid,
                    "name": tmpl["name"],
                    "product_uom_qty": qty,
                    "product_uom_id": tmpl.get("uom_id", 1),
                    "price_unit": price,
                    "technical_price_unit": price,
                    "price_subtotal": sub,
                    "price_tax": _r2(sub * tax),
                    "price_total": _r2(sub * (1 + tax)),
                    "company_id": c,
                    "currency_id": currency,
                    "order_partner_id": cust,
                    "salesman_id": user,
                    "state": "draft",
                    "invoice_status": "no",
                    "sequence": 10 + k,
                    "qty_delivered_method": "stock_move",
                    "warehouse_id": self.wh[c]["id"],
                    "customer_lead": 2.0,
                }
            )
        lids = self.s.create("sale.order.line", vals, uid=user)
        untaxed = _r2(sum(v["price_subtotal"] for v in vals))
        taxes = _r2(sum(v["price_tax"] for v in vals))
        self.s.write(
            "sale.order",
            [sid],
            {
                "order_line": lids,
                "amount_untaxed": untaxed,
                "amount_tax": taxes,
                "amount_total": _r2(untaxed + taxes),
            },
            uid=user,
        )
        self.counts["quotations_created"] += 1

    def confirm(self, sid: int) -> None:
        so = self.s.table("sale.order")[sid]
        c = so["company_id"]
        user = so.get("user_id") or 2
        self.step()
        self.s.write(
            "sale.order",
            [sid],
            {"state": "sale", "date_order": self.s.now.strftime("%Y-%m-%d %H:%M:%S")},
            uid=user,
        )
        self.s.write("sale.order.line", list(so["order_line"]), {"state": "sale"}, uid=user)
        wh = self.wh[c]
        stock = wh["lot_stock_id"]
        sched = (self.s.now + timedelta(days=self.rng.randint(1, 3))).strftime("%Y-%m-%d 09:00:00")
        code = wh["code"]
        pk = self.s.create(
            "stock.picking",
            [
                {
                    "name": self.next_name("stock.picking", f"{code}/OUT/", 5),
                    "origin": so["name"],
                    "partner_id": so["partner_id"],
                    "company_id": c,
                    "location_id": stock,
                    "location_dest_id": self.loc_customer,
                    "scheduled_date": sched,
                    "state": "assigned",
                    "move_type": "direct",
                    "sale_id": sid,
                    "user_id": user,
                    "priority": "0",
                }
            ],
            uid=user,
        )[0]
        sol = self.s.table("sale.order.line")
        moves = []
        for lid in so["order_line"]:
            ln = sol[lid]
            moves.append(
                {
                    "reference": self.s.table("stock.picking")[pk]["name"],
                    "origin": so["name"],
                    "product_id": ln["product_id"],
                    "product_uom": 1,
                    "product_uom_qty": ln["product_uom_qty"],
                    "product_qty": ln["product_uom_qty"],
                    "location_id": stock,
                    "location_dest_id": self.loc_customer,
                    "picking_id": pk,
                    "sale_line_id": lid,
                    "partner_id": so["partner_id"],
                    "company_id": c,
                    "state": "assigned",
                    "procure_method": "make_to_stock",
                    "date": sched,
                    "is_out": True,
                }
            )
        mids = self.s.create("stock.move", moves, uid=user)
        self.s.write("stock.picking", [pk], {"move_ids": mids}, uid=user)
        for lid, mid in zip(so["order_line"], mids, strict=True):
            self.s.write("sale.order.line", [lid], {"move_ids": [mid]}, uid=user)
        self.s.write(
            "sale.order", [sid], {"picking_ids": [pk], "delivery_status": "pending"}, uid=user
        )
        self.counts["orders_confirmed"] += 1

    def deliver(self, pk: int) -> None:
        P = self.s.table("stock.picking")[pk]
        moves = [self.s.table("stock.move")[m] for m in P.get("move_ids", [])]
        for m in moves:
            qid = self.quants.get((m["product_id"], P["location_id"]))
            if (
                qid is None
                or self.s.table("stock.quant")[qid].get("quantity", 0.0) < m["product_uom_qty"]
            ):
                return  # waits for stock
        self.step()
        ts = self.s.now.strftime("%Y-%m-%d %H:%M:%S")
        self.s.write("stock.picking", [pk], {"state": "done", "date_done": ts})
        for m in moves:
            self.s.write(
                "stock.move",
                [m["id"]],
                {"state": "done", "quantity": m["product_uom_qty"], "date": ts, "picked": True},
            )
            qid = self.quants[(m["product_id"], P["location_id"])]
            q = self.s.table("stock.quant")[qid]
            self.s.write(
                "stock.quant",
                [qid],
                {"quantity": _r2(q.get("quantity", 0.0) - m["product_uom_qty"])},
            )
            ln = self.s.table("sale.order.line")[m["sale_line_id"]]
            self.s.write(
                "sale.order.line",
                [ln["id"]],
                {
                    "qty_delivered": ln["product_uom_qty"],
                    "qty_to_invoice": ln["product_uom_qty"],
                    "invoice_status": "to invoice",
                },
            )
        if P.get("sale_id"):
            self.s.write(
                "sale.order",
                [P["sale_id"]],
                {"delivery_status": "full", "effective_date": ts, "invoice_status": "to invoice"},
            )
        self.counts["deliveries_done"] += 1

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
        prefix, number = name.rsplit("/", 1)
        mid = self.s.create(
            "account.move",
            [
                {
                    "name": name,
                    "move_type": "out_invoice",
                    "state": "posted",
                    "date": self.today,
                    "invoice_date": self.today,
                    "invoice_date_due": due,
                    "journal_id": jid,
                    "company_id": c,
                    "currency_id": currency,
                    "partner_id": so["partner_id"],
                    "commercial_partner_id": so["partner_id"],
                    "partner_shipping_id": so["partner_id"],
                    "invoice_partner_display_name": self.s.table("res.partner")[so["partner_id"]][
                        "name"
                    ],
                    "invoice_origin": so["name"],
                    "invoice_user_id": so.get("user_id", False),
                    "team_id": so.get("team_id", False),
                    "invoice_payment_term_id": so.get("payment_term_id", False),
                    "payment_reference": name,
                    "payment_state": "not_paid",
                    **header_amounts,
                    "invoice_currency_rate": rate,
                    "sequence_prefix": prefix + "/",
                    "sequence_number": int(number),
                    "posted_before": True,
                    "auto_post": "no",
                    "checked": True,
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
        base = {
            "company_id": c,
            "company_currency_id": self.ccur[c],
            "currency_id": M["currency_id"],
            "journal_id": jid,
            "date": self.today,
            "parent_state": "posted",
            "partner_id": M["partner_id"],
            "move_name": name,
            "display_type": "product",
            "name": M["name"],
            "deductible_amount": 100.0,
            "sequence": 10,
        }
        pmid = self.s.create(
            "account.move",
            [
                {
                    "name": name,
                    "move_type": "entry",
                    "state": "posted",
                    "date": self.today,
                    "journal_id": jid,
                    "company_id": c,
                    "currency_id": M["currency_id"],
                    "partner_id": M["partner_id"],
                    "commercial_partner_id": M["partner_id"],
                    "payment_state": "not_paid",
                    "amount_total": amount,
                    "amount_total_signed": amount,
                    "amount_total_in_currency_signed": amount,
                    "invoice_date_due": self.today,
                    "ref": M["name"],
                    "auto_post": "no",
                    "checked": True,
                    "posted_before": True,
                    "invoice_currency_rate": M.get("invoice_currency_rate", 1.0),
                }
            ],
        )[0]
        liq = {
            **base,
            "move_id": pmid,
            "account_id": liq_acc,
            "amount_currency": sgn * amount_cur,
            "balance": sgn * amount,
        }
        cp = {
            **base,
            "move_id": pmid,
            "account_id": counter_acc,
            "amount_currency": -sgn * amount_cur,
            "balance": -sgn * amount,
            "amount_residual": 0.0,
            "amount_residual_currency": 0.0,
        }
        for v in (liq, cp):
            if v["balance"] > 0:
                v["debit"] = v["balance"]
            else:
                v["credit"] = -v["balance"]
        for k in ("amount_residual", "amount_residual_currency"):
            del cp[k]
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
        new_res = _r2(term["amount_residual"] - sgn * amount)
        new_res_cur = _r2(term["amount_residual_currency"] - sgn * amount_cur)
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

    # -------------------------------------------------------------- CRM
    def crm_day(self) -> None:
        rng = self.rng
        leads = self.s.table("crm.lead")
        open_opps = sorted(
            lid
            for lid, ld in leads.items()
            if ld.get("active")
            and ld.get("type") == "opportunity"
            and ld.get("stage_id") != self.stages.get("Won")
        )
        if not open_opps:
            return
        order = ["New", "Qualified", "Proposition"]
        for lid in rng.sample(open_opps, min(len(open_opps), rng.randint(0, 3))):
            ld = leads[lid]
            name = self.stage_names.get(ld["stage_id"], "New")
            self.step()
            uid = ld.get("user_id") or 2
            r = rng.random()
            if r < 0.2:
                self.s.write(
                    "crm.lead",
                    [lid],
                    {
                        "active": False,
                        "probability": 0.0,
                        "won_status": "lost",
                        "date_closed": self.s.now.strftime("%Y-%m-%d %H:%M:%S"),
                    },
                    uid=uid,
                )
                self.counts["leads_lost"] += 1
                continue
            nxt = (
                "Won"
                if name == "Proposition" and r < 0.45
                else (order[order.index(name) + 1] if name in order[:-1] else None)
            )
            if nxt is None:
                continue
            new = self.stages[nxt]
            ts = self.s.now.strftime("%Y-%m-%d %H:%M:%S")
            prob = {"Qualified": 30.0, "Proposition": 60.0, "Won": 100.0}[nxt]
            vals: dict[str, Any] = {
                "stage_id": new,
                "probability": prob,
                "prorated_revenue": _r2(ld.get("expected_revenue", 0.0) * prob / 100),
                "date_last_stage_update": ts,
            }
            if nxt == "Won":
                vals.update(won_status="won", date_closed=ts)
            self.s.write("crm.lead", [lid], vals, uid=uid)
            msg = self.s.create(
                "mail.message",
                [
                    {
                        "model": "crm.lead",
                        "res_id": lid,
                        "record_name": ld["name"],
                        "message_type": "notification",
                        "date": ts,
                        "author_id": self.user_partner.get(uid, False),
                    }
                ],
                uid=uid,
            )[0]
            tv = self.s.create(
                "mail.tracking.value",
                [
                    {
                        "mail_message_id": msg,
                        "field_info": {
                            "name": "stage_id",
                            "desc": "Stage",
                            "type": "many2one",
                            "sequence": 20,
                        },
                        "old_value_integer": ld["stage_id"],
                        "old_value_char": name,
                        "new_value_integer": new,
                        "new_value_char": nxt,
                    }
                ],
                uid=uid,
            )[0]
            self.s.write("mail.message", [msg], {"tracking_value_ids": [tv]}, uid=uid)
            self.counts["stage_changes"] += 1
            if nxt == "Won":
                self.counts["leads_won"] += 1

    def activities_day(self) -> None:
        rng = self.rng
        acts = self.s.table("mail.activity")
        due = sorted(aid for aid, a in acts.items() if a["date_deadline"] <= self.today)
        done = [a for a in due if rng.random() < 0.6]
        if done:
            self.step()
            self.s.unlink("mail.activity", done)
            self.counts["activities_done"] += len(done)
        leads = self.s.table("crm.lead")
        open_leads = sorted(
            lid
            for lid, ld in leads.items()
            if ld.get("active") and ld.get("stage_id") != self.stages.get("Won")
        )
        new = []
        for lid in rng.sample(open_leads, min(len(open_leads), rng.randint(1, 4))):
            ld = leads[lid]
            new.append(
                {
                    "res_model": "crm.lead",
                    "res_id": lid,
                    "res_name": ld["name"],
                    "user_id": ld.get("user_id") or 2,
                    "date_deadline": (self.s.now + timedelta(days=rng.randint(1, 10))).strftime(
                        "%Y-%m-%d"
                    ),
                    "summary": rng.choice(("Follow-up call", "Send proposal", "Demo meeting")),
                    "active": True,
                }
            )
        if new:
            self.step()
            self.s.create("mail.activity", new)
            self.counts["activities_created"] += len(new)

    # -------------------------------------------------------------- housekeeping
    def delete_old_cancelled(self) -> None:
        orders = self.s.table("sale.order")
        cancelled = sorted(sid for sid, so in orders.items() if so.get("state") == "cancel")
        victims = cancelled[: self.rng.randint(1, 3)]
        if not victims:
            return
        lines = sorted(i for sid in victims for i in orders[sid].get("order_line", []))
        self.step()
        if lines:
            self.s.unlink("sale.order.line", lines)
        self.s.unlink("sale.order", victims)
        self.counts["quotations_deleted"] += len(victims)

    def archive_something(self) -> None:
        rng = self.rng
        partners = self.s.table("res.partner")
        contacts = sorted(
            pid for pid, p in partners.items() if p.get("active") and p.get("parent_id")
        )
        if contacts:
            self.step()
            self.s.write("res.partner", [rng.choice(contacts)], {"active": False})
            self.counts["partners_archived"] += 1
        products = self.s.table("product.product")
        unsold = sorted(
            pid
            for pid, p in products.items()
            if p.get("active") and pid not in {q for v in self.products.values() for q in v}
        )
        if unsold and rng.random() < 0.5:
            pid = rng.choice(unsold)
            self.step()
            self.s.write("product.product", [pid], {"active": False})
            self.s.write("product.template", [products[pid]["product_tmpl_id"]], {"active": False})
            self.counts["products_archived"] += 1

    def bulk_review(self) -> None:
        """The accountant marks a block of journal entries reviewed in one go (one write)."""
        moves = self.s.table("account.move")
        posted = [mid for mid in sorted(moves) if moves[mid].get("state") == "posted"]
        block = posted[: max(400, len(posted) // 10)]  # the oldest: settled, not touched again
        self.step()
        self.s.write("account.move", block, {"checked": True}, uid=2)
        self.counts["bulk_written"] += len(block)

    # -------------------------------------------------------------- the day
    def day(self, first: bool) -> None:
        rng = self.rng
        self.s.now = self.s.now.replace(hour=7, minute=rng.randint(0, 30), second=0, microsecond=0)
        weekday = self.s.now.weekday() < 5
        for _ in range(rng.randint(2, 6) if weekday else rng.randint(0, 1)):
            self.new_quotation()
        orders = self.s.table("sale.order")
        drafts = sorted(sid for sid, so in orders.items() if so.get("state") in ("draft", "sent"))
        for sid in drafts:
            so = orders[sid]
            if so["date_order"][:10] < self.today and rng.random() < 0.35:
                self.confirm(sid)
        pickings = self.s.table("stock.picking")
        for pk in sorted(
            pid
            for pid, p in pickings.items()
            if p.get("state") == "assigned"
            and p.get("location_dest_id") == self.loc_customer
            and p.get("scheduled_date", "")[:10] <= self.today
        ):
            self.deliver(pk)
        for sid in sorted(
            sid
            for sid, so in orders.items()
            if so.get("state") == "sale" and so.get("invoice_status") == "to invoice"
        ):
            self.invoice_order(sid)
        moves = self.s.table("account.move")
        open_inv = sorted(
            mid
            for mid, m in moves.items()
            if m.get("move_type") in ("out_invoice", "in_invoice")
            and m.get("payment_state") in ("not_paid", "partial")
            and m.get("invoice_date_due", "9999") <= self.today
        )
        for mid in open_inv:
            r = rng.random()
            if r < 0.12:
                self.pay(mid)
            elif r < 0.15:
                self.pay(mid, rng.uniform(0.3, 0.7))
        self.crm_day()
        self.activities_day()
        if first:
            self.bulk_review()
            self.delete_old_cancelled()
            self.archive_something()
        elif rng.random() < 0.3:
            self.delete_old_cancelled()
        elif rng.random() < 0.2:
            self.archive_something()


def advance(store: _Store, days: int, seed: int = 0) -> dict[str, int]:
    """Simulate ``days`` more days of business from ``store.now``; return counts by kind."""
    adv = _Advancer(store, seed)
    for d in range(days):
        if d:
            store.now = store.now + timedelta(days=1)
        else:
            store.now = store.now + timedelta(days=1) if store.now.hour >= 20 else store.now
        adv.day(first=d == 0)
    store.now = store.now.replace(hour=21, minute=0, second=0, microsecond=0)
    adv.counts["days"] = days
    return dict(sorted(adv.counts.items()))
