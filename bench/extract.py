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

* **ours, all fields**: the same with every stored field (``--all-fields`` / what this
  project read before it derived the fields the marts use);
* **raw API**: the ceiling for the same (used) fields: keyset pages of 5,000, ``load=''``,
  nothing typed or written.

Prints rows/s per model and in total, and the speed-ups. Usage:
    python bench/extract.py [--size medium] [--transports json2,xmlrpc] [--models all|core]
    python bench/extract.py --url   # a real Odoo: ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_API_KEY
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
from odoo_api.extract import (
    ALWAYS_FIELDS,
    DEFAULT_MODELS,
    ModelSpec,
    field_mode,
    keyset_domain,
    run_extraction,
    stored_fields,
)
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


def raw_api(client: OdooClient, models: list[ModelSpec]) -> dict[str, tuple[int, float]]:
    """The server's ceiling for the fields ours reads: keyset pages of 5,000, load=''."""
    out = {}
    context = {"active_test": False}
    for spec in models:
        types = stored_fields(client.fields_get(spec.model, attributes=["type", "store"]))
        wanted = set(types) if spec.fields is None else {*spec.fields, *ALWAYS_FIELDS}
        fields = sorted(f for f in types if f in wanted or f.startswith("x_"))
        t0 = time.perf_counter()
        rows, wd, last = 0, None, 0
        while True:
            page = client.search_read(
                spec.model,
                keyset_domain(list(spec.domain), wd, last),
                fields,
                limit=5000,
                order="write_date asc, id asc",
                context=context,
                load="",
            )
            rows += len(page)
            if len(page) < 5000:
                break
            wd, last = page[-1]["write_date"], page[-1]["id"]
        out[spec.model] = (rows, time.perf_counter() - t0)
    total = (sum(r for r, _ in out.values()), sum(t for _, t in out.values()))
    print(f"  raw API (same fields): {total[0]:,} rows in {total[1]:.1f} s", flush=True)
    out["__total__"] = total
    return out


def ours(client: OdooClient, models: list[ModelSpec], label: str) -> dict[str, tuple[int, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COO_HOME"] = tmp
        wh = Warehouse.from_url(f"duckdb:///{tmp}/bench.duckdb")
        t0 = time.perf_counter()
        report = run_extraction(lambda c=client: c, wh.pipeline(progress=False), models)
        total = time.perf_counter() - t0
    print(f"  {label}: {report.rows:,} rows in {total:.1f} s", flush=True)
    out = {m: (r.rows, r.seconds) for m, r in report.models.items()}
    out["__total__"] = (report.rows, total)
    return out


def run_transport(
    config: OdooConfig, models: list[ModelSpec], skip_naive: bool
) -> dict[str, dict[str, tuple[int, float]]]:
    with OdooClient(config).connect() as client:
        base = naive(client, models) if not skip_naive else {}
        everything = ours(client, field_mode(models, "all"), "ours, all stored fields")
        used = ours(client, models, "ours, used fields")
        ceiling = raw_api(client, models)
    return {"naive": base, "ours": used, "all": everything, "raw": ceiling}


def print_table(
    title: str, models: list[ModelSpec], results: dict[str, dict[str, dict[str, tuple[int, float]]]]
) -> None:
    print(
        f"\n{title} (rows/s; per-model 'ours' is time inside that model's pages, models run "
        "concurrently; 'all' = ours reading every stored field; 'raw' = the API's ceiling for "
        "the fields ours reads)"
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
        a_rows, a_sec = res["all"]["__total__"]
        r_rows, r_sec = res["raw"]["__total__"]
        print(
            f"{transport:<9} {'ours, all stored fields':<26} {a_rows:>9,} {'':>10} "
            f"{a_rows / a_sec:>10,.0f}  (used fields: {(o_rows / o_sec) / (a_rows / a_sec):.2f}x)"
        )
        print(
            f"{transport:<9} {'raw API, used fields':<26} {r_rows:>9,} {'':>10} "
            f"{r_rows / r_sec:>10,.0f}  (ours = {(o_rows / o_sec) / (r_rows / r_sec):.0%} of it)"
        )
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
    parser.add_argument(
        "--url",
        action="store_true",
        help="a real Odoo from ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_API_KEY/ODOO_PASSWORD",
    )
    args = parser.parse_args()
    home = Path(args.home or Path(__file__).resolve().parent / "out" / "home")
    home.mkdir(parents=True, exist_ok=True)
    models = (
        list(DEFAULT_MODELS)
        if args.models == "all"
        else [s for s in DEFAULT_MODELS if s.model in CORE]
    )
    tables = []
    if args.url:
        config = OdooConfig.from_env()
        results = {config.transport: run_transport(config, models, args.skip_naive)}
        print_table(
            f"Extraction, {config.redacted()['url']}, {len(models)} models", models, results
        )
        return
    for latency in [float(x) for x in args.latency_ms.split(",")]:
        proc, url, db, key = start_server(args.size, home, latency)
        results: dict[str, dict[str, dict[str, tuple[int, float]]]] = {}
        try:
            for transport in args.transports.split(","):
                print(f"{transport}, {latency:g} ms per request:", flush=True)
                config = OdooConfig(
                    url=url, db=db, username="admin", api_key=key, transport=transport
                )  # type: ignore[arg-type]
                results[transport] = run_transport(config, models, args.skip_naive)
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
