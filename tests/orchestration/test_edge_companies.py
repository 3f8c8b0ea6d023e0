"""The daily run on real, young, partial, steady, multi-currency and empty companies.

Each profile (simulator/profiles.py) is served on loopback and ``coo extract --job main``
runs the main job on it end to end (extraction -> dbt -> ML -> alerts -> briefings). Every
run must complete, write a briefing per company and role, and the briefing must name what
it could not compute (too little data, a missing module) with the reason.
"""

from __future__ import annotations

import json
import time

import duckdb
import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow

# profile -> what its briefings must name as not computed: the start of the thing's name
# -> a substring of the reason. The partial company lacks crm, stock and hr_expense at once;
# the steady one (deals never stall, customers never churn) is also the multi-currency one
# (two companies in USD and EUR, customers invoiced in the other currency). The partial one
# is young (two months), which keeps its run short. One run each
# keeps the suite small; simulator/profiles.py has each shape on its own for manual runs.
EXPECTED: dict[str, dict[str, str]] = {
    "recorded": {"anomaly detection": "insufficient history", "churn risk scores": ""},
    "young": {"anomaly detection": "insufficient history", "churn risk scores": "insufficient"},
    "partial": {
        "deal win and stall scores": "the Odoo module crm is not installed",
        "stock-out predictions": "the Odoo module stock is not installed",
        "anomaly detection": "insufficient history",
    },
    # deals that never stall: the stall model learns from Odoo's rotting thresholds and the
    # stage-time percentiles, so it trains; what matters is that nothing fails
    "steady": {},
    "empty": {
        "churn risk scores": "",
        "deal win and stall scores": "",
        "stock-out predictions": "",
        "anomaly detection": "",
        "forecasts": "",
    },
}


# a loaded machine runs a company for minutes; pytest-timeout must not cut the ML step
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("profile", list(EXPECTED))
def test_main_job_completes_and_the_briefing_names_what_it_could_not_compute(
    profile, tmp_path, monkeypatch
):
    from briefings.service import get_briefing, list_briefings
    from cli.main import app
    from opstore import StateStore
    from simulator.profiles import build_profile
    from simulator.runtime import serve_store

    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)  # template briefings, no network
    store = build_profile(profile)
    started = time.perf_counter()
    with serve_store(store) as server:
        monkeypatch.setenv("ODOO_URL", server.url)
        monkeypatch.setenv("ODOO_DB", store.db)
        monkeypatch.setenv("ODOO_USERNAME", "admin")
        monkeypatch.setenv("ODOO_API_KEY", store.api_key_for("admin"))
        # dbt's data tests run on the simulated companies in tests/dbt; here the marts are
        # built without them, which keeps each run to seconds of dbt instead of minutes
        result = CliRunner().invoke(app, ["extract", "--job", "main", "--no-dbt-tests"])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, (result.output, result.exception)
    print(f"{profile}: main job in {seconds:.1f} s")

    companies = sorted(store.table("res.company"))
    state = StateStore()
    try:
        made = list_briefings(state, limit=500)
        assert {(b["company_id"], b["role"]) for b in made} >= {
            (c, r) for c in companies for r in ("ceo", "cfo", "sales", "operations")
        }
        ceo = [get_briefing(state, b["id"]) for b in made if b["role"] == "ceo"]
    finally:
        state.dispose()
    for brief in ceo:
        facts = json.loads(brief["facts"]) if isinstance(brief["facts"], str) else brief["facts"]
        named = {n["what"]: n["reason"] for n in facts["not_computed"]}
        for what, reason in EXPECTED[profile].items():
            found = [w for w in named if w.startswith(what)]
            assert found, (profile, what, named)
            assert reason in named[found[0]], (profile, what, named[found[0]])
        if named:
            assert "Not computed today" in brief["body_text"]
            for what, reason in named.items():
                assert f"- {what}: {reason}" in brief["body_text"]

    warehouse = tmp_path / "coo" / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        runs = con.execute(
            "select model_name, status, reason from ml.model_runs "
            "where model_version like 'state:%'"
        ).fetchall()
        if profile == "steady":
            foreign = con.execute(
                "select count(*) from finance.fct_general_ledger "
                "where currency_id <> company_currency_id"
            ).fetchone()
            assert foreign is not None and foreign[0] > 0
    finally:
        con.close()
    # every state recorded says why
    assert all(status in ("insufficient_data", "failed") and reason for _, status, reason in runs)
    assert not [r for r in runs if r[1] == "failed"], runs
