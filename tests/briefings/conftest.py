"""Fixtures of the briefings tests: the small company's marts and a fresh operational store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.sources import MartReader
from odoo_api.warehouse import Warehouse
from opstore.db import StateStore


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(url=f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.dispose()


@pytest.fixture
def reader(small_marts) -> Iterator[MartReader]:
    """Read-only over the shared small-company marts (read-only connections do not clash)."""
    r = MartReader(Warehouse.from_url(f"duckdb:///{small_marts.path}"))
    yield r
    r.close()


@pytest.fixture
def private_marts(small_marts, tmp_path: Path) -> Path:
    """A writable copy, for tests that add ml.* tables."""
    return small_marts.copy_to(tmp_path / "wh")
