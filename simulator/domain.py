"""Odoo 19 search domains, compiled once per call into a Python predicate over internal rows.

The predicate sees the store's sparse internal rows (many2one as a bare id, absent key =
type default). Semantics follow Odoo 19's ``orm/domains.py`` and the SQL it generates:

* prefix ``&``/``|``/``!`` with an implicit ``&``; leaves as lists or tuples;
  ``(1, '=', 1)``/``(0, '=', 1)`` are the TRUE/FALSE leaves; a bare ``True``/``False``
  (JSON ``true``) as the whole domain means all/none;
* ``!=``, ``not in``, ``not like``/``not ilike`` also match empty (NULL) values, ``<``...
  never match NULL, as in SQL with Odoo's ``OR col IS NULL`` additions;
* datetimes are second-granular (``> X`` is ``>= X+1s``, ``= X`` matches the whole second);
  a date-only value on a datetime field is day-granular;
* dotted paths become ``any`` (negative operators become ``not any`` of the positive one);
* a string compared with a many2one/x2many is a name match on the comodel;
* ``child_of``/``parent_of`` follow the model's ``_parent_name``.

Unknown fields and operators raise ValueError, malformed domains TypeError/ValueError, with
Odoo's messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from simulator.models import PARENTS

Predicate = Callable[[dict[str, Any]], bool]

OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "=ilike",
        "=?",
        "child_of",
        "parent_of",
        "any",
        "not any",
        "any!",
        "not any!",
    }
)
_NEGATIVE = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
_X2MANY = ("one2many", "many2many")
_RELATIONAL = ("many2one", "one2many", "many2many")
_NUMERIC = ("integer", "float", "monetary")


class DomainEnv(Protocol):
    """What the compiler needs from the store."""

    fields: dict[str, dict[str, dict[str, Any]]]

    def _rows(self, model: str) -> dict[int, dict[str, Any]]: ...

    def _name_search_ids(self, model: str, operator: str, value: Any) -> set[int]: ...


def _fmt_cond(cond: Any) -> str:
    return repr(tuple(cond)) if isinstance(cond, list | tuple) else repr(cond)


def parse(domain: Any) -> tuple:
    """Turn a domain (list in prefix notation) into a tree of ("and"/"or"/"not"/"leaf") nodes."""
    if domain is True or domain is None:
        return ("true",)
    if domain is False:
        return ("false",)
    if not isinstance(domain, list | tuple):
        raise TypeError(f"Domain() invalid argument type for domain: {domain!r}")
    if not domain:
        return ("true",)
    stack: list[tuple] = []
    try:
        for item in reversed(domain):
            if isinstance(item, list | tuple) and len(item) == 3:
                stack.append(_leaf(item))
            elif item == "!":
                stack.append(("not", stack.pop()))
            elif item in ("&", "|"):
                a, b = stack.pop(), stack.pop()
                stack.append(("and" if item == "&" else "or", [a, b]))
            elif item is True:
                stack.append(("true",))
            elif item is False:
                stack.append(("false",))
            else:
                raise ValueError(f"Domain() invalid item in domain: {item!r}")
    except IndexError:
        raise ValueError(f"Domain() malformed domain {domain!r}") from None
    stack.reverse()
    return stack[0] if len(stack) == 1 else ("and", stack)


def _leaf(item: Any) -> tuple:
    field, op, value = item
    if field in (0, 1) and op == "=" and value == 1 and not isinstance(field, bool):
        return ("true",) if field == 1 else ("false",)
    if not isinstance(op, str) or op.lower() not in OPERATORS:
        raise ValueError(f"Invalid operator in condition {_fmt_cond(item)}")
    if not isinstance(field, str) or not field:
        raise ValueError(f"Invalid field {field!r} in condition {_fmt_cond(item)}")
    return ("leaf", field, op.lower(), value, tuple(item))


def uses_field(tree: tuple, name: str) -> bool:
    """Whether the domain mentions field ``name`` at its top level (``active`` detection)."""
    kind = tree[0]
    if kind == "leaf":
        return tree[1].split(".")[0] == name
    if kind in ("and", "or"):
        return any(uses_field(t, name) for t in tree[1])
    if kind == "not":
        return uses_field(tree[1], name)
    return False


def compile_domain(domain: Any, model: str, env: DomainEnv) -> Predicate:
    """Compile ``domain`` on ``model`` into ``predicate(row) -> bool``."""
    return _compile(parse(domain), model, env)


def compile_tree(tree: tuple, model: str, env: DomainEnv) -> Predicate:
    """Compile an already parsed domain (see :func:`parse`)."""
    return _compile(tree, model, env)


def _true(_row: dict[str, Any]) -> bool:
    return True


def _false(_row: dict[str, Any]) -> bool:
    return False


def _compile(tree: tuple, model: str, env: DomainEnv) -> Predicate:
    kind = tree[0]
    if kind == "true":
        return _true
    if kind == "false":
        return _false
    if kind == "not":
        inner = _compile(tree[1], model, env)
        return lambda row: not inner(row)
    if kind in ("and", "or"):
        parts = [_compile(t, model, env) for t in tree[1]]
        if len(parts) == 1:
            return parts[0]
        if kind == "and":
            if len(parts) == 2:
                a, b = parts
                return lambda row: a(row) and b(row)
            return lambda row: all(p(row) for p in parts)
        if len(parts) == 2:
            a, b = parts
            return lambda row: a(row) or b(row)
        return lambda row: any(p(row) for p in parts)
    _, path, op, value, cond = tree
    return _compile_leaf(model, path, op, value, cond, env)


def _field_def(model: str, name: str, cond: tuple, env: DomainEnv) -> dict[str, Any]:
    fdef = env.fields.get(model, {}).get(name)
    if fdef is None:
        raise ValueError(f"Invalid field {model}.{name} in condition {_fmt_cond(cond)}")
    return fdef


def _matching_ids(model: str, sub: Any, env: DomainEnv) -> set[int]:
    pred = compile_domain(sub, model, env)
    return {rid for rid, row in env._rows(model).items() if pred(row)}


def _compile_leaf(
    model: str, path: str, op: str, value: Any, cond: tuple, env: DomainEnv
) -> Predicate:
    name, _, rest = path.partition(".")
    fdef = _field_def(model, name, cond, env)
    ftype = fdef["type"]
    if rest:
        if ftype not in _RELATIONAL:
            raise ValueError(f"Invalid field {model}.{path} in condition {_fmt_cond(cond)}")
        if op in _NEGATIVE:
            sub = [(rest, _NEGATIVE[op], value)]
            return _compile_leaf(model, name, "not any", sub, cond, env)
        return _compile_leaf(model, name, "any", [(rest, op, value)], cond, env)
    if op == "=?":
        if value is False or value is None:
            return _true
        op = "="
    if op in ("any", "not any", "any!", "not any!"):
        if ftype not in _RELATIONAL:
            raise ValueError(f"Invalid operator in condition {_fmt_cond(cond)}")
        ids = _matching_ids(fdef["relation"], value, env)
        positive = _in_pred(name, ftype, ids)
        if op.startswith("not"):
            return lambda row: not positive(row)
        return positive
    if op in ("child_of", "parent_of"):
        return _hierarchy(model, name, fdef, op, value, cond, env)
    if ftype in _RELATIONAL and name != "id":
        return _relational(name, fdef, op, value, env)
    if name == "id" and isinstance(value, str):
        ids = env._name_search_ids(model, "=" if op in ("=", "!=") else op, value)
        pos = _in_pred("id", "integer", ids)
        return (lambda row: not pos(row)) if op in _NEGATIVE else pos
    if ftype == "datetime":
        return _datetime(name, op, value)
    default = _default_of(ftype)
    if ftype == "date":
        value = _date_value(value)
    return _scalar(name, ftype, op, value, default)


def _default_of(ftype: str) -> Any:
    if ftype == "integer":
        return 0
    if ftype in ("float", "monetary"):
        return 0.0
    return False


def _in_pred(name: str, ftype: str, ids: set[int]) -> Predicate:
    if ftype in _X2MANY:
        return lambda row: any(i in ids for i in row.get(name) or ())
    return lambda row: row.get(name, False) in ids


def _as_list(value: Any) -> list:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _relational(name: str, fdef: dict[str, Any], op: str, value: Any, env: DomainEnv) -> Predicate:
    ftype = fdef["type"]
    comodel = fdef["relation"]
    x2m = ftype in _X2MANY
    if op in ("like", "not like", "ilike", "not ilike", "=like", "=ilike") or (
        isinstance(value, str) and op in ("=", "!=")
    ):
        positive_op = _NEGATIVE.get(op, op)
        ids = env._name_search_ids(comodel, positive_op, value)
        pos = _in_pred(name, ftype, ids)
        if op in _NEGATIVE:
            return lambda row: not pos(row)
        return pos
    if op in ("=", "!=", "in", "not in"):
        values = _as_list(value)
        want_empty = any(v is False or v is None for v in values)
        ids = set()
        for v in values:
            if isinstance(v, str):
                ids |= env._name_search_ids(comodel, "=", v)
            elif v is not False and v is not None:
                ids.add(v)
        if x2m:

            def pos(row: dict[str, Any]) -> bool:
                vals = row.get(name) or ()
                if not vals:
                    return want_empty
                return any(i in ids for i in vals)
        else:

            def pos(row: dict[str, Any]) -> bool:
                v = row.get(name, False)
                if not v:
                    return want_empty
                return v in ids

        if op in _NEGATIVE:
            return lambda row: not pos(row)
        return pos
    # ordering on a many2one compares the id (SQL on the column)
    if op in ("<", "<=", ">", ">="):
        cmp = _CMP[op]
        if x2m:
            return lambda row: any(cmp(i, value) for i in row.get(name) or ())
        return lambda row: bool(row.get(name)) and value is not False and cmp(row[name], value)
    raise ValueError(f"Invalid operator {op!r}")


def _hierarchy(
    model: str,
    name: str,
    fdef: dict[str, Any],
    op: str,
    value: Any,
    cond: tuple,
    env: DomainEnv,
) -> Predicate:
    target = model if name == "id" else fdef.get("relation", model)
    parent = PARENTS.get(target, "parent_id")
    rows = env._rows(target)
    if isinstance(value, str):
        start = env._name_search_ids(target, "ilike", value)
    else:
        start = {v for v in _as_list(value) if v}
    result = set(start)
    if op == "child_of":
        children: dict[int, list[int]] = {}
        for rid, row in rows.items():
            p = row.get(parent)
            if p:
                children.setdefault(p, []).append(rid)
        todo = list(start)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in result:
                    result.add(child)
                    todo.append(child)
    else:
        todo = list(start)
        while todo:
            prow = rows.get(todo.pop())
            p = prow.get(parent) if prow else None
            if p and p not in result:
                result.add(p)
                todo.append(p)
    ftype = "integer" if name == "id" else fdef["type"]
    return _in_pred(name, ftype, result)


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def like_regex(pattern: str, *, wrap: bool, ignore_case: bool) -> re.Pattern[str]:
    """SQL LIKE pattern -> regex (``%`` any run, ``_`` one char, ``\\`` escapes)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    body = "".join(out)
    if wrap:
        body = f".*{body}.*"
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like_pred(name: str, op: str, value: Any) -> Predicate:
    positive = _NEGATIVE.get(op, op)
    text = "" if value is False or value is None else str(value)
    rx = like_regex(text, wrap=positive in ("like", "ilike"), ignore_case="ilike" in positive)
    match = rx.match

    def pos(row: dict[str, Any]) -> bool:
        v = row.get(name, False)
        if v is False or v is None:
            return False
        return match(str(v)) is not None

    if op in _NEGATIVE:
        if value is False or value is None:
            return lambda row: False
        return lambda row: not pos(row)
    if value is False or value is None:
        return lambda row: row.get(name, False) is False
    return pos


