"""The one settings object: the environment and ``.env`` are read here, once, and nowhere else.

Every ``ODOO_*``, ``COO_*``, ``ANTHROPIC_*`` variable and ``DAGSTER_HOME`` is a field of
:class:`Settings` (variables named after a role, such as ``COO_LLM_MODEL_CFO`` or
``COO_BRIEFING_RECIPIENTS_CFO``, are read through :meth:`Settings.env`). A malformed value is
one :class:`~core.errors.ConfigError` line naming the variable.

Modules get the settings from :func:`get_settings` (or take them as an argument). The object is
built once per process environment: the environment of a running process does not change, so
it is read once; a test that sets a variable with ``monkeypatch`` gets a fresh read, and
:func:`reset_settings` drops the cache explicitly. The command line passes values down with
:func:`override_settings` instead of writing ``os.environ``. The only writer of the process
environment is :func:`exported`, for libraries that hand ``os.environ`` to a subprocess
(dagster-dbt runs dbt that way); it restores what was there.

``COO_HOME`` (the folder of the embedded stores) and ``COO_WAREHOUSE_URL`` (the warehouse
location) live here, so every package finds the same warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import PrivateAttr, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

__all__ = [
    "Settings",
    "coo_home",
    "exported",
    "get_settings",
    "override_settings",
    "reset_settings",
    "subprocess_env",
]

# What the snapshot keeps of the environment: the product's own variables (role-named ones
# included) and the few of the system it reads.
_PREFIXES = ("COO_", "ODOO_", "ANTHROPIC_")
_NAMES = ("DAGSTER_HOME", "USER")
ENV_FILE = ".env"


class Settings(BaseSettings):
    """Every setting of the product, typed. Field ``x_y`` is the variable ``X_Y``."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # where things are
    coo_env_file: str = ENV_FILE
    # "production" starts the Dagster schedules and sensors running; anything else (a
    # laptop, CI) leaves them stopped until someone turns them on in the UI
    coo_environment: str = "development"
    coo_home: Path = Path(".coo")
    dagster_home: str = ""
    coo_warehouse_url: str = ""
    coo_state_url: str = ""
    # Odoo (OdooConfig validates the ODOO_* group, see odoo_env())
    odoo_url: str = ""
    odoo_transport: str = ""
    # the simulated company
    coo_sim_size: str = "small"
    coo_sim_seed: int = 42
    coo_sim_odoo_version: str = "19"
    # extraction: models read with every stored field ("all", or Odoo model names)
    coo_extract_all_fields: str = ""
    # dashboard and operators
    coo_dashboard_auth: str = "local"
    coo_operator: str = ""
    coo_operator_role: str = ""
    coo_auth_header: str = ""
    coo_role_header: str = ""
    coo_user: str = ""
    user: str = ""
    # agents
    coo_mcp_agent: str = ""
    coo_search_backend: str = ""
    # Ask the COO: which companies each role sees ("cfo:1,2;sales:1;ceo:*"; empty = all)
    coo_role_companies: str = ""
    coo_ask_max_steps: int = 8
    # language model
    anthropic_api_key: SecretStr | None = None
    coo_llm_model: str = ""
    coo_llm_model_routine: str = ""
    coo_llm_routine_roles: str = "sales,operations"
    coo_llm_prices: str = ""
    # briefings, alerts, delivery (SmtpSettings validates the COO_SMTP_* group)
    coo_briefing_timezone: str = "UTC"
    coo_briefing_timezones: str = ""
    coo_alert_rules: str = ""
    coo_alert_escalation_recipients: str = ""
    # channels (Apprise URLs per role in COO_CHANNELS_<ROLE>, read through env())
    coo_channel_briefings: bool = False
    coo_channel_retries: int = 3
    coo_channel_retry_delay_s: float = 2.0
    coo_channel_timeout_s: float = 10.0
    # write-back
    coo_approvers: str = ""
    coo_writeback_catalog: str = ""

    _raw: dict[str, str] = PrivateAttr(default_factory=dict)

    def env(self, name: str, default: str = "") -> str:
        """A variable of the snapshot by name (for role-named ones), stripped; ``default``
        when unset or empty."""
        value = (self._raw.get(name) or "").strip()
        return value or default

    def odoo_env(self) -> dict[str, str]:
        """The ``ODOO_*`` variables, for :meth:`odoo_api.config.OdooConfig.from_env`."""
        return {k: v for k, v in self._raw.items() if k.startswith("ODOO_")}

    def secrets(self) -> list[str]:
        """Every secret value set (to scrub them from what a model or a log could echo)."""
        names = ("ANTHROPIC_API_KEY", "ODOO_API_KEY", "ODOO_PASSWORD", "COO_SMTP_PASSWORD")
        channels = [v for k, v in self._raw.items() if k.startswith("COO_CHANNELS_")]
        return [v for v in (*(self.env(n) for n in names), *channels) if v]

    @property
    def home(self) -> Path:
        """``COO_HOME``, resolved."""
        return self.coo_home.resolve()

    @property
    def dagster_home_path(self) -> Path:
        """``DAGSTER_HOME``, else ``COO_HOME/dagster``."""
        return Path(self.dagster_home or self.home / "dagster").resolve()


