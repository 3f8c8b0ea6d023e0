"""Bounded retries with exponential backoff and full jitter.

Why this shape: an Odoo server under load (workers busy, a proxy restarting, a PostgreSQL
serialization conflict) recovers within seconds, so transient failures are retried, but the
total wait stays bounded (``max_retries``, ``backoff_max``) so a dead server is reported
instead of hanging a pipeline. Full jitter keeps parallel extractors from retrying in lockstep.

Reads are retried on every transient failure. Mutating calls are retried only when the server
certainly did not act on the request (connection refused before sending, 429, 503, a rolled
back serialization failure); otherwise (502/504/timeout/reset after sending) the outcome is
unknown, and the caller gets an :class:`OdooTransientError` that says so instead of a
duplicate invoice.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from odoo_api.errors import OdooConnectionError, OdooError, OdooTimeoutError, OdooTransientError

__all__ = ["READ_ONLY_METHODS", "RetryPolicy", "is_read_only", "parse_retry_after"]

logger = logging.getLogger("odoo_api.client")

T = TypeVar("T")

#: Methods that never change data: safe to send again whatever happened to the first try.
READ_ONLY_METHODS: frozenset[str] = frozenset(
    {
        "search",
        "search_read",
        "read",
        "search_count",
        "fields_get",
        "name_search",
        "name_get",
        "version",
        "authenticate",
        "login",
        "list",
        "context_get",
        "read_group",
        "formatted_read_group",
        "web_search_read",
        "web_read",
        "web_read_group",
        "search_fetch",
        "default_get",
        "check_access_rights",
        "check_access",
        "has_access",
        "has_group",
        "get_views",
    }
)


def is_read_only(method: str) -> bool:
    """True when ``method`` cannot change data, so any transient failure may be retried."""
    return method in READ_ONLY_METHODS


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass
class RetryPolicy:
    """How often and how long to retry; ``sleep``/``rand`` are injectable for tests."""

    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: Connection refused / DNS failure before the server ever answered usually means a wrong
    #: URL: give up after this many quick retries instead of the full budget.
    first_contact_retries: int = 2
    first_contact_delay: float = 0.25
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt + 1`` (attempt counts from 0)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return self.rand() * ceiling

    def delay(self, exc: OdooError, attempt: int, *, first_contact: bool = False) -> float:
        """The wait before the next try: the server's ``Retry-After`` when it gave one
        (capped at ``backoff_max`` so one answer cannot stall a run), else the backoff."""
        if exc.retry_after is not None:
            return min(exc.retry_after, self.backoff_max)
        if first_contact and isinstance(exc, OdooConnectionError):
            return min(self.first_contact_delay, self.backoff_max)
        return self.backoff(attempt)

    def run(
        self,
        fn: Callable[[], T],
        *,
        read_only: bool,
        model: str | None,
        method: str,
        first_contact: bool = False,
    ) -> T:
        """Call ``fn`` until it succeeds, a non-retryable error occurs or the budget is spent."""
        attempt = 0
        while True:
            try:
                return fn()
            except OdooError as exc:
                if not exc.retryable:
                    raise
                if not read_only and not exc.not_processed:
                    raise _outcome_unknown(exc, model, method) from exc
                limit = self.max_retries
                if first_contact and isinstance(exc, OdooConnectionError):
                    limit = min(limit, self.first_contact_retries)
                if attempt >= limit:
                    _note_attempts(exc, attempt + 1)
                    raise
                wait = max(0.0, self.delay(exc, attempt, first_contact=first_contact))
                attempt += 1
                logger.warning(
                    "odoo %s%s: %s; retry %d/%d in %.2fs",
                    f"{model}." if model else "",
                    method,
                    type(exc).__name__,
                    attempt,
                    limit,
                    wait,
                )
                self.sleep(wait)


def _note_attempts(exc: OdooError, attempts: int) -> None:
    if attempts > 1:
        exc.message = f"{exc.message} (gave up after {attempts} attempts)"
        exc.args = (exc.message,)


def _outcome_unknown(exc: OdooError, model: str | None, method: str) -> OdooTransientError:
    """A mutating call failed after it may have reached the server: do not resend it."""
    where = f"{model}.{method}" if model else method
    cls = OdooTimeoutError if isinstance(exc, OdooTimeoutError) else OdooTransientError
    reason = exc.message.split(": ", 1)[-1] if ": " in exc.message else exc.message
    new = cls(
        f"{where}: {reason}; the outcome is unknown (Odoo may have applied it): "
        "check the records in Odoo before sending it again",
        odoo_name=exc.odoo_name,
        model=model,
        method=method,
        server_message=exc.server_message,
        debug=exc.debug,
        status=exc.status,
        url=exc.url,
        transport=exc.transport,
    )
    return new
