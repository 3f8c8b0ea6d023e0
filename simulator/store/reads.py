"""The read side of the simulated ORM (second layer of :class:`simulator.store.OdooStore`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any

from simulator import domain as dom
from simulator import models as meta
from simulator.access import (
    SimUser,
    allowed_companies,
    check_access,
)
from simulator.exceptions import (
    AccessError,
)
from simulator.store.core import (
    _X2MANY,
    _StoreCore,
    _synchronized,
    _type_default,
)


class _StoreReads(_StoreCore):
    """The read side: record rules, search (domain evaluation, keyset fast path), order,
    formatting, read/search_read/search_count, fields_get, name_search."""

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
