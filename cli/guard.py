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

from core.errors import CooError
from core.settings import coo_home

err = Console(file=sys.stderr)
T = TypeVar("T")


def _actionable(exc: BaseException) -> BaseException | None:
    """The error a person can act on, unwrapped from Dagster's wrappers."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, CooError):
            return cur
        user = getattr(cur, "user_exception", None)
        cur = user or cur.__cause__ or cur.__context__
    return None


class StepFailed(Exception):
    """A step of a Dagster job failed; the message is one line, the full error is in
    ``log_path``."""

    def __init__(self, job: str, step: str, error: str, log_path: Path) -> None:
        super().__init__(f"job {job}: step {step} failed: {error}")
        self.job, self.step, self.error, self.log_path = job, step, error, log_path


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line; a long one keeps its start (the error type) and its end (where
    wrapped errors put the actual reason)."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    head = limit // 3
    return f"{line[:head]} ... {line[-(limit - head - 5) :]}"


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
        actionable = _actionable(exc)
        if actionable is not None:
            err.print(f"[bold red]error:[/] {actionable}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        # an unexpected error: one line naming what failed and where the full log is
        if isinstance(exc, StepFailed):
            line, log_path = str(exc), exc.log_path
        else:
            line, log_path = f"{type(exc).__name__}: {exc}", _error_log(exc)
        err.print(
            f"[bold red]error:[/] {_one_line(line)} (full log: {log_path})",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
