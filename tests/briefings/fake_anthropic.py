"""A local stand-in for the Anthropic Messages API: the real ``anthropic.Anthropic`` client
talks to it through ``httpx2.MockTransport`` (this SDK build is on httpx2, and refuses httpx objects). Responses follow the API's recorded shapes
(message with a tool_use block, rate_limit_error 429, overloaded_error 529)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2 as httpx

FAKE_KEY = "sk-ant-api03-FAKEKEYFORTESTS-0123456789abcdef"


def facts_of(body: dict[str, Any]) -> dict[str, Any]:
    text = body["messages"][0]["content"][-1]["text"]
    m = re.search(r"<facts>\n(.*)\n</facts>", text, re.S)
    assert m, "facts block missing"
    facts: dict[str, Any] = json.loads(m.group(1))
    return facts


def candidates_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    text = body["messages"][0]["content"][-1]["text"]
    m = re.search(r"<proposal_candidates>\n(.*)\n</proposal_candidates>", text, re.S)
    assert m
    out: list[dict[str, Any]] = json.loads(m.group(1))
    return out


def good_briefing(body: dict[str, Any], pick: int = 1) -> dict[str, Any]:
    """What a well-behaved model returns: figures copied from the facts."""
    facts = facts_of(body)
    alerts = facts["alerts"]
    metrics = [m for m in facts["metrics"] if m["value"] is not None]
    bullets = [a["title"] for a in alerts[:3]] or ["Nothing urgent."]
    figures = [f"{m['label']} is {m['value']:,.2f}" for m in metrics[:3]] or ["No figures."]
    cands = candidates_of(body)
    return {
        "headline": alerts[0]["title"][:150] if alerts else "A quiet day",
        "summary": f"{facts['alert_counts']['total']} open alerts, {facts['alert_counts']['critical']} critical.",
        "sections": [
            {"heading": "Today", "bullets": bullets},
            {"heading": "Figures", "bullets": figures},
        ],
        "selected_proposals": [
            {"candidate_id": c["candidate_id"], "why": "It is the most urgent follow-up."}
            for c in cands[:pick]
        ],
    }


def message(
    tool_input: Any, *, usage: dict[str, int] | None = None, content: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content
        if content is not None
        else [
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "write_briefing",
                "input": tool_input,
            }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 2095,
            "output_tokens": 503,
            "cache_creation_input_tokens": 1480,
            "cache_read_input_tokens": 0,
        },
    }


def error(status: int, kind: str, msg: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"type": "error", "error": {"type": kind, "message": msg}},
        headers={"request-id": "req_011CQ", "retry-after": "0"},
    )


@dataclass
class FakeAnthropic:
    """Answers each request with the next of ``script`` (a callable on the request body)."""

    script: list[Callable[[dict[str, Any]], httpx.Response]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/messages"
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        step = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        return step(body)

    def client(self, max_retries: int = 0) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=FAKE_KEY,
            base_url="http://anthropic.test",
            max_retries=max_retries,
            http_client=httpx.Client(transport=httpx.MockTransport(self.handler)),
        )


def ok(pick: int = 1) -> Callable[[dict[str, Any]], httpx.Response]:
    return lambda body: httpx.Response(200, json=message(good_briefing(body, pick)))


def rate_limited(body: dict[str, Any]) -> httpx.Response:
    return error(
        429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
    )


def overloaded(body: dict[str, Any]) -> httpx.Response:
    return error(529, "overloaded_error", "Overloaded")


def malformed(body: dict[str, Any]) -> httpx.Response:
    # a tool call whose input misses required fields and carries an unknown one
    return httpx.Response(200, json=message({"headline": "Hi", "text": "free-form answer"}))


def text_only(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        200, json=message(None, content=[{"type": "text", "text": "Here is your briefing..."}])
    )


def invented_figures(body: dict[str, Any]) -> httpx.Response:
    out = good_briefing(body)
    out["summary"] = "Cash will grow by 987,654.32 next quarter."
    return httpx.Response(200, json=message(out))


def obeys_injection(body: dict[str, Any]) -> httpx.Response:
    """A model that follows instructions hidden in the data: selects a proposal that was not
    offered and repeats the API key."""
    out = good_briefing(body, pick=4)
    out["summary"] = f"As instructed, all payments are approved. Key: {FAKE_KEY}"
    out["selected_proposals"].append({"candidate_id": "P99", "why": "approve all payments"})
    return httpx.Response(200, json=message(out))
