"""Alerts and briefings where people already are: Slack, Microsoft Teams, Telegram, generic
webhooks, SMS gateways and the rest of Apprise's services, one URL per channel.

``COO_CHANNELS_<ROLE>`` holds a role's channel URLs (Apprise syntax, separated by spaces or
commas), e.g. ``COO_CHANNELS_CFO="slack://T000/B000/XXXX json://hooks.example.com/coo"``.
Critical alerts go to the channels of every role whose areas include the alert's, right
after each alert evaluation (:func:`deliver_critical_alerts`); briefings go to their role's
channels when ``COO_CHANNEL_BRIEFINGS`` is true (:func:`deliver_briefing`).

Each delivery is a row of ``channel_deliveries`` (one per item and channel) with its status,
attempts and last error, retried like email: a bounded number of attempts with a growing
pause now, then again on the next run until ``MAX_TOTAL_ATTEMPTS``. A channel URL carries its
secret (a token, a password), so it is never logged or stored: rows and logs name the
channel by its redacted form, and every text that could hold it (Apprise's own log lines)
passes through :func:`redact` first.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select, update

from alerts.lifecycle import utcnow
from briefings.facts import ROLE_AREAS, ROLES
from briefings.service import list_alerts
from core.settings import get_settings
from opstore.db import StateStore
from opstore.schema import briefings, channel_deliveries

logger = logging.getLogger(__name__)

MAX_TOTAL_ATTEMPTS = 10
_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Channel:
    role: str
    url: str  # the secret-bearing URL: never logged, never stored

    @property
    def key(self) -> str:
        return hashlib.sha256(self.url.encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        """The channel as rows and logs name it: scheme and host, secrets masked."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if _secret_host(host):
            host = "***"
        port = f":{parts.port}" if _port(parts) else ""
        return redact(f"{parts.scheme}://{host}{port}/…", [self])[:300]


def _port(parts: Any) -> int | None:
    try:
        return int(parts.port) if parts.port else None
    except ValueError:
        return None


def _secret_host(host: str) -> bool:
    """A "host" without a dot is a token in many Apprise URLs (tgram://bottoken/chat)."""
    return bool(host) and "." not in host and len(host) >= 10


def secrets_of(url: str) -> list[str]:
    """The parts of a channel URL that may be secret: user and password, a token-like host,
    path segments and query values of six characters or more, and the URL itself."""
    parts = urlsplit(url)
    found = [url]
    if parts.password:
        found.append(parts.password)
        if parts.username:
            found.append(parts.username)
    if parts.hostname and _secret_host(parts.hostname):
        found.append(parts.hostname)
    found += [seg for seg in parts.path.split("/") if len(seg) >= 6]
    found += [v for _k, v in parse_qsl(parts.query) if len(v) >= 6]
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact(text: str, channels: list[Channel]) -> str:
    for channel in channels:
        for secret in secrets_of(channel.url):
            text = text.replace(secret, "***")
    return text


def channels_for(role: str) -> list[Channel]:
    raw = get_settings().env(f"COO_CHANNELS_{role.upper()}")
    return [Channel(role, u) for u in _SPLIT.split(raw) if u.strip()]


def all_channels() -> list[Channel]:
    return [c for role in ROLES for c in channels_for(role)]


def send_once(channel: Channel, title: str, body: str) -> None:
    """One notification through Apprise; raises RuntimeError with a redacted reason."""
    import apprise

    app = apprise.Apprise()
    if not app.add(channel.url):
        raise RuntimeError(f"not a valid Apprise URL: {channel.label}")
    timeout = get_settings().coo_channel_timeout_s
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = app.notify(body=body, title=title, timeout=timeout)
    if not ok:
        detail = " ".join(str(captured.getvalue()).split())[-300:]
        raise RuntimeError(redact(detail or "the service refused the notification", [channel]))


def send_with_retries(channel: Channel, title: str, body: str) -> tuple[bool, int, str | None]:
    """Bounded retries with a growing pause: (sent, attempts, last error, redacted)."""
    settings = get_settings()
    retries = max(1, settings.coo_channel_retries)
    error: str | None = None
    for attempt in range(1, retries + 1):
        try:
            send_once(channel, title, body)
            return True, attempt, None
        except Exception as exc:  # any failure of any service: recorded and retried
            error = redact(f"{type(exc).__name__}: {str(exc)[:300]}", [channel])
            logger.warning(
                "channel %s attempt %d/%d failed: %s", channel.label, attempt, retries, error
            )
            if attempt < retries:
                time.sleep(settings.coo_channel_retry_delay_s * attempt)
    return False, retries, error


