"""``coo api``, ``coo mcp`` and ``coo api-keys``: the agent surface from the command line.

Registered in ``cli.main`` with one ``app.add_typer(agents_app)`` (no name: the
commands join the top level).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.guard import _guard
from odoo_api.errors import ConfigError

agents_app = typer.Typer(no_args_is_help=True)
keys_app = typer.Typer(help="API keys of the agents' HTTP API.", no_args_is_help=True)
agents_app.add_typer(keys_app, name="api-keys")


def _console() -> Console:
    """The console of the running command (resolved at call time, so output is captured where
    the caller redirects stdout), wide enough that key ids are never cut."""
    return Console(file=sys.stdout, width=160)


@agents_app.command("api")
def api(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the skills and runs API (docs at /api/v1/docs; keys from `coo api-keys create`)."""

    def run() -> None:
        from agents.api import serve

        _console().print(f"skills and runs API on http://{host}:{port}/api/v1 (docs: /api/v1/docs)")
        serve(host=host, port=port)

    _guard(run)


@agents_app.command("mcp")
def mcp(
    http: Annotated[bool, typer.Option("--http", help="streamable HTTP instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="interface (with --http)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (with --http)")] = 8765,
) -> None:
    """Serve the MCP server: read tools over the marts and propose_action (stdio by default)."""

    def run() -> None:
        from agents.mcp_server import serve

        if http:
            # on stdio, stdout is the protocol channel: say nothing there
            _console().print(f"MCP server (streamable HTTP) on http://{host}:{port}/mcp")
        serve(http=http, host=host, port=port)

    _guard(run)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="who uses the key, e.g. claude-desktop-alice")],
    role: Annotated[str, typer.Option(help="reader | agent | operator | admin")] = "agent",
    rate: Annotated[int, typer.Option(help="requests per minute")] = 60,
) -> None:
    """Create a key and print it once (only its salted hash is stored)."""

    def run() -> None:
        from agents.api_keys import create_key
        from opstore import StateStore

        record, token = create_key(StateStore(), name, role, rate_per_minute=rate)
        _console().print(
            f"created key {record['key_id']} ({record['name']}, role {record['role']}, "
            f"{record['rate_per_minute']}/min). Copy it now, it is not shown again:",
            highlight=False,
        )
        # the one time a secret is printed: the person creating it asked for it
        typer.echo(token)

    _guard(run)


@keys_app.command("list")
def keys_list() -> None:
    """Every key with its role, rate limit and state (never the secret)."""

    def run() -> None:
        from agents.api_keys import list_keys
        from opstore import StateStore

        table = Table(title="API keys")
        for col in ("key id", "name", "role", "rate/min", "created", "last used", "state"):
            table.add_column(col)
        for k in list_keys(StateStore()):
            table.add_row(
                k["key_id"],
                k["name"],
                k["role"],
                str(k["rate_per_minute"]),
                str(k["created_at"])[:19],
                str(k["last_used_at"] or "")[:19],
                "active" if k["active"] else f"revoked {str(k['revoked_at'])[:19]}",
            )
        _console().print(table)

    _guard(run)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the id shown by `coo api-keys list`")],
) -> None:
    """Revoke a key: it stops working at once."""

    def run() -> None:
        from agents.api_keys import revoke_key
        from opstore import StateStore

        if not key_id.strip():
            raise ConfigError("give the key id to revoke (see `coo api-keys list`)")
        record = revoke_key(StateStore(), key_id.strip())
        _console().print(f"revoked key {record['key_id']} ({record['name']})", highlight=False)

    _guard(run)
