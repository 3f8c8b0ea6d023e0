"""One error hierarchy for the whole product.

Callers branch on what a person can do about a failure: fix a setting (:class:`ConfigError`),
fix Odoo or the connection to it (:class:`OdooError`, defined with its subclasses in
:mod:`odoo_api.errors` because the client classifies what Odoo sends), fix or wait for a
store (:class:`StoreError`), or accept that a guard refused (:class:`PolicyError`).
``except CooError`` catches every failure the product itself reports; ``except OdooError``
no longer catches a misconfigured SMTP server or store (``ConfigError`` is not an Odoo error).

Classes that used to derive from a built-in (``ValueError``, ``LookupError``...) keep it as a
second base so existing ``except`` clauses still match.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "CooError",
    "DataError",
    "PolicyError",
    "StepFailed",
    "StoreError",
    "actionable",
    "head_tail_line",
]


class CooError(Exception):
    """Base of every error the product raises on purpose; ``str()`` is one actionable line."""


class ConfigError(CooError):
    """A setting, file or argument is missing or malformed; the message names what to fix."""


class StoreError(CooError):
    """The operational store or the warehouse cannot serve the request (busy, missing table)."""


class PolicyError(CooError):
    """A guard refused: SQL outside the allowed marts, an action the policy does not allow."""


class DataError(CooError):
    """The data cannot support the computation (too little history, a non-finite number)."""


def actionable(exc: BaseException) -> BaseException | None:
    """The :class:`CooError` a person can act on inside ``exc``, unwrapped from the wrappers of
    an orchestrator (``user_exception``, causes, contexts); None when there is none."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, CooError):
            return cur
        user = getattr(cur, "user_exception", None)
        cur = user or cur.__cause__ or cur.__context__
    return None


class StepFailed(Exception):
    """A step of a Dagster job failed; the message is one line, the full error is in
    ``log_path``."""

    def __init__(self, job: str, step: str, error: str, log_path: Path) -> None:
        super().__init__(f"job {job}: step {step} failed: {error}")
        self.job, self.step, self.error, self.log_path = job, step, error, log_path


def head_tail_line(text: str, limit: int = 300) -> str:
    """``text`` on one line; a long one keeps its start (the error type) and its end (where
    wrapped errors put the actual reason)."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    head = limit // 3
    return f"{line[:head]} ... {line[-(limit - head - 5) :]}"
