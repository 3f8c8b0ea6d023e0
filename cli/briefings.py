"""``coo brief`` and ``coo alerts``: the briefing and the alert lifecycle from the terminal.

    coo brief --role cfo --print [--company 1] [--no-llm] [--send]
    coo alerts run                      # evaluate the rules over the warehouse now
    coo alerts list [--status new] [--area finance] [--company 1] [--priority critical]
    coo alerts show 12
    coo alerts ack 12 --user maria      # also: resolve, dismiss

The briefing is archived like the scheduled ones; ``--send`` also emails it to the role's
recipients (``COO_BRIEFING_RECIPIENTS_<ROLE>``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.guard import _guard, choice, print_json
from core.settings import get_settings

alerts_app = typer.Typer(
    help="Alerts: evaluate, list, acknowledge, resolve, dismiss.", no_args_is_help=True
)
console = Console()


def _state() -> Any:
    from opstore import StateStore

    return StateStore()


def _reader() -> Any:
    from alerts.sources import MartReader

    return MartReader()


def _user(user: str | None) -> str:
    return user or get_settings().coo_user or get_settings().user


def brief(
    role: Annotated[str, typer.Option(help="ceo | cfo | sales | operations")] = "ceo",
    company: Annotated[int | None, typer.Option(help="company id (default: every company)")] = None,
    print_: Annotated[
        bool, typer.Option("--print", help="render the briefing to the terminal")
    ] = False,
    llm: Annotated[
        bool, typer.Option("--llm/--no-llm", help="use Claude when ANTHROPIC_API_KEY is set")
    ] = True,
    send: Annotated[bool, typer.Option(help="also email it to the role's recipients")] = False,
) -> None:
    """Write (and archive) the briefing of one role now."""

    def run() -> None:
        from alerts.lifecycle import run_alerts
        from briefings.compose import run_briefings
        from briefings.delivery import deliver
        from briefings.facts import ROLES
        from odoo_api.errors import ConfigError

        if role not in ROLES:
            raise ConfigError(f"--role '{role}' is not one of {', '.join(ROLES)}")
        state = _state()
        with _reader() as reader:
            run_alerts(state, reader)
            made = run_briefings(
                state, reader, companies=[company] if company else None, roles=[role], use_llm=llm
            )
        from briefings.channels import deliver_briefing
        from briefings.odoo_post import post_briefings_to_odoo

        for b in made:
            status = deliver(state, b["id"]) if send else "not sent"
            if send:
                deliver_briefing(state, b["id"])
                post_briefings_to_odoo(state, [b])
            if print_:
                console.print(b["body_text"], highlight=False, markup=False)
            console.print(
                f"briefing #{b['id']} ({b['kind']}"
                + (f": {b['fallback_reason']}" if b["fallback_reason"] else f", {b['model']}")
                + f"), {len(b['proposals'])} proposal(s), delivery {status}",
                highlight=False,
                markup=False,
            )

    _guard(run)


@alerts_app.command("run")
def run_cmd() -> None:
    """Evaluate the alert rules over the warehouse now."""

    def run() -> None:
        from alerts.lifecycle import run_alerts
        from briefings.channels import deliver_critical_alerts

        state = _state()
        with _reader() as reader:
            res = run_alerts(state, reader)
        channels = deliver_critical_alerts(state)
        console.print(
            f"{res.raised} raised, {res.updated} updated, {res.reopened} re-opened, "
            f"{res.resolved} resolved, {res.open} open"
            + (
                f" (skipped, no source: {', '.join(res.skipped_rules)})"
                if res.skipped_rules
                else ""
            )
            + (
                f"; critical alerts to channels: {channels['sent']} sent, "
                f"{channels['failed']} failed"
                if channels["sent"] or channels["failed"]
                else ""
            ),
            highlight=False,
        )

    _guard(run)


@alerts_app.command("list")
def list_cmd(
    status: Annotated[
        str, typer.Option(help="new | acknowledged | resolved | dismissed | open | all")
    ] = "open",
    area: Annotated[
        str | None, typer.Option(help="finance | sales | operations | customers | expenses")
    ] = None,
    company: Annotated[int | None, typer.Option(help="company id")] = None,
    priority: Annotated[str | None, typer.Option(help="critical | high | medium | low")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Alerts, most important first."""

    def run() -> None:
        from briefings.service import list_alerts

        choice(status, ("new", "acknowledged", "resolved", "dismissed", "open", "all"), "--status")
        choice(area, ("finance", "sales", "operations", "customers", "expenses"), "--area")
        choice(priority, ("critical", "high", "medium", "low"), "--priority")

        st: str | list[str] | None = {"open": ["new", "acknowledged"], "all": None}.get(
            status, status
        )
        rows = list_alerts(_state(), status=st, area=area, company_id=company, priority=priority)
        if as_json:
            print_json(rows)
            return
        table = Table("id", "priority", "status", "area", "company", "title", "since")
        for r in rows:
            table.add_row(str(r["id"]), r["priority"], r["status"], r["area"], str(r["company_id"]),
                          r["title"][:90], r["first_seen_at"].strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        console.print(table)
        console.print(f"{len(rows)} alert(s)")

    _guard(run)


@alerts_app.command("show")
def show(alert_id: int) -> None:
    """One alert with its evidence and its lifecycle history."""

    def run() -> None:
        from briefings.service import get_alert

        console.print_json(json.dumps(get_alert(_state(), alert_id), default=str))

    _guard(run)


def _transition(name: str) -> Callable[..., None]:
    def cmd(
        alert_id: int,
        user: Annotated[str | None, typer.Option(help="who (default COO_USER, else $USER)")] = None,
    ) -> None:
        def run() -> None:
            from briefings import service

            row = getattr(service, name)(_state(), alert_id, _user(user))
            console.print(f"alert #{row['id']} is {row['status']}", highlight=False)

        _guard(run)

    cmd.__doc__ = {
        "acknowledge": "Acknowledge an alert (stops its escalation).",
        "resolve": "Mark an alert resolved (it re-opens after the cooldown if it still holds).",
        "dismiss": "Dismiss an alert (not worth attention; re-opens only after the cooldown).",
    }[name]
    return cmd


alerts_app.command("ack")(_transition("acknowledge"))
alerts_app.command("resolve")(_transition("resolve"))
alerts_app.command("dismiss")(_transition("dismiss"))