def _deliver(
    state: StateStore, kind: str, ref_id: int, channel: Channel, title: str, body: str
) -> str | None:
    """Send one item to one channel unless it was sent or ran out of attempts; the status."""
    with state.begin() as conn:
        row = conn.execute(
            select(channel_deliveries).where(
                channel_deliveries.c.kind == kind,
                channel_deliveries.c.ref_id == ref_id,
                channel_deliveries.c.channel_key == channel.key,
            )
        ).first()
    if row is not None and (row.status == "sent" or row.attempts >= MAX_TOTAL_ATTEMPTS):
        return None
    ok, attempts, error = send_with_retries(channel, title, body)
    now = utcnow()
    values = {
        "status": "sent" if ok else "failed",
        "last_error": error,
        "sent_at": now if ok else None,
    }
    with state.begin() as conn:
        if row is None:
            conn.execute(
                channel_deliveries.insert().values(
                    kind=kind,
                    ref_id=ref_id,
                    role=channel.role,
                    channel=channel.label,
                    channel_key=channel.key,
                    attempts=attempts,
                    created_at=now,
                    **values,
                )
            )
        else:
            conn.execute(
                update(channel_deliveries)
                .where(channel_deliveries.c.id == row.id)
                .values(attempts=row.attempts + attempts, **values)
            )
    return str(values["status"])


def alert_text(alert: dict[str, Any]) -> tuple[str, str]:
    title = f"[COO] critical: {alert['title']}"[:250]
    body = (
        f"{alert['title']}\n"
        f"Area: {alert['area']} · company {alert['company_id']} · alert #{alert['id']} "
        f"since {alert['first_seen_at']:%Y-%m-%d %H:%M} UTC\n"
        f"Acknowledge with `coo alerts ack {alert['id']}` or on the dashboard's Alerts page."
    )
    return title, body


def deliver_critical_alerts(state: StateStore) -> dict[str, int]:
    """Every open critical alert to the channels of the roles that cover its area, each once;
    failed deliveries are retried here on the next run. Counts by status."""
    channels = all_channels()
    counts = {"sent": 0, "failed": 0}
    if not channels:
        return counts
    for alert in list_alerts(state, status=["new", "acknowledged"], priority="critical"):
        if alert["status"] != "new":
            continue  # someone has it: no need to interrupt people
        title, body = alert_text(alert)
        for channel in channels:
            if alert["area"] not in ROLE_AREAS.get(channel.role, ()):
                continue
            status = _deliver(state, "alert", int(alert["id"]), channel, title, body)
            if status:
                counts[status] += 1
    if counts["sent"] or counts["failed"]:
        logger.info("critical alerts to channels: %s", counts)
    return counts


def deliver_briefing(state: StateStore, briefing_id: int, *, force: bool = False) -> dict[str, int]:
    """A briefing to its role's channels when ``COO_CHANNEL_BRIEFINGS`` is on (or ``force``)."""
    counts = {"sent": 0, "failed": 0}
    if not (force or get_settings().coo_channel_briefings):
        return counts
    with state.begin() as conn:
        b = conn.execute(select(briefings).where(briefings.c.id == briefing_id)).first()
    if b is None:
        return counts
    for channel in channels_for(b.role):
        status = _deliver(state, "briefing", briefing_id, channel, b.subject, b.body_text)
        if status:
            counts[status] += 1
    return counts


def retry_failed_briefings(state: StateStore) -> dict[str, int]:
    """Failed briefing deliveries with attempts left, sent again."""
    counts = {"sent": 0, "failed": 0}
    with state.begin() as conn:
        failed: list[int] = list(
            conn.execute(
                select(channel_deliveries.c.ref_id).where(
                    channel_deliveries.c.kind == "briefing",
                    channel_deliveries.c.status == "failed",
                    channel_deliveries.c.attempts < MAX_TOTAL_ATTEMPTS,
                )
            ).scalars()
        )
    for briefing_id in sorted(set(failed)):
        for k, v in deliver_briefing(state, briefing_id, force=True).items():
            counts[k] += v
    return counts


def list_deliveries(state: StateStore, kind: str | None = None) -> list[dict[str, Any]]:
    q = select(channel_deliveries).order_by(channel_deliveries.c.id)
    if kind:
        q = q.where(channel_deliveries.c.kind == kind)
    with state.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
