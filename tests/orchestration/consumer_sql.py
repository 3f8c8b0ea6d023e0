"""Every SQL statement of every warehouse consumer, ready to run on DuckDB and PostgreSQL.

The consumers are the ones :mod:`orchestration.lineage` enumerates (ML, alerts, briefings, the
dashboard, the agents); their SQL is every string of their modules that reads like a query
(the same scan the lineage check uses). Parameters are written ``?`` (the alert and briefing
readers, the agents) or ``:name`` (the dashboard); both become ``$1..$n``, which DuckDB and
PostgreSQL both accept in ``PREPARE``. An f-string's holes are filled from :data:`HOLES`, a
sample value per expression (a new hole without a sample is an error, so no query is left
out silently).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from orchestration import lineage

# one representative value per f-string hole expression, by module
HOLES: dict[str, dict[str, str]] = {
    "apps.streamlit.queries": {
        "table": "finance.fct_receivable_aging",
        "_calibrated('deals')": "model_version in (select model_version from ml.model_runs "
        "where model_name = 'deals' and calibrated)",
        "_calibrated('churn')": "model_version in (select model_version from ml.model_runs "
        "where model_name = 'churn' and calibrated)",
    },
    "apps.streamlit.health_queries": {"t": "res_partner"},
    "agents.tools": {
        "marks": "?, ?",
        "where": "where company_id = ?",
        "months": "12",
        # each metric's own SQL is checked as its own statement; the history nests one
        "m.sql": "select company_id, period_month_date as period, cash_in as value "
        "from finance.fct_cash_flows_monthly",
    },
}

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Statement:
    consumer: str
    module: str
    line: int
    sql: str  # with $1..$n parameters

    @property
    def id(self) -> str:
        return f"{self.consumer}:{self.module}:{self.line}"

    @property
    def has_params(self) -> bool:
        return "$1" in self.sql


def positional(sql: str) -> str:
    """``:name`` and ``?`` parameters as ``$1..$n`` (a repeated name keeps its number)."""
    names: list[str] = []

    def named(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    out = _NAMED.sub(named, sql)
    count = len(names)

    def mark(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", mark, out)


def _render(node: ast.JoinedStr, module: str) -> str:
    parts = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            parts.append(str(v.value))
            continue
        assert isinstance(v, ast.FormattedValue)
        expr = ast.unparse(v.value)
        holes = HOLES.get(module, {})
        if expr not in holes:
            raise KeyError(
                f"{module}: no sample for the f-string hole {{{expr}}} (add it to HOLES)"
            )
        parts.append(holes[expr])
    return "".join(parts)


def statements() -> list[Statement]:
    out: list[Statement] = []
    for consumer in lineage.consumers():
        for module in consumer.modules:
            path = lineage.REPO_ROOT / (module.replace(".", "/") + ".py")
            tree = ast.parse(path.read_text())
            # the literal pieces of an f-string are not statements of their own
            pieces = {
                id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
            }
            for node in ast.walk(tree):
                if id(node) in pieces:
                    continue
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                elif isinstance(node, ast.JoinedStr):
                    probe = "".join(
                        str(v.value) if isinstance(v, ast.Constant) else " x " for v in node.values
                    )
                    if not lineage._looks_like_sql(probe):
                        continue
                    text = _render(node, module)
                else:
                    continue
                if lineage._looks_like_sql(text):
                    out.append(Statement(consumer.name, module, node.lineno, positional(text)))
    return out


def prepare_error(kind: str, con: object, statement: Statement, n: int) -> str | None:
    """Why ``statement`` does not prepare on the engine (``None`` when it does): parsing,
    functions, operators and types are resolved against the real tables, nothing runs."""
    try:
        if kind == "duckdb":
            con.execute(f"prepare s{n} as {statement.sql}")  # type: ignore[attr-defined]
            con.execute(f"deallocate s{n}")  # type: ignore[attr-defined]
        else:
            with con.cursor() as cur:  # type: ignore[attr-defined]
                cur.execute(f"prepare s{n} as {statement.sql}")  # no args: no % formatting
                cur.execute(f"deallocate s{n}")
    except Exception as exc:
        if kind == "postgres":
            con.rollback()  # type: ignore[attr-defined]
        return str(exc).splitlines()[0]
    return None
