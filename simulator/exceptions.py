"""Odoo's exception types, as the simulated server raises them.

The store raises these (or plain ``ValueError``/``TypeError``, as Odoo itself does for bad
domains, orders and field names); the server turns each into the wire error that a real
Odoo 19 sends for it (see ``simulator/odoo19/API.md``). Keeping the names identical to
Odoo's means the server can put ``odoo_name`` straight into ``data.name`` / ``name``.
"""

from __future__ import annotations


class OdooException(Exception):
    """Base of Odoo's own exceptions (``odoo.exceptions.*``)."""

    odoo_name = "odoo.exceptions.UserError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(OdooException):
    odoo_name = "odoo.exceptions.UserError"


class AccessError(OdooException):
    odoo_name = "odoo.exceptions.AccessError"


class AccessDenied(OdooException):
    """Authentication failed (wrong password or key)."""

    odoo_name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class ValidationError(OdooException):
    odoo_name = "odoo.exceptions.ValidationError"


class MissingError(OdooException):
    odoo_name = "odoo.exceptions.MissingError"


class NotFound(OdooException):
    """What JSON-2 answers (HTTP 404) for an unknown model or method."""

    odoo_name = "werkzeug.exceptions.NotFound"


class DatabaseNotFound(OdooException):
    """The requested database does not exist on this server."""

    odoo_name = "psycopg2.OperationalError"
