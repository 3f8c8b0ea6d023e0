"""Lineage from what each consumer reads: one registry, Dagster deps and dbt exposures from it.

Every consumer of the warehouse declares the tables it reads in one place next to its SQL
(``READS`` in ``ml/churn.py``, ``ml/deals.py``, ``ml/stockout.py``, ``ml/anomalies.py``,
``ml/forecasting.py``, ``alerts/families.py``, ``briefings/facts.py``,
``apps/streamlit/queries.py``; the agents' tools are declared here, beside the registry, as
their package belongs to its own work). This module gathers them:

* the Dagster deps of the ML, alert and briefing assets are generated from it
  (:func:`asset_deps`), so the main job never runs a consumer before what it reads;
* the dbt exposures (``dbt_project/models/exposures.yml``) are written from it
  (``python -m orchestration.lineage``), so ``dbt docs`` shows who uses each mart;
* a test parses every SQL string of each consumer's module with sqlglot
  (:func:`sql_reads`) and fails on a table read that is not declared.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPOSURES_PATH = REPO_ROOT / "dbt_project" / "models" / "exposures.yml"

# schemas the dbt project writes (a table there is a dbt model: ``ref`` in the exposures)
DBT_SCHEMAS = (
    "staging",
    "intermediate",
    "core",
    "finance",
    "sales",
    "operations",
    "customers",
    "expenses",
)
# the dbt project's own building blocks (``access: protected``): no consumer reads them, nor
# the raw layer, except the data health page, whose subject is the extraction itself
BELOW_MARTS = ("raw_odoo", "staging", "intermediate")
RAW_MONITORS = {"data_health"}
# written by the platform itself, not by any asset: never a dependency
NOT_ASSETS = {"ml.model_runs", "raw_odoo._dlt_loads"}

# the agents' tools (agents/tools.py) and the chat's SQL tool read these marts
AGENTS_READS = (
    "finance.fct_ledger_by_period",
    "finance.fct_cash_flows_monthly",
    "finance.fct_days_outstanding_monthly",
    "sales.fct_win_rates_monthly",
    "sales.fct_quotation_conversions_monthly",
    "expenses.fct_expense_spend_monthly",
    "finance.fct_profit_and_loss",
    "finance.fct_balance_sheet_monthly",
    "finance.fct_cash_flow_statement_monthly",
    "finance.fct_trial_balance_monthly",
    "finance.fct_financial_kpis_monthly",
)


@dataclass(frozen=True)
class Consumer:
    """One reader of the warehouse: its name, kind, the module holding its SQL, what it
    reads, and the Dagster asset it is (None for the dashboard and the agents)."""

    name: str
    kind: str  # dbt exposure type: ml | application | dashboard
    module: str  # dotted module path whose SQL strings are checked
    reads: tuple[str, ...]
    asset: tuple[str, ...] | None
    description: str
    also: tuple[str, ...] = ()  # further modules whose SQL belongs to this consumer

    @property
    def modules(self) -> tuple[str, ...]:
        return (self.module, *self.also)


def consumers(*, with_apps: bool = True) -> list[Consumer]:
    """Every consumer; ``with_apps=False`` leaves out the dashboard and the agents (what the
    Dagster definitions need, without importing Streamlit)."""
    from alerts import families
    from briefings import facts
    from ml import anomalies, churn, deals, forecasting, stockout

    assets = [
        Consumer(
            "churn_scores",
            "ml",
            "ml.churn",
            churn.READS,
            ("ml", "churn_scores"),
            "Churn probability of every active customer (ml.churn_scores).",
        ),
        Consumer(
            "deal_scores",
            "ml",
            "ml.deals",
            deals.READS,
            ("ml", "deal_scores"),
            "Win and stall probability of every open deal (ml.deal_scores).",
        ),
        Consumer(
            "stockout_predictions",
            "ml",
            "ml.stockout",
            stockout.READS,
            ("ml", "stockout_predictions"),
            "Stock-out probability per product and warehouse (ml.stockout_predictions).",
        ),
        Consumer(
            "anomalies",
            "ml",
            "ml.anomalies",
            anomalies.READS,
            ("ml", "anomalies"),
            "Unusual journal entries and expenses, duplicate expenses (ml.anomalies).",
        ),
        Consumer(
            "forecasts",
            "ml",
            "ml.forecasting",
            forecasting.READS,
            ("ml", "forecasts"),
            "Revenue, net cash and demand forecasts (ml.forecasts).",
        ),
        Consumer(
            "alerts",
            "application",
            "alerts.families",
            families.READS,
            ("briefings", "alerts"),
            "Alert rules over the marts and ML scores (operational store: alerts).",
            also=("alerts.names",),
        ),
        Consumer(
            "daily_briefings",
            "application",
            "briefings.facts",
            facts.READS,
            ("briefings", "daily_briefings"),
            "The daily briefing per company and role (operational store: briefings).",
            also=("briefings.compose", "briefings.schedule"),
        ),
    ]
    if not with_apps:
        return assets
    from apps.streamlit import health_queries, queries

    return [
        *assets,
        Consumer(
            "dashboard",
            "dashboard",
            "apps.streamlit.queries",
            queries.READS,
            None,
            "The executive dashboard (Streamlit).",
        ),
        Consumer(
            "data_health",
            "dashboard",
            "apps.streamlit.health_queries",
            health_queries.READS,
            None,
            "The dashboard's data health page (the raw layer it monitors).",
        ),
        Consumer(
            "agents",
            "application",
            "agents.tools",
            AGENTS_READS,
            None,
            "The agents' API and MCP tools.",
        ),
    ]


def asset_deps(asset: tuple[str, ...]) -> list[list[str]]:
    """The asset keys (as lists) the consumer asset ``asset`` reads, from its declaration."""
    for c in consumers(with_apps=False):
        if c.asset == asset:
            return [t.split(".") for t in c.reads if t not in NOT_ASSETS and "*" not in t]
    raise KeyError(f"no consumer declared for asset {'/'.join(asset)}")


# ------------------------------------------------------------------ the SQL check
def _strings(node: ast.AST) -> list[str]:
    """Every string constant of a module; an f-string counts with its holes as ``x``."""
    out: list[str] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
        elif isinstance(n, ast.JoinedStr):
            out.append(
                "".join(
                    v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
                    for v in n.values
                )
            )
    return out


def _looks_like_sql(text: str) -> bool:
    head = text.lstrip().lower()
    return (head.startswith("select ") or head.startswith("with ")) and " from " in (
        " " + " ".join(head.split()) + " "
    )


def tables_in_sql(sql: str) -> set[str]:
    """``schema.table`` of every qualified table the statement reads (CTEs excluded)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return set()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    out = set()
    for t in tree.find_all(exp.Table):
        if t.db and t.name not in ctes and t.db != "information_schema":
            out.add(f"{t.db}.{t.name}")
    return out


