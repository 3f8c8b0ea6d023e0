"""The day loop that drives every process in date order, and the finishing pass (quants,
orderpoints, activities).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np

from simulator.company.core import _r2
from simulator.company.truth import Truth


class Simulation(Truth):
    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        rng = self.rng
        H = self.H
        self.onhand = defaultdict(float)
        self.incoming = defaultdict(float)
        self.outgoing = defaultdict(float)
        self.delivered = defaultdict(lambda: np.zeros(H + 1))
        self.last_in = {}
        self.last_move = {}
        self.open_items = {}
        self.receipts = []
        self._late_once = set()
        self.anomalies = []
        self._expense_by_key = {}
        self.groups = defaultdict(list)

        self.open_items_all = {}  # invoice -> its payment term line, kept after it is paid
        # orderpoints from planned demand (rolling peaks, vendor lead time)
        self.op_levels = {}
        self.frozen = {}
        self.stockout_target = {}
        stock_val = {1: 0.0, 2: 0.0}
        # products whose demand ramps up at the end: a normal buyer sizes their orderpoints
        # on the peak rate and on the vendor's real delay (late or not), so they never run
        # short; a chronic shortage would also hold back every multi-line delivery that
        # contains them, and with it the stock of the products beside them
        boosted = set(self.sp.rising_controls)
        for c in self.companies:
            for g in self.goods_by_company[c]:
                key = (g, c)
                series = self.planned_out[key][: H + 1]
                roll = (
                    np.convolve(series, np.ones(30) / 30.0, mode="valid")
                    if series.sum()
                    else np.zeros(1)
                )
                dd = max(0.05, float(np.percentile(roll, 90)))
                lt = self.vendor_lt[self.product_vendor[g]] + 3
                if key in boosted:
                    dd = max(dd, float(roll.max()))
                    late = self.sp.late_suppliers.get(self.product_vendor[g])
                    lt += late[1] if late else 0
                mn = float(math.ceil(dd * lt * 1.3) + 2)
                mx = float(mn + math.ceil(dd * 30) + 4)
                self.op_levels[key] = (mn, mx)
                self.onhand[key] = mx
                stock_val[c] += mx * self.cost[g]
        for p_, c in self.sp.stockout:
            key = (p_, c)
            lt = self.vendor_lt[self.product_vendor[p_]]
            # on hand at as_of: a share of the vendor lead time's worth of demand, at the rate
            # the stock cover mart reads (the higher of the 90- and 30-day averages), so the
            # stock runs out before anything ordered on as_of could arrive
            planned = self.planned_out[key]
            rate = max(
                float(planned[H - 89 : H + 1].sum()) / 90.0,
                float(planned[H - 29 : H + 1].sum()) / 30.0,
                0.3,
            )
            target = float(max(2, round(rate * lt * rng.uniform(0.25, 0.5))))
            self.stockout_target[key] = target
            # ordering stops early enough that what is in stock then (at most the orderpoint
            # maximum plus what is committed) ships before as_of, leaving only the target:
            # the last receipt arrives well before as_of, nothing is incoming after it
            fday = H - 58 - lt
            cap = self.op_levels[key][1] + float(planned[fday : fday + 6].sum()) + target
            while fday > 30 and float(planned[fday + 1 : H + 1].sum()) < cap:
                fday -= 1
                cap = self.op_levels[key][1] + float(planned[fday : fday + 6].sum()) + target
            self.frozen[key] = fday
        # sizes of the recurring costs from the planned revenue
        rev = {1: 0.0, 2: 0.0}
        for day_orders in self.orders_plan.values():
            for o in day_orders:
                if o["fate"] == "confirm":
                    rev[o["company"]] += sum(q * self.price[p_] for p_, q, _ in o["lines"])
        monthly = {c: rev[c] / (H / 30.4) for c in self.companies}
        self.payroll = {c: _r2(monthly[c] * 0.2) for c in self.companies}
        self.payroll_paid = dict(self.payroll)
        self.rent = {c: float(round(monthly[c] * 0.04, -1)) for c in self.companies}
        self.fixed_assets = {c: float(round(monthly[c] * 3, -2)) for c in self.companies}
        # opening entries on day 0: inventory, cash, fixed assets against capital
        self.set_day(0)
        self.tick()
        for c in self.companies:
            cash = _r2(monthly[c] * (2.5 if c == 1 else 0.9))
            stock = _r2(stock_val[c])
            fa = self.fixed_assets[c]
            self.move(
                c,
                "MISC",
                "entry",
                [
                    {"account": "101401", "amount_currency": cash, "name": "Opening balance"},
                    {"account": "110100", "amount_currency": stock, "name": "Opening balance"},
                    {"account": "151000", "amount_currency": fa, "name": "Opening balance"},
                    {
                        "account": "301000",
                        "amount_currency": -_r2(cash + stock + fa),
                        "name": "Opening balance",
                    },
                ],
                header={"ref": "Opening balance"},
                uid=2,
            )
            for g in self.goods_by_company[c]:
                q = self.onhand[(g, c)]
                self.new(
                    "stock.move",
                    {
                        "reference": "Product Quantity Updated",
                        "product_id": g,
                        "product_uom": self.UNIT,
                        "product_uom_qty": q,
                        "product_qty": q,
                        "quantity": q,
                        "location_id": self.loc_inv[c],
                        "location_dest_id": self.loc_stock[c],
                        "company_id": c,
                        "state": "done",
                        "date": self.ts,
                        "is_inventory": True,
                        "is_in": True,
                        "picked": True,
                        "procure_method": "make_to_stock",
                        "priority": "0",
                        "sequence": 10,
                        "price_unit": self.cost[g],
                    },
                )
                self.last_in[(g, c)] = self.ts
        # schedule the plan
        for day, orders in self.orders_plan.items():
            for o in orders:
                self.at(day, 1, self.ev_new_order, o)
        self.plan_leads()
        self.plan_hr()
        self.plan_projects()
        for k in range(self.sp.anomalous_entries):
            kind = ("amount", "account", "timing", "round")[k % 4]
            day = rng.randint(H - 200, H - 5)
            if kind == "timing":
                while (self.start + timedelta(days=day)).weekday() != 6:
                    day += 1
            self.at(min(day, H - 1), 9, self.ev_anomaly, k, rng.choice(self.companies), kind)
        for i in range(H + 1):
            d = self.start + timedelta(days=i)
            if (d + timedelta(days=1)).day == 1:
                self.at(i, 9, self.ev_month_end)
            if d.day == 1:
                self.at(i, 2, self.ev_rent)
            if d.day == 20 and d.month in (1, 4, 7, 10):
                self.at(i, 9, self.ev_tax_settlement)
            self.at(i, 6, self.ev_replenish)
        # the squeeze's bills arrive on the as-of day itself, sized on that day's projection:
        # booked earlier, the trading still to come moved the projection by more than the
        # margin and the squeeze did not always hold at as_of
        self.at(H, 9, self.ev_squeeze)
        # run
        for i in range(H + 1):
            heap = self.agenda.get(i)
            if not heap:
                continue
            self.set_day(i)
            while heap:  # events scheduled for today while running are pushed here too
                _, _, fn, args = heapq.heappop(heap)
                fn(*args)
            del self.agenda[i]
        self.set_day(H)
        self.sec = 22 * 3600
        self._fmt_ts()

    # ------------------------------------------------------------------ finishing
    def finish(self) -> dict[str, Any]:
        now_ts = self.ts
        # quants and reservations
        SM = self.t["stock.move"]
        SP = self.t["stock.picking"]
        avail = {k: v for k, v in self.onhand.items()}
        pending = sorted(
            (
                p
                for p in SP.values()
                if p["state"] in ("assigned", "confirmed")
                and p["location_dest_id"] == self.loc_customer
            ),
            key=lambda p: (p["scheduled_date"], p["id"]),
        )
        reserved: dict[tuple[int, int], float] = defaultdict(float)
        for pk in pending:
            c = pk["company_id"]
            moves = [SM[m] for m in pk["move_ids"]]
            ok = all(avail[(m["product_id"], c)] + 1e-9 >= m["product_uom_qty"] for m in moves)
            st = "assigned" if ok else "confirmed"
            pk["state"] = st
            for m in moves:
                m["state"] = st
                if ok:
                    avail[(m["product_id"], c)] -= m["product_uom_qty"]
                    reserved[(m["product_id"], c)] += m["product_uom_qty"]
        for c in self.companies:
            for g in self.goods_by_company[c]:
                key = (g, c)
                self.ts = self.last_in.get(key, now_ts)
                q = self.onhand[key]
                last = self.last_move.get(key, self.ts)
                row: dict[str, Any] = {
                    "product_id": g,
                    "location_id": self.loc_stock[c],
                    "company_id": c,
                    "quantity": float(q),
                    "reserved_quantity": float(reserved[key]),
                    "in_date": self.last_in.get(key, now_ts),
                    "inventory_date": f"{self.as_of.year}-12-31",
                }
                qid = self.new("stock.quant", row)
                self.t["stock.quant"][qid]["write_date"] = max(last, self.ts)
        # orderpoints
        self.ts = self.ds(0) + " 07:30:00"
        for n, ((g, c), (mn, mx)) in enumerate(self.op_levels.items(), start=1):
            self.new(
                "stock.warehouse.orderpoint",
                {
                    "name": f"OP/{n:05d}",
                    "product_id": g,
                    "warehouse_id": self.wh[c],
                    "location_id": self.loc_stock[c],
                    "company_id": c,
                    "product_min_qty": mn,
                    "product_max_qty": mx,
                    "trigger": "auto",
                    "active": True,
                    "replenishment_uom_id": self.UNIT,
                },
            )
        # activities (open ones only: done activities are deleted in Odoo)
        self._activities()
        # product/template write dates follow the latest change of their own record only
        self.ts = now_ts
        return self.ground_truth()
