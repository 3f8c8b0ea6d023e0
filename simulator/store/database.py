"""The public :class:`OdooStore`: external-API dispatch (``execute``), authentication and
persistence, on top of the write, read and core layers."""

from __future__ import annotations

import gc
import gzip
import hashlib
import pickle
from pathlib import Path
from typing import Any

from simulator import models as meta
from simulator.access import (
    access_error,
    check_access,
)
from simulator.exceptions import (
    AccessError,
    NotFound,
)
from simulator.store.core import (
    _synchronized,
)
from simulator.store.grouping import _StoreGroups
from simulator.store.writes import _StoreWrites

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
    "read_group": (
        False,
        ("domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"),
        ("domain", "fields", "groupby"),
    ),
    "formatted_read_group": (
        False,
        ("domain", "groupby", "aggregates", "having", "offset", "limit", "order"),
        ("domain",),
    ),
}
#: Business methods that exist on one model only (``purchase.order.button_cancel``).
_MODEL_METHODS: dict[str, str] = {"button_cancel": "purchase.order"}
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


class OdooStore(_StoreWrites, _StoreGroups):
    """One Odoo database in memory. Thread-safe: every public call takes one lock and is one
    'transaction' (one ``write_date`` stamp)."""

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
        if method == "read_group":
            return self.read_group(model, params["domain"], params["fields"], params["groupby"],
                                   params.get("offset") or 0, params.get("limit"),
                                   params.get("orderby") or False, params.get("lazy", True),
                                   **call)  # fmt: skip
        if method == "formatted_read_group":
            return self.formatted_read_group(model, params["domain"], params.get("groupby") or (),
                                             params.get("aggregates") or (),
                                             params.get("having") or (),
                                             params.get("offset") or 0, params.get("limit"),
                                             params.get("order"), **call)  # fmt: skip
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
