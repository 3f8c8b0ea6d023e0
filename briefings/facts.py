"""The facts a briefing is written from: one JSON-able dict per company and role.

Everything a briefing may say is in here, numbers included, so that the LLM and the template
write from the same input and a check can prove that every figure in the text came from it.
Text taken from Odoo (partner, deal and product names, invoice references) stays inside the
facts as data; it is never put into instructions.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from sqlalchemy import desc, select

from alerts.names import Names
from alerts.sources import MartReader
from briefings.store import briefings
from opstore.db import StateStore

logger = logging.getLogger(__name__)

# every table the facts read beyond the alerts' (the lineage of the briefings asset:
# orchestration/lineage.py generates its Dagster deps; a test parses the SQL below against it)
READS = (
    "finance.fct_cash_runway",
    "finance.fct_receivable_aging",
    "finance.fct_days_outstanding_monthly",
    "finance.fct_cash_flows_monthly",
    "finance.fct_profit_and_loss",
    "finance.fct_trial_balance_monthly",
    "sales.fct_pipeline_by_stage",
    "sales.fct_win_rates_monthly",
    "operations.fct_stock_cover",
    "operations.fct_reorder_points",
    "customers.dim_customers",
    "ml.forecasts",
    "ml.model_runs",
    "core.dim_companies",  # the companies briefed (compose.py) and their zones (schedule.py)
)

ROLES = ("ceo", "cfo", "sales", "operations")
ROLE_AREAS: dict[str, tuple[str, ...]] = {
    "ceo": ("finance", "sales", "operations", "customers", "expenses"),
    "cfo": ("finance", "expenses"),
    "sales": ("sales", "customers"),
    "operations": ("operations",),
}
ROLE_TITLES = {
    "ceo": "CEO",
    "cfo": "CFO",
    "sales": "Sales manager",
    "operations": "Operations manager",
}
_PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MAX_ALERTS = 12


def _num(v: Any) -> float | None:
    return None if v is None else round(float(v), 2)


def _metric(key: str, label: str, value: Any, unit: str) -> dict[str, Any]:
    return {"key": key, "label": label, "value": _num(value), "unit": unit}


def company_metrics(
    reader: MartReader, company_id: int, currency: str
) -> dict[str, dict[str, Any]]:
    """Key figures of one company, keyed by metric key (each role picks its own)."""
    m: dict[str, dict[str, Any]] = {}
    if reader.has_table("finance", "fct_cash_runway"):
        rows = reader.rows(
            "select * from finance.fct_cash_runway where company_id = ?", [company_id]
        )
        if rows:
            r = rows[0]
            m["cash_balance"] = _metric("cash_balance", "Cash", r["cash_balance"], currency)
            m["monthly_burn"] = _metric("monthly_burn", "Monthly burn", r["monthly_burn"], currency)
            m["runway_days"] = _metric("runway_days", "Runway (burn)", r["runway_days"], "days")
            m["projected_runway_days"] = _metric(
                "projected_runway_days",
                "Days until cash runs out (projection)",
                r["projected_runway_days"],
                "days",
            )
            m["effective_runway_days"] = _metric(
                "effective_runway_days",
                "Runway",
                r["effective_runway_days"],
                "days",
            )
            m["receivable_open"] = _metric(
                "receivable_open", "Open receivables", r["receivable_open"], currency
            )
            m["payable_open"] = _metric(
                "payable_open", "Open payables", r["payable_open"], currency
            )
            m["projected_cash_90d"] = _metric(
                "projected_cash_90d",
                "Cash in 90 days (contracted)",
                r["projected_cash_90d"],
                currency,
            )
    if reader.has_table("finance", "fct_receivable_aging"):
        rows = reader.rows(
            "select sum(residual_overdue) as v from finance.fct_receivable_aging where company_id = ?",
            [company_id],
        )
        m["receivable_overdue"] = _metric(
            "receivable_overdue", "Overdue receivables", rows[0]["v"] or 0, currency
        )
    if reader.has_table("finance", "fct_days_outstanding_monthly"):
        rows = reader.rows(
            "select dso_days, dpo_days from finance.fct_days_outstanding_monthly where company_id = ? "
            "order by period_month_date desc limit 1",
            [company_id],
        )
        if rows:
            m["dso_days"] = _metric("dso_days", "DSO", rows[0]["dso_days"], "days")
    if reader.has_table("finance", "fct_cash_flows_monthly"):
        rows = reader.rows(
            "select cash_in, cash_out from finance.fct_cash_flows_monthly where company_id = ? "
            "order by period_month_date desc limit 2",
            [company_id],
        )
        if len(rows) == 2:  # the last complete month
            m["cash_in_last_month"] = _metric(
                "cash_in_last_month", "Cash in, last month", rows[1]["cash_in"], currency
            )
            m["cash_out_last_month"] = _metric(
                "cash_out_last_month", "Cash out, last month", rows[1]["cash_out"], currency
            )
    if reader.has_table("finance", "fct_profit_and_loss"):
        m.update(_statement_metrics(reader, company_id, currency))
    if reader.has_table("sales", "fct_pipeline_by_stage"):
        rows = reader.rows(
            "select sum(opportunity_count) as n, sum(expected_revenue) as e, sum(weighted_revenue) as w, "
            "sum(stalled_count) as s from sales.fct_pipeline_by_stage where company_id = ?",
            [company_id],
        )
        r = rows[0]
        m["open_deals"] = _metric("open_deals", "Open deals", r["n"] or 0, "deals")
        m["pipeline_expected"] = _metric(
            "pipeline_expected", "Pipeline (expected)", r["e"] or 0, currency
        )
        m["pipeline_weighted"] = _metric(
            "pipeline_weighted", "Pipeline (weighted)", r["w"] or 0, currency
        )
        m["stalled_deals"] = _metric("stalled_deals", "Stalled deals", r["s"] or 0, "deals")
    if reader.has_table("sales", "fct_win_rates_monthly"):
        rows = reader.rows(
            "select sum(won_count) as won, sum(lost_count) as lost from sales.fct_win_rates_monthly "
            "where company_id = ? and closed_month_date >= (select max(closed_month_date) "
            "from sales.fct_win_rates_monthly) - interval '90 days'",
            [company_id],
        )
        won, lost = float(rows[0]["won"] or 0), float(rows[0]["lost"] or 0)
        if won + lost:
            m["win_rate_3m"] = _metric(
                "win_rate_3m", "Win rate, last 3 months", 100 * won / (won + lost), "%"
            )
    if reader.has_table("operations", "fct_stock_cover"):
        rows = reader.rows(
            "select count(*) as n, sum(case when is_stockout_within_lead_time then 1 else 0 end) as r "
            "from operations.fct_stock_cover where company_id = ?",
            [company_id],
        )
        m["products_at_risk"] = _metric(
            "products_at_risk",
            "Products running out inside lead time",
            rows[0]["r"] or 0,
            "products",
        )
    if reader.has_table("operations", "fct_reorder_points"):
        rows = reader.rows(
            "select sum(case when is_below_reorder_point then 1 else 0 end) as n "
            "from operations.fct_reorder_points where company_id = ?",
            [company_id],
        )
        m["below_reorder_point"] = _metric(
            "below_reorder_point", "Below reorder point", rows[0]["n"] or 0, "products"
        )
    if reader.has_table("customers", "dim_customers"):
        rows = reader.rows(
            "select count(*) as n, sum(case when health_band = 'at_risk' then 1 else 0 end) as r "
            "from customers.dim_customers where company_id = ?",
            [company_id],
        )
        m["customers"] = _metric("customers", "Customers", rows[0]["n"] or 0, "customers")
        m["customers_at_risk"] = _metric(
            "customers_at_risk", "Customers at risk (health)", rows[0]["r"] or 0, "customers"
        )
    return m


def _statement_metrics(
    reader: MartReader, company_id: int, currency: str
) -> dict[str, dict[str, Any]]:
    """Month-to-date net profit and gross margin against last month (the statements mart),
    and the account whose change moved profit most between the two months."""
    rows = reader.rows(
        "select period_start_date, line_code, amount from finance.fct_profit_and_loss "
        "where company_id = ? and period_grain = 'month' "
        "and line_code in ('net_profit', 'gross_profit', 'operating_income') "
        "order by period_start_date desc limit 6",
        [company_id],
    )
    months = sorted({r["period_start_date"] for r in rows}, reverse=True)
    if len(months) < 2:
        return {}
    by = {(r["period_start_date"], r["line_code"]): _num(r["amount"]) or 0.0 for r in rows}

    def margin(month: Any) -> float | None:
        income = by.get((month, "operating_income")) or 0.0
        return None if income == 0 else 100 * (by.get((month, "gross_profit")) or 0.0) / income

    now, before = months[0], months[1]
    m = {
        "net_profit_mtd": _metric(
            "net_profit_mtd", "Net profit, month to date", by.get((now, "net_profit")), currency
        ),
        "net_profit_last_month": _metric(
            "net_profit_last_month",
            "Net profit, last month",
            by.get((before, "net_profit")),
            currency,
        ),
        "gross_margin_mtd": _metric(
            "gross_margin_mtd", "Gross margin, month to date", margin(now), "%"
        ),
        "gross_margin_last_month": _metric(
            "gross_margin_last_month", "Gross margin, last month", margin(before), "%"
        ),
    }
    if reader.has_table("finance", "fct_trial_balance_monthly"):
        movers = reader.rows(
            # the alias is ordered on outside: PostgreSQL, unlike DuckDB, does not let an
            # ORDER BY expression use an output column's alias
            "select account_code, account_name, change from ("
            "select account_code, account_name, "
            "sum(case when period_month_date = ? then -net_movement else 0 end) "
            "- sum(case when period_month_date = ? then -net_movement else 0 end) as change "
            "from finance.fct_trial_balance_monthly "
            "where company_id = ? and statement = 'profit_and_loss' "
            "and period_month_date in (?, ?) group by 1, 2) as movers "
            "order by abs(change) desc, account_code limit 1",
            [now, before, company_id, now, before],
        )
        if movers and movers[0]["change"]:
            top = movers[0]
            m["profit_change_top_account"] = _metric(
                "profit_change_top_account",
                f"Biggest change in profit vs last month: account {top['account_code']} "
                f"{top['account_name']}",
                top["change"],
                currency,
            )
    return m


ROLE_METRICS: dict[str, tuple[str, ...]] = {
    "ceo": (
        "cash_balance",
        "effective_runway_days",
        "projected_runway_days",
        "runway_days",
        "receivable_overdue",
        "pipeline_weighted",
        "win_rate_3m",
        "products_at_risk",
        "customers_at_risk",
    ),
    "cfo": (
        "cash_balance",
        "monthly_burn",
        "effective_runway_days",
        "runway_days",
        "projected_runway_days",
        "receivable_open",
        "receivable_overdue",
        "payable_open",
        "projected_cash_90d",
        "dso_days",
        "cash_in_last_month",
        "cash_out_last_month",
        "net_profit_mtd",
        "net_profit_last_month",
        "gross_margin_mtd",
        "gross_margin_last_month",
        "profit_change_top_account",
    ),
    "sales": (
        "open_deals",
        "pipeline_expected",
        "pipeline_weighted",
        "stalled_deals",
        "win_rate_3m",
        "customers",
        "customers_at_risk",
    ),
    "operations": ("products_at_risk", "below_reorder_point"),
}

ROLE_FORECASTS: dict[str, tuple[str, ...]] = {
    "ceo": ("revenue_monthly", "net_cash_weekly"),
    "cfo": ("net_cash_weekly", "revenue_monthly"),
    "sales": ("revenue_monthly",),
    "operations": ("demand:",),
}


# where each key figure comes from, so a briefing can say which it could not compute and why
METRIC_SOURCES: dict[str, tuple[str, str]] = {
    **{
        k: ("finance", "fct_cash_runway")
        for k in (
            "cash_balance",
            "monthly_burn",
            "runway_days",
            "projected_runway_days",
            "effective_runway_days",
            "receivable_open",
            "payable_open",
            "projected_cash_90d",
        )
    },
    "receivable_overdue": ("finance", "fct_receivable_aging"),
    "dso_days": ("finance", "fct_days_outstanding_monthly"),
    "cash_in_last_month": ("finance", "fct_cash_flows_monthly"),
    "cash_out_last_month": ("finance", "fct_cash_flows_monthly"),
    **{
        k: ("finance", "fct_profit_and_loss")
        for k in (
            "net_profit_mtd",
            "net_profit_last_month",
            "gross_margin_mtd",
            "gross_margin_last_month",
            "profit_change_top_account",
        )
    },
    **{
        k: ("sales", "fct_pipeline_by_stage")
        for k in ("open_deals", "pipeline_expected", "pipeline_weighted", "stalled_deals")
    },
    "win_rate_3m": ("sales", "fct_win_rates_monthly"),
    "products_at_risk": ("operations", "fct_stock_cover"),
    "below_reorder_point": ("operations", "fct_reorder_points"),
    "customers": ("customers", "dim_customers"),
    "customers_at_risk": ("customers", "dim_customers"),
}

# the models each role's briefing draws on (ml.model_runs names; forecasts has parts)
ROLE_MODELS: dict[str, tuple[str, ...]] = {
    "ceo": ("churn", "deals", "stockout", "anomalies", "forecasts"),
    "cfo": ("anomalies", "forecasts"),
    "sales": ("churn", "deals", "forecasts"),
    "operations": ("stockout", "forecasts"),
}
MODEL_TITLES = {
    "churn": "churn risk scores",
    "deals": "deal win and stall scores",
    "stockout": "stock-out predictions",
    "anomalies": "anomaly detection (journal entries, expenses)",
    "forecasts": "forecasts",
}


def model_states(reader: MartReader) -> dict[str, tuple[str, str]]:
    """Per model whose newest run recorded a state (too little data, a failure): the status
    and the reason (``ml.model_runs`` rows ``model_version = 'state:<status>'``)."""
    if not reader.has_table("ml", "model_runs"):
        return {}
    try:
        rows = reader.rows(
            "with newest as (select model_name, max(trained_at) as at from ml.model_runs "
            "group by model_name) "
            "select r.model_name, r.status, r.reason from ml.model_runs r "
            "join newest n on n.model_name = r.model_name and n.at = r.trained_at "
            "where r.model_version like 'state:%'"
        )
    except Exception:  # a table written before the status column: no states recorded
        logger.warning("cannot read the models' states from ml.model_runs", exc_info=True)
        return {}
    return {str(r["model_name"]): (str(r["status"]), str(r["reason"] or "")) for r in rows}


RUNWAY_KEYS = ("effective_runway_days", "runway_days", "projected_runway_days")


def not_computed(
    reader: MartReader,
    company_id: int,
    role: str,
    metrics: dict[str, dict[str, Any]],
    errors: dict[str, str],
) -> list[dict[str, str]]:
    """What this briefing could not compute, and why: the role's key figures that are
    missing (their mart is absent or has no rows for the company), the models that had too
    little data or failed, and the sections that failed (``errors``)."""
    out: list[dict[str, str]] = [{"what": w, "reason": r} for w, r in errors.items()]
    by_table: dict[tuple[str, str], list[str]] = {}
    # the runway mart has a row (cash is known) but no runway: cash does not run out, which
    # is a figure (the briefing says "cash lasts"), not something missing
    cash_known = metrics.get("cash_balance", {}).get("value") is not None
    for key in ROLE_METRICS[role]:
        if key in metrics and metrics[key]["value"] is not None:
            continue
        if cash_known and key in RUNWAY_KEYS:
            continue
        by_table.setdefault(METRIC_SOURCES[key], []).append(key)
    for (schema, table), keys in by_table.items():
        if "key figures" in errors:
            break
        reason = (
            f"no table {schema}.{table} in the warehouse (its Odoo module is not installed, "
            "or nothing was extracted yet)"
            if not reader.has_table(schema, table)
            else f"no value for this company in {schema}.{table} yet (too little history)"
        )
        out.append({"what": ", ".join(k.replace("_", " ") for k in keys), "reason": reason})
    states = model_states(reader)
    for name in ROLE_MODELS[role]:
        if name in states:
            status, reason = states[name]
            what = MODEL_TITLES.get(name, name)
            label = "too little data" if status == "insufficient_data" else status
            out.append({"what": what, "reason": f"{label}: {reason}"})
    return out


def forecasts(reader: MartReader, company_id: int, role: str) -> list[dict[str, Any]]:
    """The next periods of the role's series from ml.forecasts (empty when absent)."""
    if not reader.has_table("ml", "forecasts"):
        return []
    out: list[dict[str, Any]] = []
    for prefix in ROLE_FORECASTS[role]:
        rows = reader.rows(
            "select series, period_start, period_grain, yhat, yhat_lower, yhat_upper, model "
            "from ml.forecasts where company_id = ? and series like ? order by series, period_start",
            [company_id, prefix + "%"],
        )
        by_series: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_series.setdefault(str(r["series"]), []).append(r)
        for series, points in sorted(by_series.items())[:5]:
            for p in points[:3]:
                out.append(
                    {
                        "series": series,
                        "period_start": str(p["period_start"])[:10],
                        "grain": p["period_grain"],
                        "yhat": _num(p["yhat"]),
                        "yhat_lower": _num(p["yhat_lower"]),
                        "yhat_upper": _num(p["yhat_upper"]),
                    }
                )
    return out


