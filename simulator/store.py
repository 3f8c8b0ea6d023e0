"""The simulated Odoo 19 database: an in-memory imitation of the ORM as the external API sees it.

One :class:`OdooStore` is one database. Rows are kept in Odoo's wire format except many2one
(a bare id or False), and *sparse*: a key absent from a row holds the type default (so a
million journal items stay affordable). Every public method takes one lock and behaves like
one Odoo transaction: one ``write_date`` for everything it touches.

Known differences from a real Odoo 19 (deliberate or unavoidable):

* Only stored fields exist in rows. ``read``/``search_read`` with no ``fields`` return the
  stored fields (Odoo also returns computed ones: 191 on res.partner). Asking explicitly for
  a non-stored field returns its type default, except ``display_name`` which is computed.
* Computed/related stored fields are not recomputed (amounts, states...), except
  ``complete_name`` and ``commercial_partner_id`` on res.partner/product.category/stock.location,
  the one2many lists kept in ``models.INVERSES``, and the parent ``write_date`` bump.
* Strings sort with Python's code-point order (PostgreSQL's ``C`` collation); a many2one in
  ``order`` sorts by the comodel's display name, not by the comodel's ``_order``.
* Record rules: only the multi-company rule (``company_id`` False or allowed; for models with
  a ``company_ids`` many2many, any overlap) on searches and reads; writes ignore it.
* Many2one targets are checked only when the target model has rows at all (a store loaded
  with a subset of models stays usable).
* Required fields: only a curated list (``_REQUIRED``) is enforced on create, since Odoo fills
  most others with defaults the simulator does not know.
* ``create`` called with a single dict returns one id on every transport (JSON-2 in Odoo 19
  would return ``[id]``).
* Models the simulator does not model (res.country, utm.source...) are not callable, but
  many2one values pointing at them render the recorded display names.
* Domains: ``[True]`` inside a list is accepted as TRUE (Odoo 19 rejects it); ``any`` sub-
  queries ignore ``active_test`` and record rules.
"""

from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import json
import logging
import pickle
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from simulator import domain as dom
from simulator import models as meta
from simulator.access import (
    SimUser,
    access_error,
    allowed_companies,
    check_access,
    default_users,
)
from simulator.exceptions import (
    AccessDenied,
    AccessError,
    MissingError,
    NotFound,
    UserError,
    ValidationError,
)

__all__ = ["OdooStore", "SimUser", "default_users", "load_fields"]

logger = logging.getLogger(__name__)

