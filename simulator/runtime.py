"""Run the simulated company: generate (or load) it, keep its state on disk, serve it.

The state is kept between commands (``coo simulator advance`` then ``coo demo``) so that an
incremental run has something new to extract. The ground truth of the scenarios is saved
beside it, in its own file, never inside the Odoo data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from simulator.faults import FaultConfig
from simulator.server import SimulatorServer
from simulator.store import OdooStore
from simulator.versions import version_from_env

logger = logging.getLogger(__name__)

DEFAULT_SEED = 42
DEFAULT_AS_OF = date(2026, 11, 20)
STATE_FILE = "store.pkl.gz"
GROUND_TRUTH_FILE = "ground_truth.json"


@dataclass(frozen=True)
class SimulatedCompany:
    """Where a simulated company lives on disk."""

    root: Path
    size: str = "small"
    seed: int = DEFAULT_SEED

    @property
    def folder(self) -> Path:
        return self.root / f"{self.size}-seed{self.seed}"

    @property
    def state_path(self) -> Path:
        return self.folder / STATE_FILE

    @property
    def ground_truth_path(self) -> Path:
        return self.folder / GROUND_TRUTH_FILE

    def exists(self) -> bool:
        return self.state_path.exists()

    def create(self, as_of: date = DEFAULT_AS_OF) -> OdooStore:
        """Generate the company afresh and persist it (and its ground truth, apart)."""
        from simulator.generator import generate_company

        company = generate_company(self.size, seed=self.seed, as_of=as_of)
        store = OdooStore(tables=company.tables, now=company.now)
        self.folder.mkdir(parents=True, exist_ok=True)
        store.save(self.state_path)
        self.ground_truth_path.write_text(json.dumps(company.ground_truth, indent=1, default=str))
        return store

    def load(self) -> OdooStore:
        return OdooStore.load(self.state_path)

    def load_or_create(self) -> OdooStore:
        return self.load() if self.exists() else self.create()

    def save(self, store: OdooStore) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        store.save(self.state_path)

    def ground_truth(self) -> dict:
        return json.loads(self.ground_truth_path.read_text())


@contextmanager
def serve_store(
    store: OdooStore,
    *,
    port: int = 0,
    faults: FaultConfig | None = None,
    version: tuple[Any, ...] | None = None,
) -> Iterator[SimulatorServer]:
    """Serve ``store`` on loopback for the duration of the block, posing as the Odoo release
    ``version`` (default: ``COO_SIM_ODOO_VERSION``, else 19; see ``simulator.versions``)."""
    release = version if version is not None else version_from_env()
    server = SimulatorServer(store, "127.0.0.1", port, faults=faults, version=release).start()
    try:
        yield server
    finally:
        server.stop()
