"""The Odoo to talk to: the one ``ODOO_*`` names, else the simulated company on loopback.

No Dagster here: the pipeline's ``OdooResource``, the dashboard and the command line open
Odoo through :func:`open_odoo`. ``writable=True`` saves the simulated company's store
afterwards, so actions executed there persist as they would in a real Odoo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from core.settings import coo_home, get_settings
from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig, TransportName

__all__ = ["is_simulated", "open_odoo"]


def is_simulated() -> bool:
    """True when no ``ODOO_URL`` is set: the simulated company is the Odoo."""
    return not get_settings().odoo_url


@contextmanager
def open_odoo(
    *, size: str = "", seed: int = 0, transport: str = "", writable: bool = False
) -> Iterator[OdooClient]:
    """A connected client for the duration of the block. ``size``/``seed`` choose the
    simulated company (default ``COO_SIM_SIZE``/``COO_SIM_SEED``), ``transport`` overrides
    ``ODOO_TRANSPORT``."""
    settings = get_settings()
    if not is_simulated():
        config = OdooConfig.from_env()
        if transport:
            config = OdooConfig(**{**config.__dict__, "transport": transport})
        with OdooClient(config).connect() as client:
            yield client
        return
    from simulator.runtime import SimulatedCompany, serve_store

    company = SimulatedCompany(
        coo_home() / "simulator", size or settings.coo_sim_size, seed or settings.coo_sim_seed
    )
    store = company.load_or_create()
    try:
        with serve_store(store) as server:
            config = OdooConfig(
                url=server.url,
                db=store.db,
                username="admin",
                api_key=store.api_key_for("admin"),
                transport=cast(TransportName, transport or settings.odoo_transport or "auto"),
            )
            with OdooClient(config).connect() as client:
                yield client
    finally:
        if writable:
            company.save(store)
