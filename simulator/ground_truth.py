"""The scenario ground truth: kept apart from the Odoo data, saved as its own JSON file.

Detectors (marts, scores, briefings) are graded against it; nothing in it is ever served by
the simulated Odoo. The format, one key per scenario::

    {
      "format": 1, "seed": 42, "size": "small", "as_of": "2026-11-20",
      "scenarios": {
        "churned_customers": [{"partner_id": 17, "company_id": 1,
                                "last_order_date": "2026-07-02", "decline_start": "2026-02-01"}],
        "stalled_deals": [{"lead_id": 88, "stage_id": 3, "stage_since": "2026-08-30",
                           "rotting_threshold_days": 10, "days_in_stage": 82}],
        "stockout_products": [{"product_id": 12, "company_id": 1, "warehouse_id": 1,
                               "location_id": 5, "on_hand": 40.0, "daily_demand": 3.1,
                               "lead_time_days": 14, "estimated_stockout_date": "2026-12-03"}],
        "duplicate_expenses": [{"expense_ids": [301, 305], "employee_id": 4,
                                "amount": 182.4, "product_id": 66}],
        "anomalous_entries": [{"move_id": 912, "company_id": 2, "reason": "amount"}],
        "late_payers": [{"partner_id": 23, "company_id": 1, "mean_days_late": 58.2,
                         "invoices": 14}],
        "cash_squeeze": [{"company_id": 2, "expected_date": "2027-01-04",
                          "cash_at_as_of": 81234.5, "currency": "EUR"}],
        "late_suppliers": [{"partner_id": 9, "mean_days_late": 15.7, "receipts": 11}]
      },
      "controls": {...the negative controls, same shapes...}
    }
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.generator import GeneratedCompany

FORMAT_VERSION = 1


def save_ground_truth(company: GeneratedCompany, path: str | Path) -> Path:
    """Write the ground truth of ``company`` to ``path`` (JSON), never beside the Odoo rows."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(company.ground_truth, indent=1, sort_keys=True, default=str))
    return out


def load_ground_truth(path: str | Path) -> dict[str, Any]:
    """Read a ground truth file written by :func:`save_ground_truth`."""
    data: dict[str, Any] = json.loads(Path(path).read_text())
    return data


def project_cash(
    cash: float,
    receivables: list[tuple[date, float]],
    payables: list[tuple[date, float]],
    recurring: list[tuple[date, float]],
    start: date,
    horizon_days: int = 90,
) -> tuple[date | None, list[tuple[str, float]]]:
    """Project a company's cash day by day; return the first day it goes below zero.

    Inflows are open receivables at their expected collection date, outflows open payables
    at their due date plus recurring costs (payroll, rent). This is the definition the
    ``cash_squeeze`` ground truth uses, so a runway mart can be compared with it.
    """
    flows: dict[date, float] = {}
    for day, amount in receivables:
        flows[day] = flows.get(day, 0.0) + amount
    for day, amount in payables:
        flows[day] = flows.get(day, 0.0) - amount
    for day, amount in recurring:
        flows[day] = flows.get(day, 0.0) - amount
    balance = cash
    # anything expected before the start (overdue) is assumed to land on the start day
    balance += sum(v for d, v in flows.items() if d < start)
    series: list[tuple[str, float]] = []
    first: date | None = None
    for i in range(horizon_days + 1):
        day = start + timedelta(days=i)
        balance += flows.get(day, 0.0)
        series.append((day.isoformat(), round(balance, 2)))
        if first is None and balance < 0:
            first = day
    return first, series
