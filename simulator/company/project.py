"""Projects and their tasks."""

from __future__ import annotations

from typing import Any

from simulator.company.hr_expense import HrExpense
from simulator.company.names import _TASKS


class Projects(HrExpense):
    def plan_projects(self) -> None:
        rng = self.rng
        self.tick()
        self.projects: dict[int, list[int]] = {}
        for c in self.companies:
            self.projects[c] = []
            for name in ("Customer Care", "Internal IT"):
                self.projects[c].append(
                    self.new(
                        "project.project",
                        {
                            "name": name if c == 1 else f"{name} (EU)",
                            "company_id": c,
                            "active": True,
                            "privacy_visibility": "employees" if "IT" in name else "portal",
                            "last_update_status": "on_track",
                            "user_id": self.salespeople[c][0],
                            "label_tasks": "Tickets" if "Care" in name else "Tasks",
                            "sequence": 10,
                            "allow_billable": False,
                            "date_start": self.ds(0),
                        },
                    )
                )
        for cust in rng.sample(self.customers, max(2, len(self.customers) // 12)):
            c = self.cust_company[cust]
            self.projects[c].append(
                self.new(
                    "project.project",
                    {
                        "name": f"{self.t['res.partner'][cust]['name']} - Office fit-out",
                        "company_id": c,
                        "partner_id": cust,
                        "active": rng.random() < 0.8,
                        "privacy_visibility": "portal",
                        "last_update_status": rng.choice(
                            ("on_track", "at_risk", "done", "to_define")
                        ),
                        "user_id": self.cust_user[cust],
                        "sequence": 10,
                        "date_start": self.ds(rng.randint(0, self.H - 60)),
                    },
                )
            )
        for _ in range(self.p["tasks"]):
            day = int(self.H * (rng.random() ** 0.85))
            self.at(day, 8, self.ev_task)

    def ev_task(self) -> None:
        rng = self.rng
        self.tick()
        cust = rng.choice(self.customers)
        c = self.cust_company[cust]
        age = self.H - self.day
        close_after = int(rng.expovariate(1 / 6.0)) + 1
        done = close_after < age
        row: dict[str, Any] = {
            "name": rng.choice(_TASKS),
            "project_id": self.projects[c][0],
            "partner_id": cust,
            "company_id": c,
            "active": True,
            "priority": rng.choice(("0", "0", "0", "1")),
            "state": "1_done"
            if done
            else rng.choice(("01_in_progress", "04_waiting_normal", "02_changes_requested")),
            "user_ids": [rng.choice(self.salespeople[c])],
            "date_assign": self.ts,
            "date_last_stage_update": self.ts,
            "date_deadline": f"{self.ds(self.day + 7)} 17:00:00",
            "sequence": 10,
            "display_in_project": True,
        }
        if done:
            row["date_end"] = f"{self.ds(self.day + close_after)} {self.ts[11:]}"
            row["date_last_stage_update"] = row["date_end"]
            row["working_days_close"] = float(close_after)
        tid = self.new("project.task", row)
        if done:
            self.t["project.task"][tid]["write_date"] = row["date_end"]
