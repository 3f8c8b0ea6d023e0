"""``coo ask "…"``: a question in plain language, answered from the marts with its sources.

    coo ask "which customers owe us the most and are late?" [--role cfo] [--company 1]
            [--no-claude] [--json]

Claude answers when ``ANTHROPIC_API_KEY`` is set; otherwise (or with ``--no-claude``) the
built-in questions are answered from the marts. Every answer prints the queries it ran and
their rows; a figure that no source holds is flagged.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.guard import _guard
from core.settings import get_settings

console = Console()


def ask(
    question: Annotated[str, typer.Argument(help="the question, in plain language")],
    role: Annotated[str, typer.Option(help="whose view: ceo | cfo | sales | operations")] = "ceo",
    company: Annotated[int | None, typer.Option(help="company id (default: every one)")] = None,
    claude: Annotated[
        bool, typer.Option("--claude/--no-claude", help="use Claude when it is configured")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
    rows: Annotated[int, typer.Option(help="rows shown per source")] = 10,
) -> None:
    """Ask the COO a question; the answer shows the queries and rows it comes from."""

    def run() -> None:
        from agents.ask.scope import scope_for
        from agents.ask.service import ask as ask_service

        user = get_settings().coo_user or get_settings().user or "operator"
        answer = ask_service(question, scope_for(role, user), company_id=company, use_claude=claude)
        if as_json:
            console.print_json(json.dumps(answer.as_dict(), default=str))
            return
        if answer.notice:
            console.print(answer.notice, style="yellow", highlight=False, markup=False)
        console.print(answer.text, highlight=False, markup=False)
        if answer.flagged:
            console.print(
                "Figures not found in any source: " + ", ".join(answer.flagged),
                style="bold red",
                highlight=False,
                markup=False,
            )
        for i, source in enumerate(answer.sources, 1):
            console.print(f"\nSource {i} ({source.tool}):", style="bold", highlight=False)
            console.print(source.sql, highlight=False, markup=False)
            if source.error:
                console.print(f"error: {source.error}", highlight=False, markup=False)
                continue
            table = Table(*source.columns)
            for row in source.rows[: max(0, rows)]:
                table.add_row(*("" if v is None else str(v) for v in row))
            console.print(table)
            more = len(source.rows) - max(0, rows)
            if more > 0:
                console.print(f"... {more} more row(s)", highlight=False)
        console.print(
            f"\n{answer.mode} answer, conversation #{answer.conversation_id}"
            + (f", {answer.model}, {answer.cost_usd:.4f} USD" if answer.model else ""),
            style="dim",
            highlight=False,
            markup=False,
        )

    _guard(run)
