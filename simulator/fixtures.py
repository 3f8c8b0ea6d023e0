"""The recorded Odoo 19 demo database, loaded into an :class:`~simulator.store.OdooStore`.

Serving real recorded data through the simulator lets the pipeline be tested on rows nobody
here generated: every value is what a real Odoo 19 returned (``odoo19/records``), with the
payments of ``odoo19/records_extra`` superseding the rows they changed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.access import default_users
from simulator.store import OdooStore, load_fields

ODOO19_DIR = Path(__file__).resolve().parent / "odoo19"


def _model_of(path: Path) -> str:
    """``account.move.paid_by_probe.json`` holds account.move rows."""
    stem = path.stem
    return stem.split(".paid_by_probe")[0]


def recorded_records() -> dict[str, dict[int, dict[str, Any]]]:
    """Every recorded record in wire format (records_extra wins on equal ids), by model and id."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for folder in ("records", "records_extra"):
        for path in sorted((ODOO19_DIR / folder).glob("*.json")):
            rows = out.setdefault(_model_of(path), {})
            for rec in json.loads(path.read_text()):
                # records_extra rows may be partial (only what the payment changed)
                rows[rec["id"]] = {**rows.get(rec["id"], {}), **rec}
    return out


def to_internal(
    model: str, rec: dict[str, Any], fields: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Wire row -> sparse internal row: many2one pairs to ids, type defaults dropped."""
    row: dict[str, Any] = {"id": rec["id"]}
    for key, value in rec.items():
        if key == "id":
            continue
        ftype = fields.get(key, {}).get("type")
        if ftype == "many2one" and isinstance(value, list):
            value = value[0] if value else False
        if value is False or value is None or value == []:
            continue
        numeric = ftype in ("integer", "float", "monetary", "many2one_reference")
        if numeric and value == 0 and not isinstance(value, bool):
            continue
        row[key] = value
    return row


def load_recorded_demo() -> OdooStore:
    """A store holding the real recorded Odoo 19 demo database."""
    fields = load_fields()
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    latest = ""
    for model, recs in recorded_records().items():
        fdefs = fields.get(model, {})
        tables[model] = {rid: to_internal(model, rec, fdefs) for rid, rec in recs.items()}
        for rec in recs.values():
            wd = rec.get("write_date")
            if isinstance(wd, str) and wd > latest:
                latest = wd
    now = datetime.strptime(latest, "%Y-%m-%d %H:%M:%S") if latest else datetime(2026, 11, 23)
    companies = sorted(tables.get("res.company", {})) or [1]
    return OdooStore(tables, now=now, users=default_users(companies), db="coo_demo")
