"""Connection settings for the Odoo client, read from the environment.

Misconfiguration is the most common first-run failure, so every problem is reported as one
line naming the variable and how to fix it, before any network traffic. Secrets (API key,
password) are excluded from ``repr``/``str`` and from :meth:`OdooConfig.redacted`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from core.settings import get_settings
from odoo_api.errors import ConfigError

TransportName = Literal["auto", "json2", "jsonrpc", "xmlrpc"]
TRANSPORTS: tuple[str, ...] = ("auto", "json2", "jsonrpc", "xmlrpc")

__all__ = ["TRANSPORTS", "OdooConfig", "TransportName", "safe_url"]


def safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _check_url(url: str, name: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} '{safe_url(url)}' is not an http(s) URL: "
            "set it to the server's address, e.g. https://mycompany.odoo.com"
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class OdooConfig:
    """Where and how to reach one Odoo database.

    ``transport="auto"`` picks JSON-2 on Odoo 19+ when an API key is given, else JSON-RPC,
    and XML-RPC when ``/jsonrpc`` is absent. ``max_retries``/``backoff_*`` bound the retries
    of transient failures (see :mod:`odoo_api.retry`).
    """

    url: str
    db: str | None
    username: str | None
    api_key: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    transport: TransportName = "auto"
    timeout: float = 60.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _check_url(self.url, "url"))
        if self.transport not in TRANSPORTS:
            raise ConfigError(f"transport '{self.transport}' is not one of {', '.join(TRANSPORTS)}")
        if not self.timeout > 0:
            raise ConfigError(f"timeout {self.timeout!r} must be a positive number of seconds")
        if self.max_retries < 0:
            raise ConfigError(f"max_retries {self.max_retries!r} must be 0 or more")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ConfigError("backoff_base and backoff_max must be 0 or more")

    @property
    def secret(self) -> str | None:
        """What RPC sends as the password: the API key when there is one (Odoo accepts it
        in place of the password), else the password."""
        return self.api_key or self.password

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OdooConfig:
        """Read ``ODOO_*`` variables; raise :class:`ConfigError` naming the bad one."""
        source: Mapping[str, str] = get_settings().odoo_env() if env is None else env

        def get(name: str) -> str | None:
            value = source.get(name)
            if value is None or not value.strip():
                return None
            return value.strip()

        raw_url = get("ODOO_URL")
        if raw_url is None:
            raise ConfigError(
                "ODOO_URL is not set: export ODOO_URL=https://your-odoo.example.com "
                "(the address you open Odoo at)"
            )
        url = _check_url(raw_url, "ODOO_URL")

        transport = (get("ODOO_TRANSPORT") or "auto").lower()
        if transport not in TRANSPORTS:
            raise ConfigError(
                f"ODOO_TRANSPORT '{transport}' is not valid: use one of {', '.join(TRANSPORTS)}"
            )

        api_key = get("ODOO_API_KEY")
        password = get("ODOO_PASSWORD")
        if api_key is None and password is None:
            raise ConfigError(
                "neither ODOO_API_KEY nor ODOO_PASSWORD is set: create an API key in Odoo "
                "(Preferences > Account Security > New API Key) and export ODOO_API_KEY"
            )
        if transport == "json2" and api_key is None:
            raise ConfigError(
                "ODOO_TRANSPORT=json2 needs ODOO_API_KEY: JSON-2 authenticates with an API key only"
            )
        username = get("ODOO_USERNAME")
        if username is None and transport in ("jsonrpc", "xmlrpc"):
            raise ConfigError(
                f"ODOO_USERNAME is not set: ODOO_TRANSPORT={transport} logs in with a user "
                "name (the login, e.g. admin or an e-mail address)"
            )

        kwargs: dict[str, Any] = {}
        raw_timeout = get("ODOO_TIMEOUT")
        if raw_timeout is not None:
            try:
                timeout = float(raw_timeout)
            except ValueError:
                timeout = -1.0
            if not timeout > 0:
                raise ConfigError(
                    f"ODOO_TIMEOUT '{raw_timeout}' is not a positive number of seconds: e.g. 60"
                )
            kwargs["timeout"] = timeout
        raw_retries = get("ODOO_MAX_RETRIES")
        if raw_retries is not None:
            try:
                retries = int(raw_retries)
            except ValueError:
                retries = -1
            if retries < 0:
                raise ConfigError(
                    f"ODOO_MAX_RETRIES '{raw_retries}' is not a whole number >= 0: e.g. 5"
                )
            kwargs["max_retries"] = retries

        return cls(
            url=url,
            db=get("ODOO_DB"),
            username=username,
            api_key=api_key,
            password=password,
            transport=cast(TransportName, transport),
            **kwargs,
        )

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.redacted().items())
        return f"OdooConfig({shown})"

    __str__ = __repr__

    def redacted(self) -> dict[str, Any]:
        """The settings for display: secrets shown only as set/unset."""
        return {
            "url": safe_url(self.url),
            "db": self.db,
            "username": self.username,
            "api_key": "***" if self.api_key else None,
            "password": "***" if self.password else None,
            "transport": self.transport,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "backoff_base": self.backoff_base,
            "backoff_max": self.backoff_max,
        }
