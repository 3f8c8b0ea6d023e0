"""Store plumbing: field definitions, constants shared by the layers, rows and indices,
users, display names. The bottom layer of :class:`simulator.store.OdooStore`."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator import domain as dom
from simulator import models as meta
from simulator.access import (
    SimUser,
    default_users,
)
from simulator.exceptions import (
    AccessDenied,
    UserError,
)

ODOO19_DIR = Path(__file__).resolve().parent.parent / "odoo19"
_X2MANY = ("one2many", "many2many")
_ZERO_TYPES = ("integer", "float", "monetary", "many2one_reference")
_MAGIC = ("create_date", "write_date", "create_uid", "write_uid")

# Required on create (Odoo fills the other NOT NULL columns with defaults).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "sale.order": ("partner_id",),
    "sale.order.line": ("order_id",),
    "purchase.order": ("partner_id",),
    "purchase.order.line": ("order_id",),
    "account.move.line": ("move_id",),
    "crm.lead": ("name",),
    "project.task": ("name",),
    "project.project": ("name",),
    "product.template": ("name",),
    "hr.expense": ("name",),
    "account.account": ("name",),
    "account.journal": ("name", "code", "type"),
    "stock.move": ("product_id", "location_id", "location_dest_id"),
    "mail.activity": ("res_model", "res_id"),
    "ir.config_parameter": ("key",),
    "crm.tag": ("name",),
    "res.groups": ("name",),
}


# Field defaults Odoo applies on create that a caller relies on (a new RFQ is a draft).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "purchase.order": {"state": "draft"},
}


def load_fields() -> dict[str, dict[str, dict[str, Any]]]:
    """``fields_get`` of every model in ``odoo19/fields`` and ``odoo19/fields_extra``."""
    return {k: {f: dict(v) for f, v in d.items()} for k, d in _cached_fields().items()}


@functools.lru_cache(maxsize=1)
def _cached_fields() -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for folder in ("fields", "fields_extra"):
        for path in sorted((ODOO19_DIR / folder).glob("*.json")):
            out.setdefault(path.stem, {}).update(json.loads(path.read_text()))
    return out


def _type_default(ftype: str) -> Any:
    if ftype == "integer" or ftype == "many2one_reference":
        return 0
    if ftype in ("float", "monetary"):
        return 0.0
    if ftype in ("one2many", "many2many", "properties", "properties_definition"):
        return []
    return False


def _synchronized(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return fn(self, *args, **kwargs)

    return wrapper


class _Call:
    """Per-call caches (display names, compiled visibility)."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names: dict[tuple[str, Any], Any] = {}


