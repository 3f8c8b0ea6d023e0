"""Ask without an API key: the common questions, matched by keywords and answered from the
marts by fixed queries.

A small scored keyword matcher, not a model: each intent has weighted patterns, the best
score wins, ties go to the earlier intent. "Which customers owe us the most and are late?"
matches *overdue* (owe, late) rather than *churn* (customers), because money owed weighs
more than the word customer. Every answer carries the SQL that ran (the company ids written
into it, so it can be pasted as is) and the rows; names come from the marts, amounts with
the company's currency.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.ask.answer import NOT_CONFIGURED, Answer, Source
from agents.ask.scope import Scope
from agents.sql import run_query, to_jsonable
from core.untrusted import clean_text
from odoo_api.warehouse import Warehouse
from opstore.db import StateStore

ROW_LIMIT = 10


@dataclass(frozen=True)
class Intent:
    key: str
    title: str
    example: str
    patterns: tuple[tuple[str, int], ...]
    handler: Callable[[Warehouse, StateStore | None, list[int]], tuple[list[str], list[Source]]]


def money(value: Any, currency: str) -> str:
    """``12,345.67 EUR``; a missing or non-finite amount says so."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(v):
        return "n/a"
    return f"{v:,.2f} {currency}".strip()


def _days(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return f"{v:,.0f}" if math.isfinite(v) else "n/a"


def _habit(avg_days_late: Any) -> str:
    """How the partner pays, from its settled invoices' average delay."""
    try:
        v = float(avg_days_late)
    except (TypeError, ValueError):
        return "no settled invoices yet"
    if not math.isfinite(v):
        return "no settled invoices yet"
    if v < 0:
        return f"usually pays {_days(-v)} days early"
    return f"usually pays {_days(v)} days late"


def _name(value: Any) -> str:
    """Odoo text shown as data: hidden characters removed, one line, bounded."""
    return " ".join(clean_text(str(value or "")).split())[:120] or "(no name)"


def _ids(companies: list[int]) -> str:
    return ", ".join(str(int(c)) for c in companies) or "null"


def _run(warehouse: Warehouse, sql: str) -> tuple[list[dict[str, Any]], Source]:
    result = run_query(warehouse, sql, row_limit=200)
    source = Source("query", sql, result.columns, result.rows, result.truncated)
    return [dict(zip(result.columns, r, strict=True)) for r in result.rows], source


def _table_exists(warehouse: Warehouse, schema: str, table: str) -> bool:
    result = run_query(
        warehouse,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        params=[schema, table],
        row_limit=1,
        checked=False,
    )
    return bool(result.rows and result.rows[0][0])


def cash(warehouse: Warehouse, _state: Any, companies: list[int]) -> tuple[list[str], list[Source]]:
    sql = (
        "select r.company_id, c.company_name, c.currency_code, r.as_of_date, r.cash_balance, "
        "r.monthly_burn, r.is_burning_cash, r.runway_days, r.effective_runway_days, "
        "r.projected_cash_out_date, r.projected_cash_90d\n"
        "from finance.fct_cash_runway r\n"
        "join core.dim_companies c on c.company_id = r.company_id\n"
        f"where r.company_id in ({_ids(companies)})\norder by r.company_id"
    )
    rows, source = _run(warehouse, sql)
    lines = []
    for r in rows:
        cur = r["currency_code"] or ""
        line = (
            f"{_name(r['company_name'])}: cash {money(r['cash_balance'], cur)} "
            f"on {to_jsonable(r['as_of_date'])}"
        )
        if r["is_burning_cash"]:
            line += (
                f"; burning {money(r['monthly_burn'], cur)} a month, runway "
                f"{_days(r['effective_runway_days'] if r['effective_runway_days'] is not None else r['runway_days'])} days"
            )
            if r["projected_cash_out_date"]:
                line += f" (cash out by {to_jsonable(r['projected_cash_out_date'])})"
        else:
            line += "; not burning cash (no runway limit)"
        if r["projected_cash_90d"] is not None:
            line += f"; projected cash in 90 days {money(r['projected_cash_90d'], cur)}"
        lines.append(line + ".")
    return lines, [source]


def overdue(
    warehouse: Warehouse, _state: Any, companies: list[int]
) -> tuple[list[str], list[Source]]:
    sql = (
        "select i.company_id, c.currency_code, i.commercial_partner_id as partner_id,\n"
        "  coalesce(p.partner_name, 'Partner ' || cast(i.commercial_partner_id as varchar)) "
        "as partner,\n"
        "  count(*) as overdue_invoices, sum(i.residual) as overdue_amount,\n"
        "  max(i.days_overdue) as max_days_overdue, max(i.partner_avg_days_late) "
        "as avg_days_late\n"
        "from finance.fct_overdue_invoices i\n"
        "join core.dim_companies c on c.company_id = i.company_id\n"
        "left join core.dim_partners p on p.partner_id = i.commercial_partner_id\n"
        f"where i.aging_type = 'receivable' and i.company_id in ({_ids(companies)})\n"
        "group by i.company_id, c.currency_code, i.commercial_partner_id, p.partner_name\n"
        f"order by overdue_amount desc\nlimit {ROW_LIMIT}"
    )
    rows, source = _run(warehouse, sql)
    lines = [
        f"{_name(r['partner'])} owes {money(r['overdue_amount'], r['currency_code'] or '')} "
        f"overdue on {r['overdue_invoices']} invoice(s), the oldest {_days(r['max_days_overdue'])} "
        f"days late ({_habit(r['avg_days_late'])})."
        for r in rows
    ]
    return lines, [source]


def churn(
    warehouse: Warehouse, _state: Any, companies: list[int]
) -> tuple[list[str], list[Source]]:
    if _table_exists(warehouse, "ml", "churn_scores"):
        sql = (
            "select s.company_id, s.partner_id, coalesce(p.partner_name, 'Partner ' || "
            "cast(s.partner_id as varchar)) as partner,\n"
            "  s.churn_probability, s.risk_rank, s.top_reasons\n"
            "from ml.churn_scores s\n"
            "left join core.dim_partners p on p.partner_id = s.partner_id\n"
            f"where s.company_id in ({_ids(companies)})\n"
            f"order by s.churn_probability desc\nlimit {ROW_LIMIT}"
        )
        rows, source = _run(warehouse, sql)
        lines = [
            f"{_name(r['partner'])}: churn probability {float(r['churn_probability']):.0%}"
            + (f" ({_name(r['top_reasons'])})" if r["top_reasons"] else "")
            + "."
            for r in rows
            if r["churn_probability"] is not None
        ]
        return lines, [source]
    sql = (
        "select c.company_id, c.partner_id, c.partner_name, c.health_score, c.health_band,\n"
        "  c.days_since_last_order, c.revenue_12m, c.open_overdue_amount, d.currency_code\n"
        "from customers.dim_customers c\n"
        "join core.dim_companies d on d.company_id = c.company_id\n"
        f"where c.health_band <> 'healthy' and c.company_id in ({_ids(companies)})\n"
        f"order by c.health_score, c.revenue_12m desc\nlimit {ROW_LIMIT}"
    )
    rows, source = _run(warehouse, sql)
    lines = [
        f"{_name(r['partner_name'])}: health {_days(r['health_score'])}/100 ({r['health_band']}), "
        f"last order {_days(r['days_since_last_order'])} days ago, revenue in 12 months "
        f"{money(r['revenue_12m'], r['currency_code'] or '')}."
        for r in rows
    ]
    return lines, [source]


def stalled(
    warehouse: Warehouse, _state: Any, companies: list[int]
) -> tuple[list[str], list[Source]]:
    sql = (
        "select d.company_id, c.currency_code, d.lead_id, d.lead_name, d.partner_name, "
        "d.salesperson_name, d.stage_name,\n"
        "  d.days_in_stage, d.threshold_days, d.days_over_threshold, d.expected_revenue\n"
        "from sales.fct_stalled_deals d\n"
        "join core.dim_companies c on c.company_id = d.company_id\n"
        f"where d.company_id in ({_ids(companies)})\n"
        f"order by d.expected_revenue desc nulls last, d.days_over_threshold desc\nlimit {ROW_LIMIT}"
    )
    rows, source = _run(warehouse, sql)
    lines = [
        f"{_name(r['lead_name'])} ({_name(r['partner_name'])}, {_name(r['salesperson_name'])}): "
        f"{_days(r['days_in_stage'])} days in {_name(r['stage_name'])}, "
        f"{_days(r['days_over_threshold'])} past the limit, expected "
        f"{money(r['expected_revenue'], r['currency_code'] or '')}."
        for r in rows
    ]
    return lines, [source]


def stockouts(
    warehouse: Warehouse, _state: Any, companies: list[int]
) -> tuple[list[str], list[Source]]:
    sql = (
        "select s.company_id, s.product_id, coalesce(p.product_name, 'Product ' || "
        "cast(s.product_id as varchar)) as product,\n"
        "  s.warehouse_id, s.on_hand_qty, s.daily_demand, s.days_of_cover, "
        "s.estimated_stockout_date, s.lead_time_days\n"
        "from operations.fct_stock_cover s\n"
        "left join core.dim_products p on p.product_id = s.product_id\n"
        f"where s.is_stockout_within_lead_time and s.company_id in ({_ids(companies)})\n"
        f"order by s.days_of_cover\nlimit {ROW_LIMIT}"
    )
    rows, source = _run(warehouse, sql)
    lines = [
        f"{_name(r['product'])} (warehouse {r['warehouse_id']}): {_days(r['days_of_cover'])} days "
        f"of cover, out by {to_jsonable(r['estimated_stockout_date'])}, lead time "
        f"{_days(r['lead_time_days'])} days."
        for r in rows
    ]
    return lines, [source]


def week_alerts(
    _warehouse: Warehouse, state: StateStore | None, companies: list[int]
) -> tuple[list[str], list[Source]]:
    from briefings.service import list_alerts

    if state is None:
        return [], []
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=7)
    found = [
        a
        for a in list_alerts(state, status=["new", "acknowledged"])
        if a["company_id"] in companies and a["last_seen_at"] >= since
    ]
    columns = ["id", "priority", "area", "company_id", "title", "status", "first_seen_at"]
    rows = [[to_jsonable(a[c]) for c in columns] for a in found[:50]]
    source = Source(
        "alerts",
        "open alerts (status new or acknowledged) seen since "
        f"{since:%Y-%m-%d %H:%M} UTC, companies {_ids(companies)} (operational store)",
        columns,
        rows,
        len(found) > 50,
    )
    lines = [
        f"[{a['priority']}] {_name(a['title'])} (alert #{a['id']})." for a in found[:ROW_LIMIT]
    ]
    return lines, [source]


