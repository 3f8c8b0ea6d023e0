"""The alert rule families: each reads one mart (or an ML score table) into *observations*
(a record, its evidence, its measures) that a rule's thresholds then judge
(:mod:`alerts.evaluation`). A family returns None when what it reads is not in the warehouse.

``READS`` is every table the families (and the names they show) read: the lineage of the
alerts asset (orchestration/lineage.py makes its Dagster deps; a test parses the SQL below).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alerts.names import Names
from alerts.rules import FAMILY_THRESHOLDS
from alerts.sources import MartReader

logger = logging.getLogger(__name__)

# every table the alert rules (and the names they show) read: the lineage of the alerts asset
# (orchestration/lineage.py generates its Dagster deps; a test parses the SQL below against it)
READS = (
    "finance.fct_cash_runway",
    "finance.fct_invoice_settlements",
    "finance.fct_receivable_aging",
    "finance.fct_overdue_invoices",
    "finance.fct_ledger_by_period",
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


@dataclass
class Observation:
    """One record a family looked at, with the measures its thresholds compare."""

    company_id: int
    record_model: str | None
    record_id: int | None
    title: str
    details: dict[str, Any]
    measures: dict[str, Any] = field(default_factory=dict)


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


# ------------------------------------------------------------------ against the company's size
def monthly_revenue(reader: MartReader) -> dict[int, float]:
    """Per company: the average income of the last three complete months before the aging's
    as-of date (finance.fct_ledger_by_period), the yardstick "material" is measured by."""
    if not reader.has_table("finance", "fct_ledger_by_period"):
        return {}
    if "monthly_revenue" not in reader.memo:
        rows = reader.rows(
            "select company_id, period_month_date, sum(-net_movement) as revenue "
            "from finance.fct_ledger_by_period where account_type = 'income' "
            "group by company_id, period_month_date"
        )
        asof = {
            int(r["company_id"]): r["as_of_date"]
            for r in reader.rows(
                "select company_id, max(as_of_date) as as_of_date "
                "from finance.fct_receivable_aging group by company_id"
            )
        }
        months: dict[int, list[tuple[Any, float]]] = {}
        for r in rows:
            cid = int(r["company_id"])
            day = asof.get(cid)
            month = r["period_month_date"]
            if day is None or month is None or str(month)[:7] >= str(day)[:7]:
                continue  # the current month is not complete
            months.setdefault(cid, []).append((str(month)[:10], float(r["revenue"] or 0.0)))
        reader.memo["monthly_revenue"] = {
            cid: sum(v for _, v in sorted(vals)[-3:]) / len(sorted(vals)[-3:])
            for cid, vals in months.items()
            if vals
        }
    revenue: dict[int, float] = reader.memo["monthly_revenue"]
    return revenue


def _ratio(part: float, whole: float | None) -> float | None:
    return None if whole is None or whole <= 0 else round(part / whole, 4)


def _receivables_share(reader: MartReader, names: Names) -> list[Observation] | None:
    """Overdue receivables against the company's own size: their share of the open
    receivables and how many months of revenue they are, so a small company's 67 % overdue
    is an alert although no amount reaches a fixed threshold in some currency."""
    if not reader.has_table("finance", "fct_receivable_aging"):
        return None
    revenue = monthly_revenue(reader)
    obs = []
    for r in reader.rows(
        "select company_id, max(as_of_date) as as_of_date, sum(residual_overdue) as overdue, "
        "sum(residual_total) as open_total, max(max_days_overdue) as max_days, "
        "count(distinct case when residual_overdue > 0 then partner_id end) as partners "
        "from finance.fct_receivable_aging group by company_id"
    ):
        cid = int(r["company_id"])
        overdue, total = float(r["overdue"] or 0.0), float(r["open_total"] or 0.0)
        share = _ratio(overdue, total)
        if share is None or overdue <= 0:
            continue
        cur = names.currency(cid)
        obs.append(
            Observation(
                cid,
                None,
                None,
                f"{share:.0%} of {names.company(cid)}'s receivables are overdue: "
                f"{overdue:,.0f} of {total:,.0f} {cur}",
                {
                    "overdue_total": round(overdue, 2),
                    "open_total": round(total, 2),
                    "overdue_share": share,
                    "monthly_revenue": None if cid not in revenue else round(revenue[cid], 2),
                    "months_of_revenue": _ratio(overdue, revenue.get(cid)),
                    "max_days_overdue": r["max_days"],
                    "partners_overdue": r["partners"],
                    "currency": cur,
                    "as_of_date": r["as_of_date"],
                },
                {
                    "overdue_share": share,
                    "amount": overdue,
                    "months_of_revenue": _ratio(overdue, revenue.get(cid)),
                },
            )
        )
    return obs


def _customer_overdue(reader: MartReader, names: Names) -> list[Observation] | None:
    """One customer's overdue receivables against the company's: a customer holding a large
    share of what is owed is a risk from the first weeks, long before 30 or 60 days."""
    if not reader.has_table("finance", "fct_receivable_aging"):
        return None
    revenue = monthly_revenue(reader)
    totals = {
        int(r["company_id"]): float(r["t"] or 0.0)
        for r in reader.rows(
            "select company_id, sum(residual_total) as t from finance.fct_receivable_aging "
            "group by company_id"
        )
    }
    obs = []
    for r in reader.rows(
        "select company_id, partner_id, residual_overdue, residual_total, max_days_overdue, "
        "open_item_count from finance.fct_receivable_aging where residual_overdue > 0 "
        "order by company_id, partner_id"
    ):
        cid, pid = int(r["company_id"]), int(r["partner_id"])
        overdue = float(r["residual_overdue"] or 0.0)
        share = _ratio(overdue, totals.get(cid))
        if share is None:
            continue
        partner, cur = names.partner(pid), names.currency(cid)
        obs.append(
            Observation(
                cid,
                "res.partner",
                pid,
                f"{partner} owes {overdue:,.0f} {cur} overdue, {share:.0%} of all receivables",
                {
                    "partner_id": pid,
                    "partner_name": partner,
                    "overdue": round(overdue, 2),
                    "share_of_receivables": share,
                    "days_overdue": r["max_days_overdue"],
                    "months_of_revenue": _ratio(overdue, revenue.get(cid)),
                    "open_items": r["open_item_count"],
                    "currency": cur,
                },
                {
                    "share_of_receivables": share,
                    "days_overdue": r["max_days_overdue"],
                    "amount": overdue,
                    "months_of_revenue": _ratio(overdue, revenue.get(cid)),
                },
            )
        )
    return obs


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
    "receivables_share": _receivables_share,
    "customer_overdue": _customer_overdue,
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
