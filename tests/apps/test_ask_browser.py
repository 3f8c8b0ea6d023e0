"""The Ask page in a real browser (chromium via Playwright against ``streamlit run``): a
built-in question typed into the chat box is answered with names and amounts, and the
sources expander opens on the query and its rows. Saves a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apps.test_browser import CHROMIUM, CHROMIUM_ARGS, serve_dashboard

pytestmark = pytest.mark.integration


@pytest.fixture
def ask_dashboard(dashboard_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with serve_dashboard(tmp_path) as url:
        yield url


def test_ask_a_question_in_a_real_browser(ask_dashboard: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{ask_dashboard}/ask", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Ask the COO")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Claude is not configured")).to_be_visible(timeout=30_000)
            expect(page.get_by_role("button", name="Which deals are stalled?")).to_be_visible()
            start = tmp_path / "ask_start.png"
            page.screenshot(path=str(start), full_page=True)
            box = page.get_by_placeholder("Ask about cash, customers, deals, stock…")
            box.fill("Which customers owe us the most and are late?")
            box.press("Enter")
            expect(page.get_by_text("Overdue invoices: who owes the most")).to_be_visible(
                timeout=60_000
            )
            expect(page.get_by_text(" USD overdue on ").first).to_be_visible()
            page.get_by_text("Sources: 1 query").click()
            expect(page.get_by_text("from finance.fct_overdue_invoices")).to_be_visible(
                timeout=30_000
            )
            shot = tmp_path / "ask.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000 and start.stat().st_size > 10_000
