"""HR and expenses: employees and their expense claims (duplicates included)."""

from __future__ import annotations

import math
from typing import Any

from simulator.company.core import _r2
from simulator.company.crm import Crm
from simulator.company.names import _EXPENSES, _FIRST, _LAST


class HrExpense(Crm):
    # ------------------------------------------------------------------ HR and expenses
    def plan_hr(self) -> None:
        rng = self.rng
        n = self.p["employees"]
        self.employees: list[int] = []
        self.emp_company: dict[int, int] = {}
        self.emp_pay: dict[int, float] = {}
        self.tick()
        user_emps = [u for u in self.users if u >= 2]
        for k in range(n):
            if k < len(user_emps):
                u = user_emps[k]
                name, c = self.users[u]["name"], self.users[u]["company"]
            else:
                u, c = 0, 1 if rng.random() < 0.65 else 2
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            row: dict[str, Any] = {
                "name": name,
                "legal_name": name,
                "company_id": c,
                "active": True,
                "work_email": f"{name.split()[0].lower()}.{k}@northbridge.example.com",
                "lang": "en_US",
            }
            if u:
                row["user_id"] = u
                row["work_contact_id"] = self.users[u]["partner"]
            eid = self.new("hr.employee", row, uid=2)
            self.employees.append(eid)
            self.emp_company[eid] = c
            self.emp_pay[eid] = rng.uniform(4200, 9000) * (0.92 if c == 2 else 1.0)
        for eid in self.employees[1:]:
            self.t["hr.employee"][eid]["parent_id"] = self.employees[0]
        self.t["hr.employee"][self.employees[-1]]["active"] = False  # someone who left
        # expenses
        H = self.H
        self.expense_plan: list[tuple[int, int, str, float]] = []
        phone_emps = set(self.employees[: max(2, n // 5)])
        for eid in self.employees:
            for month in range(H // 30):
                if eid in phone_emps:
                    self.expense_plan.append((month * 30 + 3, eid, "Phone", 45.0))
                for _ in range(int(self.nrng.poisson(1.3))):
                    cat, mean, sd = rng.choice(_EXPENSES[:-1])
                    amount = _r2(math.exp(rng.gauss(math.log(mean), sd)))
                    self.expense_plan.append((month * 30 + rng.randint(0, 29), eid, cat, amount))
        self.expense_plan.sort()
        dup_src = [e for e in self.expense_plan if e[2] != "Phone" and 20 < e[0] < H - 5]
        self.dup_pairs: list[tuple[int, int, str, float, int]] = []
        for e in rng.sample(dup_src, self.sp.duplicate_expenses):
            d2 = min(H, e[0] + rng.randint(0, 4))
            self.dup_pairs.append((e[0], e[1], e[2], e[3], d2))
        self._dup_sources = {(d[0], d[1], d[2], d[3]) for d in self.dup_pairs}
        for day, eid, cat, amount in self.expense_plan:
            self.at(day, 8, self.ev_expense, eid, cat, amount, None)
        for k, (_day, eid, cat, amount, d2) in enumerate(self.dup_pairs):
            self.at(d2, 9, self.ev_expense, eid, cat, amount, k)
        self.dup_ids: dict[int, int] = {}

    def ev_expense(self, eid: int, cat: str, amount: float, dup: int | None) -> None:
        rng = self.rng
        self.tick()
        c = self.emp_company[eid]
        age = self.H - self.day
        if age > 45:
            state = "paid"
        elif age > 25:
            state = rng.choice(("posted", "in_payment", "paid"))
        elif age > 8:
            state = "approved"
        elif age > 2:
            state = "submitted"
        else:
            state = "draft"
        # the original of a planted duplicate is never refused: a refused claim submitted
        # again is a correction, not a duplicate (the draw is kept so the stream is unchanged)
        if (
            state != "draft"
            and rng.random() < 0.04
            and dup is None
            and (self.day, eid, cat, amount) not in self._dup_sources
        ):
            state = "refused"
        pid = self.expense_products[cat]
        key = (eid, cat, amount)  # as planned, before mileage is turned into km x rate
        qty = 1.0
        unit = amount
        if cat == "Mileage":
            qty = float(max(1, round(amount / 0.6)))
            unit = 0.6
            amount = _r2(qty * unit)
        row: dict[str, Any] = {
            "name": cat
            if rng.random() < 0.6
            else f"{cat} {rng.choice(('client visit', 'trade fair', 'team', 'supplier visit'))}",
            "employee_id": eid,
            "product_id": pid,
            "product_uom_id": self.KM if cat == "Mileage" else self.UNIT,
            "quantity": qty,
            "price_unit": unit,
            "total_amount": amount,
            "total_amount_currency": amount,
            "untaxed_amount": amount,
            "untaxed_amount_currency": amount,
            "currency_id": self.ccur[c],
            "company_id": c,
            "date": self.day_str,
            "state": state,
            "payment_mode": "own_account",
            "account_id": self.acc[c]["640000"],
            "manager_id": 2,
        }
        if state in ("approved", "posted", "in_payment", "paid"):
            row["approval_state"] = "approved"
            row["approval_date"] = self.ts
        elif state == "submitted":
            row["approval_state"] = "submitted"
        elif state == "refused":
            row["approval_state"] = "refused"
        emp = self.t["hr.employee"][eid]
        xid = self.new("hr.expense", row, uid=emp.get("user_id") or 2)
        if dup is not None:
            self.dup_ids[dup] = xid
        else:
            self._expense_by_key.setdefault(key, []).append(xid)