def _scalar(name: str, ftype: str, op: str, value: Any, default: Any) -> Predicate:
    if op in ("like", "not like", "ilike", "not ilike", "=like", "=ilike"):
        return _like_pred(name, op, value)
    if op in ("in", "not in"):
        values = _as_list(value)
        want_empty = any(v is False or v is None for v in values)
        vals = {v for v in values if v is not False and v is not None}
        if ftype == "boolean":
            vals = {bool(v) for v in values}
            pos = lambda row: bool(row.get(name, False)) in vals  # noqa: E731
        elif ftype in _NUMERIC:
            pos = lambda row: row.get(name, default) in vals  # noqa: E731
        else:

            def pos(row: dict[str, Any]) -> bool:
                v = row.get(name, False)
                if v is False or v is None or v == "":
                    return want_empty
                return v in vals

        return (lambda row: not pos(row)) if op == "not in" else pos
    if op in ("=", "!="):
        if ftype == "boolean":
            want = bool(value)
            pos = lambda row: bool(row.get(name, False)) == want  # noqa: E731
        elif value is False or value is None:
            if ftype in _NUMERIC:
                pos = lambda row: not row.get(name, default)  # noqa: E731
            else:
                pos = lambda row: row.get(name, False) in (False, None, "")  # noqa: E731
        else:
            pos = lambda row: row.get(name, default) == value  # noqa: E731
        return (lambda row: not pos(row)) if op == "!=" else pos
    cmp = _CMP[op]
    if value is False or value is None:
        return _false
    if ftype in _NUMERIC:
        return lambda row: cmp(row.get(name, default), value)

    def ordered(row: dict[str, Any]) -> bool:
        v = row.get(name, False)
        if v is False or v is None:
            return False
        try:
            return cmp(v, value)
        except TypeError:
            return False

    return ordered


