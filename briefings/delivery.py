"""Email delivery of briefings and escalations: HTML + plain text over SMTP, with retries.

Recipients per role come from ``COO_BRIEFING_RECIPIENTS_<ROLE>`` (comma-separated), the
server from ``COO_SMTP_*``; all read when a delivery runs. Every attempt is recorded in
``briefing_deliveries`` (one row per briefing and recipient), so a failed delivery stays
visible with its error and is retried by :func:`retry_failed` on the next run, never lost.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select, update

from alerts.lifecycle import utcnow
from briefings.store import briefings, deliveries
from core.settings import get_settings
from odoo_api.errors import ConfigError
from opstore.db import StateStore

logger = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")
MAX_TOTAL_ATTEMPTS = 10


@dataclass
class SmtpSettings:
    host: str
    port: int
    tls: str
    sender: str
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    retries: int = 3
    retry_delay_s: float = 2.0
    ca_file: str | None = None

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """None when no SMTP host is configured (briefings are archived, not sent)."""
        host = get_settings().env("COO_SMTP_HOST")
        if not host:
            return None
        tls = get_settings().env("COO_SMTP_TLS", "starttls").lower()
        if tls not in TLS_MODES:
            raise ConfigError(f"COO_SMTP_TLS={tls!r} is not one of {', '.join(TLS_MODES)}")
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[tls]
        try:
            port = int(get_settings().env("COO_SMTP_PORT") or default_port)
            retries = int(get_settings().env("COO_SMTP_RETRIES") or 3)
            delay = float(get_settings().env("COO_SMTP_RETRY_DELAY_S") or 2.0)
            timeout = float(get_settings().env("COO_SMTP_TIMEOUT_S") or 30.0)
        except ValueError:
            raise ConfigError(
                "COO_SMTP_PORT, COO_SMTP_RETRIES, COO_SMTP_RETRY_DELAY_S and COO_SMTP_TIMEOUT_S must be numbers"
            ) from None
        sender = get_settings().env("COO_SMTP_FROM")
        if not sender:
            raise ConfigError(
                "COO_SMTP_FROM is not set: give the sender address, e.g. coo@example.com"
            )
        return cls(
            host=host,
            port=port,
            tls=tls,
            sender=sender,
            username=get_settings().env("COO_SMTP_USER") or None,
            password=get_settings().env("COO_SMTP_PASSWORD") or None,
            timeout_s=timeout,
            retries=max(1, retries),
            retry_delay_s=max(0.0, delay),
            ca_file=get_settings().env("COO_SMTP_CA_FILE") or None,
        )


def recipients_for(role: str) -> list[str]:
    raw = get_settings().env(f"COO_BRIEFING_RECIPIENTS_{role.upper()}")
    return [r.strip() for r in raw.split(",") if r.strip()]


def build_message(
    settings: SmtpSettings, to: str, subject: str, text: str, html: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1] or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def _context(settings: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.ca_file)


def send_once(settings: SmtpSettings, msg: EmailMessage) -> None:
    """One SMTP session; raises on any failure."""
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_s, context=_context(settings)
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with smtp:
        smtp.ehlo()
        if settings.tls == "starttls":
            smtp.starttls(context=_context(settings))
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(msg)


def send_with_retries(settings: SmtpSettings, msg: EmailMessage) -> tuple[bool, int, str | None]:
    """Bounded retries with a growing pause; (sent, attempts, last error without secrets)."""
    error: str | None = None
    for attempt in range(1, settings.retries + 1):
        try:
            send_once(settings, msg)
            return True, attempt, None
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            if settings.password:
                error = error.replace(settings.password, "***")
            logger.warning(
                "SMTP attempt %d/%d to %s failed: %s", attempt, settings.retries, msg["To"], error
            )
            if attempt < settings.retries:
                time.sleep(settings.retry_delay_s * attempt)
    return False, settings.retries, error


def _refresh_status(conn: Any, briefing_id: int) -> str:
    rows = list(
        conn.execute(select(deliveries.c.status).where(deliveries.c.briefing_id == briefing_id))
    )
    statuses = {r.status for r in rows}
    if not rows:
        status = "not_configured"
    elif statuses == {"sent"}:
        status = "sent"
    elif "sent" in statuses:
        status = "partial"
    else:
        status = "failed"
    conn.execute(
        update(briefings).where(briefings.c.id == briefing_id).values(delivery_status=status)
    )
    return status


def deliver(state: StateStore, briefing_id: int, settings: SmtpSettings | None = None) -> str:
    """Send one archived briefing to its role's recipients; returns the delivery status."""
    settings = settings if settings is not None else SmtpSettings.from_env()
    with state.begin() as conn:
        b = conn.execute(select(briefings).where(briefings.c.id == briefing_id)).first()
    if b is None:
        raise ConfigError(f"briefing {briefing_id} does not exist")
    to = recipients_for(b.role)
    if settings is None or not to:
        with state.begin() as conn:
            conn.execute(
                update(briefings)
                .where(briefings.c.id == briefing_id)
                .values(delivery_status="not_configured")
            )
        return "not_configured"
    for rcpt in to:
        msg = build_message(settings, rcpt, b.subject, b.body_text, b.body_html)
        ok, attempts, error = send_with_retries(settings, msg)
        now = utcnow()
        with state.begin() as conn:
            existing = conn.execute(
                select(deliveries).where(
                    deliveries.c.briefing_id == briefing_id, deliveries.c.recipient == rcpt
                )
            ).first()
            values = {
                "status": "sent" if ok else "failed",
                "last_error": error,
                "sent_at": now if ok else None,
            }
            if existing is None:
                conn.execute(
                    deliveries.insert().values(
                        briefing_id=briefing_id,
                        recipient=rcpt,
                        attempts=attempts,
                        created_at=now,
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id == existing.id)
                    .values(attempts=existing.attempts + attempts, **values)
                )
    with state.begin() as conn:
        return _refresh_status(conn, briefing_id)


