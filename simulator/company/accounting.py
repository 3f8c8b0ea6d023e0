"""Recurring entries: month-end payroll and depreciation, rent, tax settlement."""

from __future__ import annotations

from datetime import timedelta

from simulator.company.core import _r2
from simulator.company.purchase import Purchasing


class Accounting(Purchasing):
    # ------------------------------------------------------------------ recurring entries
    def ev_month_end(self) -> None:
        rng = self.rng
        d = self.start + timedelta(days=self.day)
        for c in self.companies:
            self.tick()
            base = self.payroll[c] * (1.03 ** (d.year - self.start.year))
            amount = _r2(base * (1.45 if d.month == 12 else 1.0) * rng.uniform(0.99, 1.01))
            self.payroll_paid[c] = amount
            self.move(
                c,
                "SAL",
                "entry",
                [
                    {"account": "620000", "amount_currency": amount, "name": f"Salaries {d:%B %Y}"},
                    {
                        "account": "101401",
                        "amount_currency": -amount,
                        "name": f"Salaries {d:%B %Y}",
                    },
                ],
                header={"ref": f"Payroll {d:%m/%Y}"},
                uid=self.accountant,
            )
            self.tick()
            dep = _r2(self.fixed_assets[c] / 60.0)
            self.move(
                c,
                "MISC",
                "entry",
                [
                    {"account": "630000", "amount_currency": dep, "name": "Depreciation"},
                    {"account": "151100", "amount_currency": -dep, "name": "Depreciation"},
                ],
                header={"ref": f"Depreciation {d:%m/%Y}"},
                uid=self.accountant,
            )
            if rng.random() < 0.6:
                self.tick()
                fee = _r2(rng.uniform(15, 90))
                self.move(
                    c,
                    "BNK1",
                    "entry",
                    [
                        {"account": "650000", "amount_currency": fee, "name": "Bank fees"},
                        {"account": "101401", "amount_currency": -fee, "name": "Bank fees"},
                    ],
                    name_code="BNK1",
                    uid=self.accountant,
                )

    def ev_rent(self) -> None:
        for c in self.companies:
            self.tick()
            mid = self.invoice(
                c,
                "in_invoice",
                self.landlord[c],
                [
                    {
                        "name": "Office and warehouse rent",
                        "quantity": 1.0,
                        "price_unit": self.rent[c],
                        "account": "610000",
                    }
                ],
                currency=self.ccur[c],
                term=None,
                due_days=10,
                header={"ref": f"RENT-{self.start + timedelta(days=self.day):%Y%m}"},
                uid=self.accountant,
            )
            self._schedule_vendor_payment(mid)

    def ev_tax_settlement(self) -> None:
        """Quarterly: the net tax balance is paid to (or refunded by) the tax office."""
        for c in self.companies:
            owed = -_r2(self.acc_bal[(c, "251000")])
            claim = _r2(self.acc_bal[(c, "131000")])
            if owed <= 0 and claim <= 0:
                continue
            self.tick()
            lines = []
            if owed > 0:
                lines.append(
                    {"account": "251000", "amount_currency": owed, "name": "Tax settlement"}
                )
            if claim > 0:
                lines.append(
                    {"account": "131000", "amount_currency": -claim, "name": "Tax settlement"}
                )
            lines.append(
                {"account": "101401", "amount_currency": -(owed - claim), "name": "Tax settlement"}
            )
            self.move(c, "MISC", "entry", lines, header={"ref": "Tax return"}, uid=self.accountant)
