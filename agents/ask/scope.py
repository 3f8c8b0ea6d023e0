"""Which companies a role may see, and SQL held to them.

``COO_ROLE_COMPANIES`` maps roles to company ids (``cfo:1,2;sales:1;ceo:*``). Unset, every
role sees every company (one company, or one team); set, a role that is not listed sees
none, so a new role never sees more than it was given.

An agent's SQL is untrusted text, so the scope is not asked of it: after the guard accepts
the query (:func:`agents.sql.check_read_only`), every mart table it reads that has a
``company_id`` column is replaced by the same table filtered to the role's companies (rows
shared by all companies, ``company_id`` null, stay, as in Odoo). An aggregate over "all
companies" is then an aggregate over the role's companies only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agents.sql import MART_SCHEMAS, QueryResult, check_read_only, run_query
from core.errors import ConfigError, PolicyError
from core.settings import get_settings
from odoo_api.warehouse import Warehouse


@dataclass(frozen=True)
class Scope:
    """Who is asking: the role and the companies it sees (``None`` = every company)."""

    role: str
    companies: frozenset[int] | None = None
    user: str = "operator"

    def allows(self, company_id: Any) -> bool:
        if self.companies is None:
            return True
        try:
            return int(company_id) in self.companies
        except (TypeError, ValueError):
            return False

    def check(self, company_id: Any) -> int:
        """``company_id`` as an int, or PolicyError when the role does not see it."""
        try:
            cid = int(company_id)
        except (TypeError, ValueError):
            raise PolicyError(f"company_id {company_id!r} is not a number") from None
        if not self.allows(cid):
            raise PolicyError(f"role {self.role} does not see company {cid}")
        return cid


def parse_role_companies(raw: str) -> dict[str, frozenset[int] | None]:
    """``cfo:1,2;sales:1;ceo:*`` as {role: companies} (``*`` = every company)."""
    out: dict[str, frozenset[int] | None] = {}
    for part in (raw or "").split(";"):
        part = part.strip()
        if not part:
            continue
        role, sep, ids = part.partition(":")
        if not sep or not role.strip():
            raise ConfigError(
                f"COO_ROLE_COMPANIES entry {part!r} is not role:ids, e.g. cfo:1,2;ceo:*"
            )
        if ids.strip() == "*":
            out[role.strip().lower()] = None
            continue
        try:
            out[role.strip().lower()] = frozenset(int(i) for i in ids.split(",") if i.strip())
        except ValueError:
            raise ConfigError(
                f"COO_ROLE_COMPANIES entry {part!r}: company ids must be numbers or *"
            ) from None
    return out


def scope_for(role: str, user: str = "operator") -> Scope:
    """The scope of ``role`` from ``COO_ROLE_COMPANIES``."""
    table = parse_role_companies(get_settings().coo_role_companies)
    role = (role or "").strip().lower() or "ceo"
    if not table:
        return Scope(role, None, user)
    return Scope(role, table.get(role, frozenset()), user)


@lru_cache(maxsize=8)
def _company_tables(url: str, signature: float) -> frozenset[tuple[str, str]]:
    warehouse = Warehouse.from_url(url)
    marks = ", ".join(f"'{s}'" for s in MART_SCHEMAS)
    result = run_query(
        warehouse,
        "select table_schema, table_name from information_schema.columns "
        f"where column_name = 'company_id' and table_schema in ({marks})",
        row_limit=10_000,
        checked=False,
    )
    return frozenset((str(s).lower(), str(t).lower()) for s, t in result.rows)


def company_tables(warehouse: Warehouse) -> frozenset[tuple[str, str]]:
    """(schema, table) of every mart with a ``company_id`` column (cached per file version)."""
    mtime = 0.0
    if warehouse.path is not None and warehouse.path.exists():
        mtime = warehouse.path.stat().st_mtime
    return _company_tables(warehouse.url, mtime)


def scoped_sql(sql: str, scope: Scope, tables: frozenset[tuple[str, str]], dialect: str) -> str:
    """The guarded query with every company table filtered to the scope's companies."""
    text = check_read_only(sql, dialect=dialect)
    if scope.companies is None:
        return text
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read=dialect)
    ids = ", ".join(str(c) for c in sorted(scope.companies)) or "null"
    for table in list(tree.find_all(exp.Table)):
        key = ((table.db or "").lower(), table.name.lower())
        if key not in tables:
            continue
        alias = table.alias_or_name
        only = sqlglot.parse_one(
            f"(select * from {key[0]}.{key[1]} where company_id in ({ids}) or company_id is null)",
            read=dialect,
        )
        table.replace(
            exp.Subquery(this=only.unnest(), alias=exp.TableAlias(this=exp.to_identifier(alias)))
        )
    return tree.sql(dialect=dialect)


def scoped_query(
    warehouse: Warehouse, sql: str, scope: Scope, *, row_limit: int = 50, params: Any = None
) -> tuple[str, QueryResult]:
    """Run an agent's query inside ``scope``: (the SQL that ran, its bounded result)."""
    dialect = "duckdb" if warehouse.kind == "duckdb" else "postgres"
    text = scoped_sql(sql, scope, company_tables(warehouse), dialect)
    return text, run_query(warehouse, text, row_limit=row_limit, params=params, checked=False)
