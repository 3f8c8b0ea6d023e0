"""The simulation's shared core: sizes, the model list, the clock and the row writer."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "customers": 60,
        "vendors": 12,
        "goods": 30,
        "services": 5,
        "orders": 560,
        "leads": 170,
        "employees": 10,
        "tasks": 120,
        "step": 45,
    },
    "medium": {
        "customers": 1200,
        "vendors": 50,
        "goods": 260,
        "services": 15,
        "orders": 15800,
        "leads": 3000,
        "employees": 60,
        "tasks": 2500,
        "step": 3,
    },
    "large": {
        "customers": 12000,
        "vendors": 250,
        "goods": 1500,
        "services": 40,
        "orders": 165000,
        "leads": 25000,
        "employees": 300,
        "tasks": 20000,
        "step": 1,
    },
}
HISTORY_DAYS = 730
DEFAULT_AS_OF = date(2026, 11, 20)

MODELS = (
    "res.currency",
    "res.currency.rate",
    "res.company",
    "res.partner",
    "res.users",
    "crm.team",
    "uom.uom",
    "product.category",
    "product.template",
    "product.product",
    "account.account",
    "account.journal",
    "account.payment.term",
    "account.analytic.account",
    "account.move",
    "account.move.line",
    "account.payment",
    "account.partial.reconcile",
    "account.full.reconcile",
    "crm.stage",
    "crm.lead",
    "mail.message",
    "mail.tracking.value",
    "mail.activity",
    "sale.order",
    "sale.order.line",
    "purchase.order",
    "purchase.order.line",
    "stock.warehouse",
    "stock.location",
    "stock.picking",
    "stock.move",
    "stock.quant",
    "stock.warehouse.orderpoint",
    "hr.employee",
    "hr.expense",
    "project.project",
    "project.task",
)

_EMPTY = (False, None, 0, 0.0, "")


@dataclass
class GeneratedCompany:
    """A generated company: the Odoo rows, and the scenario ground truth kept apart."""

    tables: dict[str, dict[int, dict[str, Any]]]
    ground_truth: dict[str, Any]
    now: datetime
    as_of: date
    seed: int
    size: str


def _r2(x: float) -> float:
    """Round to cents (both currencies have a rounding of 0.01)."""
    return round(x + 0.0, 2)


class SimCore:
    """The simulation state. One instance generates one company (not reusable)."""

    # State filled later than __init__ and shared across processes: product names by the
    # population, the stock and open-item books and the fixed costs by the day loop
    # (Simulation.run), before any event reads them.
    pname: dict[int, str]
    onhand: dict[tuple[int, int], float]
    incoming: dict[tuple[int, int], float]
    outgoing: dict[tuple[int, int], float]
    delivered: dict[tuple[int, int], np.ndarray]
    last_in: dict[tuple[int, int], str]
    last_move: dict[tuple[int, int], str]
    open_items: dict[int, int]
    receipts: list[tuple[int, int]]
    _late_once: set[int]
    anomalies: list[dict[str, Any]]
    _expense_by_key: dict[tuple[int, str, float], list[int]]
    groups: dict[int, list[int]]
    open_items_all: dict[int, int]
    op_levels: dict[tuple[int, int], tuple[float, float]]
    frozen: dict[tuple[int, int], int]
    stockout_target: dict[tuple[int, int], float]
    payroll: dict[int, float]
    payroll_paid: dict[int, float]
    rent: dict[int, float]
    fixed_assets: dict[int, float]

    def __init__(self, size: str, seed: int, as_of: date) -> None:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
        self.size = size
        self.seed = seed
        self.as_of = as_of
        self.p = SIZES[size]
        self.H = HISTORY_DAYS
        self.start = as_of - timedelta(days=self.H)
        self.rng = random.Random(f"{seed}-main")
        self.nrng = np.random.default_rng([seed, 7])
        self.t: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in MODELS}
        self.next_id: dict[str, int] = {m: 1 for m in MODELS}
        self._dcache: dict[int, str] = {}
        self._late_invoice_once: set[int] = set()  # one-late-invoice controls late already
        self._dup_sources: set[tuple[int, int, str, float]] = set()
        self.uid = 2
        self.step = self.p["step"]
        self.set_day(-30)
        self.agenda: dict[int, list[tuple[int, int, Callable[..., None], tuple[Any, ...]]]] = {}
        self.seq = 0
        # CRM leads created stuck: stalled (no activity) vs slow but still active;
        # filled by ev_lead_create.
        self._stalled: list[int] = []
        self.slow_ids: list[int] = []

    # ------------------------------------------------------------------ clock and rows
    def ds(self, i: int) -> str:
        """The date string of day index ``i`` (0 = start of history, H = as_of)."""
        s = self._dcache.get(i)
        if s is None:
            s = (self.start + timedelta(days=i)).isoformat()
            self._dcache[i] = s
        return s

    def set_day(self, i: int) -> None:
        self.day = i
        self.day_str = self.ds(i)
        self.sec = 7 * 3600 + self.rng.randint(0, 1200)
        self._fmt_ts()

    def _fmt_ts(self) -> None:
        s = min(self.sec, 22 * 3600 + 3599)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        self.ts = f"{self.day_str} {h:02d}:{m:02d}:{sec:02d}"

    def tick(self) -> str:
        """Advance the clock within the day: one transaction, one timestamp."""
        self.sec += self.rng.randint(1, self.step)
        self._fmt_ts()
        return self.ts

    def new(self, model: str, row: dict[str, Any], uid: int | None = None) -> int:
        i = self.next_id[model]
        self.next_id[model] = i + 1
        row["id"] = i
        row["create_date"] = row["write_date"] = self.ts
        row["create_uid"] = row["write_uid"] = uid or self.uid
        self.t[model][i] = row
        return i

    def touch(self, model: str, rid: int, uid: int | None = None) -> dict[str, Any]:
        row = self.t[model][rid]
        row["write_date"] = self.ts
        row["write_uid"] = uid or self.uid
        return row

    def at(self, day: int, prio: int, fn: Callable[..., None], *args: Any) -> None:
        """Schedule ``fn(*args)`` on day index ``day`` (dropped if after as_of)."""
        if day > self.H:
            return
        day = max(day, self.day)
        self.seq += 1
        heapq.heappush(self.agenda.setdefault(day, []), (prio, self.seq, fn, args))
