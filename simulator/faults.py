"""Transient faults for the simulated Odoo server, decided before a request reaches the store.

A real Odoo sits behind a proxy and a network that now and then answer 502/503/504, throttle
with 429, stall, or drop the connection. The extractor must survive all of these, so the
simulator can inject them. Every decision is made *before* the request is dispatched: a
faulted request never touches the store, so it has no side effect and the client may resend
it safely. Decisions are deterministic: the same seed and the same sequence of eligible
requests give the same faults, which keeps failing tests reproducible.
"""

from __future__ import annotations

import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "FaultConfig", "FaultInjector", "FaultResponse", "fault_response"]

FAULT_KINDS: tuple[str, ...] = ("503", "429", "502", "504", "timeout", "reset")

# Bodies as the usual reverse proxy (nginx) in front of Odoo sends them: HTML, not JSON,
# so a client cannot mistake them for an Odoo error.
_REASONS = {
    "429": "Too Many Requests",
    "502": "Bad Gateway",
    "503": "Service Temporarily Unavailable",
    "504": "Gateway Time-out",
}


@dataclass(frozen=True)
class FaultConfig:
    """What to inject and how often.

    ``rate`` is the probability that an eligible request fails; ``kinds`` the faults drawn from
    (uniformly); ``seed`` makes the sequence reproducible; ``timeout_s`` how long a "timeout"
    stalls before the connection is closed unanswered; ``only_paths`` a regular expression
    (``re.search`` on the request path, e.g. ``"^/json/2/"``) restricting which requests are
    eligible; ``retry_after`` the ``Retry-After`` seconds of a 429 (fractional or zero allowed
    so tests need not wait).
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    timeout_s: float = 2.0
    only_paths: str | None = None
    retry_after: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate!r}")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {list(FAULT_KINDS)}")
        if self.rate > 0 and not self.kinds:
            raise ValueError("a positive fault rate needs at least one fault kind")
        if self.timeout_s < 0 or self.retry_after < 0:
            raise ValueError("timeout_s and retry_after must not be negative")
        if self.only_paths is not None:
            re.compile(self.only_paths)


@dataclass(frozen=True)
class FaultResponse:
    """An HTTP answer standing in for a proxy error."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def fault_response(kind: str, retry_after: float = 1.0) -> FaultResponse:
    """The response for an HTTP-status fault kind ("429", "502", "503", "504")."""
    reason = _REASONS[kind]
    body = (
        f"<html>\r\n<head><title>{kind} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{kind} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode("ascii")
    headers: list[tuple[str, str]] = [("Content-Type", "text/html")]
    if kind == "429":
        headers.append(("Retry-After", _format_seconds(retry_after)))
    return FaultResponse(int(kind), reason, tuple(headers), body)


@dataclass
class FaultInjector:
    """Thread-safe decision maker: one call to :meth:`decide` per incoming request.

    Requests that ``only_paths`` excludes do not consume the random sequence, so the faults
    that eligible requests see do not depend on how many other requests were interleaved.
    Forced faults (:meth:`fail_next`) take precedence and do not consume it either.
    """

    config: FaultConfig = field(default_factory=FaultConfig)
    injected: dict[str, int] = field(default_factory=dict)
    eligible_seen: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._paths = re.compile(self.config.only_paths) if self.config.only_paths else None
        self._forced: deque[str] = deque()

    def eligible(self, path: str) -> bool:
        return self._paths is None or self._paths.search(path) is not None

    def fail_next(self, n: int, kind: str) -> None:
        """Make the next ``n`` eligible requests fail with ``kind``, whatever the rate."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {list(FAULT_KINDS)}")
        if n < 0:
            raise ValueError("n must not be negative")
        with self._lock:
            self._forced.extend([kind] * n)

    def decide(self, path: str) -> str | None:
        """The fault kind this request gets, or None to serve it normally."""
        if not self.eligible(path):
            return None
        with self._lock:
            self.eligible_seen += 1
            if self._forced:
                kind: str | None = self._forced.popleft()
            elif self.config.rate > 0.0:
                draw = self._rng.random()
                pick = self._rng.randrange(len(self.config.kinds))
                kind = self.config.kinds[pick] if draw < self.config.rate else None
            else:
                kind = None
            if kind is not None:
                self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.injected)
