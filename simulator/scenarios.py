"""Which records carry a scenario, and with what parameters.

The generator asks this module to pick its scenario targets *after* the normal population
exists, with an RNG stream of its own, so that names, codes and every other attribute of a
scenario record were drawn exactly like those of its neighbours: nothing in the Odoo data can
give a scenario away. The picks are returned as a :class:`ScenarioPlan` that only the generator
and the ground truth see.

Each scenario has negative controls (records that look a bit like it but are normal), so the
precision of a detector can be measured, not only its recall:

- ``churned_customers``: frequent buyers whose orders thin out over a few months, then
  stop for 16-19 of their usual gaps between orders. Control: regular customers with one
  quiet month.
- ``stalled_deals``: open opportunities stuck in a stage far past its rotting threshold with
  no activity at all since. Control: opportunities as long in their stage but with recent
  activity (a logged call and a planned next step).
- ``stockout_products``: demand rises, on-hand falls, nothing incoming within the vendor lead
  time. Control: products with rising demand that are replenished normally.
- ``duplicate_expenses``: same employee, amount and category within a few days. Control: the
  same fixed monthly amount (a phone plan) a month apart.
- ``anomalous_entries``: journal entries with an unusual amount, account or timing. Control:
  the December payroll with its bonus (larger, but every year).
- ``late_payers``: customers who pay well after the due date, consistently. Control: normal
  customers with one late invoice.
- ``cash_squeeze``: one company whose cash runs out within ~60 days of ``as_of``: large
  vendor bills and payroll due, collections slowing. Control: the other company.
- ``late_suppliers``: vendors whose receipts arrive well after ``date_planned``. Control:
  vendors with one late receipt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SCENARIOS: tuple[str, ...] = (
    "churned_customers",
    "stalled_deals",
    "stockout_products",
    "duplicate_expenses",
    "anomalous_entries",
    "late_payers",
    "cash_squeeze",
    "late_suppliers",
)

# How many records carry each scenario, per size (a handful among many normal ones).
COUNTS: dict[str, dict[str, int]] = {
    "small": {
        "churned_customers": 4,
        "late_payers": 4,
        "stockout_products": 3,
        "late_suppliers": 2,
        "stalled_deals": 5,
        "duplicate_expenses": 3,
        "anomalous_entries": 4,
    },
    "medium": {
        "churned_customers": 12,
        "late_payers": 12,
        "stockout_products": 6,
        "late_suppliers": 4,
        "stalled_deals": 15,
        "duplicate_expenses": 8,
        "anomalous_entries": 6,
    },
    "large": {
        "churned_customers": 30,
        "late_payers": 30,
        "stockout_products": 12,
        "late_suppliers": 8,
        "stalled_deals": 40,
        "duplicate_expenses": 20,
        "anomalous_entries": 10,
    },
}


@dataclass
class ScenarioPlan:
    """The scenario targets and their parameters, decided before the company's history is
    simulated (the simulation then makes them true)."""

    churned: dict[int, dict[str, int]] = field(default_factory=dict)  # partner -> days
    churn_boost: dict[int, float] = field(default_factory=dict)  # partner -> rate factor
    quiet_month: dict[int, int] = field(default_factory=dict)  # partner -> month index (control)
    late_payers: dict[int, float] = field(default_factory=dict)  # partner -> mean days late
    one_late_invoice: set[int] = field(default_factory=set)  # control
    stockout: list[tuple[int, int]] = field(default_factory=list)  # (product, company)
    rising_controls: list[tuple[int, int]] = field(default_factory=list)
    late_suppliers: dict[int, tuple[int, int]] = field(default_factory=dict)  # vendor -> range
    one_late_receipt: set[int] = field(default_factory=set)  # control
    stalled_deals: int = 0
    slow_active_deals: int = 0
    duplicate_expenses: int = 0
    anomalous_entries: int = 0
    squeeze_company: int = 2


def plan_scenarios(
    size: str,
    seed: int,
    customers_by_company: dict[int, list[int]],
    customer_gap: dict[int, float],
    goods_by_company: dict[int, list[int]],
    vendors: list[int],
    horizon_days: int,
) -> ScenarioPlan:
    """Pick the scenario targets among an already drawn population.

    Churners and late payers come from the customers who order most (so the pattern is
    visible in their history), stock-out products from the goods each company sells.

    A churner falls silent for 16-19 of its own usual gaps between orders (``customer_gap``),
    at least 60 and at most 300 days: far past what chance gives a regular customer (the
    chance of a Poisson customer's silence lasting k gaps is e^-k, so about 1 in 3,000 at
    8 gaps), so a detector can tell churn from a quiet spell.
    """
    rng = random.Random(f"{seed}-scenarios")
    counts = COUNTS[size]
    plan = ScenarioPlan()
    plan.stalled_deals = counts["stalled_deals"]
    plan.slow_active_deals = counts["stalled_deals"]
    plan.duplicate_expenses = counts["duplicate_expenses"]
    plan.anomalous_entries = counts["anomalous_entries"]
    used: set[int] = set()
    for company, customers in sorted(customers_by_company.items()):
        share = len(customers) / max(1, sum(len(c) for c in customers_by_company.values()))
        n_churn = max(1, round(counts["churned_customers"] * share))
        n_late = max(1, round(counts["late_payers"] * share))
        frequent = sorted(customers, key=lambda p: (customer_gap[p], p))
        churn_pool = [p for p in frequent[: max(6, 3 * n_churn)] if p not in used]
        rng.shuffle(churn_pool)
        for p in churn_pool[:n_churn]:
            gaps = rng.uniform(16.0, 19.0)
            cap = rng.randint(200, 300)
            stop_ago = int(min(cap, max(60, round(gaps * customer_gap[p]))))  # days before as_of
            decline = rng.randint(90, 180)  # length of the thinning-out before it
            # a customer too slow for that many gaps inside the cap ordered faster before
            # (still among the most frequent: it is a boost of a few tens of percent)
            boost = max(1.0, gaps * customer_gap[p] / stop_ago)
            plan.churned[p] = {"stop_ago": stop_ago, "decline_days": decline}
            plan.churn_boost[p] = boost
            used.add(p)
        # late payers: frequent enough to have a payment record (a pattern needs invoices)
        pool = [p for p in frequent[: max(8, 3 * n_late) + n_churn] if p not in used]
        rng.shuffle(pool)
        for p in pool[:n_late]:
            plan.late_payers[p] = rng.uniform(40.0, 80.0)
            used.add(p)
        rest = [p for p in customers if p not in used]
        rng.shuffle(rest)
        k = max(2, len(rest) // 7)
        for p in rest[:k]:
            # a single quiet month, not in the last four months (those would look like churn)
            plan.quiet_month[p] = rng.randint(2, max(3, horizon_days // 30 - 5))
        for p in rest[k : k + max(2, len(rest) // 8)]:
            plan.one_late_invoice.add(p)
        goods = list(goods_by_company[company])
        rng.shuffle(goods)
        n_so = max(1, round(counts["stockout_products"] * (0.65 if company == 1 else 0.35)))
        plan.stockout.extend((p, company) for p in goods[:n_so])
        plan.rising_controls.extend((p, company) for p in goods[n_so : n_so + max(1, n_so)])
    vend = list(vendors)
    rng.shuffle(vend)
    for v in vend[: counts["late_suppliers"]]:
        plan.late_suppliers[v] = (8, 25)
    for v in vend[counts["late_suppliers"] : counts["late_suppliers"] + 2]:
        plan.one_late_receipt.add(v)
    return plan
