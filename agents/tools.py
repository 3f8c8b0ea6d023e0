"""What an agent can ask for, as plain functions shared by the MCP server and the HTTP API.

Reads go to the warehouse through the read-only runner of :mod:`agents.sql` and to the
operational store through the briefings and write-back services; the one write is
:func:`propose_action`, which only stores a proposal through ``writeback.propose`` (same
policy, same approval queue as a person's or a briefing's proposal). Nothing here executes
an action.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from agents.sql import MART_SCHEMAS, run_query, to_jsonable
from odoo_api.errors import ConfigError
from odoo_api.warehouse import Warehouse
from opstore import StateStore

logger = logging.getLogger(__name__)

DBT_MODELS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"


@lru_cache(maxsize=1)
def _mart_docs() -> dict[str, dict[str, Any]]:
    """Descriptions of every mart and column from the dbt yml files (what the columns mean
    matters more to an agent than their types)."""
    docs: dict[str, dict[str, Any]] = {}
    if not DBT_MODELS_DIR.is_dir():
        return docs
    for path in sorted(DBT_MODELS_DIR.rglob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for model in data.get("models") or []:
            if not isinstance(model, dict) or "name" not in model:
                continue
            docs[model["name"]] = {
                "description": " ".join(str(model.get("description") or "").split()),
                "columns": {
                    c["name"]: " ".join(str(c.get("description") or "").split())
                    for c in model.get("columns") or []
                    if isinstance(c, dict) and "name" in c
                },
            }
    return docs


def list_marts(warehouse: Warehouse, schema: str | None = None) -> list[dict[str, Any]]:
    """Every mart table (finance, sales, operations, customers, expenses, graph, ml) with its
    columns, their types and their documented meaning."""
    schemas = [s for s in MART_SCHEMAS if schema is None or s == schema]
    if not schemas:
        raise ConfigError(f"unknown schema '{schema}': one of {', '.join(MART_SCHEMAS)}")
    marks = ", ".join("?" for _ in schemas)
    result = run_query(
        warehouse,
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_schema in ({marks}) order by table_schema, table_name, ordinal_position",
        params=list(schemas),
        row_limit=10_000,
        checked=False,
    )
    docs = _mart_docs()
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    for table_schema, table_name, column, data_type in result.rows:
        doc = docs.get(table_name, {})
        entry = tables.setdefault(
            (table_schema, table_name),
            {
                "table": f"{table_schema}.{table_name}",
                "description": doc.get("description", ""),
                "columns": [],
            },
        )
        entry["columns"].append(
            {
                "name": column,
                "type": data_type,
                "description": doc.get("columns", {}).get(column, ""),
            }
        )
    return list(tables.values())


@dataclass(frozen=True)
class Metric:
    """A named monthly series an agent can ask for by name."""

    name: str
    description: str
    unit: str
    sql: str  # selects company_id, period (date), value; ordered


KPI_METRIC_SQL = (
    "select company_id, period_month_date as period, kpi_value as value "
    "from finance.fct_financial_kpis_monthly where kpi_code = '{code}'"
)

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "revenue",
            "Monthly revenue: credit minus debit on income accounts (company currency).",
            "currency",
            "select company_id, period_month_date as period, -sum(net_movement) as value "
            "from finance.fct_ledger_by_period where account_type like 'income%' "
            "group by company_id, period_month_date",
        ),
        Metric(
            "cash_in",
            "Cash received per month (bank and cash accounts).",
            "currency",
            "select company_id, period_month_date as period, cash_in as value from finance.fct_cash_flows_monthly",
        ),
        Metric(
            "cash_out",
            "Cash paid out per month.",
            "currency",
            "select company_id, period_month_date as period, cash_out as value from finance.fct_cash_flows_monthly",
        ),
        Metric(
            "net_cash_flow",
            "Cash in minus cash out per month.",
            "currency",
            "select company_id, period_month_date as period, net_cash_flow as value from finance.fct_cash_flows_monthly",
        ),
        Metric(
            "closing_cash",
            "Cash at the end of each month.",
            "currency",
            "select company_id, period_month_date as period, closing_cash as value from finance.fct_cash_flows_monthly",
        ),
        Metric(
            "dso_days",
            "Days sales outstanding (trailing window).",
            "days",
            "select company_id, period_month_date as period, dso_days as value from finance.fct_days_outstanding_monthly",
        ),
        Metric(
            "dpo_days",
            "Days payables outstanding (trailing window).",
            "days",
            "select company_id, period_month_date as period, dpo_days as value from finance.fct_days_outstanding_monthly",
        ),
        Metric(
            "win_rate",
            "Won / closed opportunities per closing month.",
            "ratio",
            "select company_id, closed_month_date as period, "
            "sum(won_count) * 1.0 / nullif(sum(closed_count), 0) as value "
            "from sales.fct_win_rates_monthly group by company_id, closed_month_date",
        ),
        Metric(
            "quotation_conversion",
            "Confirmed / created quotations per creation month.",
            "ratio",
            "select company_id, created_month_date as period, "
            "sum(confirmed_count) * 1.0 / nullif(sum(quotation_count), 0) as value "
            "from sales.fct_quotation_conversions_monthly group by company_id, created_month_date",
        ),
        *(
            Metric(
                code,
                f"{name} per month, from the financial statements (fct_financial_kpis_monthly).",
                unit,
                KPI_METRIC_SQL.format(code=code),
            )
            for code, name, unit in (
                ("net_profit", "Net profit", "currency"),
                ("gross_margin", "Gross margin", "ratio"),
                ("net_margin", "Net margin", "ratio"),
                ("operating_expense_ratio", "Operating expenses / revenue", "ratio"),
                ("working_capital", "Working capital", "currency"),
                ("current_ratio", "Current ratio", "ratio"),
                ("quick_ratio", "Quick ratio", "ratio"),
                ("cash_conversion_cycle", "Cash conversion cycle", "days"),
            )
        ),
        Metric(
            "expense_spend",
            "Employee expenses per month.",
            "currency",
            "select company_id, expense_month_date as period, sum(amount) as value "
            "from expenses.fct_expense_spend_monthly group by company_id, expense_month_date",
        ),
    )
}


# statement -> (its lines for a period, its latest period); the P&L also takes the grain
STATEMENTS: dict[str, tuple[str, str]] = {
    "profit_and_loss": (
        "select * from finance.fct_profit_and_loss where company_id = ? and period_grain = ? "
        "and period_start_date = ? order by line_sequence",
        "select max(period_start_date) from finance.fct_profit_and_loss "
        "where company_id = ? and period_grain = ?",
    ),
    "balance_sheet": (
        "select * from finance.fct_balance_sheet_monthly where company_id = ? "
        "and period_month_date = ? order by line_sequence",
        "select max(period_month_date) from finance.fct_balance_sheet_monthly where company_id = ?",
    ),
    "cash_flow": (
        "select * from finance.fct_cash_flow_statement_monthly where company_id = ? "
        "and period_month_date = ? order by method desc, line_sequence",
        "select max(period_month_date) from finance.fct_cash_flow_statement_monthly "
        "where company_id = ?",
    ),
    "trial_balance": (
        "select * from finance.fct_trial_balance_monthly where company_id = ? "
        "and period_month_date = ? order by account_code",
        "select max(period_month_date) from finance.fct_trial_balance_monthly where company_id = ?",
    ),
    "kpis": (
        "select * from finance.fct_financial_kpis_monthly where company_id = ? "
        "and period_month_date = ? order by kpi_sequence",
        "select max(period_month_date) from finance.fct_financial_kpis_monthly where company_id = ?",
    ),
}
STATEMENT_GRAINS = ("month", "quarter", "fiscal_year")


def financial_statement(
    warehouse: Warehouse,
    statement: str,
    company_id: int,
    period: str | None = None,
    grain: str = "month",
) -> dict[str, Any]:
    """One company's statement for one period, in company currency: ``profit_and_loss``
    (grain month, quarter or fiscal_year; with previous-period and last-year columns),
    ``balance_sheet`` (at the month end), ``cash_flow`` (both methods), ``trial_balance`` or
    ``kpis``. ``period`` is the period's first month (YYYY-MM); default the latest."""
    if statement not in STATEMENTS:
        raise ConfigError(f"unknown statement '{statement}': one of {', '.join(STATEMENTS)}")
    if grain not in STATEMENT_GRAINS:
        raise ConfigError(f"unknown grain '{grain}': one of {', '.join(STATEMENT_GRAINS)}")
    if statement != "profit_and_loss" and grain != "month":
        raise ConfigError(f"{statement} is monthly: grain must be 'month'")
    lines_sql, latest_sql = STATEMENTS[statement]
    params: list[Any] = [int(company_id)] + ([grain] if statement == "profit_and_loss" else [])
    if period is None:
        latest = run_query(
            warehouse,
            latest_sql,
            params=params,
            row_limit=1,
            checked=False,
        ).rows
        start = latest[0][0] if latest else None
        if start is None:
            raise ConfigError(f"no {statement} for company {company_id} in the warehouse yet")
    else:
        import datetime as dt

        try:
            start = dt.date.fromisoformat(f"{period[:7]}-01")
        except ValueError:
            raise ConfigError(f"period '{period}' is not a month (YYYY-MM)") from None
    result = run_query(
        warehouse,
        lines_sql,
        params=[*params, start],
        row_limit=1000,
        checked=False,
    )
    return {
        "statement": statement,
        "company_id": int(company_id),
        "grain": grain,
        "period_start": to_jsonable(start),
        "lines": [dict(zip(result.columns, row, strict=True)) for row in result.rows],
        "truncated": result.truncated,
    }


