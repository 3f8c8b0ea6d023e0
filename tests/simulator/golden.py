"""Golden digests of the simulator: one hash per generated table, the ground truth and ``advance``.

Why: the generator is a discrete-event simulation whose random draws must keep their order; a
refactor that reorders one draw changes every later row. These digests pin today's behaviour so
a structural change (splitting modules, sharing the ledger with ``advance``) is provably neutral.
Regenerate (only after a deliberate, explained behaviour change) with
``python -m tests.simulator.golden --write``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

DIGESTS = Path(__file__).with_name("golden_digests.json")
CASES = (("small", 42), ("small", 7))
ADVANCE_DAYS = 20
ADVANCE_SEED = 3


def _h(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class _PlainStore:
    """The store contract ``advance`` relies on (create/write/unlink stamping), kept here so the
    golden pins ``advance`` alone, not the real store's evolving write paths."""

    def __init__(self, tables: dict[str, dict[int, dict[str, Any]]], now: datetime) -> None:
        self._t = tables
        self.now = now
        self._next = {m: max(rows, default=0) + 1 for m, rows in tables.items()}

    def _ts(self) -> str:
        return self.now.strftime("%Y-%m-%d %H:%M:%S")

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        return self._t.setdefault(model, {})

    def create(self, model: str, vals_list: list[dict[str, Any]], uid: int = 2) -> list[int]:
        t = self.table(model)
        ids = []
        for vals in vals_list:
            i = self._next.get(model, 1)
            self._next[model] = i + 1
            ts = self._ts()
            t[i] = {**vals, "id": i, "create_date": ts, "write_date": ts}
            t[i]["create_uid"] = t[i]["write_uid"] = uid
            ids.append(i)
        return ids

    def write(self, model: str, ids: list[int], vals: dict[str, Any], uid: int = 2) -> bool:
        for i in ids:
            self._t[model][i].update(vals, write_date=self._ts(), write_uid=uid)
        return True

    def unlink(self, model: str, ids: list[int], uid: int = 2) -> bool:
        for i in ids:
            del self._t[model][i]
        return True


def digests() -> dict[str, Any]:
    from simulator.advance import advance
    from simulator.generator import generate_company

    out: dict[str, Any] = {}
    for size, seed in CASES:
        co = generate_company(size, seed)
        case: dict[str, Any] = {m: _h(rows) for m, rows in sorted(co.tables.items())}
        case["_ground_truth"] = _h(co.ground_truth)
        case["_now"] = co.now.isoformat()
        if seed == CASES[0][1]:
            store = _PlainStore(copy.deepcopy(co.tables), co.now)
            counts = advance(store, ADVANCE_DAYS, seed=ADVANCE_SEED)
            case["_advance"] = {
                "counts": counts,
                "now": store.now.isoformat(),
                "tables": {m: _h(rows) for m, rows in sorted(store._t.items())},
            }
        out[f"{size}-{seed}"] = case
    return out


if __name__ == "__main__":
    got = digests()
    if "--write" in sys.argv:
        DIGESTS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    else:
        print(json.dumps(got, indent=1, sort_keys=True))
