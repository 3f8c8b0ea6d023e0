"""The ``coo`` command line.

Every failure a person can act on (wrong URL, key, database, access right, malformed
config) ends with one line on stderr and exit code 2, never a stack trace. Any other error
ends, within seconds, with one line on stderr naming what failed (the Dagster step, for a
job) and the path of a log holding the full traceback, and exit code 1: never a pretty
exception with the locals of every frame (rendering those took minutes and gigabytes).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.actions import actions_app
from cli.agents import agents_app
from cli.ask import ask
from cli.briefings import alerts_app, brief
from cli.dashboard import dashboard
from cli.guard import _guard, err
from core.errors import ConfigError
from core.settings import coo_home, get_settings, override_settings
from odoo_api.warehouse import Warehouse
from orchestration.runner import run_job

app = typer.Typer(
    help="An AI COO for Odoo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
simulator_app = typer.Typer(
    help="The simulated Odoo company.", no_args_is_help=True, pretty_exceptions_enable=False
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("odoo-coo")
        except PackageNotFoundError:  # run from a checkout that was never installed
            number = "unknown"
        typer.echo(f"coo {number}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """An AI COO for Odoo."""


app.add_typer(simulator_app, name="simulator")
app.add_typer(agents_app)  # coo api, coo mcp, coo api-keys
app.add_typer(actions_app, name="actions")  # coo actions list|approve|execute|rollback
app.add_typer(alerts_app, name="alerts")  # coo alerts run|list|show|ack|resolve|dismiss
app.command("brief")(brief)  # coo brief --role cfo --print
app.command("ask")(ask)  # coo ask "which customers owe us the most and are late?"
# Bound to the real streams: a job's chatter (dbt's log) is redirected to a file while it runs.
console = Console(file=sys.stdout)

REPO_ROOT = Path(__file__).resolve().parents[1]


class _ProgressHandler(logging.Handler):
    """Shows extraction progress (rows per model) while the run works."""

    def emit(self, record: logging.LogRecord) -> None:
        # stdout: stderr is kept for the one line that says what went wrong
        if record.levelno >= logging.WARNING:
            console.print(f"  [yellow]warning[/] {record.getMessage()}", highlight=False)
        else:
            console.print(f"  [dim]{record.getMessage()}[/]", highlight=False)


@contextmanager
def _progress() -> Iterator[None]:
    handler = _ProgressHandler(level=logging.INFO)
    loggers = [logging.getLogger("odoo_api.extract"), logging.getLogger("simulator.runtime")]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    # dlt and the client log retries at WARNING; keep those visible but quiet the rest.
    logging.getLogger("dlt").setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeHandler(handler)


def _run_job(job_name: str, *, dbt_tests: bool = True, all_fields: str = "") -> Any:
    return run_job(
        job_name,
        dbt_tests=dbt_tests,
        all_fields=all_fields,
        say=lambda line: console.print(f"  {line}", highlight=False),
    )


def _summary(result: Any, seconds: float) -> None:
    table = Table(title="Extracted from Odoo", show_lines=False)
    table.add_column("model")
    table.add_column("rows this run", justify="right")
    table.add_column("marked deleted", justify="right")
    table.add_column("seconds", justify="right")
    total = 0
    for event in result.get_asset_materialization_events():
        md = event.materialization.metadata
        if "odoo_model" not in md:
            continue
        rows = int(md["rows_extracted"].value)
        total += rows
        table.add_row(
            str(md["odoo_model"].value),
            f"{rows:,}",
            f"{int(md['rows_marked_deleted'].value):,}",
            f"{float(md['extract_seconds'].value):.2f}",
        )
    console.print(table)
    console.print(
        f"{total:,} rows extracted; the whole job took {seconds:.1f} s (stages above)",
        highlight=False,
    )


@app.command()
def demo(
    size: Annotated[str, typer.Option(help="small | medium | large")] = "small",
    seed: Annotated[int, typer.Option(help="seed of the simulated company")] = 42,
    transport: Annotated[str, typer.Option(help="auto | json2 | jsonrpc | xmlrpc")] = "auto",
    fresh: Annotated[bool, typer.Option(help="regenerate the simulated company")] = False,
) -> None:
    """Generate the simulated company, serve it on loopback and run the main job on it."""

    def run() -> None:
        from simulator.runtime import SimulatedCompany

        warehouse = Warehouse.from_url()
        company = SimulatedCompany(coo_home() / "simulator", size, seed)
        started = time.perf_counter()
        if fresh or not company.exists():
            console.print(f"generating the simulated company ({size}, seed {seed}) ...")
            company.create()
            console.print(f"  done in {time.perf_counter() - started:.1f} s")
        console.print(f"running the main job into {warehouse.redacted()} ...", highlight=False)
        t0 = time.perf_counter()
        with _progress():
            result = _run_job("main")
        _summary(result, time.perf_counter() - t0)
        _states(warehouse)
        _outcomes(warehouse)
        console.print(f"warehouse:      {warehouse.redacted()}", highlight=False)
        console.print(f"simulated Odoo: {company.folder}", highlight=False)
        console.print(
            f"dagster runs:   {get_settings().dagster_home_path}  (see them with `make dagster`)",
            highlight=False,
        )

    # the simulated company, whatever ODOO_URL says; passed down, the environment untouched
    overrides: dict[str, Any] = {"odoo_url": "", "coo_sim_size": size, "coo_sim_seed": seed}
    if transport != "auto":
        overrides["odoo_transport"] = transport
    with override_settings(**overrides):
        _guard(run)


def _states(warehouse: Warehouse) -> None:
    """One line per model that had too little data or failed, with the reason."""
    from ml.lifecycle import STATUS_TRAINED, model_states

    try:
        states = model_states(warehouse)
    except Exception:  # no ml.model_runs (a job without the ML assets)
        return
    for name, st in sorted(states.items()):
        if st.status != STATUS_TRAINED:
            console.print(
                f"  [yellow]{st.status}[/] {name}: {st.reason}", highlight=False, soft_wrap=True
            )


def _outcomes(warehouse: Warehouse) -> None:
    """What the run produced beyond the marts: models, alerts, briefings, proposals, and the
    commands that show each."""
    from collections import Counter

    import polars as pl

    from briefings.service import list_alerts, list_briefings
    from ml.lifecycle import BASELINE_PREFIX, STATE_PREFIX, load_runs
    from opstore import StateStore
    from writeback.service import list_proposals

    runs = load_runs(warehouse)
    if runs.height:
        # the newest candidate's comparison per model (baseline rows only record what serves)
        candidates = runs.filter(
            ~pl.col("model_version").str.starts_with(BASELINE_PREFIX)
            & ~pl.col("model_version").str.starts_with(STATE_PREFIX)
        )
        newest = candidates.group_by("model_name").agg(pl.col("trained_at").max())
        latest = candidates.join(newest, on=["model_name", "trained_at"]).sort(
            "model_name", "metric_name", "baseline_name"
        )
        serving = {
            r["model_name"]: r["model_version"]
            for r in runs.filter(pl.col("is_serving")).iter_rows(named=True)
        }
        console.print("models (validation metric vs baseline):", highlight=False)
        for (name,), group in latest.group_by("model_name", maintain_order=True):
            rows = list(group.iter_rows(named=True))
            # every comparison of the newest candidate: a failed one says why it failed;
            # the baseline is named where one metric is compared with several
            several = group["metric_name"].n_unique() < group.height
            shown = ", ".join(
                f"{r['metric_name']} {r['metric_value']:.3f} vs {r['baseline_value']:.3f}"
                + (f" {r['baseline_name']}" if several else "")
                for r in rows
            )
            console.print(
                f"  {name:<10} {shown} ({'passed' if rows[0]['passed'] else 'FAILED'}); "
                f"serving {serving.get(str(name), 'nothing')}",
                highlight=False,
                soft_wrap=True,
            )
    state = StateStore()
    try:
        open_alerts = list_alerts(state, status=["new", "acknowledged"])
        by_priority = Counter(a["priority"] for a in open_alerts)
        order = ("critical", "high", "medium", "low")
        console.print(
            f"alerts:         {len(open_alerts)} open ("
            + ", ".join(f"{by_priority[p]} {p}" for p in order if by_priority[p])
            + ")  `coo alerts list`",
            highlight=False,
            soft_wrap=True,
        )
        briefs = list_briefings(state, limit=200)
        roles = sorted({b["role"] for b in briefs})
        console.print(
            f"briefings:      {len(briefs)} archived ({', '.join(roles)})  "
            "`coo brief --role cfo --print`",
            highlight=False,
            soft_wrap=True,
        )
        pending = list_proposals(state, status="pending")
        console.print(
            f"proposals:      {len(pending)} waiting for approval  `coo actions list`",
            highlight=False,
        )
        console.print(f"operational:    {state.redacted_url()}", highlight=False)
    finally:
        state.dispose()
    _demo_approver()
    console.print("dashboard:      `coo dashboard` (or `make dashboard`)", highlight=False)


def _demo_approver() -> None:
    """Name the dashboard's local user a demo approver when nobody is configured, and say so."""
    from writeback.approvers import DEMO_ROLE, ensure_demo_approver, load_approvers

    user = get_settings().coo_operator or "operator"
    written = ensure_demo_approver(user)
    if written is not None:
        console.print(
            f"approver:       demo approver '{user}' (role {DEMO_ROLE}) written to {written}; "
            "edit it or set COO_APPROVERS for real people",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            f"approvers:      {', '.join(sorted(load_approvers())) or 'none'} (COO_APPROVERS)",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def extract(
    job: Annotated[str, typer.Option(help="the Dagster job to run")] = "extract",
    dbt_tests: Annotated[
        bool, typer.Option(help="run dbt's data tests (off: build the marts only, faster)")
    ] = True,
    all_fields: Annotated[
        bool,
        typer.Option(
            "--all-fields",
            help="read every stored field of every model (default: the fields the marts use; "
            "COO_EXTRACT_ALL_FIELDS picks models)",
        ),
    ] = False,
) -> None:
    """Extract a real Odoo (ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_API_KEY or ODOO_PASSWORD)."""

    def run() -> None:
        from odoo_api.client import OdooClient
        from odoo_api.config import OdooConfig

        if not get_settings().odoo_url:
            raise ConfigError(
                "ODOO_URL is not set: export ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_API_KEY "
                "(or run `coo demo` for the simulated company)"
            )
        config = OdooConfig.from_env()
        Warehouse.from_url()  # fail on a malformed COO_WAREHOUSE_URL before any traffic
        with OdooClient(config).connect() as client:  # fail fast on a wrong URL/key/db
            console.print(
                f"connected to {config.redacted()['url']} over {client.transport_name}",
                highlight=False,
            )
        t0 = time.perf_counter()
        with _progress():
            result = _run_job(job, dbt_tests=dbt_tests, all_fields="all" if all_fields else "")
        _summary(result, time.perf_counter() - t0)
        _states(Warehouse.from_url())

    _guard(run)


@simulator_app.command("generate")
def simulator_generate(
    size: Annotated[str, typer.Option()] = "small",
    seed: Annotated[int, typer.Option()] = 42,
) -> None:
    """Generate the simulated company afresh (state under COO_HOME/simulator)."""
    from simulator.runtime import SimulatedCompany

    company = SimulatedCompany(coo_home() / "simulator", size, seed)
    t0 = time.perf_counter()
    store = company.create()
    counts = {m: len(store.table(m)) for m in store.models()}
    console.print(
        f"generated {sum(counts.values()):,} records in {time.perf_counter() - t0:.1f} s "
        f"({counts.get('account.move.line', 0):,} journal items) at {company.folder}",
        highlight=False,
    )


@simulator_app.command("serve")
def simulator_serve(
    size: Annotated[str, typer.Option()] = "small",
    seed: Annotated[int, typer.Option()] = 42,
    port: Annotated[int, typer.Option()] = 8069,
    recorded: Annotated[
        bool, typer.Option(help="serve the recorded real Odoo 19 demo database")
    ] = False,
    latency_ms: Annotated[
        float, typer.Option(help="delay every request (network and Odoo's per-request work)")
    ] = 0.0,
    profile: Annotated[
        str,
        typer.Option(
            help="a company shape: recorded, young, no_crm, no_stock, no_expenses, partial, steady, "
            "multi_currency, empty (see simulator/profiles.py)"
        ),
    ] = "",
) -> None:
    """Serve the simulated company on 127.0.0.1 over JSON-2, JSON-RPC and XML-RPC."""
    from simulator.runtime import SimulatedCompany
    from simulator.server import serve_forever

    if profile:
        from simulator.profiles import PROFILES, build_profile

        if profile not in PROFILES:
            err.print(
                f"[bold red]error:[/] unknown profile {profile!r}; expected one of "
                f"{', '.join(PROFILES)}",
                highlight=False,
            )
            raise typer.Exit(2)
        store = build_profile(profile, seed)
    elif recorded:
        from simulator.fixtures import load_recorded_demo

        store = load_recorded_demo()
    else:
        store = SimulatedCompany(coo_home() / "simulator", size, seed).load_or_create()
    console.print(f"serving database '{store.db}' on http://127.0.0.1:{port}", highlight=False)
    console.print("users: admin/admin (all companies), demo/demo (restricted)")
    # The simulator's keys are fake test credentials of a loopback server, not user secrets.
    console.print(
        f"export ODOO_URL=http://127.0.0.1:{port} ODOO_DB={store.db} ODOO_USERNAME=admin "
        f"ODOO_API_KEY={store.api_key_for('admin')}",
        highlight=False,
        soft_wrap=True,
    )
    with suppress(KeyboardInterrupt):
        serve_forever(store, "127.0.0.1", port, latency_ms=latency_ms)


@simulator_app.command("advance")
def simulator_advance(
    days: Annotated[int, typer.Option(help="days to simulate")] = 7,
    size: Annotated[str, typer.Option()] = "small",
    seed: Annotated[int, typer.Option()] = 42,
) -> None:
    """Move the simulated company forward: new orders, payments, stage changes, deletions."""
    from simulator.advance import advance
    from simulator.runtime import SimulatedCompany

    company = SimulatedCompany(coo_home() / "simulator", size, seed)
    store = company.load_or_create()
    before = store.now
    summary = advance(store, days, seed=seed)
    company.save(store)
    console.print(f"advanced {days} days: {before} -> {store.now}", highlight=False)
    for key, value in sorted(summary.items()):
        console.print(f"  {key}: {value}", highlight=False)


app.command("dashboard")(dashboard)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
