"""Sales of the advancing company: new quotations, confirmations with their delivery, deliveries."""

from __future__ import annotations

from datetime import timedelta

from simulator.advance.base import _r2
from simulator.advance.ledger import AdvanceLedger
from simulator.company import books


class AdvanceSales(AdvanceLedger):
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
        tax = books.tax_rate(c, sale=True)
        vals = []
        for k, pid in enumerate(
            rng.sample(self.products[c], min(len(self.products[c]), rng.randint(1, 3)))
        ):
            tmpl = self.s.table("product.template")[
                self.s.table("product.product")[pid]["product_tmpl_id"]
            ]
            price = _r2(tmpl.get("list_price", 0.0) * rate)
            qty = float(rng.randint(1, 8))
            sub = books.subtotal(qty, price)
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
                    "price_total": books.with_tax(sub, tax),
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