def list_metrics() -> list[dict[str, str]]:
    return [
        {"name": m.name, "description": m.description, "unit": m.unit} for m in METRICS.values()
    ]


def metric_history(
    warehouse: Warehouse, metric: str, company_id: int | None = None, months: int = 24
) -> dict[str, Any]:
    """The last ``months`` values of a named metric, per company, oldest first."""
    m = METRICS.get(metric)
    if m is None:
        raise ConfigError(f"unknown metric '{metric}': one of {', '.join(METRICS)}")
    months = max(1, min(int(months), 120))
    where = "where company_id = ?" if company_id is not None else ""
    sql = (
        f"select company_id, period, value from (select *, row_number() over "
        f"(partition by company_id order by period desc) as recency from ({m.sql}) as series "
        f"{where}) as ranked where recency <= {months} order by company_id, period"
    )
    result = run_query(
        warehouse,
        sql,
        params=[company_id] if company_id is not None else [],
        row_limit=months * 50,
        checked=False,
    )
    return {
        "metric": m.name,
        "description": m.description,
        "unit": m.unit,
        "points": [{"company_id": c, "period": p, "value": v} for c, p, v in result.rows],
    }


def open_alerts(
    state: StateStore,
    *,
    area: str | None = None,
    company_id: int | None = None,
    priority: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Alerts not yet resolved or dismissed, most important first."""
    from briefings.service import list_alerts

    rows = list_alerts(
        state, status=["new", "acknowledged"], area=area, company_id=company_id, priority=priority
    )
    out = []
    for row in rows[: max(1, min(limit, 500))]:
        alert = dict(to_jsonable(row))
        # the knowledge-graph address of the record, for graph_neighborhood
        if row.get("record_model") and row.get("record_id"):
            alert["entity_key"] = f"{row['record_model']}:{row['record_id']}"
        out.append(alert)
    return out


def todays_briefing(
    state: StateStore, *, role: str | None = None, company_id: int | None = None
) -> dict[str, Any] | None:
    """The newest archived briefing (for a role and company if given), without its HTML."""
    from briefings.service import get_briefing, list_briefings

    newest = list_briefings(state, company_id=company_id, role=role, limit=1)
    if not newest:
        return None
    briefing = get_briefing(state, int(newest[0]["id"]))
    briefing.pop("body_html", None)
    return dict(to_jsonable(briefing))


def skill_dict(skill: Any) -> dict[str, Any]:
    """A catalog skill as an agent sees it."""
    return {
        "key": skill.key,
        "description": skill.description,
        "record_models": list(skill.record_models),
        "method": skill.method,
        "risk": skill.risk,
        "autonomy": skill.autonomy,
        "limits": {
            "max_records": skill.limits.max_records,
            "max_amount": skill.limits.max_amount,
            "rate_per_hour": skill.limits.rate_per_hour,
            "cooldown_hours": skill.limits.cooldown_hours,
        },
        "approver_roles": list(skill.approver_roles),
        "alert_families": list(skill.alert_families),
        "input_schema": skill.input_schema,
    }


def list_skills() -> list[dict[str, Any]]:
    from writeback.catalog import load_catalog

    return [skill_dict(s) for s in load_catalog().skills.values()]


def propose_action(
    state: StateStore,
    *,
    skill: str,
    company_id: int,
    model: str,
    record_id: int | None,
    params: dict[str, Any] | None,
    reasoning: str,
    source: str,
    requested_by: str,
    alert_key: str | None = None,
    source_ref: str | None = None,
    record_ids: list[int] | None = None,
    odoo: Any = None,
) -> dict[str, Any]:
    """Store a proposal through ``writeback.propose`` and say what became of it."""
    from writeback import ProposalRequest, propose

    outcome = propose(
        state,
        ProposalRequest(
            skill=skill,
            company_id=company_id,
            model=model,
            record_id=record_id,
            params=params or {},
            reasoning=reasoning,
            source=source,
            source_ref=source_ref,
            alert_key=alert_key,
            requested_by=requested_by,
            record_ids=record_ids,
        ),
        odoo=odoo,
    )
    return {"id": outcome.id, "status": outcome.status, "reason": outcome.reason}
