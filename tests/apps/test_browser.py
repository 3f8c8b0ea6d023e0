"""A real browser against ``streamlit run``: Debian's chromium, headless, driven by Playwright.

The dashboard runs as it does for people (``coo dashboard``'s command line, loopback port),
behind a "proxy" that names the user in a header (``COO_DASHBOARD_AUTH=header``): the test
loads the overview, opens the action center, clicks Approve on a proposal the briefing run
submitted, and saves a screenshot. The approval is recorded for the header's user. On the way
it opens a proposal, an alert and a briefing planted with Markdown image and link payloads
(issue 15): the page holds no <img> or <a> from them and the browser never asks for the
beacon.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli.dashboard import streamlit_command
from writeback.service import get_proposal, list_proposals

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER = "ada@example.com"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("streamlit did not become healthy")


@pytest.fixture
def served_dashboard(seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COO_DASHBOARD_AUTH", "header")
    monkeypatch.setenv("COO_AUTH_HEADER", "X-Forwarded-Email")
    monkeypatch.setenv("COO_APPROVERS", f"{USER}=coo")
    with serve_dashboard(tmp_path) as url:
        yield url


@contextmanager
def serve_dashboard(tmp_path: Path) -> Iterator[str]:
    """``coo dashboard``'s Streamlit command on a free loopback port, in this environment;
    its URL once healthy, stopped afterwards (log in ``tmp_path/streamlit.log``)."""
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        streamlit_command("127.0.0.1", port), env=dict(os.environ), stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _no_payload_markup(page) -> None:
    assert page.locator('img[src*="18999"]').count() == 0
    assert page.locator('a[href*="18999"]').count() == 0


def test_approve_a_proposal_in_a_real_browser(served_dashboard, seeded, planted, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    pending = [p for p in list_proposals(seeded, status="pending", company_id=1)
               if p["id"] != planted["proposal"]]  # fmt: skip
    assert pending
    pid = pending[0]["id"]
    beacon_hits: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(
                extra_http_headers={"X-Forwarded-Email": USER},
                viewport={"width": 1400, "height": 1000},
            )
            page.on("request", lambda r: beacon_hits.append(r.url) if "18999" in r.url else None)
            page.goto(served_dashboard, wait_until="domcontentloaded")
            expect(page.get_by_text("Cash", exact=True)).to_be_visible(timeout=60_000)
            expect(page.get_by_text(f"Signed in as {USER}")).to_be_visible()
            expect(page.get_by_text("Pipeline", exact=True)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Cash in and out by month")).to_be_visible(
                timeout=60_000
            )
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

            page.goto(f"{served_dashboard}/actions", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Action center")).to_be_visible(timeout=60_000)
            # each proposal is an expander labelled with its sentence
            page.get_by_text(
                f"#{planted['proposal']} Post an internal note", exact=False
            ).first.click()
            expect(page.get_by_text("Approve now", exact=False).first).to_be_visible(timeout=30_000)
            _no_payload_markup(page)
            page.screenshot(path=str(tmp_path / "planted.png"), full_page=True)
            _settle(page)  # a click that lands while the script still runs can be lost
            page.get_by_text(re.compile(rf"^#{pid} [A-Z]")).first.click()
            approve = page.locator(f".st-key-approve_{pid} button").first
            expect(approve).to_be_visible(timeout=30_000)
            _settle(page)
            approve.click()
            done = page.get_by_text(f"1 proposal(s) approved by {USER} (coo)")
            expect(done).to_be_visible(timeout=60_000)
            done.scroll_into_view_if_needed()
            shot = tmp_path / "approved.png"
            page.screenshot(path=str(shot), full_page=True)
            _no_payload_markup(page)

            for where in ("alerts", "briefings"):
                page.goto(f"{served_dashboard}/{where}", wait_until="domcontentloaded")
                expect(page.get_by_text("Approve now", exact=False).first).to_be_attached(
                    timeout=60_000
                )
                _no_payload_markup(page)

            statements = _statements_screenshots(page, served_dashboard, tmp_path)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    assert all(path.stat().st_size > 10_000 for path in statements)
    assert beacon_hits == []  # no image was fetched from the planted address
    trace = get_proposal(seeded, pid)
    assert trace["status"] == "approved"
    assert [(a["user"], a["role"]) for a in trace["approvals"]] == [(USER, "coo")]


def _statements_screenshots(page, url: str, folder: Path) -> list[Path]:
    """The Financial statements page of the USD and the EUR company (issue 20), as shown."""
    from playwright.sync_api import expect

    shots = []
    page.goto(f"{url}/statements", wait_until="domcontentloaded")
    for name, currency in (
        ("Northbridge Furnishings Inc.", "USD"),
        ("Northbridge Furnishings Europe B.V.", "EUR"),
    ):
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name=name).click()
        label = page.locator("[data-testid='stMetricLabel']").get_by_text("Net profit", exact=True)
        expect(label).to_be_visible(timeout=60_000)
        expect(page.locator("[data-testid='stMetricValue']").first).to_contain_text(currency)
        expect(page.get_by_text("Drill down: line").first).to_be_visible(timeout=60_000)
        shot = folder / f"statements_{currency}.png"
        page.screenshot(path=str(shot), full_page=True)
        shots.append(shot)
    return shots


PAGE_TITLES = {
    "overview": "Overview",
    "alerts": "Alerts",
    "briefings": "Briefings",
    "actions": "Action center",
    "finance": "Finance",
    "statements": "Financial statements",
    "sales": "Sales pipeline",
    "inventory": "Inventory risk",
    "customers": "Customer health",
    "expenses": "Expenses",
    "data_health": "Data health",
}
COMPANIES = (
    ("Northbridge Furnishings Inc.", "USD"),
    ("Northbridge Furnishings Europe B.V.", "EUR"),
)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# a compact amount ("205.9k") must say its currency
COMPACT = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?[kMB](?!\w)(?! (?:USD|EUR))")


def _settle(page) -> None:
    """Wait for the script run to finish (Streamlit's running indicator gone)."""
    page.wait_for_timeout(600)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_timeout(400)


def _problems(page, currency: str) -> list[str]:
    text = page.locator("section.main, [data-testid='stMain']").first.inner_text()
    headers = page.locator("[role='columnheader']").all_inner_texts()
    found = []
    found += [f"'None' shown: {line}" for line in text.splitlines() if re.search(r"\bNone\b", line)]
    found += [f"snake_case header {h!r}" for h in headers if SNAKE.search(h)]
    found += [f"amount without currency: {m!r}" for m in COMPACT.findall(text)]
    other = "EUR" if currency == "USD" else "USD"
    found += [f"header in the other currency: {h!r}" for h in headers if f"({other})" in h]
    return found


def test_every_page_for_two_currencies_in_a_real_browser(served_dashboard, seeded, tmp_path):
    """Every page of the USD and the EUR company, screenshotted (under the test's tmp dir):
    no raw column name, no "None", every compact amount with its currency; the Overview, the
    Alerts page and the briefing show the same runway."""
    from playwright.sync_api import expect, sync_playwright

    from briefings import service

    shots = tmp_path / "screens"
    shots.mkdir()
    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(
                extra_http_headers={"X-Forwarded-Email": USER},
                # tall: Streamlit scrolls inside its main block, so a full-page shot is the
                # viewport; this one holds the longest page
                viewport={"width": 1400, "height": 3600},
            )
            page.goto(served_dashboard, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
            for name, currency in COMPANIES:
                page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
                page.get_by_role("option", name=name).click()
                _settle(page)
                for slug, title in PAGE_TITLES.items():
                    page.locator('[data-testid="stSidebarNav"]').get_by_text(
                        title, exact=True
                    ).click()
                    expect(page.get_by_role("heading", name=title).first).to_be_visible(
                        timeout=60_000
                    )
                    _settle(page)
                    page.screenshot(path=str(shots / f"{currency}_{slug}.png"), full_page=True)
                    assert page.get_by_text("Deploy", exact=True).count() == 0  # viewer mode
                    found = _problems(page, currency)
                    if found:
                        problems[f"{currency} {slug}"] = found
                    if slug == "overview":
                        overview_text = page.locator("[data-testid='stMain']").inner_text()
                        if currency == "EUR":
                            assert "23 days" in overview_text
                            assert "cash runs out 2026-12-13" in overview_text
                            assert (
                                "Cash runway of Northbridge Furnishings Europe B.V. is 23 days"
                                in overview_text
                            )
                    if slug == "alerts" and currency == "EUR":
                        assert "is 23 days" in page.locator("[data-testid='stMain']").inner_text()
        finally:
            browser.close()
    assert problems == {}, problems
    cfo = next(b for b in service.list_briefings(seeded, company_id=2) if b["role"] == "cfo")
    assert "Runway: 23 days" in service.get_briefing(seeded, cfo["id"])["body_text"]
    assert len(list(shots.glob("*.png"))) == 2 * len(PAGE_TITLES)
    print(f"screenshots in {shots}")