class _StoreCore:
    """Rows, ids, indices, users and display names: the plumbing the read and write layers
    share. Holds all of the database's state (see :class:`~simulator.store.OdooStore`)."""

    def __init__(
        self,
        tables: dict[str, dict[int, dict[str, Any]]] | None = None,
        *,
        now: datetime,
        fields: dict[str, dict[str, dict]] | None = None,
        users: list[SimUser] | None = None,
        db: str = "coo_sim",
    ) -> None:
        self._lock = threading.RLock()
        self.now = now
        self.db = db
        self.fields = fields if fields is not None else load_fields()
        self._default_fields = fields is None
        self.call_log: list[dict] = []
        self._tables: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in self.fields}
        self._next_id: dict[str, int] = {}
        self._messages: list[dict[str, Any]] = []
        self._meta_cache: dict[tuple[str, str], Any] = {}
        self._idx_id: dict[str, list[int]] = {}
        self._idx_wd: dict[str, list[tuple[str, int]]] = {}
        for model, rows in (tables or {}).items():
            self._insert(model, rows.values())
        self._seed_sensitive()
        if users is None:
            users = self._table_users(
                default_users(sorted(self._tables.get("res.company", {})) or [1])
            )
        self.users: dict[int, SimUser] = {u.uid: u for u in users}

    # ------------------------------------------------------------------ plumbing

    def _seed_sensitive(self) -> None:
        """A few rows in the technical models, so there is something to refuse."""
        ts = self._stamp()
        seeds: dict[str, list[dict[str, Any]]] = {
            "ir.config_parameter": [
                {"key": "web.base.url", "value": "http://localhost:8069"},
                {"key": "database.uuid", "value": hashlib.sha1(self.db.encode()).hexdigest()},
                {"key": "database.secret", "value": hashlib.sha1(b"s" + self.db.encode()).hexdigest()},
            ],
            "ir.cron": [
                {"name": "Procurement: run scheduler", "cron_name": "Procurement: run scheduler",
                 "active": True, "interval_number": 1, "interval_type": "days", "user_id": 1},
                {"name": "Account: Post draft entries with auto_post enabled",
                 "cron_name": "Account: Post draft entries with auto_post enabled",
                 "active": True, "interval_number": 1, "interval_type": "days", "user_id": 1},
            ],
            "res.groups": [{"name": "Role / Administrator"}, {"name": "Role / User"}],
            "ir.rule": [{"name": "res.partner company", "active": True, "global": True,
                         "domain_force": "[('company_id', 'in', company_ids + [False])]",
                         "perm_read": True, "perm_write": True, "perm_create": True, "perm_unlink": True}],
            "ir.model.access": [{"name": "res.partner.user", "active": True, "perm_read": True}],
            "ir.actions.server": [{"name": "Mark as done", "state": "code", "usage": "ir_actions_server"}],
        }  # fmt: skip
        for model, rows in seeds.items():
            if model in self.fields and not self._tables.get(model):
                self._insert(
                    model,
                    (
                        {
                            "id": i,
                            **r,
                            "create_date": ts,
                            "write_date": ts,
                            "create_uid": 1,
                            "write_uid": 1,
                        }
                        for i, r in enumerate(rows, 1)
                    ),
                )

    def _table_users(self, defaults: list[SimUser]) -> list[SimUser]:
        """The users of this database: its ``res.users`` rows when it has any (a real Odoo's
        users are its rows), else ``defaults``.

        Rows are matched to the default users by login, so ``admin``/``demo`` keep their
        passwords and rights whatever their uid; ``__system__`` is OdooBot; any other internal
        user (the generator's salespeople...) gets full business rights but no sensitive
        model and no password (API key only). Default users whose login and uid are both
        free are added too.
        """
        rows = self._tables.get("res.users") or {}
        if not rows:
            return defaults
        by_login = {u.login: u for u in defaults if u.login}
        business = {m: {"read", "write", "create", "unlink"} for m in self.fields}
        for m in meta.SENSITIVE_MODELS:
            business.pop(m, None)
        partners = self._tables.get("res.partner", {})
        out: list[SimUser] = []
        for uid, row in sorted(rows.items()):
            login = row.get("login") or None
            pid = row.get("partner_id")
            partner = (partners.get(pid) if pid is not None else None) or {}
            companies = list(row.get("company_ids") or [row.get("company_id") or 1])
            company = row.get("company_id") or companies[0]
            name = partner.get("name") or login or f"User {uid}"
            if login == "__system__":
                out.append(SimUser(uid, None, None, name, company, companies, None))
                continue
            template = by_login.get(login) if login is not None else None
            if template is not None:
                access = None if template.access is None else {
                    m: set(ops) for m, ops in template.access.items()
                }  # fmt: skip
                out.append(SimUser(uid, login, template.password, name, company, companies, access))
            else:
                access = {m: set(ops) for m, ops in business.items()}
                out.append(SimUser(uid, login, None, name, company, companies, access))
        taken_uids = {u.uid for u in out}
        taken_logins = {u.login for u in out if u.login}
        for u in defaults:
            if u.uid not in taken_uids and (u.login is None or u.login not in taken_logins):
                out.append(u)
        return out

    def _stamp(self) -> str:
        return self.now.strftime("%Y-%m-%d %H:%M:%S")

    def _rows(self, model: str) -> dict[int, dict[str, Any]]:
        return self._tables.get(model, {})

    def _check_model(self, model: str) -> None:
        if model not in self.fields:
            raise UserError(f"Object {model} doesn't exist")

    def _user(self, uid: int) -> SimUser:
        user = self.users.get(uid)
        if user is None:
            raise AccessDenied()
        return user

    def _fdefs(self, model: str) -> dict[str, dict[str, Any]]:
        return self.fields[model]

    def _stored(self, model: str) -> list[str]:
        key = ("stored", model)
        cached = self._meta_cache.get(key)
        if cached is None:
            cached = [
                f
                for f, d in self.fields[model].items()
                if d.get("store", True) and d["type"] not in ("binary", "html", "json")
            ]
            if "id" not in cached:
                cached.insert(0, "id")
            self._meta_cache[key] = cached
        return cached

    def _log(self, uid: int, model: str, method: str, ids: Any, params: dict[str, Any]) -> None:
        self.call_log.append(
            {
                "at": self._stamp(),
                "uid": uid,
                "model": model,
                "method": method,
                "ids": list(ids) if ids is not None else None,
                "params": params,
            }
        )

    # ------------------------------------------------------------------ bulk load

    def models(self) -> list[str]:
        """Every model this database answers for."""
        return sorted(self.fields)

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        """The internal rows of ``model`` by id (read-only for callers)."""
        return self._tables.setdefault(model, {})

    @_synchronized
    def insert(self, model: str, rows: Iterable[dict[str, Any]]) -> None:
        """Bulk load rows as they are (no stamping, no validation): the generator's door."""
        self._insert(model, rows)

    def _insert(self, model: str, rows: Iterable[dict[str, Any]]) -> None:
        table = self._tables.setdefault(model, {})
        top = self._next_id.get(model, 1) - 1
        for row in rows:
            rid = row["id"]
            table[rid] = row
            if rid > top:
                top = rid
        self._next_id[model] = top + 1
        self._idx_id.pop(model, None)
        self._idx_wd.pop(model, None)

    # ------------------------------------------------------------------ indexes

    def _id_index(self, model: str) -> list[int]:
        idx = self._idx_id.get(model)
        if idx is None:
            idx = sorted(self._rows(model))
            self._idx_id[model] = idx
        return idx

    def _wd_index(self, model: str) -> list[tuple[str, int]] | None:
        idx = self._idx_wd.get(model)
        if idx is None:
            rows = self._rows(model)
            idx = sorted((r.get("write_date") or "", rid) for rid, r in rows.items())
            self._idx_wd[model] = idx
        return idx

    def _index_add(self, model: str, row: dict[str, Any]) -> None:
        idx = self._idx_id.get(model)
        if idx is not None:
            if not idx or row["id"] > idx[-1]:
                idx.append(row["id"])
            else:
                insort(idx, row["id"])
        wd = self._idx_wd.get(model)
        if wd is not None:
            key = (row.get("write_date") or "", row["id"])
            if not wd or key > wd[-1]:
                wd.append(key)
            else:
                insort(wd, key)

    def _index_remove(self, model: str, row: dict[str, Any], *, id_too: bool = True) -> None:
        idx = self._idx_id.get(model)
        if idx is not None and id_too:
            pos = bisect_left(idx, row["id"])
            if pos < len(idx) and idx[pos] == row["id"]:
                del idx[pos]
        wd = self._idx_wd.get(model)
        if wd is not None:
            key = (row.get("write_date") or "", row["id"])
            pos = bisect_left(wd, key)
            if pos < len(wd) and wd[pos] == key:
                del wd[pos]

    def _set_write_date(self, model: str, row: dict[str, Any], ts: str, uid: int) -> None:
        if row.get("write_date") != ts and model in self._idx_wd:
            self._index_remove(model, row, id_too=False)
            row["write_date"] = ts
            wd = self._idx_wd[model]
            key = (ts, row["id"])
            if not wd or key > wd[-1]:
                wd.append(key)
            else:
                insort(wd, key)
        else:
            row["write_date"] = ts
        row["write_uid"] = uid

    # ------------------------------------------------------------------ display names

    def _lookup(self, model: str, rid: Any) -> dict[str, Any] | None:
        if not rid:
            return None
        return self._tables.get(model, {}).get(rid)

    def _name_of(self, model: str, rid: Any, cache: dict | None = None) -> Any:
        if not rid:
            return False
        if cache is not None:
            key = (model, rid)
            hit = cache.get(key)
            if hit is not None:
                return hit
        row = self._tables.get(model, {}).get(rid)
        if row is not None:
            name = meta.display_name(
                model, row, self._lookup, lambda m, i: self._name_of(m, i, cache)
            )
        else:
            name = meta.reference_names().get(model, {}).get(rid) or f"{model},{rid}"
        if cache is not None:
            cache[(model, rid)] = name
        return name

    def _name_search_ids(self, model: str, operator: str, value: Any) -> set[int]:
        """Ids of ``model`` whose display name matches (how Odoo treats a string on a many2one)."""
        if operator in ("=", "!="):
            test: Callable[[str], bool] = lambda n: n == value  # noqa: E731
        elif operator in ("in", "not in"):
            vals = set(value) if isinstance(value, list | tuple) else {value}
            test = lambda n: n in vals  # noqa: E731
        else:
            rx = dom.like_regex(
                str(value),
                wrap=operator in ("like", "ilike", "not like", "not ilike"),
                ignore_case="ilike" in operator,
            )
            test = lambda n: rx.match(n) is not None  # noqa: E731
        cache: dict = {}
        rows = self._tables.get(model)
        if rows is not None and model in self.fields:
            out = set()
            for rid in rows:
                name = self._name_of(model, rid, cache)
                if isinstance(name, str) and test(name):
                    out.add(rid)
            return out
        names = meta.reference_names().get(model, {})
        return {rid for rid, n in names.items() if test(n)}

    @staticmethod
    def _ids(ids: Any) -> list[int]:
        if ids is None or ids is False:
            return []
        if isinstance(ids, int) and not isinstance(ids, bool):
            return [ids]
        if isinstance(ids, list | tuple):
            out = []
            for i in ids:
                if not isinstance(i, int) or isinstance(i, bool):
                    raise TypeError(f"Invalid id {i!r}")
                out.append(i)
            return out
        raise TypeError(f"Invalid ids {ids!r}")
