"""Odoo external-API client: one interface over JSON-2, JSON-RPC and XML-RPC.

``from odoo_api import OdooClient, OdooConfig`` is all most callers need; the error types
let them react to what went wrong (see :mod:`odoo_api.errors`).
"""

from odoo_api.client import OdooClient
from odoo_api.config import OdooConfig
from odoo_api.errors import (
    ConfigError,
    OdooAccessError,
    OdooAuthError,
    OdooConnectionError,
    OdooError,
    OdooNotFoundError,
    OdooServerError,
    OdooTimeoutError,
    OdooTransientError,
    OdooValidationError,
)

__all__ = [
    "ConfigError",
    "OdooAccessError",
    "OdooAuthError",
    "OdooClient",
    "OdooConfig",
    "OdooConnectionError",
    "OdooError",
    "OdooNotFoundError",
    "OdooServerError",
    "OdooTimeoutError",
    "OdooTransientError",
    "OdooValidationError",
]
