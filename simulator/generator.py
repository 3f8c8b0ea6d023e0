"""Generate the simulated Odoo 19 company (entry points).

The simulation itself lives in :mod:`simulator.company`, one module per business process;
this module keeps the public entry points (:func:`generate_company`, :func:`build_store`) and
the names other packages import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from simulator.company.core import (
    DEFAULT_AS_OF,
    HISTORY_DAYS,
    MODELS,
    SIZES,
    GeneratedCompany,
)
from simulator.company.simulation import Simulation as _Gen

if TYPE_CHECKING:
    from simulator.store import OdooStore

__all__ = [
    "DEFAULT_AS_OF",
    "HISTORY_DAYS",
    "MODELS",
    "SIZES",
    "GeneratedCompany",
    "build_store",
    "generate_company",
]


def _sparse(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Drop keys holding the type default (False, 0, 0.0, [] ...) as the store expects."""
    keep = {"id", "create_date", "write_date", "create_uid", "write_uid"}
    for rows in tables.values():
        for rid, row in rows.items():
            drop = [
                k
                for k, v in row.items()
                if k not in keep
                and (
                    v is False
                    or v is None
                    or v == []
                    or (v == 0 and v is not True and not isinstance(v, str))
                    or v == ""
                )
            ]
            for k in drop:
                del row[k]
            rows[rid] = row


def generate_company(
    size: str = "small", seed: int = 42, as_of: date = DEFAULT_AS_OF
) -> GeneratedCompany:
    """Generate the company (deterministic from ``size``, ``seed`` and ``as_of``)."""
    g = _Gen(size, seed, as_of)
    g.setup()
    g.population()
    g.plan()
    g.run()
    truth = g.finish()
    _sparse(g.t)
    now = datetime.combine(as_of, datetime.min.time()).replace(hour=23)
    return GeneratedCompany(
        tables=g.t, ground_truth=truth, now=now, as_of=as_of, seed=seed, size=size
    )


def build_store(size: str = "small", seed: int = 42, as_of: date = DEFAULT_AS_OF) -> OdooStore:
    """Generate the company and load it into an :class:`~simulator.store.OdooStore`."""
    from simulator.store import OdooStore

    company = generate_company(size, seed, as_of)
    return OdooStore(tables=company.tables, now=company.now)