INTENTS: tuple[Intent, ...] = (
    Intent(
        "overdue",
        "Overdue invoices: who owes the most and is late",
        "Which customers owe us the most and are late?",
        (
            (r"\bowe|\bowing", 3),
            (r"overdue|unpaid|outstanding|receivable|collect", 3),
            (r"\blate\b|late pay|past due", 2),
            (r"invoice", 2),
            (r"\bdebt", 2),
        ),
        overdue,
    ),
    Intent(
        "cash",
        "Cash and runway",
        "How much cash and runway do we have?",
        (
            (r"\bcash\b", 3),
            (r"runway|burn", 3),
            (r"liquidity|bank balance|money left|last us", 2),
        ),
        cash,
    ),
    Intent(
        "churn",
        "Top churn risks",
        "Which customers are most likely to churn?",
        (
            (r"churn", 4),
            (r"at risk|losing|lose|leaving|unhappy|health", 3),
            (r"\bcall\b|reach out", 1),
            (r"customer", 1),
        ),
        churn,
    ),
    Intent(
        "stalled",
        "Stalled deals",
        "Which deals are stalled?",
        (
            (r"stall|stuck|rotting|not moving", 4),
            (r"deal|opportunit|pipeline|lead", 2),
        ),
        stalled,
    ),
    Intent(
        "stockouts",
        "Stock-outs inside the lead time",
        "Which products will run out of stock?",
        (
            (r"stock.?out|run(ning)? out|out of stock", 4),
            (r"stock|inventory|reorder|replenish|warehouse", 2),
            (r"product", 1),
        ),
        stockouts,
    ),
    Intent(
        "alerts",
        "This week's alerts",
        "What are this week's alerts?",
        (
            (r"alert", 4),
            (r"this week|attention|urgent|what.s wrong|going wrong", 2),
        ),
        week_alerts,
    ),
)