def _snapshot(environ: Mapping[str, str], env_file: str | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)  # the environment wins over .env, as pydantic-settings does
    return {k: v for k, v in merged.items() if k.startswith(_PREFIXES) or k in _NAMES}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | None = None
) -> Settings:
    """Read ``environ`` (default: the process environment) and ``env_file`` (default:
    ``COO_ENV_FILE``, else ``.env`` in the working directory; ``COO_ENV_FILE=`` empty reads no
    file, as the tests do); a malformed value raises one ConfigError line naming the variable."""
    source = os.environ if environ is None else environ
    if env_file is None:
        env_file = source.get("COO_ENV_FILE", ENV_FILE)
    raw = _snapshot(source, env_file)
    typed = {k.lower(): v for k, v in raw.items() if k.lower() in Settings.model_fields}
    try:
        settings = Settings(_env_file=None, **typed)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        value = raw.get(name, "")
        raise ConfigError(f"{name}={value!r} is not valid: {first['msg']}") from None
    settings._raw = raw
    return settings


_cache: tuple[int, Settings] | None = None
_overrides: dict[str, Any] = {}


def _fingerprint() -> int:
    return hash(frozenset(os.environ.items()))


def get_settings() -> Settings:
    """The settings of this process (read once per environment; overrides applied)."""
    global _cache
    key = _fingerprint()
    if _cache is None or _cache[0] != key:
        _cache = (key, load_settings())
    settings = _cache[1]
    if not _overrides:
        return settings
    updated = settings.model_copy(update=_overrides)
    updated._raw = {**settings._raw}
    for field, value in _overrides.items():
        name = field.upper()
        if value is None or value == "":
            updated._raw.pop(name, None)
        else:
            updated._raw[name] = str(value)
    return updated


def reset_settings() -> None:
    """Drop the cached settings and every override (tests)."""
    global _cache
    _cache = None
    _overrides.clear()


@contextmanager
def override_settings(**fields: Any) -> Iterator[Settings]:
    """Pass values down (the CLI's ``--size``, ``--seed``...) for the duration of the block,
    without touching the process environment."""
    unknown = [f for f in fields if f not in Settings.model_fields]
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    previous = dict(_overrides)
    _overrides.update(fields)
    try:
        yield get_settings()
    finally:
        _overrides.clear()
        _overrides.update(previous)


def coo_home() -> Path:
    """The folder that holds the embedded stores (warehouse, simulator state, dlt state)."""
    return get_settings().home


def subprocess_env(extra: Mapping[str, str] | None = None, *, drop_prefix: str = "") -> dict:
    """The environment for a child process: this process's, the overrides, then ``extra``."""
    base = {k: v for k, v in os.environ.items() if not (drop_prefix and k.startswith(drop_prefix))}
    settings = get_settings()
    for field, value in _overrides.items():
        if value is None or value == "":
            base.pop(field.upper(), None)
        else:
            base[field.upper()] = str(value)
    base["COO_HOME"] = str(settings.home)
    base["DAGSTER_HOME"] = str(settings.dagster_home_path)
    return {**base, **(extra or {})}


@contextmanager
def exported(values: Mapping[str, str], *, keep_set: bool = False) -> Iterator[None]:
    """Export ``values`` to the process environment for the duration of the block, then
    restore it: only for a library that reads ``os.environ`` itself (dagster-dbt gives it to
    the dbt subprocess; Hugging Face reads its offline switches). ``keep_set``: a variable
    already set keeps its value."""
    if keep_set:
        values = {k: v for k, v in values.items() if k not in os.environ}
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in previous.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
