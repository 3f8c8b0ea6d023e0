"""dbt build time on DuckDB or PostgreSQL for a simulated company of a given size.

    .venv/bin/python bench/marts.py --size medium
    .venv/bin/python bench/marts.py --size medium --url postgresql://postgres@127.0.0.1:5432/bench

Generates the company, loads its raw tables the way the extractor writes them
(tests/dbt/raw_loader.py), then times `dbt build` (models + all tests) and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odoo_api.warehouse import Warehouse
from tests.dbt.conftest import run_dbt
from tests.dbt.raw_loader import load_tables, store_tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=0, help="dbt threads (0 = profile's)")
    parser.add_argument(
        "--url",
        default="",
        help="warehouse URL, e.g. postgresql://postgres@127.0.0.1:5432/bench (its raw_odoo "
        "and mart schemas are replaced); default a temporary DuckDB file",
    )
    parser.add_argument(
        "--dbt-flags", default="", help="extra global dbt flags, e.g. '--log-level-file none'"
    )
    parser.add_argument(
        "--build-args",
        default="",
        help="extra `dbt build` arguments, e.g. '--exclude path:models/marts/graph'",
    )
    args = parser.parse_args()
    if args.threads:
        os.environ["COO_DBT_THREADS"] = str(args.threads)

    from simulator.generator import generate_company
    from simulator.store import OdooStore

    started = time.perf_counter()
    company = generate_company(args.size, seed=args.seed)
    store = OdooStore(tables=company.tables, now=company.now)
    tables = store_tables(store)
    generated = time.perf_counter() - started
    rows = sum(t.num_rows for t in tables.values())
    with tempfile.TemporaryDirectory(prefix="coo-bench-marts-") as tmp:
        warehouse = Warehouse.from_url(args.url or f"duckdb:///{Path(tmp) / 'warehouse.duckdb'}")
        started = time.perf_counter()
        load_tables(warehouse, tables)
        loaded = time.perf_counter() - started
        work = Path(tmp) / "dbt"
        started = time.perf_counter()
        parse = run_dbt(warehouse, ["parse"], work)
        parse_seconds = time.perf_counter() - started
        started = time.perf_counter()
        # what the Dagster job runs: models, seeds and data tests (unit tests run in CI)
        run = run_dbt(
            warehouse,
            [
                *args.dbt_flags.split(),
                "build",
                "--exclude-resource-type",
                "unit_test",
                *args.build_args.split(),
            ],
            work,
        )
        seconds = time.perf_counter() - started
        if not (work / "target" / "run_results.json").exists():
            print(run.output[-3000:])
            return run.returncode or 1
        results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    by_kind: dict[str, float] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + r["execution_time"]
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:8]
    summary = next((line for line in run.output.splitlines() if "Done." in line), "")
    print(
        f"size={args.size} seed={args.seed} warehouse={warehouse.kind} raw_rows={rows} "
        f"generate_s={generated:.1f} load_raw_s={loaded:.1f}"
    )
    print(f"dbt parse (cold): {parse_seconds:.1f} s  (returncode {parse.returncode})")
    print(f"dbt build: {seconds:.1f} s  {summary.split('Done.')[-1].strip()}")
    print(
        "node time by kind (sum over threads): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(by_kind.items()))
    )
    print("slowest nodes:")
    for r in slowest:
        print(f"  {r['execution_time']:6.2f} s  {r['unique_id']}")
    if run.returncode != 0:
        print(run.output[-3000:])
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
