"""CRM of the advancing company: pipeline moves with their stage tracking, activities planned
and done (done = deleted).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulator.advance.base import _r2
from simulator.advance.sales import AdvanceSales


class AdvanceCrm(AdvanceSales):
    # -------------------------------------------------------------- CRM
    def crm_day(self) -> None:
        rng = self.rng
        leads = self.s.table("crm.lead")
        open_opps = sorted(
            lid
            for lid, ld in leads.items()
            if ld.get("active")
            and ld.get("type") == "opportunity"
            and ld.get("stage_id") != self.stages.get("Won")
        )
        if not open_opps:
            return
        order = ["New", "Qualified", "Proposition"]
        for lid in rng.sample(open_opps, min(len(open_opps), rng.randint(0, 3))):
            ld = leads[lid]
            name = self.stage_names.get(ld["stage_id"], "New")
            self.step()
            uid = ld.get("user_id") or 2
            r = rng.random()
            if r < 0.2:
                self.s.write(
                    "crm.lead",
                    [lid],
                    {
                        "active": False,
                        "probability": 0.0,
                        "won_status": "lost",
                        "date_closed": self.s.now.strftime("%Y-%m-%d %H:%M:%S"),
                    },
                    uid=uid,
                )
                self.counts["leads_lost"] += 1
                continue
            nxt = (
                "Won"
                if name == "Proposition" and r < 0.45
                else (order[order.index(name) + 1] if name in order[:-1] else None)
            )
            if nxt is None:
                continue
            new = self.stages[nxt]
            ts = self.s.now.strftime("%Y-%m-%d %H:%M:%S")
            prob = {"Qualified": 30.0, "Proposition": 60.0, "Won": 100.0}[nxt]
            vals: dict[str, Any] = {
                "stage_id": new,
                "probability": prob,
                "prorated_revenue": _r2(ld.get("expected_revenue", 0.0) * prob / 100),
                "date_last_stage_update": ts,
            }
            if nxt == "Won":
                vals.update(won_status="won", date_closed=ts)
            self.s.write("crm.lead", [lid], vals, uid=uid)
            msg = self.s.create(
                "mail.message",
                [
                    {
                        "model": "crm.lead",
                        "res_id": lid,
                        "record_name": ld["name"],
                        "message_type": "notification",
                        "date": ts,
                        "author_id": self.user_partner.get(uid, False),
                    }
                ],
                uid=uid,
            )[0]
            tv = self.s.create(
                "mail.tracking.value",
                [
                    {
                        "mail_message_id": msg,
                        "field_info": {
                            "name": "stage_id",
                            "desc": "Stage",
                            "type": "many2one",
                            "sequence": 20,
                        },
                        "old_value_integer": ld["stage_id"],
                        "old_value_char": name,
                        "new_value_integer": new,
                        "new_value_char": nxt,
                    }
                ],
                uid=uid,
            )[0]
            self.s.write("mail.message", [msg], {"tracking_value_ids": [tv]}, uid=uid)
            self.counts["stage_changes"] += 1
            if nxt == "Won":
                self.counts["leads_won"] += 1

    def activities_day(self) -> None:
        rng = self.rng
        acts = self.s.table("mail.activity")
        due = sorted(aid for aid, a in acts.items() if a["date_deadline"] <= self.today)
        done = [a for a in due if rng.random() < 0.6]
        if done:
            self.step()
            self.s.unlink("mail.activity", done)
            self.counts["activities_done"] += len(done)
        leads = self.s.table("crm.lead")
        open_leads = sorted(
            lid
            for lid, ld in leads.items()
            if ld.get("active") and ld.get("stage_id") != self.stages.get("Won")
        )
        new = []
        for lid in rng.sample(open_leads, min(len(open_leads), rng.randint(1, 4))):
            ld = leads[lid]
            new.append(
                {
                    "res_model": "crm.lead",
                    "res_id": lid,
                    "res_name": ld["name"],
                    "user_id": ld.get("user_id") or 2,
                    "date_deadline": (self.s.now + timedelta(days=rng.randint(1, 10))).strftime(
                        "%Y-%m-%d"
                    ),
                    "summary": rng.choice(("Follow-up call", "Send proposal", "Demo meeting")),
                    "active": True,
                }
            )
        if new:
            self.step()
            self.s.create("mail.activity", new)
            self.counts["activities_created"] += len(new)
