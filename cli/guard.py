"""How every ``coo`` command fails: one line on stderr, exit 2 for an error a person can act
on (:class:`~core.errors.CooError`: a wrong URL, key, right or setting), exit 1 and the path of
a log with the full traceback for anything else. Shared by every command module."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from core.errors import StepFailed, actionable, head_tail_line
from core.settings import coo_home

err = Console(file=sys.stderr)
T = TypeVar("T")


def _error_log(exc: BaseException) -> Path:
    """Write the full traceback to a file under COO_HOME/logs and return its path."""
    import traceback

    logs = coo_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"error-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    path.write_text("".join(traceback.format_exception(exc)))
    return path


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        found = actionable(exc)
        if found is not None:
            err.print(f"[bold red]error:[/] {found}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        # an unexpected error: one line naming what failed and where the full log is
        if isinstance(exc, StepFailed):
            line, log_path = str(exc), exc.log_path
        else:
            line, log_path = f"{type(exc).__name__}: {exc}", _error_log(exc)
        err.print(
            f"[bold red]error:[/] {head_tail_line(line)} (full log: {log_path})",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def choice(value: str | None, valid: tuple[str, ...], option: str) -> str | None:
    """``value`` when it is one of ``valid`` (or None); otherwise one line naming the valid
    values (exit 2), so a typo such as ``--status opn`` never silently matches nothing."""
    if value is None or value in valid:
        return value
    from core.errors import ConfigError

    raise ConfigError(f"{option} {value!r} is not one of: {', '.join(valid)}")


def print_json(rows: object) -> None:
    """Machine-readable output of a list command (``--json``): one JSON document on stdout."""
    import json

    typer.echo(json.dumps(rows, default=str, indent=1))


# the names the command modules and tests use
_actionable = actionable
_one_line = head_tail_line
__all__ = ["StepFailed", "_actionable", "_guard", "_one_line", "choice", "err", "print_json"]
