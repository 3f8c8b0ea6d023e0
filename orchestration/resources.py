"""Dagster resources: the Odoo to read and the warehouse to write.

Nothing here reads the environment at import time. ``OdooResource`` talks to the Odoo named
by ``ODOO_URL`` (credentials from ``ODOO_*`` variables, read when a run opens it) and, when
``ODOO_URL`` is unset, to the built-in simulated company served on loopback: the simulated
company is the embedded default of the main job.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dlt
from dagster import ConfigurableResource

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.warehouse import Warehouse, coo_home


class OdooResource(ConfigurableResource):
    """An Odoo connection. Secrets never sit in this config: they come from ``ODOO_*``."""

    simulated_size: str = ""  # "" = COO_SIM_SIZE or "small"
    simulated_seed: int = 0  # 0 = COO_SIM_SEED or 42
    transport: str = ""  # "" = ODOO_TRANSPORT or auto

    def is_simulated(self) -> bool:
        return not os.environ.get("ODOO_URL")

    @contextmanager
    def open(self) -> Iterator[OdooClient]:
        """A connected client for the duration of a step."""
        if not self.is_simulated():
            config = OdooConfig.from_env()
            if self.transport:
                config = OdooConfig(**{**config.__dict__, "transport": self.transport})
            with OdooClient(config).connect() as client:
                yield client
            return
        from simulator.runtime import SimulatedCompany, serve_store

        size = self.simulated_size or os.environ.get("COO_SIM_SIZE", "small")
        seed = self.simulated_seed or int(os.environ.get("COO_SIM_SEED", "42"))
        company = SimulatedCompany(coo_home() / "simulator", size, seed)
        store = company.load_or_create()
        with serve_store(store) as server:
            config = OdooConfig(
                url=server.url,
                db=store.db,
                username="admin",
                api_key=store.api_key_for("admin"),
                transport=self.transport or os.environ.get("ODOO_TRANSPORT", "auto"),  # type: ignore[arg-type]
            )
            with OdooClient(config).connect() as client:
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
