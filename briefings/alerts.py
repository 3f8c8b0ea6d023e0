"""Alert evaluation over the marts (and ``ml.*`` scores when they exist) and its lifecycle.

Each rule family reads one mart into *observations* (a record, its evidence, its measures);
a rule's thresholds decide which observations are alerts and its escalation levels their
priority. :func:`sync_alerts` then reconciles them with the ``alerts`` table: the same
``alert_key`` is updated in place across runs (never a second row), an alert whose condition
has cleared is resolved by the system, and a resolved or dismissed one whose condition comes
back is re-opened only after the rule's cooldown, so a flapping figure does not page anyone
every hour.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from briefings.rules import FAMILY_THRESHOLDS, PRIORITY_RANK, Rule, RuleSet, load_rules
from briefings.sources import MartReader
from briefings.store import alert_events, alerts
from opstore.db import StateStore

logger = logging.getLogger(__name__)

# every table the alert rules (and the names they show) read: the lineage of the alerts asset
# (orchestration/lineage.py generates its Dagster deps; a test parses the SQL below against it)
READS = (
    "finance.fct_cash_runway",
    "finance.fct_invoice_settlements",
    "finance.fct_receivable_aging",
    "finance.fct_overdue_invoices",
    "customers.dim_customers",
    "sales.fct_stalled_deals",
    "operations.fct_stock_cover",
    "operations.fct_reorder_points",
    "operations.fct_supplier_performance",
    "operations.fct_purchase_receipts",
    "expenses.fct_expense_duplicate_candidates",
    "core.dim_companies",
    "core.dim_partners",
    "core.dim_products",
    "ml.churn_scores",
    "ml.deal_scores",
    "ml.stockout_predictions",
    "ml.anomalies",
)

SYSTEM = "system"
OPEN_STATUSES = ("new", "acknowledged")


def utcnow() -> dt.datetime:
    """Naive UTC: what the store keeps (SQLite has no time zones)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Observation:
    """One record a family looked at, with the measures its thresholds compare."""

    company_id: int
    record_model: str | None
    record_id: int | None
    title: str
    details: dict[str, Any]
    measures: dict[str, Any] = field(default_factory=dict)


@dataclass
class AlertCandidate:
    rule_key: str
    family: str
    area: str
    priority: str
    company_id: int
    record_model: str | None
    record_id: int | None
    title: str
    details: dict[str, Any]

    @property
    def alert_key(self) -> str:
        return alert_key(self.rule_key, self.company_id, self.record_model, self.record_id)


def alert_key(
    rule_key: str, company_id: int, record_model: str | None, record_id: int | None
) -> str:
    """``rule_key|company_id|record_model|record_id`` (empty parts for a company-wide alert)."""
    return f"{rule_key}|{company_id}|{record_model or ''}|{'' if record_id is None else record_id}"


# ------------------------------------------------------------------ names (evidence text)
class Names:
    """Display names from the dimensions, tolerant of a warehouse without them (ids instead)."""

    def __init__(self, reader: MartReader) -> None:
        self.reader = reader
        self._cache: dict[str, dict[int, str]] = {}
        self._prices: dict[int, Any] = {}

    def _load(self, kind: str, sql: str) -> dict[int, str]:
        if kind not in self._cache:
            try:
                self._cache[kind] = {int(r["id"]): str(r["name"]) for r in self.reader.rows(sql)}
            except Exception:  # a warehouse without the dimensions: ids
                logger.debug("no %s names in the warehouse", kind)
                self._cache[kind] = {}
        return self._cache[kind]

    def partner(self, pid: int | None) -> str:
        if pid is None:
            return "unknown partner"
        names = self._load(
            "partner", "select partner_id as id, partner_name as name from core.dim_partners"
        )
        return names.get(int(pid), f"partner #{pid}")

    def product(self, pid: int) -> str:
        names = self._load(
            "product",
            "select product_id as id, product_name as name from core.dim_products "
            "where product_name is not null",
        )
        return names.get(int(pid), f"product #{pid}")

    def price(self, pid: int) -> float | None:
        """The product's cost (``standard_price``), for a draft RFQ's unit price."""
        if "price" not in self._cache:
            try:
                rows = self.reader.rows("select product_id, standard_price from core.dim_products")
                self._prices = {int(r["product_id"]): r["standard_price"] for r in rows}
            except Exception:
                self._prices = {}
            self._cache["price"] = {}
        value = self._prices.get(int(pid))
        return None if value is None else round(float(value), 2)

    def company(self, cid: int) -> str:
        names = self._load(
            "company", "select company_id as id, company_name as name from core.dim_companies"
        )
        return names.get(int(cid), f"company #{cid}")

    def currency(self, cid: int) -> str:
        names = self._load(
            "currency",
            "select company_id as id, currency_code as name from core.dim_companies "
            "where currency_code is not null",
        )
        return names.get(int(cid), "")


