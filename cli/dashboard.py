"""``coo dashboard``: start the Streamlit executive dashboard.

Binds to loopback by default: with ``COO_DASHBOARD_AUTH=local`` anyone who reaches the port
acts as ``COO_OPERATOR``, so exposing it (``--host 0.0.0.0``) is for a deployment behind a
proxy or with OIDC (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.guard import _guard
from core.settings import get_settings
from odoo_api.errors import ConfigError
from odoo_api.warehouse import Warehouse

APP = Path(__file__).resolve().parents[1] / "apps" / "streamlit" / "streamlit_app.py"


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` invocation (also used by the browser test and the Makefile)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        # people see the app, not Streamlit's developer menu and its "Deploy" button
        "--client.toolbarMode",
        "viewer",
    ]


def _check_config() -> None:
    from apps.streamlit.auth import auth_mode

    mode = auth_mode()
    if mode == "header" and not get_settings().coo_auth_header:
        raise ConfigError(
            "COO_DASHBOARD_AUTH=header needs COO_AUTH_HEADER, the header your proxy sets "
            "(e.g. X-Forwarded-Email)"
        )
    Warehouse.from_url()  # a malformed COO_WAREHOUSE_URL fails here, in one line


def dashboard(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
) -> None:
    """Start the executive dashboard (Streamlit) on http://HOST:PORT."""
    console = Console(file=sys.stdout)
    _guard(_check_config)
    console.print(f"dashboard on http://{host}:{port}  (Ctrl+C stops it)", highlight=False)
    try:
        code = subprocess.call(streamlit_command(host, port))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
