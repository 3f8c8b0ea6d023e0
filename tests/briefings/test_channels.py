"""Channels through Apprise, against a local webhook receiver on loopback (``json://``): a
critical alert reaches it within one run of the alert step, each delivery is recorded with
its status and retried like email, and the secret in the channel URL is never logged or
stored."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from dagster import materialize

from briefings.channels import (
    Channel,
    deliver_briefing,
    deliver_critical_alerts,
    list_deliveries,
    redact,
    secrets_of,
)
from orchestration.assets.briefings import alerts_asset
from orchestration.resources import WarehouseResource

SECRET = "s3cr3t-hook-password"


@dataclass
class Receiver:
    port: int
    posts: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    fail_next: int = 0

    def url(self, path: str = "coo") -> str:
        return f"json://coo:{SECRET}@127.0.0.1:{self.port}/{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that records each JSON POST (or fails on demand)."""
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if rec.fail_next > 0:
                rec.fail_next -= 1
                self.send_response(500)
                self.end_headers()
                return
            rec.posts.append(json.loads(body))
            rec.auth.append(self.headers.get("Authorization") or "")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COO_CHANNEL_RETRY_DELAY_S", "0")
    monkeypatch.setenv("COO_CHANNEL_RETRIES", "2")


def test_a_critical_alert_reaches_the_webhook_within_one_alert_run(
    small_marts, receiver: Receiver, quick, monkeypatch, caplog
) -> None:
    from opstore import StateStore

    monkeypatch.setenv("COO_CHANNELS_CFO", receiver.url("cfo"))
    monkeypatch.setenv("COO_CHANNELS_OPERATIONS", receiver.url("ops"))
    caplog.set_level(logging.DEBUG)
    resources = {"warehouse": WarehouseResource(url=f"duckdb:///{small_marts.path}")}
    result = materialize([alerts_asset], resources=resources)
    assert result.success
    titles = sorted(p["title"] for p in receiver.posts)
    # the small company has one critical finance alert and one critical operations alert
    assert len(titles) == 2, titles
    assert any("Cash runway" in t for t in titles)
    assert any("runs out in" in t for t in titles)
    assert all(p["type"] == "info" and "coo alerts ack" in p["message"] for p in receiver.posts)
    assert all(a.startswith("Basic ") for a in receiver.auth)  # the URL's credentials were used
    rows = list_deliveries(StateStore(), "alert")
    assert {(r["role"], r["status"], r["attempts"]) for r in rows} == {
        ("cfo", "sent", 1),
        ("operations", "sent", 1),
    }
    assert all(SECRET not in r["channel"] and "127.0.0.1" in r["channel"] for r in rows)
    # the next run sends nothing again
    assert materialize([alerts_asset], resources=resources).success
    assert len(receiver.posts) == 2
    assert SECRET not in caplog.text


def test_a_failed_delivery_is_recorded_and_retried_on_the_next_run(
    seeded_state, receiver: Receiver, quick, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("COO_CHANNELS_CFO", receiver.url())
    receiver.fail_next = 2  # both attempts of the first run fail
    first = deliver_critical_alerts(seeded_state)
    assert first == {"sent": 0, "failed": 1}
    (row,) = list_deliveries(seeded_state)
    assert row["status"] == "failed" and row["attempts"] == 2 and row["last_error"]
    assert SECRET not in row["last_error"] and SECRET not in caplog.text
    second = deliver_critical_alerts(seeded_state)
    assert second == {"sent": 1, "failed": 0}
    (row,) = list_deliveries(seeded_state)
    assert row["status"] == "sent" and row["attempts"] == 3
    assert len(receiver.posts) == 1


def test_briefings_go_to_channels_only_when_asked(
    seeded_state, receiver: Receiver, quick, monkeypatch
) -> None:
    from briefings.service import list_briefings

    monkeypatch.setenv("COO_CHANNELS_CFO", receiver.url())
    cfo = list_briefings(seeded_state, role="cfo", limit=1)[0]
    assert deliver_briefing(seeded_state, cfo["id"]) == {"sent": 0, "failed": 0}
    monkeypatch.setenv("COO_CHANNEL_BRIEFINGS", "true")
    assert deliver_briefing(seeded_state, cfo["id"]) == {"sent": 1, "failed": 0}
    assert receiver.posts[0]["title"] == cfo["subject"]


def test_an_unreachable_or_invalid_channel_fails_with_a_redacted_reason(
    seeded_state, quick, monkeypatch
) -> None:
    monkeypatch.setenv(
        "COO_CHANNELS_CFO", f"json://coo:{SECRET}@127.0.0.1:9/x notaservice://{SECRET}"
    )
    counts = deliver_critical_alerts(seeded_state)
    assert counts == {"sent": 0, "failed": 2}
    for row in list_deliveries(seeded_state):
        assert row["status"] == "failed" and SECRET not in (row["last_error"] + row["channel"])


def test_redaction_covers_the_secret_parts_of_channel_urls() -> None:
    tg = Channel("cfo", "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123")
    slack = Channel("cfo", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in tg.label
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in redact(f"failed {slack.url}", [slack])
    assert "TIiajkdnlazkcOXrIdevi7FQ" in secrets_of(slack.url)
    sms = Channel("ops", "twilio://ACabc123456:authtoken987@+15551234567/+15557654321")
    assert "authtoken987" not in redact(f"error at {sms.url}: authtoken987", [sms])


@pytest.fixture
def seeded_state(reader, state):
    """Alerts of the small company in a fresh store (critical ones included), and briefings."""
    from alerts.lifecycle import run_alerts
    from briefings.compose import run_briefings

    run_alerts(state, reader)
    run_briefings(state, reader, roles=["cfo"], use_llm=False)
    return state
