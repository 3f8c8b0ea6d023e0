"""The simulator's output is pinned: every table, the ground truth and ``advance`` hash as recorded.

A failure means the generated company changed. If that is intended (the simulator was wrong vs
real Odoo), say why in DECISIONLOG and rewrite the digests with
``python -m tests.simulator.golden --write``; a pure refactor must keep them identical.
"""

from __future__ import annotations

import json

import pytest

from tests.simulator.golden import DIGESTS, digests


@pytest.mark.unit
def test_generator_and_advance_match_golden_digests() -> None:
    want = json.loads(DIGESTS.read_text())
    got = json.loads(json.dumps(digests()))
    for case, tables in want.items():
        assert case in got, case
        diff = sorted(
            k for k in tables.keys() | got[case].keys() if tables.get(k) != got[case].get(k)
        )
        assert not diff, f"{case}: changed {diff}"