# ------------------------------------------------------------------ payment behaviour
def median_days_late(reader: MartReader) -> dict[tuple[int, int], float]:
    """Per (company, customer): the median days late of its settled invoices
    (``finance.fct_invoice_settlements``). The median, beside the mart's average, keeps one
    very late invoice from making a good payer look late."""
    if not reader.has_table("finance", "fct_invoice_settlements"):
        return {}
    if "median_days_late" not in reader.memo:
        rows = reader.rows(
            "select company_id, commercial_partner_id as partner_id, "
            "percentile_cont(0.5) within group (order by days_late) as median_days_late "
            "from finance.fct_invoice_settlements "
            "where aging_type = 'receivable' and days_late is not null "
            "and commercial_partner_id is not null group by 1, 2"
        )
        reader.memo["median_days_late"] = {
            (int(r["company_id"]), int(r["partner_id"])): float(r["median_days_late"]) for r in rows
        }
    medians: dict[tuple[int, int], float] = reader.memo["median_days_late"]
    return medians


# ------------------------------------------------------------------ families
def _iso(value: Any) -> str | None:
    """A date from the warehouse as ISO text (DuckDB and PostgreSQL give ``date``)."""
    return None if value is None else str(value)[:10]


FamilyFn = Callable[[MartReader, Names], "list[Observation] | None"]


