"""Fixtures for the odoo_api tests (helpers live in odoo_api_fakes.py)."""

from __future__ import annotations

from typing import Any

import pytest
from odoo_api_fakes import load_samples


@pytest.fixture(scope="session")
def samples() -> dict[str, Any]:
    """The recorded requests/responses of a real Odoo 19 (readonly + mutating parts)."""
    return load_samples()
