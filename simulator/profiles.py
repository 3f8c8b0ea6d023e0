"""Company shapes for the edge-company suite: young, partial, steady, multi-currency, empty.

Each profile is an :class:`~simulator.store.OdooStore` the simulator serves like any other
database; the suite (tests/orchestration/test_edge_companies.py) runs the main job on each.
None changes how the simulator writes: a profile only chooses what the generator simulates
(history length, which scenarios), or which Odoo modules the database has installed.

* ``recorded``: the real Odoo 19 demo database (shared/odoo19), a company one month old.
* ``young``: a generated company with two months of history (the generator's shortest:
  its customer-joining and project plans need 61 days) and volumes scaled to it.
* ``no_crm`` / ``no_stock`` / ``no_expenses``: the small company on a database without the
  crm / stock / hr_expense module: the module's models are unknown to the server (Odoo's
  ``Object crm.lead doesn't exist``), the fields it adds to other models are absent, and
  the chatter of its records is gone.
* ``partial``: the young company with all three modules missing at once (a young company
  keeps the edge suite's run short; ``no_*`` are the full small company).
* ``steady``: deals never stall and customers never churn (no such scenario, and normal deals
  move before their stage rots).
* ``multi_currency``: the small company as generated: two companies in USD and EUR, customers
  invoiced in the other currency (the profile checks it is so).
* ``empty``: a freshly installed database: companies, currencies, chart of accounts,
  journals, stages and warehouses; no partner, product or transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from simulator import generator as gen
from simulator.fixtures import load_recorded_demo
from simulator.scenarios import ScenarioPlan
from simulator.store import OdooStore, load_fields

# the models each Odoo module brings (of those the simulator serves)
MODULE_MODELS: dict[str, tuple[str, ...]] = {
    "crm": ("crm.lead", "crm.stage", "crm.tag"),
    "stock": (
        "stock.warehouse",
        "stock.location",
        "stock.picking",
        "stock.move",
        "stock.quant",
        "stock.warehouse.orderpoint",
    ),
    "hr_expense": ("hr.expense",),
}
YOUNG_DAYS = 61


class _ProfileGen(gen._Gen):
    """The generator with a shorter history and/or without the churn and stall scenarios."""

    def __init__(self, size: str, seed: int, as_of: date, days: int | None, steady: bool) -> None:
        super().__init__(size, seed, as_of)
        self._steady = steady
        if days is not None:
            share = days / gen.HISTORY_DAYS
            self.p = {
                **self.p,
                **{k: max(1, round(self.p[k] * share)) for k in ("orders", "leads", "tasks")},
            }
            self.H = days
            self.start = as_of - timedelta(days=days)
            self._dcache.clear()
            self.set_day(-30)

    @property
    def sp(self) -> ScenarioPlan:
        return self._sp

    @sp.setter
    def sp(self, plan: ScenarioPlan) -> None:
        if self._steady:
            # no churner, no stalled or slow deal; the planted duplicates and anomalies need
            # a history longer than a young company's
            plan.churned.clear()
            plan.churn_boost.clear()
            plan.quiet_month.clear()
            plan.stalled_deals = plan.slow_active_deals = 0
            if self.H < gen.HISTORY_DAYS:
                plan.duplicate_expenses = plan.anomalous_entries = 0
        self._sp = plan


def _generate(
    size: str, seed: int, as_of: date, days: int | None = None, steady: bool = False
) -> OdooStore:
    g = _ProfileGen(size, seed, as_of, days, steady)
    g.setup()
    g.population()
    g.plan()
    g.run()
    g.finish()
    gen._sparse(g.t)
    return OdooStore(tables=g.t, now=_now(as_of))


def _now(as_of: date) -> datetime:
    return datetime.combine(as_of, datetime.min.time()).replace(hour=23)


def _empty(size: str, seed: int, as_of: date) -> OdooStore:
    g = gen._Gen(size, seed, as_of)
    g.set_day(0)
    g.setup()
    gen._sparse(g.t)
    return OdooStore(tables=g.t, now=_now(as_of))


def without_modules(store: OdooStore, modules: tuple[str, ...]) -> OdooStore:
    """The same database as if ``modules`` were not installed."""
    gone = {m for mod in modules for m in MODULE_MODELS[mod]}
    fields: dict[str, dict[str, dict[str, Any]]] = {}
    for model, fdefs in load_fields().items():
        if model in gone:
            continue
        fields[model] = {name: f for name, f in fdefs.items() if f.get("relation") not in gone}
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    for model in store.models():
        if model in gone or model not in fields:
            continue
        keep = fields[model]
        rows: dict[int, dict[str, Any]] = {}
        for rid, row in store.table(model).items():
            # the chatter and activities of the module's records go with it
            if row.get("model") in gone or row.get("res_model") in gone:
                continue
            rows[rid] = {k: v for k, v in row.items() if k in keep or k == "id"}
        tables[model] = rows
    return OdooStore(tables, now=store.now, fields=fields, db=store.db)


def _small(seed: int, as_of: date) -> OdooStore:
    return gen.build_store("small", seed, as_of)


PROFILES: dict[str, Callable[[int, date], OdooStore]] = {
    "recorded": lambda seed, as_of: load_recorded_demo(),
    "young": lambda seed, as_of: _generate("small", seed, as_of, YOUNG_DAYS, steady=True),
    "no_crm": lambda seed, as_of: without_modules(_small(seed, as_of), ("crm",)),
    "no_stock": lambda seed, as_of: without_modules(_small(seed, as_of), ("stock",)),
    "no_expenses": lambda seed, as_of: without_modules(_small(seed, as_of), ("hr_expense",)),
    "steady": lambda seed, as_of: _generate("small", seed, as_of, steady=True),
    "partial": lambda seed, as_of: without_modules(
        _generate("small", seed, as_of, YOUNG_DAYS, steady=True), ("crm", "stock", "hr_expense")
    ),
    "multi_currency": _small,
    "empty": lambda seed, as_of: _empty("small", seed, as_of),
}


def build_profile(name: str, seed: int = 42, as_of: date = gen.DEFAULT_AS_OF) -> OdooStore:
    """The store of company profile ``name`` (one of :data:`PROFILES`)."""
    if name not in PROFILES:
        raise ValueError(f"unknown company profile {name!r}; expected one of {sorted(PROFILES)}")
    return PROFILES[name](seed, as_of)
