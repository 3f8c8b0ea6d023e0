"""Knowledge-graph search quality and the agent surface's latencies, on a simulated company.

    .venv/bin/python bench/agents.py [--size small] [--cache /work/cache] [--backend lexical|semantic]

Prints: entities and edges in the graph; the search index build time; for a fixed set of
paraphrased product descriptions (none is the product's name as written), top-1 accuracy and
mean reciprocal rank of the intended product among products, on the backend in use (lexical
TF-IDF unless the optional embedding model is installed, or as forced with --backend);
median latency of a search, a depth-1 and a depth-2 neighbourhood, and of a guarded
read-only query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import graph
from agents.sql import run_query
from odoo_api.warehouse import Warehouse

# (a paraphrase of what the product is, the product's name in the simulated catalog)
PARAPHRASES: list[tuple[str, str]] = [
    ("a service where someone assembles furniture on site", "On-site Assembly"),
    ("a rack standing in the hall to hang coats", "Standing Coat Rack"),
    ("a desk made of oak wood", "Oak Desk"),
    ("help planning how the office space is laid out", "Space Planning"),
    ("a contract to maintain the furniture", "Maintenance Contract"),
    ("someone to install what we bought", "Installation"),
    ("a sofa that dampens noise, acoustic", "Acoustic Sofa"),
    ("a sideboard on wheels you can move around", "Mobile Sideboard"),
    ("an arm that holds a monitor in the corner", "Corner Monitor Arm"),
    ("a consultation about interior design", "Design Consultation"),
    ("lockers, the large kind", "Large Locker"),
    ("a whiteboard made of walnut", "Walnut Whiteboard"),
]
# no content word in common with the product's name or description: what only an embedding
# model can bridge (the lexical fallback is expected to miss most of these)
SYNONYMS: list[tuple[str, str]] = [
    ("a sound-absorbing couch", "Acoustic Sofa"),
    ("an upkeep agreement", "Maintenance Contract"),
    ("a writing table of walnut", "Walnut Desk"),
    ("a stool to rest your feet on", "Compact Footrest"),
]


def _median_ms(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", default=os.environ.get("COO_MARTS_CACHE", ".coo/bench-marts"))
    parser.add_argument("--backend", choices=["auto", "lexical"], default="auto")
    args = parser.parse_args()
    if args.backend == "lexical":
        os.environ["COO_SEARCH_BACKEND"] = "lexical"

    from tests.marts_fixture import shared_marts

    marts = shared_marts(args.size, args.seed, Path(args.cache))
    warehouse = Warehouse.from_url(f"duckdb:///{marts.path}")
    entities = run_query(warehouse, "select count(*) from graph.kg_entities").rows[0][0]
    edges = run_query(warehouse, "select count(*) from graph.kg_edges").rows[0][0]
    print(f"graph of the {args.size} company: {entities:,} entities, {edges:,} edges")

    t0 = time.perf_counter()
    graph.search(warehouse, "warm up the index")
    backend = graph.search(warehouse, "desk")[0]["backend"]
    print(f"search index build ({backend}): {time.perf_counter() - t0:.2f} s")

    for label, queries in (("paraphrases", PARAPHRASES), ("synonyms only", SYNONYMS)):
        ranks = []
        for query, expected in queries:
            hits = graph.search(warehouse, query, limit=41, entity_types=["product"])
            names = [h["name"] for h in hits]
            rank = names.index(expected) + 1 if expected in names else None
            ranks.append(rank)
            print(
                f"  rank {rank if rank else '-':>2}  {query!r} -> {names[0] if names else None!r}"
            )
        top1 = sum(1 for r in ranks if r == 1) / len(ranks)
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        print(
            f"product {label} ({backend}): top-1 {top1:.0%}, MRR {mrr:.2f} over {len(ranks)} queries"
        )

    partner = run_query(
        warehouse,
        "select target_key from graph.kg_edges where target_type = 'partner' "
        "group by target_key order by count(*) desc, target_key limit 1",
    ).rows[0][0]
    print(
        f"search latency: {_median_ms(lambda: graph.search(warehouse, 'overdue invoice for a hotel')):.1f} ms"
    )
    d1 = graph.neighborhood(warehouse, partner, 1)["entity_count"]
    d2 = graph.neighborhood(warehouse, partner, 2)["entity_count"]
    print(
        f"neighbourhood of the busiest partner {partner}: depth 1 {d1} entities "
        f"{_median_ms(lambda: graph.neighborhood(warehouse, partner, 1)):.1f} ms, depth 2 {d2} entities "
        f"{_median_ms(lambda: graph.neighborhood(warehouse, partner, 2), repeat=3):.1f} ms"
    )
    sql = "select aging_type, count(*), sum(residual) from finance.fct_overdue_invoices group by 1"
    print(f"guarded read-only query: {_median_ms(lambda: run_query(warehouse, sql)):.1f} ms")


if __name__ == "__main__":
    main()
