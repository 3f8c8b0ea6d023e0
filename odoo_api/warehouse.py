"""Where extracted data lands: a DuckDB file by default, PostgreSQL in production.

``COO_WAREHOUSE_URL`` is read when a run starts, never at import, so tests and Dagster
definitions can load without any environment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import dlt
from dlt.common.destination import Destination
from dlt.common.runtime.collector import NullCollector

from core.settings import coo_home, get_settings
from odoo_api.errors import ConfigError

_SILENT = NullCollector()


@dataclass(frozen=True)
class Warehouse:
    """A parsed warehouse location. ``url`` never leaves this object unredacted."""

    kind: str  # "duckdb" | "postgres"
    url: str
    path: Path | None = None

    @classmethod
    def from_url(cls, url: str | None = None) -> Warehouse:
        url = url or get_settings().coo_warehouse_url
        if not url:
            return cls(
                "duckdb",
                f"duckdb:///{coo_home() / 'warehouse.duckdb'}",
                coo_home() / "warehouse.duckdb",
            )
        parsed = urlparse(url)
        if parsed.scheme == "duckdb":
            path = Path(url[len("duckdb:///") :] if url.startswith("duckdb:///") else parsed.path)
            if not str(path):
                raise ConfigError(
                    "COO_WAREHOUSE_URL 'duckdb:///' needs a file path, e.g. duckdb:///./warehouse.duckdb"
                )
            return cls("duckdb", url, path.resolve())
        if parsed.scheme in ("postgres", "postgresql", "postgresql+psycopg2"):
            if not parsed.hostname or not parsed.path.strip("/"):
                raise ConfigError(
                    "COO_WAREHOUSE_URL must name a host and a database, e.g. postgresql://user@127.0.0.1:5432/coo"
                )
            return cls("postgres", url.replace("postgresql+psycopg2://", "postgresql://"))
        raise ConfigError(
            f"COO_WAREHOUSE_URL scheme '{parsed.scheme or url}' is not supported: use duckdb:///path or postgresql://..."
        )

    def redacted(self) -> str:
        parsed = urlparse(self.url)
        if parsed.password:
            return self.url.replace(f":{parsed.password}@", ":***@")
        return self.url

    def destination(self) -> Destination:
        if self.kind == "duckdb":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return dlt.destinations.duckdb(str(self.path))
        from dlt.destinations.impl.postgres.configuration import PostgresCredentials

        credentials = PostgresCredentials()
        credentials.parse_native_representation(self.url)
        if credentials.password is None:
            # trust/peer authentication: dlt insists on a password field, libpq ignores an empty one
            credentials.password = ""  # type: ignore[assignment]
        return dlt.destinations.postgres(credentials=credentials)

    def pipeline(
        self, name: str = "odoo", dataset: str = "raw_odoo", progress: bool = True
    ) -> dlt.Pipeline:
        """A dlt pipeline; its state also lives in the warehouse, so a fresh machine resumes."""
        pipelines_dir = coo_home() / "dlt"
        pipelines_dir.mkdir(parents=True, exist_ok=True)
        # One local state folder per destination: two warehouses must never share a cursor.
        digest = hashlib.sha1(f"{self.url}|{dataset}".encode()).hexdigest()[:10]
        return dlt.pipeline(
            pipeline_name=f"{name}_{self.kind}_{digest}",
            destination=self.destination(),
            dataset_name=dataset,
            pipelines_dir=str(pipelines_dir),
            progress="log" if progress else _SILENT,
        )
