"""Dashboard fixtures: a private copy of the small company's marts and a tmp operational store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "apps" / "streamlit" / "streamlit_app.py"
PAGES = [
    "overview",
    "alerts",
    "briefings",
    "actions",
    "finance",
    "sales",
    "inventory",
    "customers",
    "expenses",
    "data_health",
]


@pytest.fixture
def dashboard_env(small_marts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """COO_WAREHOUSE_URL at a copy of the small marts, COO_STATE_URL at a tmp SQLite file;
    returns the warehouse path."""
    path = small_marts.copy_to(tmp_path / "wh")
    monkeypatch.setenv("COO_WAREHOUSE_URL", f"duckdb:///{path}")
    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("COO_DASHBOARD_AUTH", "local")
    monkeypatch.setenv("COO_OPERATOR", "ada")
    return path


@pytest.fixture
def open_page() -> Callable[..., AppTest]:
    """Run the app, switch to a page, and return the AppTest (asserting no exception)."""

    def _open(page: str, company: int | None = None, at: AppTest | None = None) -> AppTest:
        if at is None:
            at = AppTest.from_file(str(APP), default_timeout=60)
        if company is not None:
            at.session_state["company_id"] = company
        at.run()
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


@pytest.fixture
def seeded(dashboard_env: Path, monkeypatch: pytest.MonkeyPatch):
    """Alerts, briefings (template, no LLM) and the pending proposals they submit, made by the
    real pipeline functions and services against the dashboard's warehouse copy."""
    from briefings.alerts import run_alerts
    from briefings.compose import run_briefings
    from briefings.sources import MartReader
    from odoo_api.warehouse import Warehouse
    from opstore import StateStore

    monkeypatch.setenv("COO_APPROVERS", "ada=coo,finance_manager;bob=sales_manager")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    state = StateStore()
    with MartReader(Warehouse.from_url(f"duckdb:///{dashboard_env}")) as reader:
        run_alerts(state, reader)
        run_briefings(state, reader, use_llm=False)
    return state
