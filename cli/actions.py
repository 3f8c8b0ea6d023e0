"""``coo actions``: the approval queue and the write-back commands.

    coo actions list [--status pending] [--company 1]
    coo actions show 12
    coo actions approve 12 13 --user alice --role sales_manager
    coo actions reject 14 --user alice --role sales_manager --reason "already called"
    coo actions execute [12 ...] [--dry-run]
    coo actions rollback 12 --user alice
    coo actions reconcile [12 ...] [--fix]

Who may approve is configured in ``COO_APPROVERS`` (see .env.example). ``execute`` and
``rollback`` talk to the Odoo of ``ODOO_URL``, or to the simulated company (saved after).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.guard import _guard, choice, print_json

actions_app = typer.Typer(
    help="Proposed actions: approve, execute, roll back.", no_args_is_help=True
)
console = Console()  # resolves sys.stdout when printing (CliRunner, redirections)


def _state() -> Any:
    from opstore import StateStore

    return StateStore()


PROPOSAL_STATUSES = (
    "pending",
    "approved",
    "rejected",
    "executing",
    "executed",
    "failed",
    "rolled_back",
    "all",
)


@actions_app.command("list")
def list_cmd(
    status: Annotated[
        str,
        typer.Option(help="pending | approved | rejected | executed | failed | rolled_back | all"),
    ] = "pending",
    company: Annotated[int | None, typer.Option(help="company id")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """The approval queue (or the proposals in another status)."""

    def run() -> None:
        from writeback.service import list_proposals

        choice(status, PROPOSAL_STATUSES, "--status")
        rows = list_proposals(
            _state(), status=None if status == "all" else status, company_id=company
        )
        if as_json:
            print_json(rows)
            return
        # identifiers never shrink to an ellipsis on a narrow terminal (or none, as in CI and
        # pipes, where rich assumes 80 columns); the free text wraps instead
        table = Table()
        for name in ("id", "status", "skill", "record", "company", "by"):
            table.add_column(name, no_wrap=True)
        table.add_column("why", overflow="fold")
        for r in rows:
            # the reason is news only when the action did not go through; a pending proposal's
            # "not verified in Odoo yet" note is the same on every row
            refused = r["status"] in ("rejected", "failed", "refused", "rollback_refused")
            why = (r["reason"] if refused and r["reason"] else r["reasoning"]) or ""
            table.add_row(str(r["id"]), r["status"], r["skill"], f"{r['model']}({r['record_id']})",
                          str(r["company_id"]), str(r["requested_by"]), why[:80])  # fmt: skip
        console.print(table)
        console.print(f"{len(rows)} proposal(s)")

    _guard(run)


@actions_app.command("show")
def show(proposal_id: int) -> None:
    """One proposal with its whole trace: policy, approvals, executions, audit log."""

    def run() -> None:
        from writeback.service import get_proposal

        console.print_json(json.dumps(get_proposal(_state(), proposal_id), default=str))

    _guard(run)


def _print_decisions(decisions: list[Any]) -> None:
    failed = 0
    for d in decisions:
        if d.ok:
            console.print(f"#{d.id}: {d.status}")
        else:
            failed += 1
            console.print(f"#{d.id}: [red]refused[/] {d.reason}", highlight=False)
    if failed:
        raise typer.Exit(1)


@actions_app.command("approve")
def approve_cmd(
    ids: list[int],
    user: Annotated[str, typer.Option(help="who approves (a name in COO_APPROVERS)")],
    role: Annotated[str, typer.Option(help="the role approved in")],
) -> None:
    """Approve pending proposals."""

    def run() -> None:
        from writeback.service import approve

        _print_decisions(approve(_state(), ids, user, role))

    _guard(run)


@actions_app.command("reject")
def reject_cmd(
    ids: list[int],
    user: Annotated[str, typer.Option(help="who rejects")],
    role: Annotated[str, typer.Option(help="the role rejected in")],
    reason: Annotated[str, typer.Option(help="why (stored with the decision)")],
) -> None:
    """Reject pending proposals, with a reason."""

    def run() -> None:
        from writeback.service import reject

        _print_decisions(reject(_state(), ids, user, role, reason))

    _guard(run)


@actions_app.command("execute")
def execute_cmd(
    ids: Annotated[
        list[int] | None, typer.Argument(help="proposal ids (default: every approved one)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be written, write nothing")
    ] = False,
) -> None:
    """Execute approved actions in Odoo (each exactly once)."""

    def run() -> None:
        from orchestration.assets.writeback import writable_odoo
        from orchestration.resources import OdooResource
        from writeback.service import execute

        with writable_odoo(OdooResource()) as client:
            results = execute(_state(), client, ids=ids or None, dry_run=dry_run)
        for r in results:
            if dry_run and r["status"] == "dry_run":
                console.print(f"#{r['id']} {r['skill']} would call:", highlight=False)
                console.print_json(
                    json.dumps({"request": r["request"], "before": r["before"]}, default=str)
                )
            else:
                extra = r.get("reason") or (
                    f"created {r['created_ids']}" if r.get("created_ids") else ""
                )
                console.print(
                    f"#{r['id']} {r.get('skill', '')}: {r['status']} {extra}", highlight=False
                )
        if not results:
            console.print("no approved action to execute")
        if any(r["status"] in ("failed", "missing") for r in results):
            raise typer.Exit(1)

    _guard(run)


@actions_app.command("rollback")
def rollback_cmd(
    proposal_id: int,
    user: Annotated[str, typer.Option(help="who rolls back (an approver of the skill)")],
) -> None:
    """Undo an executed action, unless someone changed the record since."""

    def run() -> None:
        from orchestration.assets.writeback import writable_odoo
        from orchestration.resources import OdooResource
        from writeback.service import rollback

        with writable_odoo(OdooResource()) as client:
            result = rollback(_state(), client, proposal_id, user)
        if not result["ok"]:
            console.print(
                f"#{proposal_id}: [red]rollback refused[/] {result['reason']}", highlight=False
            )
            raise typer.Exit(1)
        console.print(f"#{proposal_id}: rolled back", highlight=False)

    _guard(run)


@actions_app.command("reconcile")
def reconcile_cmd(
    ids: Annotated[
        list[int] | None,
        typer.Argument(help="proposal ids (default: every executed, failed or rolled-back one)"),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="bring the audit in line with Odoo (Odoo is never changed)"),
    ] = False,
) -> None:
    """Compare every executed, failed or rolled-back action with Odoo, by its marker."""

    def run() -> None:
        from orchestration.assets.writeback import writable_odoo
        from orchestration.resources import OdooResource
        from writeback.reconcile import reconcile

        with writable_odoo(OdooResource()) as client:
            findings = reconcile(_state(), client, fix=fix, ids=ids or None)
        if not findings:
            console.print("the audit log and Odoo agree")
            return
        table = Table()
        for name in ("id", "skill", "audit says", "disagreement", "fixed"):
            table.add_column(name, no_wrap=True)
        table.add_column("in Odoo", overflow="fold")
        for f in findings:
            table.add_row(str(f.proposal_id), f.skill, f.status, f.kind,
                          "yes" if f.fixed else "no", f.detail)  # fmt: skip
        console.print(table)
        unfixed = [f for f in findings if not f.fixed and f.kind != "changed_since"]
        console.print(
            f"{len(findings)} disagreement(s), {sum(f.fixed for f in findings)} fixed",
            highlight=False,
        )
        if unfixed:
            raise typer.Exit(1)

    _guard(run)
