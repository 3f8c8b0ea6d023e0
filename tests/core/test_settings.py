"""The settings object reads the environment once, validates, and is the only reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import ConfigError, CooError, StepFailed, actionable
from core.settings import get_settings, load_settings, override_settings, reset_settings
from odoo_api.errors import OdooAuthError, OdooError

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    "agents", "alerts", "apps", "briefings", "cli", "core", "ml", "odoo_api", "opstore",
    "orchestration", "simulator", "writeback",
)  # fmt: skip
# os.environ / os.getenv / environ imported from os / os.putenv
_ENV_READ = re.compile(
    r"\bos\.(environ|getenv|putenv|unsetenv)\b|from\s+os\s+import[^\n]*\b(environ|getenv)\b"
)


pytestmark = pytest.mark.unit


def test_no_module_reads_the_environment_outside_settings() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "core" / "settings.py":
                continue
            for no, line in enumerate(path.read_text().splitlines(), 1):
                if _ENV_READ.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{no}: {line.strip()}")
    assert offenders == [], "read settings through core.settings.get_settings():\n" + "\n".join(
        offenders
    )


def test_the_grep_finds_what_it_must() -> None:
    for line in ('x = os.environ.get("A")', "os.getenv('A')", "from os import environ"):
        assert _ENV_READ.search(line), line
    assert not _ENV_READ.search("settings.env('COO_HOME')")


def test_env_file_and_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("COO_SIM_SEED=7\nCOO_SMTP_HOST=mail.example.com\nCOO_SIM_SIZE=medium\n")
    settings = load_settings({"COO_SIM_SIZE": "large"}, env_file=str(env_file))
    assert settings.coo_sim_seed == 7  # from .env
    assert settings.coo_sim_size == "large"  # the environment wins over .env
    assert settings.env("COO_SMTP_HOST") == "mail.example.com"
    assert settings.env("COO_SMTP_PORT", "25") == "25"


def test_the_env_file_is_chosen_by_coo_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text("ODOO_URL=https://odoo.example.com\n")
    assert load_settings({"COO_ENV_FILE": str(env_file)}).odoo_url == "https://odoo.example.com"
    assert load_settings({"COO_ENV_FILE": ""}).odoo_url == ""


def test_a_malformed_value_is_one_config_error_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"COO_SIM_SEED": "forty-two"}, env_file=None)
    assert str(info.value).startswith("COO_SIM_SEED='forty-two' is not valid")
    assert "\n" not in str(info.value)


def test_secrets_are_not_in_the_repr() -> None:
    settings = load_settings({"ANTHROPIC_API_KEY": "sk-ant-very-secret-1234"}, env_file=None)
    assert "very-secret" not in repr(settings)
    assert settings.secrets() == ["sk-ant-very-secret-1234"]


def test_overrides_pass_values_down_without_touching_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    monkeypatch.setenv("ODOO_URL", "https://odoo.example.com")
    reset_settings()
    assert get_settings().odoo_url == "https://odoo.example.com"
    with override_settings(odoo_url="", coo_sim_size="medium") as settings:
        assert settings.odoo_url == "" and get_settings().coo_sim_size == "medium"
        assert os.environ["ODOO_URL"] == "https://odoo.example.com"
        assert "ODOO_URL" not in get_settings().odoo_env()
    assert get_settings().odoo_url == "https://odoo.example.com"
    monkeypatch.setenv("ODOO_URL", "https://other.example.com")  # a new environment: read again
    assert get_settings().odoo_url == "https://other.example.com"
    with pytest.raises(ConfigError), override_settings(no_such_setting=1):
        pass


def test_one_error_hierarchy() -> None:
    assert issubclass(OdooError, CooError) and issubclass(ConfigError, CooError)
    assert not issubclass(ConfigError, OdooError)  # `except OdooError` no longer hides config
    wrapped = RuntimeError("step failed")
    wrapped.__cause__ = OdooAuthError("wrong key")
    assert isinstance(actionable(wrapped), OdooAuthError)
    assert actionable(RuntimeError("boom")) is None
    assert "step x failed" in str(StepFailed("main", "x", "boom", Path("log")))