def match(question: str) -> Intent | None:
    """The best-scoring intent for ``question``, or None when no pattern matches."""
    text = " ".join(clean_text(question or "").lower().split())
    best: tuple[int, Intent] | None = None
    for intent in INTENTS:
        score = sum(w for pattern, w in intent.patterns if re.search(pattern, text))
        if score and (best is None or score > best[0]):
            best = (score, intent)
    return best[1] if best else None


def visible_companies(warehouse: Warehouse, scope: Scope) -> list[int]:
    """The companies in the warehouse that ``scope`` sees."""
    result = run_query(
        warehouse,
        "select company_id from core.dim_companies order by company_id",
        row_limit=10_000,
        checked=False,
    )
    return [int(r[0]) for r in result.rows if scope.allows(r[0])]


def answer_deterministic(
    warehouse: Warehouse,
    question: str,
    scope: Scope,
    *,
    state: StateStore | None = None,
    company_id: int | None = None,
    notice: str | None = NOT_CONFIGURED,
) -> Answer:
    """Answer ``question`` from the marts without a model."""
    intent = match(question)
    if intent is None:
        known = "\n".join(f"- {i.title}: e.g. “{i.example}”" for i in INTENTS)
        return Answer(
            question,
            "deterministic",
            "I can answer these questions without Claude:\n" + known,
            status="unknown_question",
            notice=notice,
        )
    companies = visible_companies(warehouse, scope)
    if company_id is not None:
        companies = [c for c in companies if c == scope.check(company_id)]
    if not companies:
        return Answer(
            question,
            "deterministic",
            f"Role {scope.role} sees no company in this warehouse (COO_ROLE_COMPANIES).",
            intent=intent.key,
            status="refused",
            notice=notice,
        )
    lines, sources = intent.handler(warehouse, state, companies)
    if not lines:
        text = f"{intent.title}: nothing to report."
        status = "no_data"
    else:
        text = f"{intent.title}:\n" + "\n".join(f"- {line}" for line in lines)
        status = "ok"
    return Answer(
        question, "deterministic", text, intent.key, sources, notice=notice, status=status
    )
