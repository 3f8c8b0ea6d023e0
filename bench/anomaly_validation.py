"""The journal-entry anomaly model's validation, per kind of injected anomaly, against the
amount z-score, on simulated companies (the same ``anomalies.train`` the pipeline runs).

    COO_MARTS_CACHE=/tmp/marts .venv/bin/python bench/anomaly_validation.py \
        [--companies small:42,medium:2026]

The last months of manual entries are held out; every group statistic is fitted on the months
before; each draw seeds the held-out months with injected entries written as journal lines
(see ``ml.anomalies.inject_entries``). Printed per company: average precision of the forest
and of the amount z-score on the held-out entries plus each kind of injected entry, overall,
and the gate (paired bootstrap 95% interval of the difference; the forest serves only when it
lies above 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml import anomalies
from ml.warehouse_io import read_sql
from odoo_api.warehouse import Warehouse
from tests.marts_fixture import shared_marts


def evaluate(size: str, seed: int, cache: Path) -> None:
    marts = shared_marts(size, seed, cache)
    wh = Warehouse.from_url(f"duckdb:///{marts.path}")
    lines = read_sql(wh, anomalies.ENTRIES_SQL)
    expenses = read_sql(wh, anomalies.EXPENSES_SQL)
    t0 = time.process_time()
    trained = anomalies.train(lines, expenses)
    cpu = time.process_time() - t0
    m = trained.metrics
    [gate] = trained.comparisons
    print(
        f"\n{size} seed {seed}: {int(m['validation_entries'])} held-out manual entries, "
        f"{int(m['injected_per_kind'])} injected per kind x {anomalies.DRAWS} draws; "
        f"train {cpu:.1f}s CPU"
    )
    print(f"  {'kind':16} {'forest AP':>9} {'amount z AP':>11}")
    for kind in anomalies.INJECTED_KINDS:
        print(
            f"  {kind:16} {m[f'injected_ap_{kind}']:9.3f} {m[f'baseline_injected_ap_{kind}']:11.3f}"
        )
    print(f"  {'all kinds':16} {m['injected_ap']:9.3f} {m['baseline_injected_ap']:11.3f}")
    print(f"  gate: {gate.describe()} -> {'PASS' if gate.passed else 'fail (baseline serves)'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", default="small:42,medium:2026")
    args = parser.parse_args()
    cache = Path(os.environ.get("COO_MARTS_CACHE", tempfile.gettempdir()))
    for company in args.companies.split(","):
        size, seed = company.split(":")
        evaluate(size, int(seed), cache)


if __name__ == "__main__":
    main()
