"""Text from Odoo, an agent or the LLM is shown as text on the dashboard (issue 15, finding 4):
a proposal's reasoning, an alert's title and a briefing's body planted with Markdown image and
link payloads render with no <img> and no <a> from them (CommonMark, as Streamlit's renderer
reads Markdown), and no bare URL is left for GFM to autolink."""

from __future__ import annotations

from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.apps.conftest import BEACON, PHISH

pytestmark = pytest.mark.integration

_MD = MarkdownIt("commonmark", {"html": True})


def _markdown_sources(at: Any) -> list[str]:
    """Every string the page hands to a Markdown renderer."""
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "success",
        "error",
        "info",
        "warning",
        "title",
        "subheader",
    ):
        out.extend(str(e.value) for e in getattr(at, kind))
    out.extend(str(e.label) for e in at.expander)
    return out


def _assert_inert(sources: list[str]) -> str:
    """The planted payload is on the page, escaped: no image, no link, no bare URL."""
    planted = [s for s in sources if "18999" in s]
    assert planted, "the planted text is shown"
    for src in planted:
        html = _MD.render(src)
        assert "<img" not in html and "<a " not in html, (src, html)
        # and nothing GFM's autolink extension (Streamlit's renderer has it) would link
        assert "://" not in html and "www." not in html, html
        assert BEACON not in src and PHISH not in src  # every ':' and '/' is escaped
    return planted[0]


def test_action_center_shows_planted_markdown_as_text(planted, open_page) -> None:
    at = open_page("actions", company=1)
    planted_text = _assert_inert(_markdown_sources(at))
    assert "Approve now" in planted_text  # shown, as the characters they are


def test_alerts_and_briefings_show_planted_markdown_as_text(planted, open_page) -> None:
    _assert_inert(_markdown_sources(open_page("alerts", company=1)))
    assert planted["briefing"]
    at = open_page("briefings", company=1)
    sources = _markdown_sources(at)
    _assert_inert(sources)