def retry_failed(state: StateStore, settings: SmtpSettings | None = None) -> list[dict[str, Any]]:
    """Re-send every failed delivery that has attempts left; returns what was retried."""
    settings = settings if settings is not None else SmtpSettings.from_env()
    if settings is None:
        return []
    with state.begin() as conn:
        failed = list(
            conn.execute(
                select(
                    deliveries, briefings.c.subject, briefings.c.body_text, briefings.c.body_html
                )
                .join(briefings, briefings.c.id == deliveries.c.briefing_id)
                .where(deliveries.c.status == "failed", deliveries.c.attempts < MAX_TOTAL_ATTEMPTS)
            )
        )
    out = []
    for d in failed:
        msg = build_message(settings, d.recipient, d.subject, d.body_text, d.body_html)
        ok, attempts, error = send_with_retries(settings, msg)
        with state.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == d.id)
                .values(
                    status="sent" if ok else "failed",
                    attempts=d.attempts + attempts,
                    last_error=error,
                    sent_at=utcnow() if ok else None,
                )
            )
            _refresh_status(conn, d.briefing_id)
        out.append(
            {
                "delivery_id": d.id,
                "briefing_id": d.briefing_id,
                "recipient": d.recipient,
                "sent": ok,
            }
        )
    return out


def send_escalation(alerts_due: list[dict[str, Any]], settings: SmtpSettings | None = None) -> int:
    """Email escalated critical alerts to ``COO_ALERT_ESCALATION_RECIPIENTS``; returns the
    number sent (0 when nothing is configured). Raises when recipients are configured and
    none could be reached, so the escalation is retried rather than marked done."""
    settings = settings if settings is not None else SmtpSettings.from_env()
    to = [r.strip() for r in get_settings().coo_alert_escalation_recipients.split(",") if r.strip()]
    if not alerts_due or settings is None or not to:
        return 0
    from html import escape

    lines = [
        f"- [{a['priority']}] {a['title']} (alert #{a['id']}, since {a['first_seen_at']})"
        for a in alerts_due
    ]
    text = (
        "Unacknowledged critical alerts:\n\n"
        + "\n".join(lines)
        + "\n\nAcknowledge with `coo alerts ack <id>`.\n"
    )
    html = (
        "<p>Unacknowledged critical alerts:</p><ul>"
        + "".join(f"<li>{escape(x[2:])}</li>" for x in lines)
        + "</ul>"
    )
    sent, last_error = 0, None
    for rcpt in to:
        msg = build_message(
            settings,
            rcpt,
            f"[COO] {len(alerts_due)} critical alert(s) not acknowledged",
            text,
            html,
        )
        ok, _, error = send_with_retries(settings, msg)
        sent += int(ok)
        last_error = error or last_error
    if sent == 0:
        raise RuntimeError(f"no escalation email could be sent: {last_error}")
    return sent
