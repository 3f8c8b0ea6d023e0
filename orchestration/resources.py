"""Dagster resources: the Odoo to read and the warehouse to write.

Nothing here reads the environment at import time. ``OdooResource`` talks to the Odoo named
by ``ODOO_URL`` (credentials from ``ODOO_*`` variables, read when a run opens it) and, when
``ODOO_URL`` is unset, to the built-in simulated company served on loopback: the simulated
company is the embedded default of the main job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dlt
from dagster import ConfigurableResource

from core.settings import coo_home
from odoo_api.client import OdooClient
from odoo_api.warehouse import Warehouse
from writeback.connection import is_simulated, open_odoo


class OdooResource(ConfigurableResource):
    """An Odoo connection. Secrets never sit in this config: they come from ``ODOO_*``."""

    simulated_size: str = ""  # "" = COO_SIM_SIZE or "small"
    simulated_seed: int = 0  # 0 = COO_SIM_SEED or 42
    transport: str = ""  # "" = ODOO_TRANSPORT or auto

    def is_simulated(self) -> bool:
        return is_simulated()

    @contextmanager
    def open(self) -> Iterator[OdooClient]:
        """A connected client for the duration of a step."""
        with open_odoo(
            size=self.simulated_size, seed=self.simulated_seed, transport=self.transport
        ) as client:
            yield client


class WarehouseResource(ConfigurableResource):
    """The warehouse (``COO_WAREHOUSE_URL``; default a DuckDB file under ``COO_HOME``)."""

    url: str = ""

    def warehouse(self) -> Warehouse:
        return Warehouse.from_url(self.url or None)

    def pipeline(self) -> dlt.Pipeline:
        return self.warehouse().pipeline()

    def home(self) -> Path:
        return coo_home()
