"""The action catalog: the platform's skills, declared in ``writeback/catalog.yaml``.

The catalog is the allow-list of everything write-back can do. Loading it refuses a file that
names a sensitive model or an unknown method, so a careless edit cannot open a path to users,
access rules, configuration parameters, crons or server actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.settings import get_settings
from odoo_api.errors import ConfigError

__all__ = [
    "AUTONOMY_LEVELS",
    "METHODS",
    "SENSITIVE_MODEL_PREFIXES",
    "Catalog",
    "Limits",
    "Skill",
    "is_sensitive_model",
    "load_catalog",
]

DEFAULT_PATH = Path(__file__).resolve().parent / "catalog.yaml"
AUTONOMY_LEVELS = ("auto", "approval", "forbidden")
RISKS = ("low", "medium", "high")
#: The only Odoo methods a skill may call. Never confirm, post, unlink or run an action.
METHODS = ("write", "message_post", "activity_schedule", "create")

#: Models no skill may target, whatever a catalog says (a second net under the allow-list).
SENSITIVE_MODEL_PREFIXES = ("ir.", "res.users", "res.groups", "res.company", "base.", "auth_")
SENSITIVE_MODELS = frozenset(
    {
        "res.users",
        "res.users.apikeys",
        "res.groups",
        "res.company",
        "ir.model.access",
        "ir.rule",
        "ir.config_parameter",
        "ir.cron",
        "ir.actions.server",
        "ir.model",
        "ir.model.fields",
        "ir.attachment",
        "mail.template",
        "mail.mail",
        "fetchmail.server",
        "ir.mail_server",
    }
)


def is_sensitive_model(model: str) -> bool:
    """True for models write-back must never reach (technical, security or configuration)."""
    return model in SENSITIVE_MODELS or model.startswith(SENSITIVE_MODEL_PREFIXES)


@dataclass(frozen=True)
class Limits:
    """Per-skill limits; None = no limit of that kind."""

    max_records: int = 1
    max_amount: float | None = None
    rate_per_hour: int | None = None
    cooldown_hours: float | None = None
    max_attempts: int = 3


@dataclass(frozen=True)
class Skill:
    """One catalog entry."""

    key: str
    description: str
    record_models: tuple[str, ...]
    write_model: str  # "record" = the proposal's record model
    method: str
    fields: tuple[str, ...]
    risk: str
    autonomy: str
    limits: Limits
    approver_roles: tuple[str, ...]
    alert_families: tuple[str, ...]
    input_schema: dict[str, Any]
    validator: Draft202012Validator = field(repr=False, compare=False, hash=False)

    # the briefings side reads these names from the COMMON contract
    @property
    def model(self) -> str:
        """The model the Odoo call goes to (``record`` for the proposal's own model)."""
        return self.write_model

    def target_model(self, record_model: str) -> str:
        return record_model if self.write_model == "record" else self.write_model

    def schema_errors(self, params: Any) -> list[str]:
        """Every way ``params`` breaks the input schema, as short readable lines."""
        errors = sorted(self.validator.iter_errors(params), key=lambda e: list(e.path))
        out = []
        for err in errors:
            where = "/".join(str(p) for p in err.path) or "params"
            out.append(f"{where}: {err.message}")
        return out


@dataclass(frozen=True)
class Catalog:
    """The loaded catalog, by key."""

    skills: dict[str, Skill]
    path: Path

    def get(self, key: str) -> Skill | None:
        return self.skills.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.skills

    def keys(self) -> list[str]:
        return list(self.skills)

    def allowed_models(self) -> frozenset[str]:
        """Every model some skill may touch: the allow-list."""
        out: set[str] = set()
        for skill in self.skills.values():
            if skill.autonomy == "forbidden":
                continue
            out.update(skill.record_models)
            if skill.write_model != "record":
                out.add(skill.write_model)
        return frozenset(out)


def _fail(path: Path, msg: str) -> ConfigError:
    return ConfigError(
        f"write-back catalog {path}: {msg}: fix the file (see writeback/catalog.yaml)"
    )


def _skill(path: Path, raw: Any, index: int) -> Skill:
    if not isinstance(raw, dict):
        raise _fail(path, f"skill #{index + 1} is not a mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not key.isidentifier():
        raise _fail(path, f"skill #{index + 1} has no valid key")
    where = f"skill '{key}'"
    record_models = tuple(raw.get("record_models") or ())
    write_model = str(raw.get("write_model") or "record")
    if not record_models:
        raise _fail(path, f"{where} names no record_models")
    for model in (*record_models, write_model):
        if model != "record" and is_sensitive_model(model):
            raise _fail(path, f"{where} names the sensitive model {model}")
    method = raw.get("method")
    if method not in METHODS:
        raise _fail(path, f"{where} method {method!r} is not one of {', '.join(METHODS)}")
    risk = raw.get("risk", "low")
    if risk not in RISKS:
        raise _fail(path, f"{where} risk {risk!r} is not one of {', '.join(RISKS)}")
    autonomy = raw.get("autonomy", "approval")
    if autonomy not in AUTONOMY_LEVELS:
        raise _fail(
            path, f"{where} autonomy {autonomy!r} is not one of {', '.join(AUTONOMY_LEVELS)}"
        )
    lim = raw.get("limits") or {}
    try:
        limits = Limits(
            max_records=int(lim.get("max_records", 1)),
            max_amount=None if lim.get("max_amount") is None else float(lim["max_amount"]),
            rate_per_hour=None if lim.get("rate_per_hour") is None else int(lim["rate_per_hour"]),
            cooldown_hours=None
            if lim.get("cooldown_hours") is None
            else float(lim["cooldown_hours"]),
            max_attempts=int(lim.get("max_attempts", 3)),
        )
    except (TypeError, ValueError) as exc:
        raise _fail(path, f"{where} has a malformed limit ({exc})") from exc
    if limits.max_records < 1 or limits.max_attempts < 1:
        raise _fail(path, f"{where} needs max_records and max_attempts >= 1")
    schema = raw.get("input_schema") or {}
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise _fail(path, f"{where} input_schema must be an object schema")
    if schema.get("additionalProperties") is not False:
        raise _fail(path, f"{where} input_schema must say additionalProperties: false")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise _fail(
            path, f"{where} input_schema is not a valid JSON schema ({exc.message})"
        ) from exc
    return Skill(
        key=key,
        description=" ".join(str(raw.get("description") or "").split()),
        record_models=record_models,
        write_model=write_model,
        method=str(method),
        fields=tuple(raw.get("fields") or ()),
        risk=str(risk),
        autonomy=str(autonomy),
        limits=limits,
        approver_roles=tuple(raw.get("approver_roles") or ()),
        alert_families=tuple(raw.get("alert_families") or ()),
        input_schema=schema,
        validator=Draft202012Validator(schema),
    )


_CACHE: dict[tuple[str, float], Catalog] = {}


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The catalog at ``path`` (default ``COO_WRITEBACK_CATALOG``, else the packaged file).

    Malformed files raise :class:`ConfigError` naming what is wrong. Cached per file version.
    """
    target = Path(path or get_settings().coo_writeback_catalog or DEFAULT_PATH)
    try:
        stamp = target.stat().st_mtime
    except OSError as exc:
        raise ConfigError(
            f"write-back catalog {target} cannot be read ({exc.strerror}): "
            "check COO_WRITEBACK_CATALOG"
        ) from exc
    cached = _CACHE.get((str(target), stamp))
    if cached is not None:
        return cached
    try:
        data = yaml.safe_load(target.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(target, f"is not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("skills"), list):
        raise _fail(target, "needs a top-level 'skills' list")
    skills: dict[str, Skill] = {}
    for i, raw in enumerate(data["skills"]):
        skill = _skill(target, raw, i)
        if skill.key in skills:
            raise _fail(target, f"skill '{skill.key}' is declared twice")
        skills[skill.key] = skill
    catalog = Catalog(skills=skills, path=target)
    _CACHE[(str(target), stamp)] = catalog
    return catalog
