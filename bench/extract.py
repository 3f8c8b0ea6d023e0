"""Extraction speed: our extractor against a naive client, in the same run.

Serves the simulated company (default ``medium``, ~100k journal items) from a separate
process on loopback, then for each transport (JSON-2 and XML-RPC by default):

* **naive**: ``search_read`` with all fields, classic many2one pairs, Odoo's default page
  (offset paging, 80 rows, as the web client does), one request at a time. It only fetches.
  It pages in ``id`` order, the cheapest offset order on the simulator (a model's default
  order would re-sort the table for every page there): the baseline gets the benefit.
* **ours**: ``run_extraction`` end to end: stored fields only, ``load=''``, keyset pages of
  5,000 on (write_date, id), typed Arrow pages, loaded into a DuckDB warehouse by dlt, and
  the deletion check. Loading is included, which favours the baseline.

Prints rows/s per model and in total, and the speed-up. Usage:
    python bench/extract.py [--size medium] [--transports json2,xmlrpc] [--models all|core]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.extract import DEFAULT_MODELS, ModelSpec, run_extraction
from odoo_api.warehouse import Warehouse

CORE = (
    "account.move.line",
    "account.move",
    "res.partner",
    "sale.order.line",
    "stock.move",
    "crm.lead",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(size: str, home: Path) -> tuple[subprocess.Popen, str, str, str]:
    from simulator.runtime import SimulatedCompany

    company = SimulatedCompany(home / "simulator", size, 42)
    if not company.exists():
        t0 = time.perf_counter()
        print(f"generating the {size} company ...", flush=True)
        company.create()
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    store = company.load()
    db, key = store.db, store.api_key_for("admin")
    port = free_port()
    env = {**os.environ, "COO_HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "simulator",
            "serve",
            "--size",
            size,
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    return proc, f"http://127.0.0.1:{port}", db, key


def naive(client: OdooClient, models: list[ModelSpec]) -> dict[str, tuple[int, float]]:
    out = {}
    for spec in models:
        t0 = time.perf_counter()
        rows, offset = 0, 0
        while True:
            page = client.search_read(
                spec.model,
                list(spec.domain),
                None,
                offset=offset,
                limit=80,
                order="id",
                context={"active_test": False},
            )
            rows += len(page)
            offset += 80
            if len(page) < 80:
                break
        out[spec.model] = (rows, time.perf_counter() - t0)
        print(f"  naive {spec.model}: {rows:,} rows in {out[spec.model][1]:.1f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="medium")
    parser.add_argument("--transports", default="json2,xmlrpc")
    parser.add_argument("--models", default="core", help="core | all")
    parser.add_argument("--home", default=None, help="where to keep the generated company")
    args = parser.parse_args()
    home = Path(args.home or Path(__file__).resolve().parent / "out" / "home")
    home.mkdir(parents=True, exist_ok=True)
    models = (
        list(DEFAULT_MODELS)
        if args.models == "all"
        else [s for s in DEFAULT_MODELS if s.model in CORE]
    )
    proc, url, db, key = start_server(args.size, home)
    results: dict[str, dict[str, dict[str, tuple[int, float]]]] = {}
    try:
        for transport in args.transports.split(","):
            config = OdooConfig(url=url, db=db, username="admin", api_key=key, transport=transport)  # type: ignore[arg-type]
            with OdooClient(config).connect() as client:
                base = naive(client, models)
                with tempfile.TemporaryDirectory() as tmp:
                    os.environ["COO_HOME"] = tmp
                    wh = Warehouse.from_url(f"duckdb:///{tmp}/bench.duckdb")
                    t0 = time.perf_counter()
                    report = run_extraction(lambda c=client: c, wh.pipeline(), models)
                    total_ours = time.perf_counter() - t0
                ours = {m: (r.rows, r.seconds) for m, r in report.models.items()}
                ours["__total__"] = (report.rows, total_ours)
                results[transport] = {"naive": base, "ours": ours}
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    print(f"\nExtraction, {args.size} company, loopback, {len(models)} models (rows/s)")
    header = (
        f"{'transport':<9} {'model':<22} {'rows':>9} {'naive':>10} {'ours':>10} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    for transport, res in results.items():
        nb, ob = res["naive"], res["ours"]
        for spec in models:
            rows, nsec = nb[spec.model]
            orow, osec = ob.get(spec.model, (0, 0.0))
            nrate = rows / nsec if nsec else 0
            orate = orow / osec if osec else 0
            print(
                f"{transport:<9} {spec.model:<22} {rows:>9,} {nrate:>10,.0f} {orate:>10,.0f} {orate / nrate if nrate else 0:>8.1f}x"
            )
        n_rows = sum(r for r, _ in nb.values())
        n_sec = sum(s for _, s in nb.values())
        o_rows, o_sec = ob["__total__"]
        print(
            f"{transport:<9} {'TOTAL (ours end-to-end)':<22} {n_rows:>9,} {n_rows / n_sec:>10,.0f} "
            f"{o_rows / o_sec:>10,.0f} {(o_rows / o_sec) / (n_rows / n_sec):>8.1f}x"
        )
        print(f"{transport:<9} {'seconds':<22} {'':>9} {n_sec:>10.1f} {o_sec:>10.1f}")


if __name__ == "__main__":
    main()
