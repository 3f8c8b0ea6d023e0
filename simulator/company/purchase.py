"""Stock replenishment and purchasing: orderpoints trigger purchase orders, receipts, vendor bills,
vendor payments and credits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from simulator.company import books
from simulator.company.core import _r2
from simulator.company.sales import Sales


class Purchasing(Sales):
    # ------------------------------------------------------------------ stock and purchase
    def ev_replenish(self) -> None:
        """Orderpoints: order what falls below the minimum, one PO per vendor and company."""
        by_vendor: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
        lo = max(0, self.day - 29)
        for key, (mn, mx) in self.op_levels.items():
            if key in self.frozen and self.day >= self.frozen[key]:
                continue
            forecast = self.onhand[key] + self.incoming[key] - self.outgoing[key]
            # the buyer also watches the last 30 days: a burst of demand raises the minimum
            # to what the vendor's real lead time needs at that pace, so a normally managed
            # product is never left with less cover than its lead time
            recent = float(self.delivered[key][lo : self.day + 1].sum()) / 30.0
            if recent > 0:
                vendor = self.product_vendor[key[0]]
                late = self.sp.late_suppliers.get(vendor)
                lead = self.vendor_lt[vendor] + 3 + (late[1] if late else 0)
                floor_ = float(math.ceil(recent * lead * 1.3) + 2)
                if floor_ > mn:
                    mn, mx = floor_, max(mx, floor_ + math.ceil(recent * 30) + 4)
            if forecast <= mn:
                qty = float(math.ceil(mx - forecast))
                by_vendor[(self.product_vendor[key[0]], key[1])].append((key[0], qty))
        for (vendor, c), items in sorted(by_vendor.items()):
            self.create_po(vendor, c, items)
        for key, fday in self.frozen.items():
            if self.day == fday:
                # last replenishment before the product's ordering stops (stock-out scenario)
                # enough for what ships until as_of (today's deliveries are already done)
                # plus the target left on hand at as_of
                target = self.stockout_target[key]
                demand = float(self.planned_out[key][self.day + 1 : self.H + 1].sum())
                stock = self.onhand[key] + self.incoming[key]
                qty = float(math.ceil(max(0.0, demand + target - stock)))
                if qty > 0:
                    self.create_po(
                        self.product_vendor[key[0]], key[1], [(key[0], qty)], no_delay=True
                    )

    def create_po(
        self, vendor: int, c: int, items: list[tuple[int, float]], no_delay: bool = False
    ) -> int:
        rng = self.rng
        self.tick()
        self._po_seq = getattr(self, "_po_seq", 0) + 1
        lt = self.vendor_lt[vendor]
        planned = self.day + lt
        currency = self.ccur[c]
        buyer = 2 if c == 1 else self.salespeople[2][0]
        po = {
            "name": f"P{self._po_seq:05d}",
            "partner_id": vendor,
            "company_id": c,
            "currency_id": currency,
            "currency_rate": 1.0,
            "date_order": self.ts,
            "date_approve": self.ts,
            "date_planned": f"{self.ds(planned)} 12:00:00",
            "date_calendar_start": self.ts,
            "state": "purchase",
            "user_id": buyer,
            "payment_term_id": self.vendor_term[vendor],
            "invoice_status": "no",
            "receipt_status": "pending",
            "priority": "0",
            "origin": "Replenishment Report",
            "receipt_reminder_email": False,
            "locked": False,
            "acknowledged": False,
        }
        poid = self.new("purchase.order", po, uid=buyer)
        tax = books.tax_rate(c, sale=False)
        lids = []
        for k, (pid, qty) in enumerate(items):
            price = self.cost[pid]
            sub = _r2(qty * price)
            lids.append(
                self.new(
                    "purchase.order.line",
                    {
                        "order_id": poid,
                        "product_id": pid,
                        "name": self.pname[pid],
                        "product_qty": qty,
                        "product_uom_qty": qty,
                        "product_uom_id": self.UNIT,
                        "price_unit": price,
                        "technical_price_unit": price,
                        "price_subtotal": sub,
                        "price_tax": _r2(sub * tax),
                        "price_total": books.with_tax(sub, tax),
                        "date_planned": f"{self.ds(planned)} 12:00:00",
                        "partner_id": vendor,
                        "company_id": c,
                        "qty_received_method": "stock_moves",
                        "qty_to_invoice": 0.0,
                        "sequence": 10 + k,
                        "propagate_cancel": True,
                    },
                    uid=buyer,
                )
            )
            self.incoming[(pid, c)] += qty
        POL = self.t["purchase.order.line"]
        po_row = self.t["purchase.order"][poid]
        po_row["order_line"] = lids
        po_row["amount_untaxed"] = _r2(sum(POL[i]["price_subtotal"] for i in lids))
        po_row["amount_tax"] = _r2(sum(POL[i]["price_tax"] for i in lids))
        po_row["amount_total"] = _r2(po_row["amount_untaxed"] + po_row["amount_tax"])
        po_row["amount_total_cc"] = po_row["amount_total"]
        self._pick_seq[(c, "IN")] += 1
        code = "WH" if c == 1 else "EU"
        pk = self.new(
            "stock.picking",
            {
                "name": f"{code}/IN/{self._pick_seq[(c, 'IN')]:05d}",
                "origin": po_row["name"],
                "partner_id": vendor,
                "company_id": c,
                "location_id": self.loc_vendor,
                "location_dest_id": self.loc_stock[c],
                "scheduled_date": po_row["date_planned"],
                "date_deadline": po_row["date_planned"],
                "state": "assigned",
                "move_type": "direct",
                "user_id": buyer,
                "priority": "0",
                "is_locked": True,
            },
            uid=buyer,
        )
        mids = []
        for i in lids:
            ln = POL[i]
            mv = self.new(
                "stock.move",
                {
                    "reference": self.t["stock.picking"][pk]["name"],
                    "origin": po_row["name"],
                    "product_id": ln["product_id"],
                    "product_uom": self.UNIT,
                    "product_uom_qty": ln["product_qty"],
                    "product_qty": ln["product_qty"],
                    "location_id": self.loc_vendor,
                    "location_dest_id": self.loc_stock[c],
                    "location_final_id": self.loc_stock[c],
                    "picking_id": pk,
                    "purchase_line_id": i,
                    "partner_id": vendor,
                    "company_id": c,
                    "warehouse_id": self.wh[c],
                    "state": "assigned",
                    "procure_method": "make_to_stock",
                    "date": po_row["date_planned"],
                    "date_deadline": po_row["date_planned"],
                    "is_in": True,
                    "priority": "0",
                    "sequence": 10,
                    "propagate_cancel": True,
                    "price_unit": ln["price_unit"],
                },
                uid=buyer,
            )
            ln["move_ids"] = [mv]
            mids.append(mv)
        self.t["stock.picking"][pk]["move_ids"] = mids
        po_row["picking_ids"] = [pk]
        # when does it really arrive
        if vendor in self.sp.late_suppliers and not no_delay:
            lo, hi = self.sp.late_suppliers[vendor]
            delay = rng.randint(lo, hi)
        elif vendor in self.sp.one_late_receipt and not no_delay and vendor not in self._late_once:
            self._late_once.add(vendor)
            delay = 14
        else:
            delay = rng.choice((-1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3))
        self.at(planned + delay, 3, self.ev_receive, poid, pk)
        return poid

    def ev_receive(self, poid: int, pk: int) -> None:
        self.tick()
        po = self.t["purchase.order"][poid]
        c = po["company_id"]
        uid = po["user_id"]
        self.touch("stock.picking", pk, uid=uid).update(state="done", date_done=self.ts)
        for mv in self.t["stock.picking"][pk]["move_ids"]:
            m = self.touch("stock.move", mv, uid=uid)
            m.update(state="done", quantity=m["product_uom_qty"], date=self.ts, picked=True)
            key = (m["product_id"], c)
            self.onhand[key] += m["product_uom_qty"]
            self.incoming[key] -= m["product_uom_qty"]
            self.last_in[key] = self.ts
            self.last_move[key] = self.ts
            ln = self.touch("purchase.order.line", m["purchase_line_id"], uid=uid)
            ln["qty_received"] = ln["product_qty"]
            ln["qty_to_invoice"] = ln["product_qty"]
        po = self.touch("purchase.order", poid, uid=uid)
        po.update(receipt_status="full", effective_date=self.ts, invoice_status="to invoice")
        self.receipts.append((poid, pk))
        self.at(self.day + self.rng.randint(0, 5), 5, self.ev_bill, poid)

    def ev_bill(self, poid: int) -> None:
        rng = self.rng
        po = self.t["purchase.order"][poid]
        POL = self.t["purchase.order.line"]
        items = [
            {
                "product_id": POL[i]["product_id"],
                "quantity": POL[i]["qty_to_invoice"],
                "price_unit": POL[i]["price_unit"],
                "purchase_line_id": i,
                "account": "500000",
            }
            for i in po["order_line"]
            if POL[i].get("qty_to_invoice", 0) > 0
        ]
        if not items:
            return
        self.tick()
        vendor = po["partner_id"]
        c = po["company_id"]
        ref = f"{rng.choice(('INV', 'FAC', 'F', 'BILL'))}-{rng.randint(10000, 99999)}"
        mid = self.invoice(
            c,
            "in_invoice",
            vendor,
            items,
            currency=po["currency_id"],
            term=self.vendor_term[vendor],
            header={"invoice_origin": po["name"], "ref": ref},
            uid=self.accountant,
        )
        M = self.t["account.move"][mid]
        for lid in M["invoice_line_ids"]:
            pl = self.t["account.move.line"][lid]["purchase_line_id"]
            ln = self.touch("purchase.order.line", pl)
            ln["qty_invoiced"] = ln["product_qty"]
            ln["qty_to_invoice"] = 0.0
            ln.setdefault("invoice_lines", []).append(lid)
        po = self.touch("purchase.order", poid)
        po["invoice_status"] = "invoiced"
        po["invoice_ids"] = [*po.get("invoice_ids", []), mid]
        po["invoice_count"] = len(po["invoice_ids"])
        self._schedule_vendor_payment(mid)
        if rng.random() < 0.02:
            self.at(self.day + rng.randint(3, 15), 6, self.ev_vendor_credit, mid)

    def _schedule_vendor_payment(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        due = (date.fromisoformat(M["invoice_date_due"]) - self.start).days
        self.at(
            max(self.day, due + self.rng.choice((-3, -2, -1, 0, 0, 0, 1, 2))), 7, self.ev_pay, mid
        )

    def ev_vendor_credit(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        if M["payment_state"] not in ("not_paid", "partial"):
            return
        L = self.t["account.move.line"]
        first = L[M["invoice_line_ids"][0]]
        amount = _r2(M["amount_untaxed"] * self.rng.uniform(0.03, 0.12))
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "in_refund",
            M["partner_id"],
            [
                {
                    "product_id": first["product_id"],
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account": "500000",
                }
            ],
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "ref": f"CN-{self.rng.randint(1000, 9999)}",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)
