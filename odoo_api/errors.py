"""Error types of the Odoo client, and the mapping from what Odoo sends to them.

Callers branch on *what they can do about* a failure (fix the URL, fix the key, ask an admin
for a right, fix the request, retry later), not on which transport carried it. So every
transport's error (JSON-2 HTTP status + ``name``, JSON-RPC ``error.data.name``, XML-RPC
``faultCode``/``faultString``, v1 string fault codes) is funnelled through
:func:`classify` into one of the classes below.

``str(exc)`` is always ONE line a person can act on and carries Odoo's own first line; the
full server message and traceback stay on the exception (``server_message``, ``debug``) for
logs. Secrets never reach these messages: the client never puts request bodies in them.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import ConfigError, CooError

__all__ = [
    "ConfigError",
    "OdooAccessError",
    "OdooAuthError",
    "OdooConnectionError",
    "OdooError",
    "OdooNotFoundError",
    "OdooServerError",
    "OdooTimeoutError",
    "OdooTransientError",
    "OdooValidationError",
    "classify",
    "first_line",
    "one_line",
]


def one_line(text: str, limit: int = 500) -> str:
    """Collapse whitespace so a message fits one log/terminal line, cut at ``limit`` chars."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


def first_line(text: str | None) -> str:
    """Odoo's first non-empty line: the part of a long message (access errors list groups
    and "contact your administrator" after it) that says what went wrong."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


class OdooError(CooError):
    """Base of every error the client raises.

    Attributes keep what the server said (``server_message``, ``debug``) so logs can show it,
    while ``str()`` stays one actionable line.
    """

    def __init__(
        self,
        message: str,
        *,
        odoo_name: str | None = None,
        model: str | None = None,
        method: str | None = None,
        server_message: str | None = None,
        debug: str | None = None,
        status: int | None = None,
        url: str | None = None,
        transport: str | None = None,
    ) -> None:
        self.message = one_line(message)
        super().__init__(self.message)
        self.odoo_name = odoo_name
        self.model = model
        self.method = method
        self.server_message = server_message
        self.debug = debug
        self.status = status
        self.url = url
        self.transport = transport
        # Retry hints, set by the transports and read by odoo_api.retry.
        self.retryable: bool = False
        self.not_processed: bool = False  # the server certainly did not act on the request
        self.retry_after: float | None = None

    def __str__(self) -> str:
        return self.message


class OdooConnectionError(OdooError):
    """The server cannot be reached, or what answered is not Odoo (wrong URL/port/DNS)."""


class OdooAuthError(OdooError):
    """Wrong API key/password/login, or the database does not exist."""


class OdooAccessError(OdooError):
    """Authenticated, but a missing access right, a record rule or a private method."""


class OdooNotFoundError(OdooError):
    """Unknown model, method or field (including Odoo's ``ValueError: Invalid field``)."""


class OdooValidationError(OdooError):
    """Odoo refused the request's content: ValidationError, UserError, bad values/arguments."""


class OdooServerError(OdooError):
    """Any other server-side failure (HTTP 500, XML-RPC faultCode 1)."""


class OdooTransientError(OdooError):
    """Overload or network trouble (429/502/503/504/reset) that outlived the retries, or a
    mutating call whose outcome is unknown."""


class OdooTimeoutError(OdooTransientError):
    """The server did not answer in time, after the retries.

    A subclass of :class:`OdooTransientError` so one ``except`` covers "try again later".
    """


_DB_MISSING = re.compile(
    r"database [\"']?([\w.\-]+)[\"']? (?:does not exist|not found|is not found|doesn't exist)",
    re.IGNORECASE,
)
_TRANSIENT_DB = (
    "serializationfailure",
    "could not serialize access",
    "transactionrollbackerror",
    "deadlockdetected",
    "deadlock detected",
    "lockNotAvailable".lower(),
    "could not obtain lock",
)


def missing_database(*texts: str | None) -> str | None:
    """The database name when Odoo says a database does not exist, else None."""
    for text in texts:
        if text:
            match = _DB_MISSING.search(text)
            if match:
                return match.group(1)
    return None


def is_transient_db_failure(*texts: str | None) -> bool:
    """True for PostgreSQL concurrency failures: the transaction was rolled back, so the
    same call can simply be sent again (Odoo itself retries these a few times)."""
    blob = " ".join(t for t in texts if t).lower()
    return any(marker in blob for marker in _TRANSIENT_DB)


def _short_name(odoo_name: str | None) -> str:
    return (odoo_name or "").rsplit(".", 1)[-1]


def classify(
    odoo_name: str | None, message: str | None, status: int | None = None
) -> type[OdooError]:
    """The error class for an Odoo exception name (e.g. ``odoo.exceptions.AccessError``),
    its message and, for JSON-2, the HTTP status.

    The exception name decides first (it is the same on all transports); the message refines
    the generic ones (``UserError: Object x doesn't exist`` is a missing model, ``ValueError:
    Invalid field`` a missing field); the HTTP status is the fallback.
    """
    name = _short_name(odoo_name)
    msg = message or ""
    lowered = msg.lower()
    if missing_database(msg):
        return OdooAuthError
    if is_transient_db_failure(odoo_name, msg):
        return OdooTransientError
    if name in ("AccessDenied", "Unauthorized", "SessionExpiredException"):
        return OdooAuthError
    if name in ("AccessError", "Forbidden"):
        return OdooAccessError
    if name in ("NotFound", "MissingError", "KeyError", "AttributeError"):
        return OdooNotFoundError
    if name in ("UserError", "except_orm", "Warning"):
        if "doesn't exist" in lowered and lowered.startswith("object "):
            return OdooNotFoundError
        return OdooValidationError
    if name in ("ValidationError", "RedirectWarning", "UnprocessableEntity", "BadRequest"):
        return OdooValidationError
    if name == "ValueError":
        if lowered.startswith("invalid field") or lowered.startswith("invalid model"):
            return OdooNotFoundError
        return OdooValidationError
    if name == "TypeError":
        return OdooValidationError
    if name in ("TooManyRequests", "ServiceUnavailable", "BadGateway", "GatewayTimeout"):
        return OdooTransientError
    if name == "OperationalError":
        return OdooTransientError
    if status is not None:
        if status == 401:
            return OdooAuthError
        if status == 403:
            return OdooAccessError
        if status == 404:
            return OdooNotFoundError
        if status in (400, 422):
            return OdooValidationError
        if status in (429, 502, 503, 504):
            return OdooTransientError
    return OdooServerError


def describe(
    cls: type[OdooError],
    odoo_name: str | None,
    message: str | None,
    *,
    model: str | None,
    method: str | None,
) -> str:
    """One actionable line: which call failed, how Odoo classed it, Odoo's first line, and
    what to do when there is something obvious to do."""
    where = f"{model}.{method}" if model and method else (method or model or "Odoo call")
    head = first_line(message) or "(no message)"
    kind = _short_name(odoo_name) or "error"
    hint = ""
    if cls is OdooAuthError:
        hint = " (check ODOO_USERNAME and ODOO_API_KEY/ODOO_PASSWORD)"
    elif cls is OdooAccessError and "private method" not in head.lower():
        hint = " (ask an Odoo administrator to grant the user this right)"
    elif cls is OdooTransientError:
        hint = " (temporary: try again later)"
    return f"{where} failed: {kind}: {head}{hint}"


def make_error(
    odoo_name: str | None,
    message: str | None,
    *,
    model: str | None,
    method: str | None,
    debug: str | None = None,
    status: int | None = None,
    url: str | None = None,
    transport: str | None = None,
) -> OdooError:
    """Build the right exception for one server-reported error (all transports)."""
    cls = classify(odoo_name, message, status)
    missing_db = missing_database(message, debug)
    if missing_db is not None:
        text = (
            f"database '{missing_db}' does not exist on {url or 'the server'}: "
            "check ODOO_DB (the database name, not the company name)"
        )
        cls = OdooAuthError
    else:
        text = describe(cls, odoo_name, message, model=model, method=method)
    exc = cls(
        text,
        odoo_name=odoo_name,
        model=model,
        method=method,
        server_message=message,
        debug=debug,
        status=status,
        url=url,
        transport=transport,
    )
    if cls is OdooTransientError and is_transient_db_failure(odoo_name, message):
        # Odoo rolled the transaction back: safe to send again, even for writes.
        exc.retryable = True
        exc.not_processed = True
    return exc


def attach(exc: OdooError, **attrs: Any) -> OdooError:
    """Set attributes on an error and return it (keeps raise sites short)."""
    for key, value in attrs.items():
        setattr(exc, key, value)
    return exc
