"""CRM: the lead pipeline with its stage tracking and chatter, and the open activities left at
the end (on leads, overdue invoices, customers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from simulator.company.accounting import Accounting
from simulator.company.core import _r2
from simulator.company.names import _ADJ, _FIRST, _LAST, _NOUN, _SUFFIX_EU, _SUFFIX_US


class Crm(Accounting):
    # ------------------------------------------------------------------ CRM
    def plan_leads(self) -> None:
        """Leads: those that end in an order (won), and others (lost, open, stalled)."""
        rng = self.rng
        H = self.H
        self.lead_events: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        n = self.p["leads"]
        # won: attach to the largest confirmed orders
        confirmed = [
            o
            for day in sorted(self.orders_plan)
            for o in self.orders_plan[day]
            if o["fate"] == "confirm"
        ]
        n_won = min(len(confirmed), int(n * 0.3))
        for o in rng.sample(confirmed, n_won):
            span = rng.randint(12, 70)
            c0 = o["day"] - span
            o["lead_spec"] = {
                "created": c0,
                "won": o["confirm"],
                "company": o["company"],
                "partner": o["partner"],
                "order": o,
            }
            self.at_plan(c0, self.ev_lead_create, o["lead_spec"])
        n_other = n - n_won
        for _ in range(n_other):
            c0 = int(H * (rng.random() ** 0.8))
            comp = 1 if rng.random() < 0.7 else 2
            partner = rng.choice(self.customers_by_company[comp]) if rng.random() < 0.35 else None
            self.at_plan(
                c0, self.ev_lead_create, {"created": c0, "company": comp, "partner": partner}
            )
        sp = self.sp
        for k in range(sp.stalled_deals + sp.slow_active_deals):
            stalled = k < sp.stalled_deals
            comp = 1 if rng.random() < 0.7 else 2
            stuck_since = H - rng.randint(45, 110)
            c0 = stuck_since - rng.randint(5, 30)
            partner = rng.choice(self.customers_by_company[comp]) if rng.random() < 0.5 else None
            spec = {
                "created": c0,
                "company": comp,
                "partner": partner,
                "stuck": stuck_since,
                "stuck_stage": rng.choice(("Qualified", "Proposition")),
                "stalled": stalled,
            }
            self.at_plan(c0, self.ev_lead_create, spec)

    def at_plan(self, day: int, fn: Callable[..., None], *args: Any) -> None:
        self.at(max(day, 0), 0, fn, *args)

    def track_stage(self, lead: int, old: int | None, new: int, author_uid: int) -> None:
        mid = self.new(
            "mail.message",
            {
                "model": "crm.lead",
                "res_id": lead,
                "record_name": self.t["crm.lead"][lead]["name"],
                "message_type": "notification",
                "date": self.ts,
                "author_id": self.users[author_uid]["partner"],
                "body": "",
            },
            uid=author_uid,
        )
        tv: dict[str, Any] = {
            "mail_message_id": mid,
            "field_info": {"name": "stage_id", "desc": "Stage", "type": "many2one", "sequence": 20},
            "new_value_integer": new,
            "new_value_char": self.stage_name[new],
        }
        if old:
            tv["old_value_integer"] = old
            tv["old_value_char"] = self.stage_name[old]
        tid = self.new("mail.tracking.value", tv, uid=author_uid)
        self.t["mail.message"][mid]["tracking_value_ids"] = [tid]

    def log_note(self, lead: int, author_uid: int, what: str) -> None:
        self.new(
            "mail.message",
            {
                "model": "crm.lead",
                "res_id": lead,
                "record_name": self.t["crm.lead"][lead]["name"],
                "message_type": "notification",
                "date": self.ts,
                "author_id": self.users[author_uid]["partner"],
                "body": f"<p>{what} done</p>",
            },
            uid=author_uid,
        )

    def ev_lead_create(self, spec: dict[str, Any]) -> None:
        self._create_lead(spec)
        if "stuck" in spec:  # a planted stuck deal: stalled (no activity) or slow but active
            (self._stalled if spec["stalled"] else self.slow_ids).append(spec["lead"])

    def _create_lead(self, spec: dict[str, Any]) -> None:
        rng = self.rng
        self.tick()
        comp = spec["company"]
        user = rng.choice(self.salespeople[comp])
        partner = spec.get("partner")
        P = self.t["res.partner"]
        if partner:
            pname = P[partner]["name"]
            contact = P[self.contacts[partner][0]]["name"]
        else:
            pname = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX_EU if comp == 2 else _SUFFIX_US)}".strip()
            contact = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        order = spec.get("order")
        if order:
            exp = _r2(sum(q * self.price[pid] * (1 - d / 100) for pid, q, d in order["lines"]))
        else:
            exp = float(round(math.exp(rng.gauss(math.log(4000), 0.9)), -1))
        topic = rng.choice(
            (
                "Office refit",
                "New branch furniture",
                "Meeting rooms",
                "Ergonomic upgrade",
                "Reception area",
                "Open space",
                "Quote request",
                "Chairs renewal",
            )
        )
        email_slug = "".join(ch for ch in pname.lower() if ch.isalnum())[:14]
        is_lead = rng.random() < 0.35 and not order and "stuck" not in spec
        row: dict[str, Any] = {
            "name": f"{pname}: {topic}" if not is_lead else f"{topic} - {pname}",
            "type": "lead" if is_lead else "opportunity",
            "active": True,
            "company_id": comp,
            "team_id": self.team[comp],
            "user_id": user,
            "partner_name": pname,
            "contact_name": contact,
            "email_from": f"{contact.split()[0].lower()}@{email_slug}.example.com",
            "stage_id": self.stages["New"],
            "probability": 10.0,
            "automated_probability": 10.0,
            "expected_revenue": exp,
            "prorated_revenue": _r2(exp * 0.1),
            "date_open": self.ts,
            "date_last_stage_update": self.ts,
            "priority": rng.choice(("0", "0", "1", "1", "2", "3")),
            "won_status": "pending",
            "email_state": "correct",
            "date_deadline": self.ds(self.day + rng.randint(20, 90)),
        }
        if partner:
            row["partner_id"] = partner
        if not is_lead:
            row["date_conversion"] = self.ts
        lid = self.new("crm.lead", row, uid=user)
        spec["lead"] = lid
        spec["user"] = user
        self.track_stage(lid, None, self.stages["New"], user)
        if order:
            order["lead"] = lid
            won = spec["won"]
            a = self.day + max(1, (won - self.day) // 3)
            b = self.day + max(2, 2 * (won - self.day) // 3)
            # no stage outlasts its rotting threshold on the way to the order
            b = max(b, won - 1 - self._max_stay("Proposition"))
            a = max(a, b - 1 - self._max_stay("Qualified"))
            self.at(min(a, won), 1, self.ev_lead_stage, spec, "Qualified")
            self.at(min(b, won), 1, self.ev_lead_stage, spec, "Proposition")
            self.at(won, 3, self.ev_lead_won, spec)
            return
        if "stuck" in spec:
            st = spec["stuck_stage"]
            if st == "Proposition":
                self.at(
                    spec["stuck"] - rng.randint(3, 10), 1, self.ev_lead_stage, spec, "Qualified"
                )
            self.at(spec["stuck"], 1, self.ev_lead_stage, spec, st)
            if not spec["stalled"]:
                for back in sorted(rng.sample(range(1, 30), 3), reverse=True):
                    self.at(self.H - back, 1, self.ev_lead_note, spec)
            return
        if is_lead:
            if rng.random() < 0.7:
                self.at(self.day + rng.randint(5, 60), 1, self.ev_lead_lost, spec)
            return
        # a normal sales team moves or closes its deals before they rot: the time in each
        # stage stays under the stage's rotting threshold (only the planted deals rot)
        d = self.day
        stay_in = "New"
        for st in ("Qualified", "Proposition"):
            d += 1 + min(int(rng.expovariate(1 / 7.0)), self._max_stay(stay_in))
            if rng.random() < 0.3:
                self.at(d, 1, self.ev_lead_lost, spec)
                return
            self.at(d, 1, self.ev_lead_stage, spec, st)
            stay_in = st
            if rng.random() < 0.5:
                self.at(d + rng.randint(1, 4), 1, self.ev_lead_note, spec)
        self.at(
            d + 1 + min(int(rng.expovariate(1 / 8.0)), self._max_stay(stay_in)),
            1,
            self.ev_lead_lost,
            spec,
        )

    def _max_stay(self, stage: str) -> int:
        """Days a normal deal may wait in ``stage`` after the first, staying under the rot
        threshold (the stage's ``rotting_threshold_days``, else the marts' 30-day default)."""
        rot = int(self.t["crm.stage"][self.stages[stage]].get("rotting_threshold_days") or 30)
        return max(0, rot - 2)

    def ev_lead_stage(self, spec: dict[str, Any], stage: str) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"] or L["stage_id"] == self.stages["Won"]:
            return
        self.tick()
        old = L["stage_id"]
        new = self.stages[stage]
        if old == new:
            return
        prob = self.stage_prob[stage]
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            stage_id=new,
            probability=prob,
            automated_probability=prob,
            prorated_revenue=_r2(L["expected_revenue"] * prob / 100),
            date_last_stage_update=self.ts,
            type="opportunity",
        )
        L.setdefault("date_conversion", self.ts)
        self.track_stage(spec["lead"], old, new, spec["user"])

    def ev_lead_note(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"]:
            return
        self.tick()
        self.log_note(spec["lead"], spec["user"], self.rng.choice(("Call", "Email", "Meeting")))

    def ev_lead_won(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        self.tick()
        old = L["stage_id"]
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            stage_id=self.stages["Won"],
            probability=100.0,
            automated_probability=100.0,
            prorated_revenue=L["expected_revenue"],
            date_last_stage_update=self.ts,
            date_closed=self.ts,
            won_status="won",
            type="opportunity",
        )
        self.track_stage(spec["lead"], old, self.stages["Won"], spec["user"])
        if "order" in spec and spec["order"].get("so"):
            self.t["sale.order"][spec["order"]["so"]]["opportunity_id"] = spec["lead"]

    def ev_lead_lost(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"] or L["stage_id"] == self.stages["Won"]:
            return
        self.tick()
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            active=False,
            probability=0.0,
            prorated_revenue=0.0,
            won_status="lost",
            date_closed=self.ts,
        )

    def _activity(
        self,
        model: str,
        res_id: int,
        name: str,
        user: int,
        deadline: int,
        summary: str,
        created: int,
    ) -> None:
        self.ts = (
            f"{self.ds(created)} {8 + self.rng.randint(0, 9):02d}:{self.rng.randint(0, 59):02d}:00"
        )
        self.new(
            "mail.activity",
            {
                "res_model": model,
                "res_id": res_id,
                "res_name": name,
                "user_id": user,
                "date_deadline": self.ds(deadline),
                "summary": summary,
                "active": True,
            },
            uid=user,
        )

    def _activities(self) -> None:
        rng = self.rng
        H = self.H
        stalled_ids = set(self.stalled_ids())
        for lid, L in self.t["crm.lead"].items():
            if not L["active"] or L["stage_id"] == self.stages["Won"] or lid in stalled_ids:
                continue
            spec_slow = lid in self.slow_ids
            if spec_slow or rng.random() < 0.75:
                self._activity(
                    "crm.lead",
                    lid,
                    L["name"],
                    L["user_id"],
                    H + rng.randint(-4, 12),
                    rng.choice(("Follow-up call", "Send proposal", "Demo meeting", "Check budget")),
                    H - rng.randint(0, 6),
                )
        M = self.t["account.move"]
        for mid in sorted(self.open_items):
            m = M[mid]
            if m["move_type"] != "out_invoice":
                continue
            due = (date.fromisoformat(m["invoice_date_due"]) - self.start).days
            if due < H - 10 and rng.random() < 0.35:
                self._activity(
                    "account.move",
                    mid,
                    m["name"],
                    m.get("invoice_user_id") or self.accountant,
                    H + rng.randint(-3, 7),
                    "Payment reminder",
                    H - rng.randint(0, 8),
                )
        for cust in rng.sample(self.customers, max(2, len(self.customers) // 10)):
            self._activity(
                "res.partner",
                cust,
                self.t["res.partner"][cust]["name"],
                self.cust_user[cust],
                H + rng.randint(-2, 20),
                rng.choice(("Quarterly check-in", "Renewal discussion", "Satisfaction call")),
                H - rng.randint(0, 10),
            )

    def stalled_ids(self) -> list[int]:
        return self._stalled