def _cash_runway(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("finance", "fct_cash_runway"):
        return None
    obs = []
    for r in reader.rows("select * from finance.fct_cash_runway"):
        cid = int(r["company_id"])
        # the lower of the burn runway and the day-by-day projection's, from the mart
        effective = r["effective_runway_days"]
        days = None if effective is None else float(effective)
        cur = names.currency(cid)
        obs.append(
            Observation(
                cid,
                "res.company",
                cid,
                f"Cash runway of {names.company(cid)} is {days:.0f} days"
                if days is not None
                else "",
                {
                    "runway_days": days,
                    "burn_runway_days": r["runway_days"],
                    "cash_balance": r["cash_balance"],
                    "monthly_burn": r["monthly_burn"],
                    "currency": cur,
                    "as_of_date": r["as_of_date"],
                    "projected_cash_out_date": _iso(r["projected_cash_out_date"]),
                    "projected_runway_days": r["projected_runway_days"],
                    "projected_low_balance": r["projected_low_balance"],
                    "recurring_monthly_costs": r["recurring_monthly_costs"],
                    "collection_delay_days": r["collection_delay_days"],
                },
                {"runway_days": days},
            )
        )
    return obs


def _receivables_overdue(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("finance", "fct_receivable_aging"):
        return None
    rows = reader.rows(
        "select company_id, max(as_of_date) as as_of_date, max(aging_interval_days) as interval_days, "
        "sum(residual_period_1) p1, sum(residual_period_2) p2, sum(residual_period_3) p3, "
        "sum(residual_period_4) p4, sum(residual_older) older, sum(residual_overdue) overdue, "
        "count(distinct case when residual_period_3 + residual_period_4 + residual_older > 0 then partner_id end) partners "
        "from finance.fct_receivable_aging group by company_id"
    )
    obs = []
    for r in rows:
        cid = int(r["company_id"])
        step = int(r["interval_days"] or 30)
        buckets = [r["p1"] or 0.0, r["p2"] or 0.0, r["p3"] or 0.0, r["p4"] or 0.0]

        over = functools.partial(_amount_overdue, step, buckets, float(r["older"] or 0.0))
        amount_60 = over(60)
        obs.append(
            Observation(
                cid,
                None,
                None,
                f"{names.company(cid)}: {amount_60:,.2f} {names.currency(cid)} of receivables 60+ days overdue",
                {
                    "amount_60_plus": amount_60,
                    "overdue_total": r["overdue"],
                    "partners_60_plus": r["partners"],
                    "currency": names.currency(cid),
                    "as_of_date": r["as_of_date"],
                },
                {"amount": amount_60, "min_days_overdue": 60.0, "_over": over},
            )
        )
    return obs


def _amount_overdue(step: int, buckets: list[float], older: float, days: float) -> float:
    """Receivables overdue by more than ``days``, at the aging's bucket resolution."""
    start = int(days // step)
    return round(sum(buckets[start:]) + older, 2)


def _match_receivables(m: dict[str, Any], th: dict[str, float]) -> bool:
    days = th.get("min_days_overdue", 60)
    amount = m["_over"](days)
    return bool(amount >= th.get("amount", 0))


def _overdue_invoice(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("finance", "fct_overdue_invoices"):
        return None
    obs = []
    for r in reader.rows(
        "select * from finance.fct_overdue_invoices where aging_type = 'receivable' order by move_id"
    ):
        cid = int(r["company_id"])
        partner = names.partner(r["commercial_partner_id"] or r["partner_id"])
        obs.append(
            Observation(
                cid,
                "account.move",
                int(r["move_id"]),
                f"Invoice {r['invoice_name']} of {partner} is {r['days_overdue']} days overdue",
                {
                    "invoice_name": r["invoice_name"],
                    "partner_id": r["commercial_partner_id"] or r["partner_id"],
                    "partner_name": partner,
                    "days_overdue": r["days_overdue"],
                    "residual": r["residual"],
                    "currency": names.currency(cid),
                    "due_date": r["oldest_open_due_date"],
                    "partner_avg_days_late": r["partner_avg_days_late"],
                    "invoice_user_id": r["invoice_user_id"],
                },
                {"days_overdue": r["days_overdue"], "amount": r["residual"]},
            )
        )
    return obs


def _late_payer(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("customers", "dim_customers"):
        return None
    medians = median_days_late(reader)
    obs = []
    for r in reader.rows(
        "select * from customers.dim_customers where avg_days_late is not null order by company_id, partner_id"
    ):
        cid, pid = int(r["company_id"]), int(r["partner_id"])
        median = medians.get((cid, pid))
        obs.append(
            Observation(
                cid,
                "res.partner",
                pid,
                f"{r['partner_name']} pays {r['avg_days_late']:.0f} days late on average",
                {
                    "partner_name": r["partner_name"],
                    "avg_days_late": r["avg_days_late"],
                    "median_days_late": median,
                    "paid_invoice_count": r["paid_invoice_count"],
                    "open_overdue_amount": r["open_overdue_amount"],
                    "currency": names.currency(cid),
                },
                {
                    "avg_days_late": r["avg_days_late"],
                    "min_invoices": r["paid_invoice_count"],
                    # without the ledger the median cannot be judged: the average decides
                    **({"median_days_late": median} if medians else {}),
                },
            )
        )
    return obs


def _churn_risk(reader: MartReader, names: Names) -> list[Observation] | None:
    """A regular customer whose orders have dried up (dim_customers), or one the churn model
    (ml.churn_scores, when present) is very sure about. The order pattern is the primary
    signal because it is exact where the history exists; the model's probability is kept as
    evidence and raises an alert alone only above its own, high threshold."""
    if not reader.has_table("customers", "dim_customers"):
        return None
    scores: dict[tuple[int, int], dict[str, Any]] = {}
    if reader.has_table("ml", "churn_scores"):
        for sc in reader.rows("select * from ml.churn_scores"):
            scores[(int(sc["company_id"]), int(sc["partner_id"]))] = sc
    obs = []
    for r in reader.rows("select * from customers.dim_customers order by company_id, partner_id"):
        expected = r["expected_orders_6m"]
        ratio = (float(r["orders_6m"]) / float(expected)) if expected else None
        cid, pid = int(r["company_id"]), int(r["partner_id"])
        silent_gaps = r["gaps_since_last_order"]
        sc = scores.get((cid, pid), {})
        try:
            reasons = json.loads(sc.get("top_reasons") or "[]")[:3]
        except (TypeError, ValueError):
            reasons = []
        obs.append(
            Observation(
                cid,
                "res.partner",
                pid,
                f"{r['partner_name']} has gone quiet: no order for {r['days_since_last_order']} days",
                {
                    "partner_name": r["partner_name"],
                    "days_since_last_order": r["days_since_last_order"],
                    "usual_order_gap_days": r["usual_order_gap_days"],
                    "gaps_since_last_order": silent_gaps,
                    "orders_to_date": r["orders_to_date"],
                    "orders_6m": r["orders_6m"],
                    "expected_orders_6m": expected,
                    "revenue_12m": r["revenue_12m"],
                    "health_score": r["health_score"],
                    "currency": names.currency(cid),
                    "churn_probability": sc.get("churn_probability"),
                    "top_reasons": reasons,
                    "model_version": sc.get("model_version"),
                },
                {
                    "probability": sc.get("churn_probability"),
                    "silent_gaps": silent_gaps,
                    "min_orders": r["orders_to_date"],
                    "order_ratio": ratio,
                    "min_expected_orders_6m": expected,
                    "min_orders_12m": r["orders_12m"],
                    "min_days_silent": r["days_since_last_order"],
                },
            )
        )
    return obs


def _match_churn(m: dict[str, Any], th: dict[str, float]) -> bool:
    pattern = {k: v for k, v in m.items() if k != "probability"}
    by_pattern = _generic_match("churn_risk")(
        pattern, {k: v for k, v in th.items() if k != "probability"}
    )
    prob = m.get("probability")
    return bool(
        by_pattern or (prob is not None and "probability" in th and prob >= th["probability"])
    )


def _stalled_deal(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("sales", "fct_stalled_deals"):
        return None
    scores: dict[int, dict[str, Any]] = {}
    if reader.has_table("ml", "deal_scores"):
        scores = {int(s["lead_id"]): s for s in reader.rows("select * from ml.deal_scores")}
    obs = []
    for r in reader.rows("select * from sales.fct_stalled_deals order by lead_id"):
        lid, cid = int(r["lead_id"]), int(r["company_id"])
        s = scores.get(lid, {})
        obs.append(
            Observation(
                cid,
                "crm.lead",
                lid,
                f"Deal '{r['lead_name']}' has stalled in {r['stage_name']} for {r['days_in_stage']} days",
                {
                    "lead_name": r["lead_name"],
                    "partner_id": r["partner_id"],
                    "partner_name": r["partner_name"],
                    "stage_name": r["stage_name"],
                    "salesperson": r["salesperson_name"],
                    "user_id": r["user_id"],
                    "days_in_stage": r["days_in_stage"],
                    "days_since_last_activity": r["days_since_last_activity"],
                    "threshold_days": r["threshold_days"],
                    "days_over_threshold": r["days_over_threshold"],
                    "expected_revenue": r["expected_revenue"],
                    "currency": names.currency(cid),
                    "stall_probability": s.get("stall_probability"),
                    "win_probability": s.get("win_probability"),
                },
                {
                    "days_over_threshold": r["days_over_threshold"],
                    "expected_revenue": r["expected_revenue"] or 0.0,
                },
            )
        )
    return obs


def _stockout(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("operations", "fct_stock_cover"):
        return None
    preds: dict[tuple[int, int, int], dict[str, Any]] = {}
    if reader.has_table("ml", "stockout_predictions"):
        for p in reader.rows("select * from ml.stockout_predictions"):
            preds[(int(p["company_id"]), int(p["product_id"]), int(p["warehouse_id"]))] = p
    best: dict[tuple[int, int], Observation] = {}
    for r in reader.rows(
        "select * from operations.fct_stock_cover order by product_id, warehouse_id"
    ):
        cid, pid, wid = int(r["company_id"]), int(r["product_id"]), int(r["warehouse_id"])
        p = preds.get((cid, pid, wid), {})
        if not r["is_stockout_within_lead_time"] and not p:
            continue
        days = r["days_until_stockout"]
        name = names.product(pid)
        o = Observation(
            cid,
            "product.product",
            pid,
            f"{name} runs out in {days} days, inside its {r['lead_time_days']}-day lead time",
            {
                "product_name": name,
                "warehouse_id": wid,
                "on_hand_qty": r["on_hand_qty"],
                "incoming_qty": r["incoming_qty"],
                "daily_demand": r["daily_demand"],
                "days_until_stockout": days,
                "estimated_stockout_date": r["estimated_stockout_date"],
                "lead_time_days": r["lead_time_days"],
                "vendor_partner_id": r["vendor_partner_id"],
                "standard_price": names.price(pid),
                "stockout_probability": p.get("stockout_probability"),
            },
            {
                "_at_risk": bool(r["is_stockout_within_lead_time"]),
                "_no_lead_time": r["lead_time_days"] is None,
                "probability": p.get("stockout_probability"),
                "max_days_until_stockout": days,
            },
        )
        key = (cid, pid)
        if key not in best or (days or 0) < (best[key].measures["max_days_until_stockout"] or 0):
            best[key] = o
    return list(best.values())


def _match_stockout(m: dict[str, Any], th: dict[str, float]) -> bool:
    """The mart's rule (stock-out before a purchase placed today could arrive) decides where
    it has a lead time; the model's probability decides only where the mart has none."""
    prob = m.get("probability")
    by_model = m.get("_no_lead_time") and prob is not None and prob >= th.get("probability", 1.01)
    signal = m["_at_risk"] or by_model
    days = m.get("max_days_until_stockout")
    return bool(signal and days is not None and days <= th.get("max_days_until_stockout", 1e9))


def _reorder(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("operations", "fct_reorder_points"):
        return None
    obs = []
    for r in reader.rows(
        "select * from operations.fct_reorder_points where is_below_reorder_point and not coalesce(is_snoozed, false)"
    ):
        cid, pid = int(r["company_id"]), int(r["product_id"])
        name = names.product(pid)
        obs.append(
            Observation(
                cid,
                "stock.warehouse.orderpoint",
                int(r["orderpoint_id"]),
                f"{name} is below its reorder point ({r['forecast_qty']:g} < {r['product_min_qty']:g})",
                {
                    "product_id": pid,
                    "product_name": name,
                    "orderpoint": r["name"],
                    "warehouse_id": r["warehouse_id"],
                    "forecast_qty": r["forecast_qty"],
                    "product_min_qty": r["product_min_qty"],
                    "qty_to_order": r["qty_to_order"],
                },
                {"min_qty_to_order": r["qty_to_order"]},
            )
        )
    return obs


def _late_supplier(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("operations", "fct_supplier_performance"):
        return None
    companies: dict[int, list[int]] = {}
    if reader.has_table("operations", "fct_purchase_receipts"):
        for r in reader.rows(
            "select distinct partner_id, company_id from operations.fct_purchase_receipts order by 1, 2"
        ):
            companies.setdefault(int(r["partner_id"]), []).append(int(r["company_id"]))
    obs = []
    for r in reader.rows("select * from operations.fct_supplier_performance order by partner_id"):
        pid = int(r["partner_id"])
        name = names.partner(pid)
        for cid in companies.get(pid, [1]):
            obs.append(
                Observation(
                    cid,
                    "res.partner",
                    pid,
                    f"Supplier {name} delivered {r['late_receipt_count']} of {r['receipt_count']} receipts late",
                    {
                        "partner_name": name,
                        "receipt_count": r["receipt_count"],
                        "late_receipt_count": r["late_receipt_count"],
                        "late_rate": r["late_rate"],
                        "avg_days_late": r["avg_days_late"],
                        "max_days_late": r["max_days_late"],
                        "is_chronically_late": r["is_chronically_late"],
                    },
                    {
                        "late_rate": r["late_rate"],
                        "min_receipts": r["receipt_count"],
                        "avg_days_late": r["avg_days_late"],
                    },
                )
            )
    return obs


def _duplicate_expense(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("expenses", "fct_expense_duplicate_candidates"):
        return None
    obs = []
    for r in reader.rows(
        "select * from expenses.fct_expense_duplicate_candidates "
        "where not coalesce(is_recurring_series, false) and not coalesce(is_either_refused, false) "
        "order by duplicate_expense_id"
    ):
        cid = int(r["company_id"])
        obs.append(
            Observation(
                cid,
                "hr.expense",
                int(r["duplicate_expense_id"]),
                f"Possible duplicate expense of {r['employee_name']}: {r['amount_currency']:,.2f} "
                f"{r['category_name']} twice, {r['days_apart']} days apart",
                {
                    "expense_id": r["expense_id"],
                    "duplicate_expense_id": r["duplicate_expense_id"],
                    "employee_id": r["employee_id"],
                    "employee_name": r["employee_name"],
                    "category_name": r["category_name"],
                    "amount": r["amount_currency"],
                    "expense_date": r["expense_date"],
                    "duplicate_expense_date": r["duplicate_expense_date"],
                    "days_apart": r["days_apart"],
                    "reason": r["reason"],
                },
                {"max_days_apart": r["days_apart"], "amount": r["amount_currency"]},
            )
        )
    return obs


def _anomaly(reader: MartReader, names: Names) -> list[Observation] | None:
    if not reader.has_table("ml", "anomalies"):
        return None
    obs = []
    # duplicate expenses are already the duplicate_expense rule's alerts (one alert per case)
    for r in reader.rows(
        "select * from ml.anomalies where method <> 'duplicate_rule' order by record_model, record_id"
    ):
        cid = int(r["company_id"])
        obs.append(
            Observation(
                cid,
                str(r["record_model"]),
                int(r["record_id"]),
                f"Unusual {str(r['kind']).replace('_', ' ')} #{r['record_id']}: {r['reason']}",
                {
                    "kind": r["kind"],
                    "score": r["score"],
                    "method": r["method"],
                    "reason": r["reason"],
                    "model_version": r.get("model_version"),
                },
                {"score": r["score"]},
            )
        )
    return obs


FAMILIES: dict[str, FamilyFn] = {
    "cash_runway": _cash_runway,
    "receivables_overdue": _receivables_overdue,
    "overdue_invoice": _overdue_invoice,
    "late_payer": _late_payer,
    "churn_risk": _churn_risk,
    "stalled_deal": _stalled_deal,
    "stockout": _stockout,
    "late_supplier": _late_supplier,
    "duplicate_expense": _duplicate_expense,
    "anomaly": _anomaly,
    "reorder": _reorder,
}


def _generic_match(family: str) -> Callable[[dict[str, Any], dict[str, float]], bool]:
    directions = FAMILY_THRESHOLDS[family]

    def match(m: dict[str, Any], th: dict[str, float]) -> bool:
        for name, value in th.items():
            if name not in m:  # not measured by this source (e.g. ml-only threshold)
                continue
            got = m[name]
            if got is None:
                return False
            direction = directions[name]
            if direction == "min" and not float(got) >= value:
                return False
            if direction == "max" and not float(got) < value:
                return False
        return True

    return match


MATCHERS: dict[str, Callable[[dict[str, Any], dict[str, float]], bool]] = {
    f: _generic_match(f) for f in FAMILIES
}
MATCHERS["receivables_overdue"] = _match_receivables
MATCHERS["stockout"] = _match_stockout
MATCHERS["churn_risk"] = _match_churn


def classify(rule: Rule, observation: Observation) -> str | None:
    """The priority of an observation under a rule, or None when it is not an alert."""
    match = MATCHERS[rule.family]
    if not match(observation.measures, rule.thresholds):
        return None
    priority = rule.priority
    for level in rule.escalation:
        stricter = {**rule.thresholds, **level.thresholds}
        if PRIORITY_RANK[level.priority] > PRIORITY_RANK[priority] and match(
            observation.measures, stricter
        ):
            priority = level.priority
    return priority


@dataclass
class Evaluation:
    candidates: list[AlertCandidate]
    evaluated_rules: list[str]
    skipped_rules: list[str]
    # why each skipped rule was not evaluated (a missing mart, or its family failed)
    skipped_reasons: dict[str, str] = field(default_factory=dict)


def evaluate(reader: MartReader, ruleset: RuleSet) -> Evaluation:
    """Every alert the rules raise on the warehouse now (nothing is written)."""
    names = Names(reader)
    cache: dict[str, list[Observation] | None] = {}
    out: list[AlertCandidate] = []
    evaluated, skipped = [], []
    reasons: dict[str, str] = {}
    family_reasons: dict[str, str] = {}
    for rule in ruleset.enabled():
        if rule.family not in cache:
            try:
                cache[rule.family] = FAMILIES[rule.family](reader, names)
            except Exception as exc:
                # one broken family never takes the other alerts (and the briefing) down
                logger.exception("alert family %s failed", rule.family)
                cache[rule.family] = None
                family_reasons[rule.family] = f"failed: {type(exc).__name__}: {exc}".splitlines()[
                    0
                ][:300]
            if cache[rule.family] is None and rule.family not in family_reasons:
                family_reasons[rule.family] = (
                    "a mart it reads is not in the warehouse (its Odoo module is not "
                    "installed, or nothing was extracted yet)"
                )
        observations = cache[rule.family]
        if observations is None:
            skipped.append(rule.key)
            reasons[rule.key] = family_reasons[rule.family]
            continue
        evaluated.append(rule.key)
        for o in observations:
            if not rule.applies_to(o.company_id):
                continue
            priority = classify(rule, o)
            if priority is None:
                continue
            out.append(
                AlertCandidate(
                    rule.key,
                    rule.family,
                    rule.area,
                    priority,
                    o.company_id,
                    o.record_model,
                    o.record_id,
                    (rule.title or o.title)[:500],
                    o.details,
                )
            )
    return Evaluation(out, evaluated, skipped, reasons)


# ------------------------------------------------------------------ lifecycle
@dataclass
class SyncResult:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    open: int = 0
    skipped_rules: list[str] = field(default_factory=list)
    skipped_reasons: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _event(
    conn: Any, alert_id: int, event: str, actor: str, at: dt.datetime, note: str | None = None
) -> None:
    conn.execute(
        alert_events.insert().values(alert_id=alert_id, event=event, actor=actor, at=at, note=note)
    )


def sync_alerts(
    state: StateStore,
    evaluation: Evaluation,
    ruleset: RuleSet,
    *,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Reconcile the evaluated alerts with the store (one transaction)."""
    now = now or utcnow()
    res = SyncResult(
        skipped_rules=list(evaluation.skipped_rules),
        skipped_reasons=dict(evaluation.skipped_reasons),
    )
    rules = {r.key: r for r in ruleset.rules}
    wanted = {c.alert_key: c for c in evaluation.candidates}
    with state.begin() as conn:
        existing = {
            row.alert_key: row
            for row in conn.execute(
                select(alerts).where(alerts.c.rule_key.in_(evaluation.evaluated_rules))
            )
        }
        for key, c in wanted.items():
            details = json.dumps(c.details, sort_keys=True, default=str)
            row = existing.get(key)
            if row is None:
                inserted = conn.execute(
                    alerts.insert().values(
                        alert_key=key,
                        rule_key=c.rule_key,
                        family=c.family,
                        area=c.area,
                        priority=c.priority,
                        company_id=c.company_id,
                        record_model=c.record_model,
                        record_id=c.record_id,
                        title=c.title,
                        details=details,
                        status="new",
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
                new_id = (inserted.inserted_primary_key or [0])[0]
                _event(conn, int(new_id), "raised", SYSTEM, now, c.priority)
                res.raised += 1
                continue
            values: dict[str, Any] = {
                "last_seen_at": now,
                "title": c.title,
                "details": details,
                "priority": c.priority,
            }
            if row.status in OPEN_STATUSES:
                if row.priority != c.priority:
                    _event(
                        conn,
                        row.id,
                        "priority_changed",
                        SYSTEM,
                        now,
                        f"{row.priority}->{c.priority}",
                    )
                    if PRIORITY_RANK[c.priority] > PRIORITY_RANK[row.priority]:
                        values["escalated_at"] = None
                res.updated += 1
            else:
                closed_at = row.resolved_at or row.dismissed_at or row.last_seen_at
                cooldown = dt.timedelta(hours=ruleset.cooldown_hours(rules[c.rule_key]))
                if now - closed_at >= cooldown:
                    values.update(
                        status="new",
                        resolved_at=None,
                        acknowledged_by=None,
                        acknowledged_at=None,
                        dismissed_by=None,
                        dismissed_at=None,
                        escalated_at=None,
                        first_seen_at=now,
                    )
                    _event(conn, row.id, "reopened", SYSTEM, now, f"was {row.status}")
                    res.reopened += 1
                else:  # inside the cooldown: remember it was seen, stay closed
                    values = {"last_seen_at": now}
            conn.execute(update(alerts).where(alerts.c.id == row.id).values(**values))
        for key, row in existing.items():
            if key in wanted or row.status not in OPEN_STATUSES:
                continue
            conn.execute(
                update(alerts)
                .where(alerts.c.id == row.id)
                .values(status="resolved", resolved_at=now)
            )
            _event(conn, row.id, "auto_resolved", SYSTEM, now, "condition cleared")
            res.resolved += 1
        res.open = sum(
            1 for _ in conn.execute(select(alerts.c.id).where(alerts.c.status.in_(OPEN_STATUSES)))
        )
    logger.info(
        "alerts: %d raised, %d updated, %d reopened, %d resolved, %d open",
        res.raised,
        res.updated,
        res.reopened,
        res.resolved,
        res.open,
    )
    return res


def escalate_due(
    state: StateStore,
    ruleset: RuleSet | None = None,
    *,
    now: dt.datetime | None = None,
    notify: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> list[dict[str, Any]]:
    """Unacknowledged critical alerts older than the escalation delay, each escalated once.

    ``notify`` (e.g. the escalation email) runs before they are marked: if it raises, nothing
    is marked and the next evaluation tries again, so an escalation is never lost to a
    mail server that was down.
    """
    ruleset = ruleset or load_rules()
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=ruleset.defaults.escalate_after_minutes)
    with state.begin() as conn:
        rows = list(
            conn.execute(
                select(alerts).where(
                    alerts.c.status == "new",
                    alerts.c.priority == "critical",
                    alerts.c.escalated_at.is_(None),
                    alerts.c.first_seen_at <= cutoff,
                )
            )
        )
    due = [dict(r._mapping) | {"escalated_at": now} for r in rows]
    if not due:
        return []
    if notify is not None:
        try:
            notify(due)
        except Exception as exc:
            logger.warning("escalation notice failed (%s): will retry", type(exc).__name__)
            return []
    with state.begin() as conn:
        for row in rows:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == row.id, alerts.c.escalated_at.is_(None))
                .values(escalated_at=now)
            )
            _event(conn, row.id, "escalated", SYSTEM, now, None)
    return due


def run_alerts(
    state: StateStore,
    reader: MartReader,
    ruleset: RuleSet | None = None,
    *,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Evaluate the rules and store the result: what the alerts asset runs."""
    ruleset = ruleset or load_rules()
    return sync_alerts(state, evaluate(reader, ruleset), ruleset, now=now)


def candidates_by_family(evaluation: Evaluation) -> dict[str, list[AlertCandidate]]:
    out: dict[str, list[AlertCandidate]] = {}
    for c in evaluation.candidates:
        out.setdefault(c.family, []).append(c)
    return out


def iter_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in rows]