ODOO19_DIR = Path(__file__).resolve().parent / "odoo19"
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
    def wrapper(self: OdooStore, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return fn(self, *args, **kwargs)

    return wrapper


class _Call:
    """Per-call caches (display names, compiled visibility)."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names: dict[tuple[str, Any], Any] = {}


# Positional parameter names per public method, and whether it is a record method (ids first).
_METHODS: dict[str, tuple[bool, tuple[str, ...], tuple[str, ...]]] = {
    # name: (record method, positional names, required names)
    "search_read": (False, ("domain", "fields", "offset", "limit", "order"), ()),
    "search": (False, ("domain", "offset", "limit", "order"), ("domain",)),
    "search_count": (False, ("domain", "limit"), ("domain",)),
    "read": (True, ("fields", "load"), ()),
    "write": (True, ("vals",), ("vals",)),
    "create": (False, ("vals_list",), ("vals_list",)),
    "unlink": (True, (), ()),
    "fields_get": (False, ("allfields", "attributes"), ()),
    "name_search": (False, ("name", "domain", "operator", "limit"), ()),
    "message_post": (True, (), ()),
    "action_archive": (True, (), ()),
    "action_unarchive": (True, (), ()),
    "exists": (True, (), ()),
    "search_fetch": (False, ("domain", "field_names", "offset", "limit", "order"), ("domain",)),
    "web_search_read": (False, ("domain", "specification", "offset", "limit", "order"), ()),
    "check_access_rights": (False, ("operation", "raise_exception"), ("operation",)),
    "activity_schedule": (True, ("act_type_xmlid", "date_deadline", "summary", "note"), ()),
    "button_cancel": (True, (), ()),
}
#: Business methods that exist on one model only (``purchase.order.button_cancel``).
_MODEL_METHODS: dict[str, str] = {"button_cancel": "purchase.order"}
#: ``purchase.order._unlink_if_cancelled`` (Odoo 17 and 19 alike, recorded on both).
PO_UNLINK_REFUSED = "In order to delete a purchase order, you must cancel it first."
PO_CANCEL_REFUSED = (
    "Unable to cancel this purchase order. You must first cancel the related vendor bills."
)
_EXTRA_KW: dict[str, tuple[str, ...]] = {
    "search_read": ("load",),
    "message_post": (
        "body",
        "subject",
        "message_type",
        "subtype_xmlid",
        "subtype_id",
        "partner_ids",
        "body_is_html",
        "attachment_ids",
    ),
    "web_search_read": ("count_limit",),
    # mail.activity.mixin.activity_schedule(**act_values): the values a caller may add
    "activity_schedule": ("user_id", "activity_type_id"),
}


class OdooStore:
    """One Odoo database in memory. Thread-safe: every public call takes one lock and is one
    'transaction' (one ``write_date`` stamp)."""

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

    # ------------------------------------------------------------------ visibility

    def _visibility(
        self, model: str, tree: tuple, uid: int, context: dict | None
    ) -> Callable[[dict], bool] | None:
        """Predicate for active_test + multi-company rules, None when everything is visible."""
        user = self._user(uid)
        ctx = context or {}
        companies = set(allowed_companies(user, ctx))
        fdefs = self.fields[model]
        checks: list[Callable[[dict], bool]] = []
        if (
            "active" in fdefs
            and fdefs["active"].get("store", True)
            and ctx.get("active_test", True)
            and not dom.uses_field(tree, "active")
        ):
            checks.append(lambda r: bool(r.get("active", False)))
        rule = self._company_rule(model, companies, user)
        if rule is not None:
            checks.append(rule)
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        a, b = checks
        return lambda r: a(r) and b(r)

    def _company_rule(
        self, model: str, companies: set[int], user: SimUser | None = None
    ) -> Callable[[dict], bool] | None:
        if model == "res.company" and user is not None:
            # Odoo's global rule "company rule employee": a user sees the companies they
            # belong to, whatever the context asks for.
            mine = set(user.company_ids)
            return lambda r: r["id"] in mine
        if model in ("res.users", "res.company"):
            return None
        fdefs = self.fields[model]
        cdef = fdefs.get("company_id")
        if cdef and cdef["type"] == "many2one" and cdef.get("store", True):
            return lambda r: not r.get("company_id") or r["company_id"] in companies
        cdef = fdefs.get("company_ids")
        if cdef and cdef["type"] == "many2many" and cdef.get("store", True):
            return lambda r: (
                not r.get("company_ids") or any(c in companies for c in r["company_ids"])
            )
        return None

    # ------------------------------------------------------------------ search

    def _search_rows(
        self,
        model: str,
        domain: Any,
        offset: int,
        limit: int | None,
        order: str | None,
        uid: int,
        context: dict | None,
        *,
        count_only: bool = False,
    ) -> list[dict[str, Any]]:
        self._check_model(model)
        check_access(self._user(uid), model, "read")
        tree = dom.parse(domain)
        vis = self._visibility(model, tree, uid, context)
        offset = int(offset or 0)
        limit = int(limit) if limit else None
        if not count_only:
            fast = self._fast_search(model, tree, order, vis, offset, limit)
            if fast is not None:
                return fast
        pred = dom.compile_tree(tree, model, self)
        rows = self._rows(model)
        if vis is None:
            found = [r for r in rows.values() if pred(r)]
        else:
            found = [r for r in rows.values() if vis(r) and pred(r)]
        if count_only:
            return found
        self._sort(model, found, order)
        if offset:
            found = found[offset:]
        if limit is not None:
            found = found[:limit]
        return found

    def _fast_search(
        self,
        model: str,
        tree: tuple,
        order: str | None,
        vis: Callable[[dict], bool] | None,
        offset: int,
        limit: int | None,
    ) -> list[dict[str, Any]] | None:
        """Bisect on a sorted index for the extractor's keyset shapes; None = not applicable."""
        if order is None:
            return None
        norm = " ".join(order.lower().replace(",", " , ").split())
        rows = self._rows(model)
        if norm in ("id", "id asc"):
            idx = self._id_index(model)
            if tree[0] == "true":
                start = 0
            elif tree[0] == "leaf" and tree[1] == "id" and tree[2] in (">", ">="):
                value = tree[3]
                if not isinstance(value, int) or isinstance(value, bool):
                    return None
                start = (bisect_right if tree[2] == ">" else bisect_left)(idx, value)
            else:
                return None
            return self._collect(rows, (idx[i] for i in range(start, len(idx))), vis, offset, limit)
        if norm not in ("write_date asc , id asc", "write_date , id", "write_date asc , id"):
            return None
        if "write_date" not in self.fields[model]:
            return None
        start_key = self._keyset_start(tree)
        if start_key is None:
            return None
        wd_idx = self._wd_index(model)
        if wd_idx is None:
            return None
        if start_key == "all":
            if wd_idx and wd_idx[0][0] == "":
                return None  # rows without write_date sort last in SQL: let the slow path do it
            start = 0
        else:
            start = (
                bisect_right(wd_idx, start_key)
                if start_key[1] is not None
                else bisect_left(wd_idx, (start_key[0], -1))
            )
        return self._collect(
            rows, (wd_idx[i][1] for i in range(start, len(wd_idx))), vis, offset, limit
        )

    @staticmethod
    def _keyset_start(tree: tuple) -> Any:
        """(W, I) for ``wd > W or (wd = W and id > I)``, (W, None) for ``wd >= W``, 'all'."""
        if tree[0] == "true":
            return "all"
        if tree[0] == "leaf" and tree[1] == "write_date" and tree[2] in (">", ">="):
            bounds = dom.datetime_bounds(tree[2], tree[3])
            if bounds is None:
                return None
            return (bounds[0], None)
        if tree[0] == "or" and len(tree[1]) == 2:
            a, b = tree[1]
            if not (a[0] == "leaf" and a[1] == "write_date" and a[2] == ">"):
                return None
            if b[0] != "and" or len(b[1]) != 2:
                return None
            c, d = b[1]
            if c[0] != "leaf" or d[0] != "leaf":
                return None
            if c[1] == "id":
                c, d = d, c
            if not (c[1] == "write_date" and c[2] == "=" and d[1] == "id" and d[2] == ">"):
                return None
            if not isinstance(d[3], int) or isinstance(d[3], bool):
                return None
            gt = dom.datetime_bounds(">", a[3])
            eq = dom.datetime_bounds("=", c[3])
            if gt is None or eq is None or gt[0] != eq[1]:
                return None
            return (eq[0], d[3])
        return None

    @staticmethod
    def _collect(
        rows: dict[int, dict[str, Any]],
        ids: Iterable[int],
        vis: Callable[[dict], bool] | None,
        offset: int,
        limit: int | None,
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        skip = offset
        for rid in ids:
            row = rows[rid]
            if vis is not None and not vis(row):
                continue
            if skip:
                skip -= 1
                continue
            out.append(row)
            if limit is not None and len(out) >= limit:
                break
        return out

    def _parse_order(self, model: str, order: str | None) -> list[tuple[str, bool, str | None]]:
        fdefs = self.fields[model]
        if not order:
            spec = meta.ORDERS.get(model, "id")
            terms = []
            for part in spec.split(","):
                words = part.split()
                if (words and words[0] in fdefs) or words[0] == "id":
                    terms.append(part)
            order = ",".join(terms) or "id"
        out = []
        for part in order.split(","):
            words = part.strip().split()
            if not words:
                continue
            name = words[0]
            if name not in fdefs and name != "id":
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
            rest = [w.lower() for w in words[1:]]
            desc = "desc" in rest[:1]
            if rest[:1] and rest[0] not in ("asc", "desc", "nulls"):
                raise ValueError(f"Invalid order {order!r} for model {model!r}")
            nulls = None
            if "nulls" in rest:
                pos = rest.index("nulls")
                nulls = rest[pos + 1] if pos + 1 < len(rest) else None
            out.append((name, desc, nulls))
        return out

    def _sort(self, model: str, rows: list[dict[str, Any]], order: str | None) -> None:
        terms = self._parse_order(model, order)
        fdefs = self.fields[model]
        # final tiebreak: id (asc unless id already ordered)
        if not any(t[0] == "id" for t in terms):
            rows.sort(key=lambda r: r["id"])
        cache: dict = {}
        for name, desc, nulls in reversed(terms):
            if name == "id":
                rows.sort(key=lambda r: r["id"], reverse=desc)
                continue
            ftype = fdefs[name]["type"]
            nulls_first = (nulls == "first") if nulls else desc
            # after reverse=desc, a null flag of 0 lands last
            null_flag = (1 if desc else 0) if nulls_first else (0 if desc else 1)
            key: Callable[[dict], Any]
            if ftype in ("integer", "float", "monetary"):

                def key(r: dict, n: str = name) -> Any:
                    return r.get(n, 0) or 0
            elif ftype == "boolean":

                def key(r: dict, n: str = name) -> Any:
                    return bool(r.get(n, False))
            elif ftype == "many2one":
                rel = fdefs[name]["relation"]

                def key(r: dict, n: str = name, rel: str = rel, nf: int = null_flag) -> Any:
                    v = r.get(n)
                    if not v:
                        return (nf, "")
                    label = self._name_of(rel, v, cache)
                    return (1 - nf, label if isinstance(label, str) else "")
            else:

                def key(r: dict, n: str = name, nf: int = null_flag) -> Any:
                    v = r.get(n)
                    if v is False or v is None or isinstance(v, list):
                        return (nf, "")
                    return (1 - nf, v)

            rows.sort(key=key, reverse=desc)

    # ------------------------------------------------------------------ read formatting

    def _check_fields(self, model: str, fields: Any) -> list[str]:
        fdefs = self.fields[model]
        if not fields:
            return self._stored(model)
        if isinstance(fields, str):
            fields = [fields]
        out = ["id"]
        for f in fields:
            if f == "id":
                continue
            if f not in fdefs:
                raise ValueError(f"Invalid field {f!r} on {model!r}")
            if f not in out:
                out.append(f)
        return out

    def _format(
        self, model: str, rows: list[dict[str, Any]], names: list[str], load: Any
    ) -> list[dict[str, Any]]:
        fdefs = self.fields[model]
        classic = load == "_classic_read"
        cache: dict = {}
        plan: list[tuple[str, int, Any, Any]] = []
        # kind: 0 plain, 1 many2one classic, 2 x2many copy, 3 display_name, 4 non-stored default
        for n in names:
            if n == "id":
                continue
            d = fdefs[n]
            t = d["type"]
            if n == "display_name":
                plan.append((n, 3, None, None))
            elif not d.get("store", True):
                plan.append((n, 4, _type_default(t), None))
            elif t == "many2one":
                plan.append((n, 1 if classic else 0, False, d.get("relation")))
            elif t in _X2MANY or t in ("properties", "properties_definition"):
                plan.append((n, 2, None, None))
            else:
                plan.append((n, 0, _type_default(t), None))
        simple = all(k == 0 for _, k, _, _ in plan)
        if simple:
            pairs = [(n, d) for n, _, d, _ in plan]
            return [{"id": r["id"], **{n: r.get(n, d) for n, d in pairs}} for r in rows]
        out = []
        for r in rows:
            rec: dict[str, Any] = {"id": r["id"]}
            for n, kind, d, rel in plan:
                if kind == 0:
                    rec[n] = r.get(n, d)
                elif kind == 1:
                    v = r.get(n)
                    rec[n] = [v, self._name_of(rel, v, cache)] if v else False
                elif kind == 2:
                    v = r.get(n)
                    rec[n] = list(v) if v else []
                elif kind == 3:
                    rec[n] = self._name_of(model, r["id"], cache)
                else:
                    rec[n] = list(d) if isinstance(d, list) else d
            out.append(rec)
        return out

    # ------------------------------------------------------------------ ORM: read side

    @_synchronized
    def search(
        self,
        model: str,
        domain: Any = (),
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> list[int]:
        """Ids matching ``domain`` in ``order`` (default: the model's ``_order``)."""
        rows = self._search_rows(model, domain, offset, limit, order, uid, context)
        return [r["id"] for r in rows]

    @_synchronized
    def search_count(
        self,
        model: str,
        domain: Any = (),
        limit: int | None = None,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> int:
        """How many records match (capped at ``limit`` when given, as Odoo does)."""
        rows = self._search_rows(model, domain, 0, None, None, uid, context, count_only=True)
        n = len(rows)
        return min(n, int(limit)) if limit else n

    @_synchronized
    def search_read(
        self,
        model: str,
        domain: Any = (),
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        *,
        load: Any = "_classic_read",
        uid: int = 2,
        context: dict | None = None,
    ) -> list[dict]:
        """``search`` + ``read`` in one call, the extractor's workhorse."""
        self._check_model(model)
        names = self._check_fields(model, fields)
        rows = self._search_rows(model, domain, offset, limit, order, uid, context)
        return self._format(model, rows, names, load)

    @_synchronized
    def read(
        self,
        model: str,
        ids: Any,
        fields: list[str] | None = None,
        *,
        load: Any = "_classic_read",
        uid: int = 2,
        context: dict | None = None,
    ) -> list[dict]:
        """Records by id, in the order asked; ids that do not exist are left out (Odoo 19)."""
        self._check_model(model)
        user = self._user(uid)
        check_access(user, model, "read")
        names = self._check_fields(model, fields)
        ids = self._ids(ids)
        table = self._rows(model)
        seen: set[int] = set()
        rows = []
        for i in ids:
            if i in table and i not in seen:
                seen.add(i)
                rows.append(table[i])
        rule = self._company_rule(model, set(allowed_companies(user, context)), user)
        if rule is not None:
            denied = [r for r in rows if not rule(r)]
            if denied:
                raise self._rule_error(model, user, "read", denied)
        return self._format(model, rows, names, load)

    def _rule_error(
        self, model: str, user: SimUser, op: str, rows: list[dict[str, Any]]
    ) -> AccessError:
        cache: dict = {}
        lines = "\n".join(
            f"- {meta.description(model)}, {self._name_of(model, r['id'], cache)} "
            f"({model}: {r['id']})"
            for r in rows[:6]
        )
        return AccessError(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user.name} (id={user.uid}) doesn't have '{op}' access to:\n{lines}\n\n"
            "If you really, really need access, perhaps you can win over your friendly "
            "administrator with a batch of freshly baked cookies."
        )

    @_synchronized
    def fields_get(
        self,
        model: str,
        allfields: list[str] | None = None,
        attributes: list[str] | None = None,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> dict:
        """Field definitions as Odoo's ``fields_get`` returns them."""
        self._check_model(model)
        out = {}
        for name, d in self.fields[model].items():
            if allfields and name not in allfields:
                continue
            out[name] = {k: v for k, v in d.items() if not attributes or k in attributes}
        return out

    @_synchronized
    def name_search(
        self,
        model: str,
        name: str = "",
        domain: Any = None,
        operator: str = "ilike",
        limit: int = 100,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> list[list]:
        """``[[id, display_name], ...]`` of records whose name matches."""
        rows = self._search_rows(model, domain or [], 0, None, None, uid, context)
        cache: dict = {}
        out = []
        matcher = None
        if name:
            matcher = dom.like_regex(
                str(name),
                wrap=operator in ("ilike", "like", "not ilike", "not like"),
                ignore_case="ilike" in operator,
            )
        rec = meta.rec_name(model)
        for r in rows:
            label = self._name_of(model, r["id"], cache)
            if matcher is not None:
                texts = [
                    t for t in (label, r.get(rec), r.get("default_code")) if isinstance(t, str)
                ]
                if operator in ("=", "!="):
                    hit = any(t == name for t in texts)
                else:
                    hit = any(matcher.match(t) for t in texts)
                if operator.startswith("not") or operator == "!=":
                    hit = not hit
                if not hit:
                    continue
            out.append([r["id"], label])
            if limit and len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------------ ORM: write side

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

    def _convert(self, model: str, name: str, value: Any, d: dict[str, Any]) -> Any:
        """A value from ``vals`` in internal form (validated)."""
        t = d["type"]
        if value is None:
            return _type_default(t) if t not in _X2MANY else []
        if t == "many2one":
            if value is False or value == 0:
                return False
            if isinstance(value, list | tuple) and value:
                value = value[0]
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            rel = d.get("relation")
            target = self._tables.get(rel) if rel is not None and rel in self.fields else None
            if target and value not in target:  # empty table = not loaded: no check
                raise ValidationError(
                    "The operation cannot be completed: the record "
                    f"{rel}({value},) referenced by {model}.{name} does not exist."
                )
            return value
        if t == "selection":
            if value is False:
                return False
            allowed = {k for k, _ in d.get("selection") or ()}
            if allowed and value not in allowed:
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            return value
        if t == "boolean":
            return bool(value)
        if t == "integer" or t == "many2one_reference":
            if value is False:
                return 0
            return int(value)
        if t in ("float", "monetary"):
            if value is False:
                return 0.0
            return float(value)
        if t == "datetime":
            if value is False:
                return False
            if isinstance(value, datetime):
                return value.strftime("%Y-%m-%d %H:%M:%S")
            if isinstance(value, date):
                return f"{value.isoformat()} 00:00:00"
            parsed = dom.parse_datetime(value)
            if parsed is None:
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            return parsed[0].strftime("%Y-%m-%d %H:%M:%S")
        if t == "date":
            if value is False:
                return False
            if isinstance(value, datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            parsed = dom.parse_datetime(value)
            if parsed is None:
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            return parsed[0].date().isoformat()
        if t in ("char", "text", "html"):
            if value is False or value == "":
                return False
            return str(value)
        return value

    def _x2many(
        self,
        model: str,
        name: str,
        d: dict[str, Any],
        current: list[int],
        value: Any,
        ts: str,
        uid: int,
        owner_id: int,
    ) -> list[int]:
        """Apply Odoo's x2many commands (tuples or lists, or a plain list of ids = set)."""
        rel = d["relation"]
        inverse = meta.INVERSES.get((model, name))
        inv_field = inverse[1] if inverse and inverse[0] == rel else None
        if value is False or value is None:
            return []
        if not isinstance(value, list | tuple):
            raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            value = [(6, 0, list(value))]
        ids = list(current)
        for cmd in value:
            if not isinstance(cmd, list | tuple) or not cmd:
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
            code = cmd[0]
            # x2many command triples come straight from the RPC payload: untyped
            arg1: Any = cmd[1] if len(cmd) > 1 else 0
            arg2: Any = cmd[2] if len(cmd) > 2 else 0
            if code == 0:
                vals = dict(arg2 or {})
                if inv_field:
                    vals[inv_field] = owner_id
                new_id = self._create_one(rel, vals, ts, uid, skip_parent=True)
                if new_id not in ids:
                    ids.append(new_id)
            elif code == 1:
                self._write_rows(rel, [arg1], dict(arg2 or {}), ts, uid)
            elif code == 2:
                self._unlink_rows(rel, [arg1], ts, uid)
                ids = [i for i in ids if i != arg1]
            elif code == 3:
                ids = [i for i in ids if i != arg1]
            elif code == 4:
                if arg1 not in ids:
                    ids.append(arg1)
                if inv_field:
                    self._write_rows(rel, [arg1], {inv_field: owner_id}, ts, uid, sync=False)
            elif code == 5:
                ids = []
            elif code == 6:
                ids = list(arg2 or [])
                if inv_field:
                    for cid in ids:
                        child = self._rows(rel).get(cid)
                        if child is not None and child.get(inv_field) != owner_id:
                            self._write_rows(rel, [cid], {inv_field: owner_id}, ts, uid, sync=False)
            else:
                raise ValueError(f"Wrong value for {model}.{name}: {value!r}")
        return ids

    def _validate_names(self, model: str, vals: dict[str, Any]) -> None:
        if not isinstance(vals, dict):
            raise TypeError(f"Invalid values {vals!r} for {model}")
        fdefs = self.fields[model]
        for k in vals:
            if k not in fdefs:
                raise ValueError(f"Invalid field {k!r} on model {model!r}")

    def _required(self, model: str, row: dict[str, Any]) -> None:
        if model == "res.partner" and not row.get("name"):
            raise ValidationError("The operation cannot be completed: Contacts require a name")
        for f in _REQUIRED.get(model, ()):
            if f in self.fields[model] and not row.get(f) and row.get(f) != 0:
                d = self.fields[model][f]
                label = d.get("string", f)
                raise ValidationError(
                    "The operation cannot be completed: Missing required value for the "
                    f"field '{label}' ({f}).\nModel: {meta.description(model)} ({model}), "
                    f"Field: {label} ({f})"
                )

    def _apply_vals(
        self, model: str, row: dict[str, Any], vals: dict[str, Any], ts: str, uid: int
    ) -> None:
        fdefs = self.fields[model]
        rid = row["id"]
        for k, v in vals.items():
            if k == "id" or k in _MAGIC:
                continue
            d = fdefs[k]
            t = d["type"]
            if t in _X2MANY:
                new = self._x2many(model, k, d, row.get(k) or [], v, ts, uid, rid)
            else:
                new = self._convert(model, k, v, d)
            if new is False or new == [] or (new == 0 and t in _ZERO_TYPES):
                row.pop(k, None)
                continue
            row[k] = new

    def _derived(self, model: str, row: dict[str, Any], vals: dict[str, Any]) -> None:
        """The stored computed fields the simulator keeps up to date."""
        sep = meta.COMPLETE_NAME_SEPARATORS.get(model)
        parent_field = meta.PARENTS.get(model)
        if model == "res.partner" and "complete_name" not in vals:
            if "name" in vals or "parent_id" in vals or "is_company" in vals:
                parent = self._lookup(model, row.get("parent_id"))
                if parent and not row.get("is_company") and row.get("name"):
                    pname = parent.get("commercial_company_name") or parent.get("name")
                    row["complete_name"] = f"{pname}, {row['name']}"
                elif row.get("name"):
                    row["complete_name"] = row["name"]
            if "commercial_partner_id" in self.fields[model] and (
                "parent_id" in vals or "is_company" in vals or "commercial_partner_id" not in row
            ):
                parent = self._lookup(model, row.get("parent_id"))
                if parent and not row.get("is_company"):
                    row["commercial_partner_id"] = (
                        parent.get("commercial_partner_id") or parent["id"]
                    )
                else:
                    row["commercial_partner_id"] = row["id"]
        elif (
            sep
            and parent_field
            and "complete_name" not in vals
            and ("name" in vals or parent_field in vals)
        ):
            parent = self._lookup(model, row.get(parent_field))
            if parent and parent.get("complete_name"):
                row["complete_name"] = f"{parent['complete_name']}{sep}{row.get('name') or ''}"
            elif row.get("name"):
                row["complete_name"] = row["name"]
        if (
            model == "mail.activity"
            and "res_model_id" in self.fields[model]
            and "res_model" in vals
            and "res_model_id" not in vals
        ):
            mid = self._ir_model_id(row.get("res_model"))
            if mid:
                row["res_model_id"] = mid

    def _ir_model_id(self, res_model: Any) -> int | None:
        for r in self._rows("mail.activity").values():
            if r.get("res_model") == res_model and r.get("res_model_id"):
                return r["res_model_id"]
        want = meta.description(res_model) if isinstance(res_model, str) else None
        for mid, label in meta.reference_names().get("ir.model", {}).items():
            if label == want:
                return mid
        return None

    def _sync_inverse(
        self, model: str, row: dict[str, Any], old: dict[str, Any], ts: str, uid: int
    ) -> None:
        """Keep the parents' one2many lists in step with a child's many2one."""
        for (pmodel, o2m), (cmodel, m2o) in meta.INVERSES.items():
            if cmodel != model:
                continue
            before, after = old.get(m2o), row.get(m2o)
            if before == after:
                continue
            ptable = self._rows(pmodel)
            if before and before in ptable:
                lst = ptable[before].get(o2m) or []
                if row["id"] in lst:
                    ptable[before][o2m] = [i for i in lst if i != row["id"]]
                    if not ptable[before][o2m]:
                        del ptable[before][o2m]
            if after and after in ptable:
                lst = ptable[after].setdefault(o2m, [])
                if row["id"] not in lst:
                    lst.append(row["id"])

    def _bump_parent(self, model: str, row: dict[str, Any], ts: str, uid: int) -> None:
        link = meta.PARENT_BUMPS.get(model)
        if not link:
            return
        pmodel = self.fields[model][link]["relation"]
        pid = row.get(link)
        parent = self._rows(pmodel).get(pid) if pid is not None else None
        if parent is not None:
            self._set_write_date(pmodel, parent, ts, uid)

    def _create_one(
        self, model: str, vals: dict[str, Any], ts: str, uid: int, *, skip_parent: bool = False
    ) -> int:
        self._validate_names(model, vals)
        fdefs = self.fields[model]
        rid = self._next_id.get(model, 1)
        while rid in self._rows(model):
            rid += 1
        self._next_id[model] = rid + 1
        row: dict[str, Any] = {"id": rid}
        if "active" in fdefs and "active" not in vals and fdefs["active"].get("store", True):
            row["active"] = True
        for fname, default in _DEFAULTS.get(model, {}).items():
            if fname not in vals and fname in fdefs:
                row[fname] = default
        scalars = {k: v for k, v in vals.items() if fdefs[k]["type"] not in _X2MANY}
        x2m = {k: v for k, v in vals.items() if fdefs[k]["type"] in _X2MANY}
        self._apply_vals(model, row, scalars, ts, uid)
        for f in _MAGIC:
            if f in fdefs or f in ("create_date", "write_date"):
                row[f] = ts if f.endswith("date") else uid
        self._derived(model, row, vals)
        self._required(model, row)
        table = self._tables.setdefault(model, {})
        table[rid] = row
        self._index_add(model, row)
        self._sync_inverse(model, row, {}, ts, uid)
        if x2m:
            self._apply_vals(model, row, x2m, ts, uid)
        if not skip_parent:
            self._bump_parent(model, row, ts, uid)
        return rid

    def _write_rows(
        self,
        model: str,
        ids: list[int],
        vals: dict[str, Any],
        ts: str,
        uid: int,
        *,
        sync: bool = True,
    ) -> None:
        self._validate_names(model, vals)
        table = self._rows(model)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: {uid})"
            )
        for rid in ids:
            row = table[rid]
            old = {m2o: row.get(m2o) for (_p, _o), (c, m2o) in meta.INVERSES.items() if c == model}
            old_parent = row.get(meta.PARENT_BUMPS.get(model, ""), None)
            self._apply_vals(model, row, vals, ts, uid)
            self._derived(model, row, vals)
            self._set_write_date(model, row, ts, uid)
            if sync:
                self._sync_inverse(model, row, old, ts, uid)
            self._bump_parent(model, row, ts, uid)
            link = meta.PARENT_BUMPS.get(model)
            if link and old_parent and old_parent != row.get(link):
                pmodel = self.fields[model][link]["relation"]
                prow = self._rows(pmodel).get(old_parent)
                if prow is not None:
                    self._set_write_date(pmodel, prow, ts, uid)

    def _unlink_rows(self, model: str, ids: list[int], ts: str, uid: int) -> None:
        table = self._rows(model)
        todo = [i for i in dict.fromkeys(ids) if i in table]
        if not todo:
            return
        for cmodel, link in meta.CASCADES.get(model, ()):
            if cmodel not in self._tables:
                continue
            doomed = set(todo)
            children = [cid for cid, c in self._tables[cmodel].items() if c.get(link) in doomed]
            if children:
                self._unlink_rows(cmodel, children, ts, uid)
        bump = meta.PARENT_BUMPS.get(model)
        for rid in todo:
            row = table.pop(rid, None)
            if row is None:
                continue
            self._index_remove(model, row)
            self._sync_inverse(model, {"id": rid}, row, ts, uid)
            if bump:
                pmodel = self.fields[model][bump]["relation"]
                pid = row.get(bump)
                prow = self._rows(pmodel).get(pid) if pid is not None else None
                if prow is not None:
                    self._set_write_date(pmodel, prow, ts, uid)

    @_synchronized
    def create(
        self, model: str, vals_list: Any, *, uid: int = 2, context: dict | None = None
    ) -> list[int]:
        """Create records (one transaction, one timestamp); returns their ids."""
        self._check_model(model)
        check_access(self._user(uid), model, "create")
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else list(vals_list)
        for vals in items:
            self._validate_names(model, vals)
        ts = self._stamp()
        self._log(uid, model, "create", None, {"vals_list": items})
        snapshot = self._snapshot(model)
        try:
            return [self._create_one(model, dict(v), ts, uid) for v in items]
        except Exception:
            self._restore(snapshot)
            raise

    @_synchronized
    def write(
        self, model: str, ids: Any, vals: dict, *, uid: int = 2, context: dict | None = None
    ) -> bool:
        """Update records; bumps ``write_date`` even when nothing changes (as Odoo does)."""
        self._check_model(model)
        check_access(self._user(uid), model, "write")
        ids = self._ids(ids)
        self._validate_names(model, vals)
        ts = self._stamp()
        self._log(uid, model, "write", ids, {"vals": vals})
        snapshot = self._snapshot(model)
        try:
            self._write_rows(model, list(dict.fromkeys(ids)), dict(vals), ts, uid)
        except Exception:
            self._restore(snapshot)
            raise
        return True

    @_synchronized
    def unlink(self, model: str, ids: Any, *, uid: int = 2, context: dict | None = None) -> bool:
        """Hard delete, cascading to the children Odoo deletes with their parent."""
        self._check_model(model)
        check_access(self._user(uid), model, "unlink")
        ids = self._ids(ids)
        table = self._rows(model)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: {uid})"
            )
        if model == "purchase.order" and any(table[i].get("state") != "cancel" for i in ids):
            raise UserError(PO_UNLINK_REFUSED)
        ts = self._stamp()
        self._log(uid, model, "unlink", ids, {})
        self._unlink_rows(model, ids, ts, uid)
        return True

    @_synchronized
    def button_cancel(
        self, model: str, ids: Any, *, uid: int = 2, context: dict | None = None
    ) -> None:
        """``purchase.order.button_cancel``: refused while a vendor bill of the order is
        posted; else the orders go to ``cancel``. Returns None (so JSON-RPC answers without
        a ``result``, JSON-2 ``null``, and XML-RPC a marshalling fault after the commit)."""
        self._check_model(model)
        check_access(self._user(uid), model, "write")
        ids = self._ids(ids)
        table = self._rows(model)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: {uid})"
            )
        moves = self._rows("account.move") if "account.move" in self._tables else {}
        for rid in ids:
            for mid in table[rid].get("invoice_ids") or []:
                if (moves.get(mid) or {}).get("state") not in (None, "cancel", "draft"):
                    raise UserError(PO_CANCEL_REFUSED)
        ts = self._stamp()
        self._log(uid, model, "button_cancel", ids, {})
        self._write_rows(model, ids, {"state": "cancel"}, ts, uid)
        return None

    def _snapshot(self, model: str) -> Any:
        """Cheap undo for a failing call: a validation error must leave no partial rows.

        Only row identity of the touched model is remembered; field-level changes of a
        failing multi-record write are undone by copying rows lazily (small models only).
        """
        table = self._rows(model)
        if len(table) > 20000:
            return None
        return (model, {k: dict(v) for k, v in table.items()}, dict(self._next_id))

    def _restore(self, snapshot: Any) -> None:
        if snapshot is None:
            return
        model, rows, next_id = snapshot
        self._tables[model] = rows
        self._next_id = next_id
        self._idx_id.pop(model, None)
        self._idx_wd.pop(model, None)

    @_synchronized
    def message_post(
        self,
        model: str,
        ids: Any,
        body: str = "",
        *,
        message_type: str = "notification",
        subtype_xmlid: str | None = None,
        subject: str | None = None,
        uid: int = 2,
        context: dict | None = None,
        **extra: Any,
    ) -> int:
        """Chatter post: a mail.message row; does NOT bump the record's write_date."""
        self._check_model(model)
        user = self._user(uid)
        check_access(user, model, "read")
        ids = self._ids(ids)
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))},)")
        if ids[0] not in self._rows(model):
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({ids[0]},), User: {uid})"
            )
        ts = self._stamp()
        self._log(uid, model, "message_post", ids, {"body": body, "message_type": message_type,
                                                     "subtype_xmlid": subtype_xmlid})  # fmt: skip
        users_row = self._rows("res.users").get(uid) or {}
        msg = {
            "model": model,
            "res_id": ids[0],
            "body": body or False,
            "message_type": message_type,
            "subject": subject or False,
            "date": ts,
            "author_id": users_row.get("partner_id") or False,
        }
        if "mail.message" in self.fields:
            mdefs = self.fields["mail.message"]
            vals = {k: v for k, v in msg.items() if k in mdefs}
            rid = self._next_id.get("mail.message", 1)
            while rid in self._rows("mail.message"):
                rid += 1
            self._next_id["mail.message"] = rid + 1
            row: dict[str, Any] = {"id": rid}
            for k, v in vals.items():
                if v is not False:
                    row[k] = v
            for f in _MAGIC:
                row[f] = ts if f.endswith("date") else uid
            self._tables.setdefault("mail.message", {})[rid] = row
            self._index_add("mail.message", row)
            return rid
        msg["id"] = len(self._messages) + 1
        self._messages.append(msg)
        return msg["id"]

    @_synchronized
    def activity_schedule(
        self,
        model: str,
        ids: Any,
        act_type_xmlid: str = "",
        date_deadline: Any = None,
        summary: str = "",
        note: str = "",
        *,
        uid: int = 2,
        context: dict | None = None,
        **act_values: Any,
    ) -> list[int]:
        """``mail.activity.mixin.activity_schedule``: one mail.activity per record, in one
        transaction; returns the new activity ids (a recordset over the wire).

        Like Odoo: only models with the activity mixin (``activity_ids``), a missing deadline
        is today, the activity is ``automated`` and assigned to the caller unless ``user_id``
        is given. The activity type named by ``act_type_xmlid`` is not modelled (the
        simulator has no ``mail.activity.type``): ``activity_type_id`` stays empty.
        """
        self._check_model(model)
        if "activity_ids" not in self.fields[model]:
            raise NotFound(f"The method '{model}.activity_schedule' does not exist")
        check_access(self._user(uid), model, "read")
        check_access(self._user(uid), "mail.activity", "create")
        ids = self._ids(ids)
        table = self._rows(model)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({', '.join(map(str, missing))},), User: {uid})"
            )
        ts = self._stamp()
        self._log(uid, model, "activity_schedule", ids,
                  {"act_type_xmlid": act_type_xmlid, "date_deadline": date_deadline,
                   "summary": summary, "note": note, **act_values})  # fmt: skip
        deadline = date_deadline or self.now.date().isoformat()
        snapshot = self._snapshot("mail.activity")
        try:
            out = []
            for rid in ids:
                vals: dict[str, Any] = {
                    "res_model": model,
                    "res_id": rid,
                    "summary": summary or False,
                    "note": note or False,
                    "date_deadline": deadline,
                    "automated": True,
                    "user_id": act_values.get("user_id") or uid,
                }
                if act_values.get("activity_type_id"):
                    vals["activity_type_id"] = act_values["activity_type_id"]
                vals = {k: v for k, v in vals.items() if k in self.fields["mail.activity"]}
                out.append(self._create_one("mail.activity", vals, ts, uid))
            return out
        except Exception:
            self._restore(snapshot)
            raise

    def _archive(self, model: str, ids: Any, active: bool, uid: int) -> bool:
        self._check_model(model)
        if "active" not in self.fields[model]:
            raise NotFound(
                f"The method '{model}.{'action_archive' if not active else 'action_unarchive'}'"
                " does not exist"
            )
        check_access(self._user(uid), model, "write")
        ids = self._ids(ids)
        table = self._rows(model)
        todo = [i for i in ids if i in table and bool(table[i].get("active")) != active]
        ts = self._stamp()
        method = "action_unarchive" if active else "action_archive"
        self._log(uid, model, method, ids, {})
        if todo:
            self._write_rows(model, todo, {"active": active}, ts, uid)
        return True

    # ------------------------------------------------------------------ dispatch

    @_synchronized
    def execute(self, uid: int, model: str, method: str, args: list, kwargs: dict) -> Any:
        """Run one external-API call (``execute_kw`` or a JSON-2 body) with Odoo's argument
        rules and error messages."""
        self._check_model(model)
        if not isinstance(method, str) or method.startswith("_"):
            raise AccessError(
                f"Private methods (such as '{model}.{method}') cannot be called remotely."
            )
        spec = _METHODS.get(method)
        if spec is None or (method in ("action_archive", "action_unarchive")
                            and "active" not in self.fields[model]) or (
            method in _MODEL_METHODS and _MODEL_METHODS[method] != model
        ):  # fmt: skip
            raise NotFound(f"The method '{model}.{method}' does not exist")
        self._user(uid)
        is_record, positional, required = spec
        args = list(args or [])
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None)
        if context is not None and not isinstance(context, dict):
            raise TypeError(f"context must be a dict, got {context!r}")
        ids: Any = None
        if is_record:
            if "ids" in kwargs:
                ids = kwargs.pop("ids")
            elif args:
                ids = args.pop(0)
            else:
                ids = []
        elif kwargs.get("ids"):
            raise TypeError(f"cannot call {model}.{method} with ids")
        else:
            kwargs.pop("ids", None)
        if len(args) > len(positional):
            raise TypeError(
                f"BaseModel.{method}() takes from 1 to {len(positional) + 1 + is_record} "
                f"positional arguments but {len(args) + 1 + is_record} were given"
            )
        params: dict[str, Any] = dict(zip(positional, args, strict=False))
        allowed = set(positional) | set(_EXTRA_KW.get(method, ()))
        for k, v in kwargs.items():
            if k in params:
                raise TypeError(f"BaseModel.{method}() got multiple values for argument '{k}'")
            if k not in allowed:
                owner = (
                    "BaseModel._read_format" if method == "search_read" else f"BaseModel.{method}"
                )
                raise TypeError(f"{owner}() got an unexpected keyword argument '{k}'")
            params[k] = v
        for r in required:
            if r not in params:
                raise TypeError(f"missing a required argument: '{r}'")
        call = {"uid": uid, "context": context}
        if method == "search_read":
            return self.search_read(model, params.get("domain") or [], params.get("fields"),
                                    params.get("offset") or 0, params.get("limit"),
                                    params.get("order"), load=params.get("load", "_classic_read"),
                                    **call)  # fmt: skip
        if method == "search":
            return self.search(model, params["domain"], params.get("offset") or 0,
                               params.get("limit"), params.get("order"), **call)  # fmt: skip
        if method == "search_count":
            return self.search_count(model, params["domain"], params.get("limit"), **call)
        if method == "read":
            return self.read(model, ids, params.get("fields"),
                             load=params.get("load", "_classic_read"), **call)  # fmt: skip
        if method == "write":
            return self.write(model, ids, params["vals"], **call)
        if method == "create":
            vals_list = params["vals_list"]
            if isinstance(vals_list, dict):
                return self.create(model, [vals_list], **call)[0]
            if not isinstance(vals_list, list):
                raise TypeError(f"Invalid vals_list {vals_list!r}")
            return self.create(model, vals_list, **call)
        if method == "unlink":
            return self.unlink(model, ids, **call)
        if method == "fields_get":
            return self.fields_get(model, params.get("allfields"), params.get("attributes"), **call)
        if method == "name_search":
            return self.name_search(model, params.get("name") or "", params.get("domain"),
                                    params.get("operator") or "ilike",
                                    params.get("limit", 100), **call)  # fmt: skip
        if method == "message_post":
            extra = {k: v for k, v in params.items() if k not in ("body", "message_type",
                                                                  "subtype_xmlid", "subject")}  # fmt: skip
            return self.message_post(model, ids, params.get("body") or "",
                                     message_type=params.get("message_type") or "notification",
                                     subtype_xmlid=params.get("subtype_xmlid"),
                                     subject=params.get("subject"), **call, **extra)  # fmt: skip
        if method == "activity_schedule":
            return self.activity_schedule(model, ids, **params, **call)
        if method in ("action_archive", "action_unarchive"):
            with self._lock:
                return self._archive(model, ids, method == "action_unarchive", uid)
        if method == "button_cancel":
            return self.button_cancel(model, ids, **call)
        if method == "exists":
            check_access(self._user(uid), model, "read")
            table = self._rows(model)
            return [i for i in self._ids(ids) if i in table]
        if method == "search_fetch":
            return self.search_read(model, params["domain"], params.get("field_names"),
                                    params.get("offset") or 0, params.get("limit"),
                                    params.get("order"), load="", **call)  # fmt: skip
        if method == "web_search_read":
            spec_fields = list((params.get("specification") or {}).keys())
            records = self.search_read(model, params.get("domain") or [], spec_fields or ["id"],
                                       params.get("offset") or 0, params.get("limit"),
                                       params.get("order"), load="", **call)  # fmt: skip
            length = self.search_count(model, params.get("domain") or [], **call)
            return {"length": length, "records": records}
        if method == "check_access_rights":
            user = self._user(uid)
            op = params["operation"]
            ok = user.can(model, op) and not (
                model in meta.SENSITIVE_MODELS and user.access is not None
            )
            if not ok and params.get("raise_exception", True):
                raise access_error(model, op)
            return ok
        raise NotFound(f"The method '{model}.{method}' does not exist")

    def action_archive(self, model: str, ids: Any, *, uid: int = 2) -> bool:
        """Archive active records (bumps their write_date)."""
        with self._lock:
            return self._archive(model, ids, False, uid)

    def action_unarchive(self, model: str, ids: Any, *, uid: int = 2) -> bool:
        """Restore archived records."""
        with self._lock:
            return self._archive(model, ids, True, uid)

    # ------------------------------------------------------------------ authentication

    @_synchronized
    def authenticate(self, login: str, password: str) -> int | None:
        """The uid for a login and its password or API key; None when wrong."""
        for user in self.users.values():
            if user.login and user.login == login:
                if password and (password == user.password or password == self.api_key_for(login)):
                    return user.uid
                return None
        return None

    def check_uid_password(self, uid: int, password: str) -> bool:
        """Odoo's ``_check_uid_passwd``: the user's password or one of its API keys."""
        user = self.users.get(uid)
        if user is None or not user.login or not password:
            return False
        return password == user.password or password == self.api_key_for(user.login)

    def login_for(self, uid: int) -> str | None:
        """The login of ``uid`` (None for OdooBot or an unknown uid)."""
        user = self.users.get(uid)
        return user.login if user else None

    def uid_for_api_key(self, key: str) -> int | None:
        """The uid owning this API key (JSON-2 bearer), None when unknown."""
        for user in self.users.values():
            if user.login and key == self.api_key_for(user.login):
                return user.uid
        return None

    def api_key_for(self, login: str) -> str:
        """A deterministic 40-hex API key per login (tests and demos need a known key)."""
        return hashlib.sha1(f"coo-sim-apikey:{self.db}:{login}".encode()).hexdigest()

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | Path) -> None:
        """Persist the whole database (pickle, gzip level 1: seconds for a million rows)."""
        with self._lock:
            state = {
                "version": 1,
                "now": self.now,
                "db": self.db,
                "fields": None if self._default_fields else self.fields,
                "tables": self._tables,
                "next_id": self._next_id,
                "users": list(self.users.values()),
                "call_log": self.call_log,
                "messages": self._messages,
            }
            target = Path(path)
            tmp = target.with_name(target.name + ".tmp")
            with gzip.open(tmp, "wb", compresslevel=1) as fh:
                pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path) -> OdooStore:
        """Read a database written by :meth:`save`."""
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of small dicts: the cyclic GC would rescan them all
        try:
            with gzip.open(Path(path), "rb") as fh:
                state = pickle.load(fh)
        finally:
            if gc_was_enabled:
                gc.enable()
        store = cls(None, now=state["now"], fields=state["fields"], users=state["users"],
                    db=state["db"])  # fmt: skip
        store._default_fields = state["fields"] is None
        store._tables = state["tables"]
        for model in store.fields:
            store._tables.setdefault(model, {})
        store._next_id = state["next_id"]
        store.call_log = state["call_log"]
        store._messages = state["messages"]
        return store
