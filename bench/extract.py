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


def start_server(
    size: str, home: Path, latency_ms: float = 0.0
) -> tuple[subprocess.Popen, str, str, str]:
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
            "cli.main",
            "simulator",
            "serve",
            "--size",
            size,
            "--port",
            str(port),
            "--latency-ms",
            str(latency_ms),
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


def run_transport(
    url: str, db: str, key: str, transport: str, models: list[ModelSpec], skip_naive: bool
) -> dict[str, dict[str, tuple[int, float]]]:
    config = OdooConfig(url=url, db=db, username="admin", api_key=key, transport=transport)  # type: ignore[arg-type]
    with OdooClient(config).connect() as client:
        base = naive(client, models) if not skip_naive else {}
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["COO_HOME"] = tmp
            wh = Warehouse.from_url(f"duckdb:///{tmp}/bench.duckdb")
            t0 = time.perf_counter()
            report = run_extraction(lambda c=client: c, wh.pipeline(progress=False), models)
            total_ours = time.perf_counter() - t0
    print(f"  ours: {report.rows:,} rows in {total_ours:.1f} s", flush=True)
    ours = {m: (r.rows, r.seconds) for m, r in report.models.items()}
    ours["__total__"] = (report.rows, total_ours)
    return {"naive": base, "ours": ours}


def print_table(
    title: str, models: list[ModelSpec], results: dict[str, dict[str, dict[str, tuple[int, float]]]]
) -> None:
    print(
        f"\n{title} (rows/s; per-model 'ours' is time inside that model's pages, models run concurrently)"
    )
    header = (
        f"{'transport':<9} {'model':<26} {'rows':>9} {'naive':>10} {'ours':>10} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    for transport, res in results.items():
        nb, ob = res["naive"], res["ours"]
        for spec in models:
            orow, osec = ob.get(spec.model, (0, 0.0))
            rows, nsec = nb.get(spec.model, (orow, 0.0))
            nrate = rows / nsec if nsec else 0
            orate = orow / osec if osec else 0
            ratio = f"{orate / nrate:>8.1f}x" if nrate else f"{'':>9}"
            print(
                f"{transport:<9} {spec.model:<26} {rows:>9,} {nrate:>10,.0f} {orate:>10,.0f} {ratio}"
            )
        o_rows, o_sec = ob["__total__"]
        if nb:
            n_rows = sum(r for r, _ in nb.values())
            n_sec = sum(s for _, s in nb.values())
            print(
                f"{transport:<9} {'TOTAL (ours end-to-end)':<26} {n_rows:>9,} {n_rows / n_sec:>10,.0f} "
                f"{o_rows / o_sec:>10,.0f} {(o_rows / o_sec) / (n_rows / n_sec):>8.1f}x"
            )
            print(f"{transport:<9} {'seconds':<26} {'':>9} {n_sec:>10.1f} {o_sec:>10.1f}")
        else:
            print(
                f"{transport:<9} {'TOTAL (ours end-to-end)':<26} {o_rows:>9,} {'':>10} {o_rows / o_sec:>10,.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="medium")
    parser.add_argument("--transports", default="json2,xmlrpc")
    parser.add_argument("--models", default="core", help="core | all")
    parser.add_argument(
        "--latency-ms",
        default="0,5",
        help="per-request delays to serve with, comma-separated (0 = bare loopback; a few ms "
        "stands for a LAN hop plus Odoo's own per-request work)",
    )
    parser.add_argument("--skip-naive", action="store_true", help="only time ours")
    parser.add_argument("--home", default=None, help="where to keep the generated company")
    args = parser.parse_args()
    home = Path(args.home or Path(__file__).resolve().parent / "out" / "home")
    home.mkdir(parents=True, exist_ok=True)
    models = (
        list(DEFAULT_MODELS)
        if args.models == "all"
        else [s for s in DEFAULT_MODELS if s.model in CORE]
    )
    tables = []
    for latency in [float(x) for x in args.latency_ms.split(",")]:
        proc, url, db, key = start_server(args.size, home, latency)
        results: dict[str, dict[str, dict[str, tuple[int, float]]]] = {}
        try:
            for transport in args.transports.split(","):
                print(f"{transport}, {latency:g} ms per request:", flush=True)
                results[transport] = run_transport(url, db, key, transport, models, args.skip_naive)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        title = (
            f"Extraction, {args.size} company, loopback + {latency:g} ms per request, "
            f"{len(models)} models"
        )
        tables.append((title, results))
    for title, results in tables:
        print_table(title, models, results)


if __name__ == "__main__":
    main()
