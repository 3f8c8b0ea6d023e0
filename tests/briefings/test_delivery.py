"""Email delivery against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from alerts.lifecycle import run_alerts
from alerts.sources import MartReader
from briefings import service
from briefings.compose import run_briefings
from briefings.delivery import SmtpSettings, deliver, retry_failed, send_escalation
from odoo_api.errors import ConfigError

T0 = dt.datetime(2026, 11, 21, 6, 0)


class Inbox:
    """An aiosmtpd handler that keeps what it receives, and can refuse the first N."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(msg)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _cert(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it via COO_SMTP_CA_FILE)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _env(monkeypatch: pytest.MonkeyPatch, port: int, tls: str = "none") -> None:
    monkeypatch.setenv("COO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COO_SMTP_PORT", str(port))
    monkeypatch.setenv("COO_SMTP_TLS", tls)
    monkeypatch.setenv("COO_SMTP_FROM", "coo@example.com")
    monkeypatch.setenv("COO_SMTP_RETRIES", "3")
    monkeypatch.setenv("COO_SMTP_RETRY_DELAY_S", "0")
    monkeypatch.setenv("COO_BRIEFING_RECIPIENTS_CFO", "cfo@example.com, controller@example.com")


@pytest.fixture
def cfo_briefing(state, reader: MartReader) -> int:
    run_alerts(state, reader, now=T0)
    (b,) = run_briefings(state, reader, companies=[2], roles=["cfo"], now=T0)
    return int(b["id"])


@pytest.mark.integration
def test_briefing_email_has_text_and_html_parts(
    state, cfo_briefing: int, smtp_server, monkeypatch
) -> None:
    inbox, port = smtp_server
    _env(monkeypatch, port)
    assert deliver(state, cfo_briefing) == "sent"
    assert sorted(rcpt for _, (rcpt,) in inbox.envelopes) == [
        "cfo@example.com",
        "controller@example.com",
    ]
    msg = inbox.messages[0]
    assert msg["From"] == "coo@example.com"
    assert msg["Subject"].startswith("[COO] CFO briefing:")
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    assert "Cash runway" in text and "Template briefing (no LLM)" in text
    assert "<h1" in markup and "Cash runway" in markup and "<li>" in markup
    archived = service.get_briefing(state, cfo_briefing)
    assert archived["delivery_status"] == "sent"
    assert {d["status"] for d in archived["deliveries"]} == {"sent"}
    assert all(d["attempts"] == 1 for d in archived["deliveries"])


@pytest.mark.integration
def test_starttls_and_ssl(state, cfo_briefing: int, tmp_path: Path, monkeypatch) -> None:
    cert, key = _cert(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    for mode in ("starttls", "ssl"):
        inbox = Inbox()
        port = _free_port()
        kwargs = (
            {"tls_context": ctx, "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": ctx}
        )
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        try:
            _env(monkeypatch, port, mode)
            monkeypatch.setenv("COO_SMTP_CA_FILE", str(cert))
            settings = SmtpSettings.from_env()
            assert settings is not None and settings.tls == mode
            from briefings.delivery import build_message, send_once

            send_once(
                settings,
                build_message(settings, "cfo@example.com", "s", "plain body", "<p>html</p>"),
            )
        finally:
            controller.stop()
        assert len(inbox.messages) == 1, mode
        assert (
            inbox.messages[0].get_body(preferencelist=("plain",)).get_content().strip()
            == "plain body"
        )


@pytest.mark.integration
def test_failed_delivery_is_visible_and_retried(state, cfo_briefing: int, monkeypatch) -> None:
    inbox = Inbox(refuse=6)  # both recipients refused on all three tries
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _env(monkeypatch, port)
        assert deliver(state, cfo_briefing) == "failed"
        archived = service.get_briefing(state, cfo_briefing)
        assert archived["delivery_status"] == "failed"
        assert [(d["status"], d["attempts"]) for d in archived["deliveries"]] == [
            ("failed", 3),
            ("failed", 3),
        ]
        assert "451" in archived["deliveries"][0]["last_error"]
        assert service.list_briefings(state)[0]["delivery_status"] == "failed"
        # the next run retries what failed; the server accepts now
        retried = retry_failed(state)
        assert [r["sent"] for r in retried] == [True, True]
    finally:
        controller.stop()
    archived = service.get_briefing(state, cfo_briefing)
    assert archived["delivery_status"] == "sent"
    assert [d["attempts"] for d in archived["deliveries"]] == [4, 4]
    assert len(inbox.messages) == 2


@pytest.mark.integration
def test_unreachable_server_fails_after_bounded_retries(
    state, cfo_briefing: int, monkeypatch
) -> None:
    _env(monkeypatch, _free_port())  # nothing listens there
    assert deliver(state, cfo_briefing) == "failed"
    d = service.get_briefing(state, cfo_briefing)["deliveries"][0]
    assert d["attempts"] == 3 and "ConnectionRefused" in d["last_error"]


@pytest.mark.integration
def test_no_smtp_configured_is_recorded(state, cfo_briefing: int) -> None:
    assert deliver(state, cfo_briefing) == "not_configured"
    assert service.get_briefing(state, cfo_briefing)["delivery_status"] == "not_configured"


@pytest.mark.unit
def test_bad_smtp_config_is_one_line(monkeypatch) -> None:
    monkeypatch.setenv("COO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COO_SMTP_TLS", "maybe")
    with pytest.raises(ConfigError, match="COO_SMTP_TLS"):
        SmtpSettings.from_env()
    monkeypatch.setenv("COO_SMTP_TLS", "ssl")
    with pytest.raises(ConfigError, match="COO_SMTP_FROM"):
        SmtpSettings.from_env()


@pytest.mark.integration
def test_escalation_email(smtp_server, monkeypatch) -> None:
    inbox, port = smtp_server
    _env(monkeypatch, port)
    monkeypatch.setenv("COO_ALERT_ESCALATION_RECIPIENTS", "oncall@example.com")
    due = [
        {
            "id": 7,
            "priority": "critical",
            "title": "Cash runway of X is 20 days",
            "first_seen_at": T0,
        }
    ]
    assert send_escalation(due) == 1
    body = inbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Cash runway of X is 20 days" in body and "alert #7" in body


@pytest.mark.integration
def test_escalation_is_retried_when_the_mail_server_is_down(state, monkeypatch) -> None:
    from alerts.evaluation import AlertCandidate, Evaluation
    from alerts.lifecycle import escalate_due, sync_alerts
    from alerts.rules import load_rules

    rules = load_rules()
    cand = AlertCandidate(
        "stockout",
        "stockout",
        "operations",
        "critical",
        1,
        "product.product",
        26,
        "Desk runs out in 6 days",
        {},
    )
    sync_alerts(state, Evaluation([cand], ["stockout"], []), rules, now=T0)
    later = T0 + dt.timedelta(hours=3)
    monkeypatch.setenv("COO_ALERT_ESCALATION_RECIPIENTS", "oncall@example.com")
    _env(monkeypatch, _free_port())  # nothing listens: the notice fails
    assert escalate_due(state, rules, now=later, notify=send_escalation) == []
    assert service.list_alerts(state)[0]["escalated_at"] is None
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("COO_SMTP_PORT", str(port))
        (a,) = escalate_due(state, rules, now=later, notify=send_escalation)
    finally:
        controller.stop()
    assert a["record_id"] == 26 and len(inbox.messages) == 1
    assert service.list_alerts(state)[0]["escalated_at"] == later
