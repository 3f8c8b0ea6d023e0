"""OdooConfig: environment parsing, one-line errors naming the variable, no secrets shown."""

from __future__ import annotations

import pytest
from odoo_api_fakes import API_KEY, PASSWORD

from odoo_api.config import OdooConfig
from odoo_api.errors import ConfigError

pytestmark = pytest.mark.unit

GOOD = {
    "ODOO_URL": "https://odoo.example.com/",
    "ODOO_DB": "coo_demo",
    "ODOO_USERNAME": "admin",
    "ODOO_API_KEY": API_KEY,
}


def test_from_env_reads_every_variable() -> None:
    env = dict(GOOD, ODOO_TRANSPORT="XMLRPC", ODOO_TIMEOUT="12.5", ODOO_MAX_RETRIES="2")
    env["ODOO_PASSWORD"] = PASSWORD
    cfg = OdooConfig.from_env(env)
    assert cfg.url == "https://odoo.example.com"  # trailing slash dropped
    assert (cfg.db, cfg.username, cfg.api_key, cfg.password) == (
        "coo_demo",
        "admin",
        API_KEY,
        PASSWORD,
    )
    assert cfg.transport == "xmlrpc"
    assert cfg.timeout == 12.5
    assert cfg.max_retries == 2
    assert cfg.secret == API_KEY  # the key wins over the password for RPC


def test_defaults_when_optional_variables_are_absent() -> None:
    cfg = OdooConfig.from_env({"ODOO_URL": "http://localhost:8069", "ODOO_PASSWORD": PASSWORD})
    assert cfg.db is None and cfg.username is None and cfg.api_key is None
    assert cfg.transport == "auto"
    assert (cfg.timeout, cfg.max_retries, cfg.backoff_base, cfg.backoff_max) == (
        60.0,
        5,
        0.5,
        30.0,
    )
    assert cfg.secret == PASSWORD


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "ODOO_URL is not set: "),
        ({"ODOO_URL": "   "}, "ODOO_URL is not set: "),
        ({"ODOO_URL": "foo"}, "ODOO_URL 'foo' is not an http(s) URL"),
        ({"ODOO_URL": "ftp://odoo.example.com"}, "is not an http(s) URL"),
        (dict(GOOD, ODOO_TRANSPORT="soap"), "ODOO_TRANSPORT 'soap' is not valid"),
        (dict(GOOD, ODOO_TIMEOUT="soon"), "ODOO_TIMEOUT 'soon' is not a positive number"),
        (dict(GOOD, ODOO_TIMEOUT="0"), "ODOO_TIMEOUT '0' is not a positive number"),
        (dict(GOOD, ODOO_MAX_RETRIES="-1"), "ODOO_MAX_RETRIES '-1' is not a whole number"),
        (dict(GOOD, ODOO_MAX_RETRIES="3.5"), "ODOO_MAX_RETRIES '3.5' is not a whole number"),
        ({"ODOO_URL": "http://x"}, "neither ODOO_API_KEY nor ODOO_PASSWORD is set"),
        (
            {"ODOO_URL": "http://x", "ODOO_PASSWORD": PASSWORD, "ODOO_TRANSPORT": "json2"},
            "ODOO_TRANSPORT=json2 needs ODOO_API_KEY",
        ),
        (
            {"ODOO_URL": "http://x", "ODOO_PASSWORD": PASSWORD, "ODOO_TRANSPORT": "jsonrpc"},
            "ODOO_USERNAME is not set",
        ),
    ],
)
def test_bad_environment_gives_one_line_naming_the_variable(
    env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        OdooConfig.from_env(env)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert PASSWORD not in message and API_KEY not in message


def test_from_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    assert OdooConfig.from_env().db == "coo_demo"


def test_secrets_never_in_repr_str_or_redacted() -> None:
    cfg = OdooConfig(
        url="https://user:urlpass@odoo.example.com",
        db="d",
        username="u",
        api_key=API_KEY,
        password=PASSWORD,
    )
    shown = [repr(cfg), str(cfg), str(cfg.redacted())]
    for text in shown:
        assert API_KEY not in text
        assert PASSWORD not in text
        assert "urlpass" not in text
    assert cfg.redacted()["api_key"] == "***"
    assert cfg.redacted()["password"] == "***"
    assert cfg.redacted()["url"] == "https://odoo.example.com"


def test_direct_construction_validates() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        OdooConfig(url="odoo.example.com", db=None, username=None)
    with pytest.raises(ConfigError, match="transport"):
        OdooConfig(url="http://x", db=None, username=None, transport="grpc")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_retries"):
        OdooConfig(url="http://x", db=None, username=None, max_retries=-1)
