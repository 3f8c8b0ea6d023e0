"""The `coo` command line for people and scripts (issue 19): `--version`, `--json` on the list
commands, choices checked with one line naming the valid values, the demo approver, and
schedules that start stopped outside production."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.unit


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_version():
    from importlib.metadata import version

    result = _run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"coo {version('odoo-coo')}"


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        (
            ["alerts", "list", "--status", "opn"],
            "new, acknowledged, resolved, dismissed, open, all",
        ),
        (["alerts", "list", "--priority", "urgent"], "critical, high, medium, low"),
        (["actions", "list", "--status", "done"], "pending, approved, rejected"),
    ],
)
def test_a_wrong_choice_is_one_line_naming_the_valid_values(args, valid, monkeypatch):
    import io

    from rich.console import Console

    said = io.StringIO()
    monkeypatch.setattr("cli.guard.err", Console(file=said, width=300))
    result = _run(*args)
    assert result.exit_code == 2
    lines = [line for line in said.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and valid in lines[0], result.output
    assert repr(args[-1]) in lines[0]


def test_list_commands_print_json(tmp_path, monkeypatch):
    from opstore import StateStore

    monkeypatch.setenv("COO_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    StateStore().dispose()
    for args in (["alerts", "list", "--json"], ["actions", "list", "--json", "--status", "all"]):
        result = _run(*args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == []


def test_demo_approver_is_written_once_and_never_over_a_configuration(monkeypatch):
    from core.settings import coo_home
    from writeback.approvers import ensure_demo_approver, roles_of

    monkeypatch.delenv("COO_APPROVERS", raising=False)
    written = ensure_demo_approver("operator")
    assert written == coo_home() / "approvers.yaml"
    assert roles_of("operator") == {"coo"}
    assert ensure_demo_approver("someone") is None  # a file exists: left alone
    assert roles_of("someone") == set()
    written.unlink()
    monkeypatch.setenv("COO_APPROVERS", "alice=finance_manager")
    assert ensure_demo_approver("operator") is None  # configured: nothing written
    assert not (coo_home() / "approvers.yaml").exists()


def test_schedules_and_sensors_start_stopped_outside_production(monkeypatch):
    from dagster import DefaultScheduleStatus, DefaultSensorStatus

    from core.settings import reset_settings
    from orchestration.ops import schedule_status, sensor_status

    monkeypatch.delenv("COO_ENVIRONMENT", raising=False)
    reset_settings()
    assert schedule_status() == DefaultScheduleStatus.STOPPED
    assert sensor_status() == DefaultSensorStatus.STOPPED
    monkeypatch.setenv("COO_ENVIRONMENT", "production")
    reset_settings()
    try:
        assert schedule_status() == DefaultScheduleStatus.RUNNING
        assert sensor_status() == DefaultSensorStatus.RUNNING
    finally:
        monkeypatch.delenv("COO_ENVIRONMENT")
        reset_settings()
