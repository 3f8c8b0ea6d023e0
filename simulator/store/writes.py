"""The write side of the simulated ORM (third layer of :class:`simulator.store.OdooStore`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from simulator import domain as dom
from simulator import models as meta
from simulator.access import (
    check_access,
)
from simulator.exceptions import (
    MissingError,
    NotFound,
    UserError,
    ValidationError,
)
from simulator.store.core import (
    _DEFAULTS,
    _MAGIC,
    _REQUIRED,
    _X2MANY,
    _ZERO_TYPES,
    _synchronized,
    _type_default,
)
from simulator.store.reads import _StoreReads

#: ``purchase.order._unlink_if_cancelled`` (Odoo 17 and 19 alike, recorded on both).
PO_UNLINK_REFUSED = "In order to delete a purchase order, you must cancel it first."
PO_CANCEL_REFUSED = (
    "Unable to cancel this purchase order. You must first cancel the related vendor bills."
)


class _StoreWrites(_StoreReads):
    """The write side: value conversion, x2many commands, create/write/unlink with the
    derived fields Odoo keeps, purchase.order cancel-before-delete, mail messages and
    activities, archiving."""

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
