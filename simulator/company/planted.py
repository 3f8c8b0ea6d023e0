"""The planted scenarios made true in the books: anomalies and the cash squeeze (with the cash
projection it is sized against).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from simulator.company.core import _r2
from simulator.company.project import Projects
from simulator.ground_truth import project_cash


class Planted(Projects):
    # ------------------------------------------------------------------ anomalies
    def ev_anomaly(self, k: int, c: int, kind: str) -> None:
        rng = self.rng
        if kind == "timing":
            self.sec = 23 * 3600 - 120  # late on a weekend evening
        self.tick()
        clerk = self.salespeople[c][-1]
        if kind == "amount":
            amt = _r2(self.payroll[c] * rng.uniform(2.5, 4.0))
            lines = [
                {"account": "640000", "amount_currency": amt, "name": "Reclassification"},
                {"account": "101401", "amount_currency": -amt, "name": "Reclassification"},
            ]
        elif kind == "account":
            amt = _r2(rng.uniform(8000, 25000))
            lines = [
                {"account": "301000", "amount_currency": amt, "name": "Adjustment"},
                {"account": "400000", "amount_currency": -amt, "name": "Adjustment"},
            ]
        elif kind == "round":
            amt = float(rng.choice((50000, 75000, 100000)))
            lines = [
                {"account": "600000", "amount_currency": amt, "name": "Accrual"},
                {"account": "230000", "amount_currency": -amt, "name": "Accrual"},
            ]
        else:
            amt = _r2(rng.uniform(9000, 19000))
            lines = [
                {"account": "641000", "amount_currency": amt, "name": "Correction"},
                {"account": "101401", "amount_currency": -amt, "name": "Correction"},
            ]
        mid = self.move(
            c,
            "MISC",
            "entry",
            lines,
            uid=clerk if kind in ("timing", "account") else self.accountant,
        )
        self.anomalies.append(
            {"move_id": mid, "company_id": c, "reason": kind, "date": self.day_str}
        )

    # ------------------------------------------------------------------ cash squeeze
    def cash_of(self, c: int) -> float:
        return _r2(
            sum(self.acc_bal[(c, code)] for code in ("101401", "101501", "101402", "101403"))
        )

    def projection(
        self, c: int, start_day: int
    ) -> tuple[date | None, list[tuple[str, float]], float]:
        """The cash projection of company ``c`` (see :func:`simulator.ground_truth.project_cash`)."""
        M = self.t["account.move"]
        start = self.start + timedelta(days=start_day)
        # recent collection delay of the company (days after due, last 120 days)
        lates = []
        L = self.t["account.move.line"]
        P = self.t["account.payment"]
        for mid in self.open_items_all:
            m = M[mid]
            if (
                m["company_id"] != c
                or m["move_type"] != "out_invoice"
                or m["payment_state"] != "paid"
            ):
                continue
            pays = m.get("matched_payment_ids", [])
            if not pays:
                continue
            pdate = date.fromisoformat(P[pays[-1]]["date"])
            if (start - pdate).days <= 120:
                lates.append((pdate - date.fromisoformat(m["invoice_date_due"])).days)
        delay = max(0, round(float(np.mean(lates)))) if lates else 0
        receivables, payables = [], []
        for mid, pt in self.open_items.items():
            m = M[mid]
            if m["company_id"] != c:
                continue
            res = L[pt]["amount_residual"]
            due = date.fromisoformat(m["invoice_date_due"])
            if m["move_type"] in ("out_invoice", "out_refund"):
                receivables.append((max(due, start) + timedelta(days=delay), res))
            else:
                payables.append((due, -res))
        recurring = []
        for k in range(4):
            month_end = (start.replace(day=1) + timedelta(days=32 * (k + 1))).replace(
                day=1
            ) - timedelta(days=1)
            recurring.append(
                (month_end, self.payroll_paid[c] / (1.45 if month_end.month == 12 else 1.0))
            )
            recurring.append((month_end + timedelta(days=11), self.rent[c]))
        first, series = project_cash(self.cash_of(c), receivables, payables, recurring, start, 90)
        return first, series, float(delay)

    def ev_squeeze(self) -> None:
        """Book the large bills that will squeeze one company's cash after as_of."""
        rng = self.rng
        c = self.sp.squeeze_company
        target = 28 + rng.randint(0, 14)  # days after as_of when cash should run out
        _, series, _ = self.projection(c, self.H)
        bal_at = dict(series)
        day_t = (self.start + timedelta(days=self.H + target)).isoformat()
        # a month's payroll short at the target day: a squeeze, not a rounding error
        need = bal_at.get(day_t, series[-1][1]) + 1.0 * max(self.payroll[c], 1.0)
        need = max(need, self.payroll[c] * 0.5)
        vendors = rng.sample(self.vendors, 2)
        parts = (0.55, 0.45)
        for v, share in zip(vendors, parts, strict=True):
            self.tick()
            amount = _r2(need * share / 1.21)
            due = self.H + target - rng.randint(2, 9) - self.day
            mid = self.invoice(
                c,
                "in_invoice",
                v,
                [
                    {
                        "name": rng.choice(
                            (
                                "Warehouse racking installation",
                                "Showroom renovation",
                                "Annual material contract",
                            )
                        ),
                        "quantity": 1.0,
                        "price_unit": amount,
                        "account": "600000",
                    }
                ],
                currency=self.ccur[c],
                term=None,
                due_days=due,
                header={"ref": f"INV-{rng.randint(10000, 99999)}"},
                uid=self.accountant,
            )
            self._schedule_vendor_payment(mid)
