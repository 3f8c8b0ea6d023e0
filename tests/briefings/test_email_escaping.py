"""The briefing email shows Odoo and LLM text as text (issue 15, finding 4): a company name,
a headline, bullets and a proposal's reasoning planted with HTML and Markdown image/link
payloads give no <img> and no <a> in the HTML part."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from briefings.compose import render
from briefings.llm import BriefingOutput, Section

pytestmark = pytest.mark.unit

PAYLOAD = (
    '![s](http://127.0.0.1:18999/b.png) <img src="http://127.0.0.1:18999/b.png"> '
    '<a href="http://127.0.0.1:18999/approve">Approve now</a> [x](http://127.0.0.1:18999/x)'
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_email_has_no_markup_from_untrusted_text() -> None:
    facts = {"role_title": "Sales", "company": {"name": f"Acme {PAYLOAD}"}, "date": "2026-12-06"}
    output = BriefingOutput(
        headline=f"Deal {PAYLOAD}"[:160],
        summary=f"Two deals stalled. {PAYLOAD}",
        sections=[Section(heading="Today", bullets=[f"Lead {PAYLOAD}"])],
    )
    proposals = [{"status": "pending", "skill": "set_deal_priority", "model": "crm.lead",
                  "record_id": 7, "proposal_id": 3, "reasoning": PAYLOAD, "why": PAYLOAD}]  # fmt: skip
    _subject, text, html = render(facts, output, proposals, kind="llm", model="m",
                                 fallback_reason=None, briefing_id=1)  # fmt: skip
    parser = _Tags()
    parser.feed(html)
    assert not [t for t in parser.tags if t[0] in ("img", "a")]
    assert not [a for _, attrs in parser.tags for a in attrs.values() if a and "18999" in a]
    assert "&lt;img" in html and "Approve now" in html  # shown, as text
    assert "Approve now" in text
