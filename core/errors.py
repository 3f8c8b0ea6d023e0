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

__all__ = ["ConfigError", "CooError", "DataError", "PolicyError", "StoreError"]


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
