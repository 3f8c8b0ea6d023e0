"""The skills and runs API (``coo api``), in layers: :mod:`agents.api.schemas` (the bodies),
:mod:`agents.api.dependencies` (stores, authentication, rate limits, strict JSON),
:mod:`agents.api.routers` (one router per area) and :mod:`agents.api.app` (the FastAPI
application and the server). The names below are the package's API for its callers."""

from agents.api.app import create_app, serve
from agents.api.dependencies import (
    ApiContext,
    FailedAuthLimiter,
    OdooProvider,
    RateLimiter,
    default_odoo_provider,
    strict_json,
)
from agents.api.redaction import RedactTokens, install_log_redaction, redact
from agents.api.schemas import API_PREFIX, AUTH_RESPONSES

__all__ = [
    "API_PREFIX",
    "AUTH_RESPONSES",
    "ApiContext",
    "FailedAuthLimiter",
    "OdooProvider",
    "RateLimiter",
    "RedactTokens",
    "create_app",
    "default_odoo_provider",
    "install_log_redaction",
    "redact",
    "serve",
    "strict_json",
]