def sql_reads(module: str) -> set[str]:
    """Every table the SQL strings of ``module`` read (parsed with sqlglot)."""
    path = REPO_ROOT / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for text in _strings(tree):
        if _looks_like_sql(text):
            found |= tables_in_sql(text)
    return found


def consumer_reads(consumer: Consumer) -> set[str]:
    """Every table the SQL of the consumer's modules reads."""
    found: set[str] = set()
    for module in consumer.modules:
        found |= sql_reads(module)
    return found


def below_marts(consumer: Consumer) -> set[str]:
    """What the consumer declares or reads below the marts (raw, staging, intermediate)."""
    tables = set(consumer.reads) | consumer_reads(consumer)
    return {t for t in tables if t.split(".")[0] in BELOW_MARTS}


def undeclared(consumer: Consumer) -> set[str]:
    """Tables the consumer's SQL reads that its declaration does not list (``schema.*``
    declares every table of a schema)."""
    schemas = {t.split(".")[0] for t in consumer.reads if t.endswith(".*")}
    return {
        t for t in consumer_reads(consumer) - set(consumer.reads) if t.split(".")[0] not in schemas
    }


# ------------------------------------------------------------------ dbt exposures
def exposures_yaml() -> str:
    """``dbt_project/models/exposures.yml``: one exposure per consumer, depending on the dbt
    models it reads (ML tables are not dbt models and are left out)."""
    import yaml

    items = []
    for c in consumers():
        refs = sorted({t.split(".")[1] for t in c.reads if t.split(".")[0] in DBT_SCHEMAS})
        if not refs:
            continue
        items.append(
            {
                "name": c.name,
                "label": c.name.replace("_", " ").capitalize(),
                "type": c.kind,
                "maturity": "medium",
                "description": c.description
                + f" Generated from {c.module} by orchestration/lineage.py.",
                "depends_on": [f"ref('{r}')" for r in refs],
                "owner": {"name": "AI COO for Odoo"},
            }
        )
    header = (
        "# Generated by `python -m orchestration.lineage` from the consumers' READS\n"
        "# declarations: do not edit (tests/orchestration/test_lineage.py checks it).\n"
    )
    return header + yaml.safe_dump({"version": 2, "exposures": items}, sort_keys=False)


def main() -> None:  # pragma: no cover
    EXPOSURES_PATH.write_text(exposures_yaml())
    sys.stderr.write(f"wrote {EXPOSURES_PATH}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
