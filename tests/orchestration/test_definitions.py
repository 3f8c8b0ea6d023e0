"""The Dagster graph: a snapshot of keys, deps, groups and jobs catches unintended changes.

Regenerate after an intended change with ``UPDATE_SNAPSHOTS=1 pytest tests/orchestration``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SNAPSHOT = Path(__file__).with_name("graph_snapshot.json")


def graph() -> dict:
    from orchestration.definitions import defs

    g = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(g.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = g.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
        }
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    return {"assets": assets, "jobs": jobs}


def test_graph_matches_snapshot():
    current = graph()
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_raw_asset_starts_at_its_odoo_model():
    current = graph()["assets"]
    raw = {k: v for k, v in current.items() if k.startswith("raw_odoo/")}
    assert len(raw) >= 35
    for key, node in raw.items():
        assert node["group"] == "odoo_raw"
        assert node["deps"] == ["odoo/" + key.split("/", 1)[1]]


def test_definitions_load_without_environment(monkeypatch):
    """Loading definitions reads no environment variable (nothing at import time)."""
    import importlib

    import orchestration.definitions as d

    for var in list(os.environ):
        if var.startswith(("ODOO_", "COO_")):
            monkeypatch.delenv(var)
    importlib.reload(d)
    assert d.defs.resolve_job_def("main") is not None