def previous_facts(state: StateStore, company_id: int, role: str) -> dict[str, Any] | None:
    with state.begin() as conn:
        row = conn.execute(
            select(briefings.c.facts)
            .where(briefings.c.company_id == company_id, briefings.c.role == role)
            .order_by(desc(briefings.c.created_at), desc(briefings.c.id))
            .limit(1)
        ).first()
    if row is None:
        return None
    try:
        data: dict[str, Any] = json.loads(row.facts)
        return data
    except ValueError:
        return None


def _with_change(metric: dict[str, Any], prev: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(metric)
    before = prev.get("value") if prev else None
    out["previous"] = before
    if before is None or metric["value"] is None:
        out["change"] = None
        out["change_pct"] = None
    else:
        out["change"] = round(metric["value"] - before, 2)
        out["change_pct"] = (
            round(100 * (metric["value"] - before) / abs(before), 1) if before else None
        )
    return out


def build_facts(
    state: StateStore,
    reader: MartReader,
    company_id: int,
    role: str,
    open_alerts: list[dict[str, Any]],
    *,
    names: Names | None = None,
    now: dt.datetime | None = None,
    metrics_cache: dict[int, dict[str, dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The facts of one briefing. ``open_alerts`` are the store's alerts (any company)."""
    names = names or Names(reader)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    currency = names.currency(company_id)
    errors: dict[str, str] = {}
    if metrics_cache is not None and company_id in metrics_cache:
        all_metrics = metrics_cache[company_id]
    else:
        try:
            all_metrics = company_metrics(reader, company_id, currency)
        except Exception as exc:  # a broken mart never takes the whole briefing down
            logger.exception("key figures of company %s failed", company_id)
            all_metrics = {}
            errors["key figures"] = f"failed: {type(exc).__name__}: {exc}".splitlines()[0]
        if metrics_cache is not None and not errors:
            metrics_cache[company_id] = all_metrics
    try:
        role_forecasts = forecasts(reader, company_id, role)
    except Exception as exc:
        logger.exception("forecasts of company %s failed", company_id)
        role_forecasts = []
        errors["forecasts"] = f"failed: {type(exc).__name__}: {exc}".splitlines()[0]
    prev = previous_facts(state, company_id, role)
    prev_metrics = {m["key"]: m for m in (prev or {}).get("metrics", [])}
    metrics = [
        _with_change(all_metrics[k], prev_metrics.get(k))
        for k in ROLE_METRICS[role]
        if k in all_metrics
    ]
    mine = [
        a for a in open_alerts if a["company_id"] == company_id and a["area"] in ROLE_AREAS[role]
    ]
    mine.sort(key=lambda a: (_PRIORITY_ORDER.get(a["priority"], 9), a["id"]))
    counts = {p: sum(1 for a in mine if a["priority"] == p) for p in _PRIORITY_ORDER}
    prev_keys = {a["alert_key"] for a in (prev or {}).get("alerts", [])}
    alerts_out = [
        {
            "id": a["id"],
            "alert_key": a["alert_key"],
            "company_id": a["company_id"],
            "priority": a["priority"],
            "area": a["area"],
            "family": a["family"],
            "status": a["status"],
            "title": a["title"],
            "record_model": a["record_model"],
            "record_id": a["record_id"],
            "is_new_since_last_briefing": a["alert_key"] not in prev_keys,
            "details": a["details"],
        }
        for a in mine[:MAX_ALERTS]
    ]
    as_of = None
    for a in mine:
        as_of = a["details"].get("as_of_date") or as_of
    return {
        "company": {"id": company_id, "name": names.company(company_id), "currency": currency},
        "role": role,
        "role_title": ROLE_TITLES[role],
        "date": now.date().isoformat(),
        "as_of": as_of,
        "previous_briefing_date": (prev or {}).get("date"),
        "alert_counts": {
            **counts,
            "urgent": counts["critical"] + counts["high"],
            "total": len(mine),
            "shown": len(alerts_out),
        },
        "alerts": alerts_out,
        "metrics": metrics,
        "forecasts": role_forecasts,
        # what could not be computed today and why (too little data, a missing module, a
        # failed model or section): the briefing says so rather than going quiet
        "not_computed": not_computed(reader, company_id, role, all_metrics, errors),
    }


# ------------------------------------------------------------------ figure check
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def _numbers_in_text(text: str) -> list[str]:
    return [m.group(0).rstrip(",") for m in _NUMBER.finditer(text)]


def _to_float(token: str) -> float | None:
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def fact_numbers(facts: Any) -> set[float]:
    """Every figure a briefing may state: numbers in the facts, also when written inside
    text (titles, dates), as given, rounded and as a percentage of a ratio."""
    found: set[float] = set()

    def add(x: float) -> None:
        for v in (x, abs(x)):
            found.add(round(v, 2))
            found.add(round(v, 1))
            found.add(float(round(v)))
            found.add(float(int(v)))
            if abs(v) <= 1.0:
                found.add(round(v * 100, 1))
                found.add(float(round(v * 100)))

    def walk(v: Any) -> None:
        if isinstance(v, bool) or v is None:
            return
        if isinstance(v, int | float):
            add(float(v))
        elif isinstance(v, str):
            for tok in _numbers_in_text(v):
                f = _to_float(tok)
                if f is not None:
                    add(f)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)

    walk(facts)
    return found


def unsupported_numbers(text: str, facts: Any) -> list[str]:
    """Figures in ``text`` that do not come from ``facts`` (empty = every figure is backed)."""
    allowed = fact_numbers(facts)
    bad = []
    for tok in _numbers_in_text(text):
        f = _to_float(tok)
        if f is None:
            continue
        if not any(c in allowed for c in (round(f, 2), round(f, 1), float(round(f)))):
            bad.append(tok)
    return bad
