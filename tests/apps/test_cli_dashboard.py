"""``coo dashboard``: a bad configuration is one line and exit code 2, before Streamlit starts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli.dashboard import APP, streamlit_command

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COO_DASHBOARD_AUTH": "sso"}, "COO_DASHBOARD_AUTH='sso' is not one of"),
        ({"COO_DASHBOARD_AUTH": "header", "COO_AUTH_HEADER": ""}, "needs COO_AUTH_HEADER"),
        ({"COO_WAREHOUSE_URL": "mysql://x/y"}, "scheme 'mysql' is not supported"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(env, message):
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "dashboard", "--port", "1"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "dashboard on http" not in proc.stdout  # stopped before starting Streamlit


def test_streamlit_runs_the_app_on_loopback_without_telemetry():
    command = streamlit_command("127.0.0.1", 8765)
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == str(APP)
    assert APP.exists()
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8765"
    assert flags["--browser.gatherUsageStats"] == "false"
