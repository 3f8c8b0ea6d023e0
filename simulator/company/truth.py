"""The ground truth: what the scenarios and controls planted, computed from the final rows."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np

from simulator.company.planted import Planted
from simulator.ground_truth import FORMAT_VERSION

_log = logging.getLogger(__name__)


class Truth(Planted):
    # ------------------------------------------------------------------ ground truth
    def ground_truth(self) -> dict[str, Any]:
        H = self.H
        sp = self.sp
        M = self.t["account.move"]
        P = self.t["account.payment"]
        gt: dict[str, Any] = {}
        # churned customers
        churn = []
        for cust, cfg in sorted(sp.churned.items()):
            stop = H - cfg["stop_ago"]
            churn.append(
                {
                    "partner_id": cust,
                    "company_id": self.cust_company[cust],
                    "last_order_date": self.ds(stop),
                    "decline_start": self.ds(stop - cfg["decline_days"]),
                }
            )
        gt["churned_customers"] = churn
        # late payers: their realised lateness
        per: dict[int, list[int]] = defaultdict(list)
        for _mid, m in M.items():
            if m["move_type"] != "out_invoice" or m["payment_state"] not in ("paid", "in_payment"):
                continue
            pays = m.get("matched_payment_ids", [])
            if pays:
                late = (
                    date.fromisoformat(P[pays[-1]]["date"])
                    - date.fromisoformat(m["invoice_date_due"])
                ).days
                per[m["partner_id"]].append(late)
        gt["late_payers"] = [
            {
                "partner_id": cust,
                "company_id": self.cust_company[cust],
                "mean_days_late": round(float(np.mean(per[cust])), 1) if per[cust] else None,
                "invoices": len(per[cust]),
            }
            for cust in sorted(sp.late_payers)
        ]
        # stock-outs
        so = []
        for p_, c in sp.stockout:
            key = (p_, c)
            onhand = self.onhand[key]
            # the demand rate as delivered: the higher of the 90- and 30-day averages up to
            # as_of (rising demand); committed deliveries are part of that rate, not
            # subtracted again from what is on hand
            dd = max(
                float(self.delivered[key][H - 89 : H + 1].sum()) / 90.0,
                float(self.delivered[key][H - 29 : H + 1].sum()) / 30.0,
                0.01,
            )
            lt = self.vendor_lt[self.product_vendor[p_]]
            days_left = math.floor(max(0.0, onhand + self.incoming[key]) / round(dd, 3))
            if days_left >= lt:
                # a held-back delivery left more on hand than planned: the scenario is not
                # true in the data, so it is not claimed
                _log.warning(
                    "stock-out scenario of product %s (company %s) does not hold: %s days of "
                    "cover, lead time %s days; left out of the ground truth",
                    p_, c, days_left, lt,
                )  # fmt: skip
                continue
            so.append(
                {
                    "product_id": p_,
                    "company_id": c,
                    "warehouse_id": self.wh[c],
                    "location_id": self.loc_stock[c],
                    "on_hand": onhand,
                    "incoming": self.incoming[key],
                    "outgoing": self.outgoing[key],
                    "daily_demand": round(dd, 3),
                    "lead_time_days": lt,
                    "days_until_stockout": days_left,
                    "estimated_stockout_date": (self.as_of + timedelta(days=days_left)).isoformat(),
                }
            )
        gt["stockout_products"] = so
        # duplicates
        X = self.t["hr.expense"]
        dups = []
        for k, (day, eid, cat, amount, _d2) in enumerate(self.dup_pairs):
            second = self.dup_ids.get(k)
            firsts = [
                x
                for x in self._expense_by_key.get((eid, cat, amount), [])
                if X[x]["date"] == self.ds(day)
            ]
            if second and firsts:
                dups.append(
                    {
                        "expense_ids": [firsts[0], second],
                        "employee_id": eid,
                        "amount": X[second]["total_amount"],
                        "product_id": X[second]["product_id"],
                    }
                )
        gt["duplicate_expenses"] = dups
        gt["anomalous_entries"] = self.anomalies
        # late suppliers
        sups = []
        for v in sorted(sp.late_suppliers):
            lates = []
            for poid, pk in self.receipts:
                po = self.t["purchase.order"][poid]
                if po["partner_id"] == v:
                    pkr = self.t["stock.picking"][pk]
                    lates.append(
                        (
                            date.fromisoformat(pkr["date_done"][:10])
                            - date.fromisoformat(po["date_planned"][:10])
                        ).days
                    )
            sups.append(
                {
                    "partner_id": v,
                    "mean_days_late": round(float(np.mean(lates)), 1) if lates else None,
                    "receipts": len(lates),
                }
            )
        gt["late_suppliers"] = sups
        # stalled deals
        stalled = []
        for lid in self._stalled:
            L = self.t["crm.lead"][lid]
            since = date.fromisoformat(L["date_last_stage_update"][:10])
            stage = self.t["crm.stage"][L["stage_id"]]
            stalled.append(
                {
                    "lead_id": lid,
                    "stage_id": L["stage_id"],
                    "stage_since": since.isoformat(),
                    "rotting_threshold_days": stage.get("rotting_threshold_days", 0),
                    "days_in_stage": (self.as_of - since).days,
                }
            )
        gt["stalled_deals"] = stalled
        # cash squeeze
        c = sp.squeeze_company
        first, series, delay = self.projection(c, H)
        if first is None:
            _log.warning(
                "cash squeeze of company %s does not hold: the projection stays above zero; "
                "left out of the ground truth",
                c,
            )
        gt["cash_squeeze"] = (
            [
                {
                    "company_id": c,
                    "expected_date": first.isoformat(),
                    "cash_at_as_of": self.cash_of(c),
                    "currency": self.t["res.currency"][self.ccur[c]]["name"],
                    "collection_delay_days": delay,
                    "projection": series[::7],
                }
            ]
            if first is not None
            else []
        )
        other = next(x for x in self.companies if x != c)
        o_first, _, _ = self.projection(other, H)
        controls = {
            "quiet_month_customers": sorted(sp.quiet_month),
            "one_late_invoice_customers": sorted(sp.one_late_invoice),
            "rising_demand_replenished": [
                {"product_id": p_, "company_id": cc} for p_, cc in sp.rising_controls
            ],
            "slow_but_active_deals": sorted(self.slow_ids),
            "recurring_same_amount_expenses": "Phone expenses: same employee and amount, monthly",
            "december_payroll_bonus": True,
            "one_late_receipt_vendors": sorted(sp.one_late_receipt),
            "healthy_cash_company": {
                "company_id": other,
                "expected_date": o_first.isoformat() if o_first else None,
            },
        }
        return {
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "size": self.size,
            "as_of": self.as_of.isoformat(),
            "scenarios": gt,
            "controls": controls,
        }
