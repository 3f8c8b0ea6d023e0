"""ML tests run on a private copy of the small company's marts (they write ``ml.*``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_api.warehouse import Warehouse


@pytest.fixture
def ml_warehouse(small_marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    """A writable copy of the small marts, also the warehouse the Dagster resource opens."""
    path = small_marts.copy_to(tmp_path / "wh")
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{path}")
    return Warehouse.from_url(f"duckdb:///{path}")
