"""Keeping API keys out of the server's logs (a token sent in a query string)."""

import logging
import re

__all__ = ["RedactTokens", "install_log_redaction", "redact"]

#: query parameters whose values never reach a log line
_SECRET_PARAMS = re.compile(
    r"(?i)((?:api[_-]?key|access[_-]?token|token|key|secret|password|auth|authorization)=)[^&\s\"']*"
)


def redact(text: str) -> str:
    """``text`` with the values of key-like query parameters replaced by ``***``."""
    return _SECRET_PARAMS.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """A filter for uvicorn's access log: a token sent in the query string is never logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_log_redaction() -> None:
    """Put :class:`RedactTokens` on uvicorn's access and error loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in log.filters):
            log.addFilter(RedactTokens())
