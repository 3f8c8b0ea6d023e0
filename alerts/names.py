"""Display names of the records an alert or a briefing is about, from the dimension marts
(``core.dim_*``), tolerant of a warehouse without them (ids instead)."""

from __future__ import annotations

import logging
from typing import Any

from alerts.sources import MartReader

logger = logging.getLogger(__name__)


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
