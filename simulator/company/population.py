"""The population (partners, products, employees...) and the demand plan drawn before the first
day: order arrivals per customer, scenario targets, planned deliveries.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np

from simulator.company.core import _r2
from simulator.company.ledger import Ledger
from simulator.company.names import (
    _ADJ,
    _CITIES_EU,
    _CITIES_US,
    _EXPENSES,
    _FIRST,
    _GOODS,
    _GOODS_ADJ,
    _LAST,
    _NOUN,
    _SERVICES,
    _SUFFIX_EU,
    _SUFFIX_US,
)
from simulator.scenarios import ScenarioPlan, plan_scenarios


class Population(Ledger):
    # ------------------------------------------------------------------ population
    def population(self) -> None:
        rng, p = self.rng, self.p
        P = self.t["res.partner"]
        # products
        self.goods: list[int] = []
        self.services: list[int] = []
        self.expense_products: dict[str, int] = {}
        self.price: dict[int, float] = {}
        self.cost: dict[int, float] = {}
        self.pname = {}
        used_names: set[str] = set()
        for k in range(p["goods"] + p["services"] + len(_EXPENSES)):
            if k < p["goods"]:
                while True:
                    name = f"{rng.choice(_GOODS_ADJ)} {rng.choice(_GOODS).replace('-', ' ')}"
                    if name not in used_names or len(used_names) > 300:
                        break
                if name in used_names:
                    name = f"{name} {k}"
                used_names.add(name)
                price = float(round(math.exp(rng.gauss(math.log(220), 0.9)), 0)) + 0.0
                cost = _r2(price * rng.uniform(0.48, 0.66))
                kind, code = "goods", f"FURN_{1000 + k:04d}"
            elif k < p["goods"] + p["services"]:
                j = k - p["goods"]
                name = _SERVICES[j % len(_SERVICES)] + (
                    "" if j < len(_SERVICES) else f" {j // len(_SERVICES) + 1}"
                )
                price = float(rng.choice((65, 85, 95, 120, 150)))
                cost = _r2(price * 0.55)
                kind, code = "service", f"SERV_{j + 1:03d}"
            else:
                name, price, _ = _EXPENSES[k - p["goods"] - p["services"]]
                cost = price
                kind, code = "expense", f"EXP_{name.upper().replace(' ', '_')}"
            active = not (kind == "goods" and (rng.random() < 0.04 or k == p["goods"] - 1))
            tmpl: dict[str, Any] = {
                "name": name,
                "default_code": code,
                "type": "service" if kind != "goods" else "consu",
                "is_storable": kind == "goods",
                "categ_id": self.cats[
                    {"goods": "Furniture", "service": "Services", "expense": "Expenses"}[kind]
                ],
                "uom_id": self.HOUR
                if kind == "service"
                else (self.KM if name == "Mileage" else self.UNIT),
                "list_price": price if kind != "expense" else 0.0,
                "sale_ok": kind != "expense",
                "purchase_ok": kind == "goods",
                "can_be_expensed": kind == "expense",
                "invoice_policy": "delivery" if kind == "goods" else "order",
                "purchase_method": "receive",
                "tracking": "none",
                "service_tracking": "no",
                "service_type": "manual" if kind == "service" else False,
                "expense_policy": "no",
                "active": active,
                "sale_delay": 2 if kind == "goods" else 0,
                "weight": _r2(rng.uniform(2, 60)) if kind == "goods" else 0.0,
                "sequence": 1,
            }
            tid = self.new("product.template", tmpl, uid=2)
            pid = self.new(
                "product.product",
                {
                    "product_tmpl_id": tid,
                    "default_code": code,
                    "standard_price": cost,
                    "active": active,
                    "weight": tmpl["weight"],
                    "combination_indices": "",
                },
                uid=2,
            )
            tmpl["product_variant_ids"] = [pid]
            self.price[pid], self.cost[pid] = price, cost
            self.pname[pid] = f"[{code}] {name}"
            if kind == "goods" and active:
                self.goods.append(pid)
            elif kind == "service":
                self.services.append(pid)
            elif kind == "expense":
                self.expense_products[name] = pid
        self.archived_products = [
            pid for pid, r in self.t["product.product"].items() if not r.get("active")
        ]
        self.goods_by_company = {
            1: list(self.goods),
            2: [g for g in self.goods if rng.random() < 0.6],
        }
        # vendors
        self.vendors: list[int] = []
        self.vendor_lt: dict[int, int] = {}
        self.vendor_term: dict[int, int] = {}
        for k in range(p["vendors"]):
            eu = k % 3 == 2
            name = f"{rng.choice(_ADJ)} {rng.choice(('Manufacturing', 'Industries', 'Wood', 'Metals', 'Components', 'Textiles', 'Wholesale'))} {rng.choice(_SUFFIX_EU if eu else _SUFFIX_US)}".strip()
            vid = self._company_partner(name, eu, supplier=True)
            self.vendors.append(vid)
            self.vendor_lt[vid] = rng.randint(7, 20)
            self.vendor_term[vid] = self.term_by_days[rng.choice((30, 30, 45, 60, 21))]
            P[vid]["property_supplier_payment_term_id"] = self.vendor_term[vid]
        self.landlord = {}
        for c in self.companies:
            nm = f"{rng.choice(_ADJ)} Properties {'LLC' if c == 1 else 'B.V.'}"
            self.landlord[c] = self._company_partner(nm, c == 2, supplier=True)
        self.product_vendor = {
            g: self.vendors[i % len(self.vendors)] for i, g in enumerate(self.goods)
        }
        # customers
        self.customers: list[int] = []
        self.cust_company: dict[int, int] = {}
        self.cust_term: dict[int, int] = {}
        self.cust_user: dict[int, int] = {}
        self.cust_delay: dict[int, float] = {}
        self.cust_currency: dict[int, int] = {}
        self.contacts: dict[int, list[int]] = {}
        for _ in range(p["customers"]):
            c = 1 if rng.random() < 0.72 else 2
            eu = c == 2
            name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX_EU if eu else _SUFFIX_US)}".strip()
            cid = self._company_partner(name, eu, customer=True)
            term = self.term_by_days[rng.choice((30, 30, 30, 15, 45, 0, 21, 60))]
            P[cid]["property_payment_term_id"] = term
            self.customers.append(cid)
            self.cust_company[cid] = c
            self.cust_term[cid] = term
            self.cust_user[cid] = rng.choice(self.salespeople[c])
            P[cid]["user_id"] = self.cust_user[cid]
            self.cust_delay[cid] = rng.gauss(2.0, 5.0)
            foreign = rng.random() < 0.08
            self.cust_currency[cid] = (
                (self.EUR if c == 1 else self.USD) if foreign else self.ccur[c]
            )
            kids = []
            for _ in range(rng.randint(1, 3)):
                fn, ln = rng.choice(_FIRST), rng.choice(_LAST)
                kid = self.new(
                    "res.partner",
                    {
                        "name": f"{fn} {ln}",
                        "complete_name": f"{name}, {fn} {ln}",
                        "parent_id": cid,
                        "commercial_partner_id": cid,
                        "type": "contact",
                        "active": True,
                        "email": f"{fn.lower()}.{ln.lower()}@example.com",
                        "function": rng.choice(
                            ("Buyer", "Office Manager", "CEO", "Facilities", "Accountant")
                        ),
                        "lang": "en_US",
                        "autopost_bills": "ask",
                        "group_on": "default",
                        "group_rfq": "default",
                        "city": P[cid].get("city", False),
                    },
                )
                kids.append(kid)
            P[cid]["child_ids"] = kids
            self.contacts[cid] = kids
        # a few archived partners (old contacts and a prospect that never bought)
        for cid in rng.sample(self.customers, max(2, len(self.customers) // 25)):
            kid = self.contacts[cid][0]
            if len(self.contacts[cid]) > 1:
                P[kid]["active"] = False
        self.customers_by_company = {
            c: [x for x in self.customers if self.cust_company[x] == c] for c in self.companies
        }

    def _company_partner(
        self, name: str, eu: bool, customer: bool = False, supplier: bool = False
    ) -> int:
        rng = self.rng
        city = rng.choice(_CITIES_EU if eu else _CITIES_US)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
        pid = self.new(
            "res.partner",
            {
                "name": name,
                "complete_name": name,
                "is_company": True,
                "active": True,
                "customer_rank": 1 if customer else 0,
                "supplier_rank": 1 if supplier else 0,
                "email": f"contact@{slug}.example.com",
                "phone": f"+{'31' if eu else '1'} {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "street": f"{rng.randint(1, 999)} {rng.choice(_LAST)} {'Straat' if eu else 'Street'}",
                "city": city,
                "zip": f"{rng.randint(10000, 99999)}",
                "lang": "en_US",
                "type": "contact",
                "autopost_bills": "ask",
                "group_on": "default",
                "group_rfq": "default",
            },
        )
        self.t["res.partner"][pid]["commercial_partner_id"] = pid
        return pid

    # ------------------------------------------------------------------ planning
    def plan(self) -> None:
        """Draw when each customer orders what (vectorised), apply the scenarios' effects."""
        H = self.H
        nr = self.nrng
        days = np.arange(H + 1)
        dates = [self.start + timedelta(days=int(i)) for i in days]
        doy = np.array([d.timetuple().tm_yday for d in dates])
        wd = np.array([d.weekday() for d in dates])
        season = 1.0 + 0.2 * np.sin(2 * np.pi * (doy - 100) / 365.0) + 0.15 * (doy > 300)
        weekday = np.where(wd >= 5, 0.12, 1.0)
        growth = 0.8 + 0.45 * days / H
        shape = season * weekday * growth
        custs = self.customers
        n = len(custs)
        base = np.exp(nr.normal(0.0, 0.75, n))
        joined = np.where(nr.random(n) < 0.7, 0, nr.integers(0, H - 60, n))
        # each customer's usual days between orders were it active over the whole history
        # (what a churn scenario's silence is measured in)
        active_shape = np.cumsum(shape[::-1])[::-1][joined]
        scale = self.p["orders"] / float((base * active_shape).sum())
        cust_gap = {
            c: H / max(float(base[i] * shape.sum() * scale), 1e-9) for i, c in enumerate(custs)
        }
        self.sp = plan_scenarios(
            self.size,
            self.seed,
            self.customers_by_company,
            cust_gap,
            self.goods_by_company,
            self.vendors,
            H,
        )
        sp: ScenarioPlan = self.sp
        idx = {c: i for i, c in enumerate(custs)}
        for c in (*sp.churned, *sp.late_payers):
            joined[idx[c]] = 0
        active = (days[None, :] >= joined[:, None]).astype(float)
        lam = base[:, None] * shape[None, :] * active
        lam *= self.p["orders"] / lam.sum()
        for c, cfg in sp.churned.items():
            i = idx[c]
            stop = H - cfg["stop_ago"]
            d0 = stop - cfg["decline_days"]
            ramp = np.clip((days - d0) / max(1, cfg["decline_days"]), 0, 1)
            lam[i] *= 1.0 - 0.8 * ramp
            lam[i, stop + 1 :] = 0.0
            lam[i, : stop + 1] *= 1.3 * sp.churn_boost.get(c, 1.0)
        for c, m in sp.quiet_month.items():
            lam[idx[c], m * 30 : m * 30 + 31] = 0.0
        counts = nr.poisson(lam)
        for c, cfg in sp.churned.items():
            counts[idx[c], H - cfg["stop_ago"]] = max(1, counts[idx[c], H - cfg["stop_ago"]])
        ci, ti = np.nonzero(counts)
        reps = counts[ci, ti]
        ci = np.repeat(ci, reps)
        ti = np.repeat(ti, reps)
        order = np.lexsort((ci, ti))
        ci, ti = ci[order], ti[order]
        m = len(ci)
        n_lines = np.minimum(1 + nr.poisson(1.1, m), 6)
        fate_r = nr.random(m)
        conf_lag = np.minimum(nr.geometric(0.45, m) - 1, 10)
        deliv_lag = nr.integers(1, 5, m)
        inv_lag = np.where(nr.random(m) < 0.7, 0, nr.integers(1, 4, m))
        # favourite products per customer
        rng = self.rng
        fav: dict[int, list[int]] = {}
        for c in custs:
            g = self.goods_by_company[self.cust_company[c]]
            fav[c] = rng.sample(g, min(len(g), rng.randint(3, 9)))
        boosted = {(p, c) for p, c in sp.stockout + sp.rising_controls}
        self.orders_plan: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.planned_out: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(H + 40))
        ramp_start = H - 100
        for k in range(m):
            cust = custs[int(ci[k])]
            comp = self.cust_company[cust]
            day = int(ti[k])
            lines: list[list[Any]] = []
            chosen: set[int] = set()
            for _ in range(int(n_lines[k])):
                if rng.random() < 0.13:
                    pid = rng.choice(self.services)
                    qty = float(rng.choice((2, 4, 6, 8, 12, 16)))
                else:
                    pid = (
                        rng.choice(fav[cust])
                        if rng.random() < 0.8
                        else rng.choice(self.goods_by_company[comp])
                    )
                    qty = float(max(1, round(math.exp(rng.gauss(1.2, 0.7)))))
                if pid in chosen:
                    continue
                chosen.add(pid)
                lines.append([pid, qty, rng.choice((0.0, 0.0, 0.0, 0.0, 5.0, 10.0))])
            if day > ramp_start:
                f = (day - ramp_start) / 100.0
                for pid, cc in boosted:
                    if cc != comp:
                        continue
                    hit = [ln for ln in lines if ln[0] == pid]
                    if hit:
                        hit[0][1] = float(round(hit[0][1] * (1 + 1.5 * f)))
                    elif rng.random() < 0.05 + 0.35 * f:
                        lines.append([pid, float(max(1, round(rng.uniform(2, 6) * (1 + f)))), 0.0])
            r = float(fate_r[k])
            fate = "confirm" if r < 0.88 else ("cancel" if r < 0.96 else "stale")
            if cust in sp.churned and day == H - sp.churned[cust]["stop_ago"]:
                fate = "confirm"
            o: dict[str, Any] = {
                "partner": cust,
                "company": comp,
                "day": day,
                "lines": lines,
                "fate": fate,
                "confirm": day + int(conf_lag[k]),
                "deliver": day + int(conf_lag[k]) + int(deliv_lag[k]),
                "inv_lag": int(inv_lag[k]),
            }
            self.orders_plan[day].append(o)
            if fate == "confirm":
                for pid, qty, _ in lines:
                    if pid in self.cost and pid not in self.services:
                        self.planned_out[(pid, comp)][o["deliver"]] += qty
