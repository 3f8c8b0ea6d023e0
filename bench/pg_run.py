"""The whole main job on DuckDB and on PostgreSQL, side by side, per step.

    .venv/bin/python bench/pg_run.py                       # small and medium, both engines
    .venv/bin/python bench/pg_run.py --sizes small --engines postgres

``bench/run.py`` with both engines, one row per Dagster step: each run is ``coo demo --size S
--fresh`` (then one simulated day later, the incremental run) in its own process and its own
``COO_HOME``, the warehouse and the operational store embedded (DuckDB, SQLite) or in two
fresh PostgreSQL databases on ``--pg`` (dropped afterwards). Not a test: the medium run is too
long for the suite's budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import main  # bench/run.py, beside this file

if __name__ == "__main__":
    defaults = ["--sizes", "small,medium", "--engines", "duckdb,postgres", "--steps"]
    sys.exit(main(defaults + sys.argv[1:]))
