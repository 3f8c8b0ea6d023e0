"""Sales: quotations, confirmation with its delivery, invoicing, collections, credit notes and
reversals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from simulator.company import books
from simulator.company.core import _r2
from simulator.company.population import Population


class Sales(Population):
    # ------------------------------------------------------------------ sales
    def ev_new_order(self, o: dict[str, Any]) -> None:
        rng = self.rng
        self.tick()
        c = o["company"]
        cust = o["partner"]
        user = self.cust_user[cust]
        self._so_seq = getattr(self, "_so_seq", 0) + 1
        currency = self.cust_currency[cust]
        rate = self.rate(c, currency, self.day)
        so = {
            "name": f"S{self._so_seq:05d}",
            "partner_id": cust,
            "partner_invoice_id": cust,
            "partner_shipping_id": cust,
            "company_id": c,
            "currency_id": currency,
            "currency_rate": rate,
            "date_order": self.ts,
            "state": "draft",
            "user_id": user,
            "team_id": self.team[c],
            "payment_term_id": self.cust_term[cust],
            "warehouse_id": self.wh[c],
            "picking_policy": "direct",
            "invoice_status": "no",
            "validity_date": self.ds(self.day + 30),
            "require_signature": True,
            "require_payment": False,
            "prepayment_percent": 1.0,
        }
        if o.get("lead"):
            so["opportunity_id"] = o["lead"]
        tax_rate = books.tax_rate(c, sale=True)
        sid = self.new("sale.order", so, uid=user)
        lids = []
        untaxed = 0.0
        for k, (pid, qty, disc) in enumerate(o["lines"]):
            price = self.price[pid] * (1.0 if currency == self.ccur[c] else rate)
            price = _r2(price)
            sub = books.subtotal(qty, price, disc)
            untaxed += sub
            is_service = pid in self.services
            row = {
                "order_id": sid,
                "product_id": pid,
                "name": self.pname[pid],
                "product_uom_qty": qty,
                "product_uom_id": self.HOUR if is_service else self.UNIT,
                "price_unit": price,
                "technical_price_unit": price,
                "discount": disc,
                "price_subtotal": sub,
                "price_tax": _r2(sub * tax_rate),
                "price_total": books.with_tax(sub, tax_rate),
                "price_reduce_taxexcl": _r2(sub / qty),
                "price_reduce_taxinc": _r2(sub * (1 + tax_rate) / qty),
                "company_id": c,
                "currency_id": currency,
                "order_partner_id": cust,
                "salesman_id": user,
                "state": "draft",
                "invoice_status": "no",
                "sequence": 10 + k,
                "qty_delivered_method": "manual" if is_service else "stock_move",
                "is_service": is_service,
                "warehouse_id": self.wh[c],
                "customer_lead": 0.0 if is_service else 2.0,
            }
            lids.append(self.new("sale.order.line", row, uid=user))
        untaxed = _r2(untaxed)
        so_row = self.t["sale.order"][sid]
        so_row.update(
            order_line=lids,
            amount_untaxed=untaxed,
            amount_tax=_r2(sum(self.t["sale.order.line"][i]["price_tax"] for i in lids)),
        )
        so_row["amount_total"] = _r2(so_row["amount_untaxed"] + so_row["amount_tax"])
        o["so"] = sid
        # sent to the customer a moment later
        if rng.random() < 0.75:
            nd = self.day + (0 if rng.random() < 0.6 else 1)
            self.at(nd, 1, self.ev_send, sid)
        if o["fate"] == "confirm":
            self.at(o["confirm"], 2, self.ev_confirm, o)
        elif o["fate"] == "cancel":
            self.at(self.day + rng.randint(3, 25), 2, self.ev_cancel, sid)

    def ev_send(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        if so["state"] == "draft":
            self.tick()
            self.touch("sale.order", sid, uid=so["user_id"])["state"] = "sent"
            for i in so["order_line"]:
                self.touch("sale.order.line", i, uid=so["user_id"])["state"] = "sent"

    def ev_cancel(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        if so["state"] in ("draft", "sent"):
            self.tick()
            self.touch("sale.order", sid, uid=so["user_id"])["state"] = "cancel"
            for i in so["order_line"]:
                self.touch("sale.order.line", i, uid=so["user_id"])["state"] = "cancel"

    def ev_confirm(self, o: dict[str, Any]) -> None:
        sid = o["so"]
        so = self.t["sale.order"][sid]
        self.tick()
        c = o["company"]
        user = so["user_id"]
        self.touch("sale.order", sid, uid=user).update(
            state="sale", date_order=self.ts, locked=False
        )
        SOL = self.t["sale.order.line"]
        goods = []
        for i in so["order_line"]:
            ln = self.touch("sale.order.line", i, uid=user)
            ln["state"] = "sale"
            if ln["is_service"]:
                ln["qty_delivered"] = ln["product_uom_qty"]
                ln["qty_to_invoice"] = ln["product_uom_qty"]
                ln["invoice_status"] = "to invoice"
                ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
            else:
                goods.append(i)
        if goods:
            self._pick_seq[(c, "OUT")] += 1
            code = "WH" if c == 1 else "EU"
            pk = self.new(
                "stock.picking",
                {
                    "name": f"{code}/OUT/{self._pick_seq[(c, 'OUT')]:05d}",
                    "origin": so["name"],
                    "partner_id": so["partner_id"],
                    "company_id": c,
                    "location_id": self.loc_stock[c],
                    "location_dest_id": self.loc_customer,
                    "scheduled_date": f"{self.ds(o['deliver'])} 09:00:00",
                    "date_deadline": f"{self.ds(o['deliver'])} 09:00:00",
                    "state": "assigned",
                    "move_type": "direct",
                    "sale_id": sid,
                    "user_id": user,
                    "priority": "0",
                    "is_locked": True,
                },
                uid=user,
            )
            mids = []
            for i in goods:
                ln = SOL[i]
                mv = self.new(
                    "stock.move",
                    {
                        "reference": self.t["stock.picking"][pk]["name"],
                        "origin": so["name"],
                        "product_id": ln["product_id"],
                        "product_uom": self.UNIT,
                        "product_uom_qty": ln["product_uom_qty"],
                        "product_qty": ln["product_uom_qty"],
                        "location_id": self.loc_stock[c],
                        "location_dest_id": self.loc_customer,
                        "location_final_id": self.loc_customer,
                        "picking_id": pk,
                        "sale_line_id": i,
                        "partner_id": so["partner_id"],
                        "company_id": c,
                        "warehouse_id": self.wh[c],
                        "state": "assigned",
                        "procure_method": "make_to_stock",
                        "date": f"{self.ds(o['deliver'])} 09:00:00",
                        "date_deadline": f"{self.ds(o['deliver'])} 09:00:00",
                        "is_out": True,
                        "priority": "0",
                        "sequence": 10,
                        "propagate_cancel": False,
                        "price_unit": self.cost[ln["product_id"]],
                    },
                    uid=user,
                )
                ln["move_ids"] = [mv]
                mids.append(mv)
                self.outgoing[(ln["product_id"], c)] += ln["product_uom_qty"]
            self.t["stock.picking"][pk]["move_ids"] = mids
            so["picking_ids"] = [pk]
            so["delivery_status"] = "pending"
            o["picking"] = pk
            self.at(o["deliver"], 4, self.ev_deliver, o)
        else:
            self.at(self.day + o["inv_lag"], 5, self.ev_invoice_order, o)
        self._recompute_so_invoice_status(sid)

    def ev_deliver(self, o: dict[str, Any]) -> None:
        pk = o["picking"]
        P = self.t["stock.picking"][pk]
        c = o["company"]
        SM = self.t["stock.move"]
        # wait for stock: every move must be available
        for mv in P["move_ids"]:
            m = SM[mv]
            if self.onhand[(m["product_id"], c)] + 1e-9 < m["product_uom_qty"]:
                P["state"] = "confirmed"
                for mv2 in P["move_ids"]:
                    SM[mv2]["state"] = "confirmed"
                self.at(self.day + 1, 4, self.ev_deliver, o)
                return
        self.tick()
        uid = self.t["sale.order"][o["so"]]["user_id"]
        self.touch("stock.picking", pk, uid=uid).update(
            state="done", date_done=self.ts, priority="0"
        )
        for mv in P["move_ids"]:
            m = self.touch("stock.move", mv, uid=uid)
            m.update(state="done", quantity=m["product_uom_qty"], date=self.ts, picked=True)
            key = (m["product_id"], c)
            self.onhand[key] -= m["product_uom_qty"]
            self.outgoing[key] -= m["product_uom_qty"]
            self.delivered[key][self.day] += m["product_uom_qty"]
            self.last_move[key] = self.ts
            ln = self.touch("sale.order.line", m["sale_line_id"], uid=uid)
            ln["qty_delivered"] = ln["product_uom_qty"]
            ln["qty_to_invoice"] = ln["product_uom_qty"] - ln.get("qty_invoiced", 0.0)
            ln["invoice_status"] = "to invoice"
            ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
        so = self.touch("sale.order", o["so"], uid=uid)
        so["delivery_status"] = "full"
        so["effective_date"] = self.ts
        for i in so["order_line"]:
            ln = self.t["sale.order.line"][i]
            if ln["is_service"] and not ln.get("qty_invoiced"):
                ln["invoice_status"] = "to invoice"
        self._recompute_so_invoice_status(o["so"])
        self.at(self.day + o["inv_lag"], 5, self.ev_invoice_order, o)

    def _recompute_so_invoice_status(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        sts = {self.t["sale.order.line"][i].get("invoice_status", "no") for i in so["order_line"]}
        so["invoice_status"] = (
            "to invoice" if "to invoice" in sts else ("invoiced" if sts == {"invoiced"} else "no")
        )

    def ev_invoice_order(self, o: dict[str, Any], reissue: bool = False) -> None:
        rng = self.rng
        sid = o["so"]
        so = self.t["sale.order"][sid]
        SOL = self.t["sale.order.line"]
        items = []
        for i in so["order_line"]:
            ln = SOL[i]
            q = ln.get("qty_to_invoice", 0.0)
            if q <= 0:
                continue
            items.append(
                {
                    "product_id": ln["product_id"],
                    "quantity": q,
                    "price_unit": ln["price_unit"],
                    "discount": ln.get("discount", 0.0),
                    "sale_line_ids": [i],
                    "account": "400100" if ln["is_service"] else "400000",
                }
            )
        if not items:
            return
        self.tick()
        cust = o["partner"]
        c = o["company"]
        user = so["user_id"]
        mid = self.invoice(
            c,
            "out_invoice",
            cust,
            items,
            currency=so["currency_id"],
            term=self.cust_term[cust],
            header={
                "invoice_origin": so["name"],
                "invoice_user_id": user,
                "team_id": so["team_id"],
            },
            uid=self.accountant if rng.random() < 0.5 else user,
        )
        M = self.t["account.move"][mid]
        for lid in M["invoice_line_ids"]:
            sl = self.t["account.move.line"][lid]["sale_line_ids"][0]
            ln = self.touch("sale.order.line", sl, uid=user)
            ln["qty_invoiced"] = ln.get("qty_invoiced", 0.0) + ln["qty_to_invoice"]
            ln.setdefault("invoice_lines", []).append(lid)
            ln["qty_to_invoice"] = 0.0
            ln["invoice_status"] = "invoiced"
            ln["untaxed_amount_invoiced"] = ln["price_subtotal"]
            ln["untaxed_amount_to_invoice"] = 0.0
        self.touch("sale.order", sid, uid=user)
        self._recompute_so_invoice_status(sid)
        o.setdefault("invoices", []).append(mid)
        # what happens next to this invoice
        if not reissue and rng.random() < 0.012:
            self.at(self.day + rng.randint(1, 6), 6, self.ev_reverse, o, mid)
            return
        if rng.random() < 0.03:
            self.at(self.day + rng.randint(4, 25), 6, self.ev_credit_note, mid)
        self._schedule_collection(mid, cust, c)

    def _schedule_collection(self, mid: int, cust: int, c: int) -> None:
        rng = self.rng
        M = self.t["account.move"][mid]
        due = (date.fromisoformat(M["invoice_date_due"]) - self.start).days
        sp = self.sp
        # a late payer is late on any terms, immediate payment included (one draw per
        # branch, so the stream is the same whichever applies)
        if cust in sp.late_payers:
            delay = rng.gauss(sp.late_payers[cust], 10.0)
        elif self.terms[self.cust_term[cust]] == 0:
            delay = abs(rng.gauss(1.0, 2.0))
        else:
            delay = rng.gauss(self.cust_delay[cust], 6.0)
            # the control is late exactly once, however many invoices it has
            if (
                cust in sp.one_late_invoice
                and rng.random() < 0.08
                and cust not in self._late_invoice_once
            ):
                self._late_invoice_once.add(cust)
                delay += rng.uniform(35, 60)
        # collections slow down at the squeezed company: by days, not by a month (a month
        # would make every recent customer there a chronic late payer)
        if c == sp.squeeze_company and due > self.H - 110:
            delay += rng.uniform(5, 15)
        pay_day = max(self.day, due + round(delay))
        if rng.random() < 0.12 and pay_day - 10 > self.day:
            first = rng.randint(self.day + 1, pay_day - 5)
            self.at(first, 7, self.ev_partial_pay, mid, rng.uniform(0.3, 0.7))
        self.at(pay_day, 7, self.ev_pay, mid)

    def ev_pay(self, mid: int) -> None:
        self.pay(mid)

    def ev_partial_pay(self, mid: int, frac: float) -> None:
        M = self.t["account.move"][mid]
        self.pay(mid, _r2(M["amount_residual"] * frac))

    def ev_credit_note(self, mid: int) -> None:
        """A partial credit (price adjustment) reconciled with the invoice while it is open."""
        rng = self.rng
        M = self.t["account.move"][mid]
        if M["payment_state"] not in ("not_paid", "partial"):
            return
        L = self.t["account.move.line"]
        first = L[M["invoice_line_ids"][0]]
        amount = _r2(M["amount_untaxed"] * rng.uniform(0.04, 0.2))
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "out_refund",
            M["partner_id"],
            [
                {
                    "product_id": first["product_id"],
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account": "400000",
                }
            ],
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "invoice_user_id": M.get("invoice_user_id", False),
                "team_id": M.get("team_id", False),
                "ref": f"Reversal of: {M['name']}, price adjustment",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)

    def _apply_refund(self, mid: int, rid: int) -> None:
        L = self.t["account.move.line"]
        R = self.t["account.move"][rid]
        M = self.t["account.move"][mid]
        inv_pt, ref_pt = self.open_items_all[mid], self.open_items_all[rid]
        amt = min(abs(L[ref_pt]["amount_residual"]), abs(L[inv_pt]["amount_residual"]))
        amt_cur = min(
            abs(L[ref_pt]["amount_residual_currency"]), abs(L[inv_pt]["amount_residual_currency"])
        )
        if M["move_type"] == "out_invoice":
            self.reconcile(inv_pt, ref_pt, amt, amt_cur)
        else:
            self.reconcile(ref_pt, inv_pt, amt, amt_cur)
        self.groups[mid].append(ref_pt)
        self.groups.pop(rid, None)
        self.refresh_matching(self.groups[mid])
        self.update_invoice_state(mid)
        self.update_invoice_state(rid)
        R["payment_state"] = "paid" if abs(L[ref_pt]["amount_residual"]) < 0.005 else "partial"
        self.open_items.pop(rid, None)
        if abs(L[inv_pt]["amount_residual"]) < 0.005:
            self.open_items.pop(mid, None)

    def ev_reverse(self, o: dict[str, Any], mid: int) -> None:
        """A wrong invoice: fully reversed by a credit note, then issued again."""
        M = self.t["account.move"][mid]
        if M["payment_state"] != "not_paid":
            return
        L = self.t["account.move.line"]
        items = []
        for lid in M["invoice_line_ids"]:
            ln = L[lid]
            items.append(
                {
                    "product_id": ln["product_id"],
                    "quantity": ln["quantity"],
                    "price_unit": ln["price_unit"],
                    "discount": ln.get("discount", 0.0),
                    "sale_line_ids": ln["sale_line_ids"],
                    "account": "400100" if ln["product_id"] in self.services else "400000",
                }
            )
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "out_refund",
            M["partner_id"],
            items,
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "invoice_user_id": M.get("invoice_user_id", False),
                "team_id": M.get("team_id", False),
                "ref": f"Reversal of: {M['name']}",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)
        M["payment_state"] = "reversed"
        self.t["account.move"][rid]["payment_state"] = "reversed"
        M["reversal_move_ids"] = [rid]
        for lid in self.t["account.move"][rid]["invoice_line_ids"]:
            sl = L[lid]["sale_line_ids"][0]
            ln = self.touch("sale.order.line", sl)
            ln["qty_invoiced"] = ln["qty_invoiced"] - L[lid]["quantity"]
            ln["qty_to_invoice"] = ln["product_uom_qty"] - ln["qty_invoiced"]
            ln["invoice_status"] = "to invoice"
            ln["invoice_lines"].append(lid)
            ln["untaxed_amount_invoiced"] = 0.0
            ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
        self._recompute_so_invoice_status(o["so"])
        self.at(self.day + self.rng.randint(0, 2), 5, self.ev_invoice_order, o, True)