def _date_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 10:
        return value[:10]
    if isinstance(value, list | tuple):
        return [_date_value(v) for v in value]
    return value


_DT_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
)


def parse_datetime(value: Any) -> tuple[datetime, bool] | None:
    """A domain value as (naive datetime, date_only); None if it is not a date(time)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), True
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 10:
        try:
            return datetime.strptime(text, "%Y-%m-%d"), True
        except ValueError:
            return None
    for fmt in _DT_FORMATS:
        try:
            return datetime.strptime(text, fmt), False
        except ValueError:
            continue
    return None


def _fmt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def datetime_bounds(op: str, value: Any) -> tuple[str, str] | None:
    """Second-granular rewrite of a datetime comparison as a half-open string range
    ``lo <= v < hi`` (``""``/``"~"`` = unbounded), or None when ``value`` is not a datetime.

    This is Odoo 19's ``_optimize_type_datetime``: ``> X`` is ``>= X+1s``, ``<= X`` is
    ``< X+1s``, ``=`` matches the whole second (a whole day for a date-only value).
    """
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    dt, date_only = parsed
    unit = timedelta(days=1) if date_only else timedelta(seconds=1)
    start = dt.replace(microsecond=0)
    frac = dt.microsecond != 0
    nxt = start + unit
    if op == "=":
        return _fmt(start), _fmt(nxt)
    if op == ">":
        return _fmt(nxt), "~"
    if op == ">=":
        return (_fmt(nxt) if frac else _fmt(start)), "~"
    if op == "<":
        return "", (_fmt(nxt) if frac else _fmt(start))
    if op == "<=":
        return "", _fmt(nxt)
    return None


def _datetime(name: str, op: str, value: Any) -> Predicate:
    if op in ("=", "!=", "<", "<=", ">", ">=") and value not in (False, None):
        bounds = datetime_bounds("=" if op == "!=" else op, value)
        if bounds is not None:
            lo, hi = bounds

            def pos(row: dict[str, Any]) -> bool:
                v = row.get(name, False)
                return bool(v) and lo <= v < hi

            return (lambda row: not pos(row)) if op == "!=" else pos
    if op in ("in", "not in"):
        ranges = []
        want_empty = False
        for v in _as_list(value):
            if v is False or v is None:
                want_empty = True
                continue
            b = datetime_bounds("=", v)
            if b is not None:
                ranges.append(b)

        def pos_in(row: dict[str, Any]) -> bool:
            v = row.get(name, False)
            if not v:
                return want_empty
            return any(lo <= v < hi for lo, hi in ranges)

        return (lambda row: not pos_in(row)) if op == "not in" else pos_in
    return _scalar(name, "datetime", op, value, False)
