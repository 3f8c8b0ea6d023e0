"""The data health page's reads of the raw layer: the one consumer that looks below the marts,
because what it monitors is the extraction itself (row counts, deletions, dlt loads).

Declared apart from the dashboard's mart reads (``READS`` in queries.py) so that
``tests/orchestration/test_lineage.py`` can hold every other consumer to marts and ML only.
"""

from __future__ import annotations

import pandas as pd

from apps.streamlit.queries import fetch

READS = ("raw_odoo.*",)


def raw_tables() -> pd.DataFrame | None:
    return fetch(
        "select table_name from information_schema.tables where table_schema = 'raw_odoo' "
        "and table_name not like '\\_dlt%' escape '\\' order by table_name"
    )


def raw_freshness(tables: tuple[str, ...]) -> pd.DataFrame | None:
    """Rows, deletions and the last extraction time of each raw table, in one query."""
    if not tables:
        return None
    parts = [
        f"select '{t}' as table_name, count(*) as row_count, "
        "sum(case when _odoo_deleted_at is not null then 1 else 0 end) as deleted_rows, "
        f"max(_extracted_at) as last_extracted_at from raw_odoo.{t}"
        for t in tables
        if t.replace("_", "").isalnum()
    ]
    return fetch(" union all ".join(parts) + " order by table_name")


def dlt_loads() -> pd.DataFrame | None:
    return fetch(
        "select load_id, schema_name, status, inserted_at from raw_odoo._dlt_loads "
        "order by inserted_at desc limit 20"
    )
