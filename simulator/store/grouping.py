"""Server-side grouping: ``read_group`` (Odoo 17, deprecated but still served on 19) and
``formatted_read_group`` (Odoo 19's replacement, in the ``web`` module every database has).

What real Odoo answers, and what the simulator answers alike:

* ``read_group(domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True)``:
  one dict per group; the group's value under the groupby name (a many2one as
  ``[id, display_name]`` or ``false``), each aggregate under its *field* name (``'balance:sum'``
  answers ``{'balance': ...}``; ``'total:sum(balance)'`` answers ``{'total': ...}``), the record
  count under ``'<first groupby>_count'`` when lazy and ``'__count'`` when not, and the group's
  whole domain under ``'__domain'`` (the caller's domain AND the group condition). A numeric
  field named without an aggregate is summed (its default aggregator); lazy grouping groups by
  the first groupby only and hands the rest back in ``'__context'``.
* ``formatted_read_group(domain, groupby=(), aggregates=(), having=(), offset=0, limit=None,
  order=None)``: one dict per group keyed by the groupby specs and the aggregate specs as
  written (``'balance:sum'``, ``'__count'``), with the group condition alone in
  ``'__extra_domain'``.

Groups come in the groupby fields' order (a many2one by its comodel's ``_order``, empty groups
last, as PostgreSQL sorts NULLs). Sums are exact over the stored (rounded) amounts, as
PostgreSQL sums ``numeric`` columns, and become a float at the end. Date and datetime fields are grouped by their stored value;
granularities (``date:month``) are not simulated and are refused with a one-line error.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from simulator.store.core import _synchronized
from simulator.store.reads import _StoreReads

_AGGREGATES = frozenset(
    {"sum", "min", "max", "avg", "count", "count_distinct", "bool_and", "bool_or", "array_agg"}
)
_NUMERIC = ("integer", "float", "monetary")
# 'field', 'field:agg' or 'alias:agg(field)' (read_group's fields list)
_FIELD_SPEC = re.compile(r"^(\w+)(?::(\w+)(?:\((\w+)\))?)?$")


def _aggregate(func: str, values: list[Any]) -> Any:
    if func == "count":
        return sum(1 for v in values if v is not False and v is not None)
    if func == "count_distinct":
        return len({v for v in values if v is not False and v is not None})
    if func == "array_agg":
        return list(values)
    present = [v for v in values if v is not False and v is not None]
    if func in ("bool_and", "bool_or"):
        flags = [bool(v) for v in values]
        return all(flags) if func == "bool_and" else any(flags)
    if not present:
        return False if func in ("min", "max", "avg") else 0
    if func in ("sum", "avg"):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            whole = sum(present)
            return whole if func == "sum" else whole / len(present)
        # PostgreSQL sums the stored numeric values exactly; the float comes at the end
        total = sum((Decimal(str(v)) for v in present), Decimal(0))
        return float(total if func == "sum" else total / len(present))
    return min(present) if func == "min" else max(present)


class _StoreGroups(_StoreReads):
    """``read_group`` and ``formatted_read_group`` over the read layer's search."""

    def _group_field(self, model: str, spec: str) -> str:
        name, _, granularity = str(spec).partition(":")
        fdef = self.fields[model].get(name)
        if fdef is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        if granularity or fdef["type"] in ("date", "datetime"):
            raise ValueError(
                f"Grouping {model}.{name} by date ({spec!r}) is not simulated: group by a "
                "many2one, selection, char, boolean or integer field"
            )
        if not fdef.get("store", True) or fdef["type"] in ("one2many", "many2many"):
            raise ValueError(f"Field {name!r} of model {model!r} cannot be grouped")
        return name

    def _grouped(
        self, model: str, domain: Any, names: list[str], uid: int, context: dict | None
    ) -> list[tuple[tuple[Any, ...], list[dict[str, Any]]]]:
        """The matching rows bucketed by the values of ``names``, in Odoo's group order."""
        rows = self._search_rows(model, domain, 0, None, None, uid, context)
        buckets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for r in rows:
            key = tuple(r.get(n) or False for n in names)
            buckets.setdefault(key, []).append(r)
        fdefs = self.fields[model]
        ranks: dict[str, dict[Any, int]] = {}
        for n in names:
            if fdefs[n]["type"] == "many2one":
                rel = fdefs[n]["relation"]
                comodel = list(self._rows(rel).values())
                self._sort(rel, comodel, None)
                ranks[n] = {r["id"]: i for i, r in enumerate(comodel)}

        def sort_key(item: tuple[tuple[Any, ...], list]) -> tuple:
            parts: list[Any] = []
            for n, v in zip(names, item[0], strict=True):
                if v is False:
                    parts.append((1, 0))  # NULLS LAST
                elif n in ranks:
                    parts.append((0, ranks[n].get(v, math.inf)))
                else:
                    parts.append((0, v))
            return tuple(parts)

        return sorted(buckets.items(), key=sort_key)

    def _group_value(self, model: str, name: str, value: Any, cache: dict) -> Any:
        fdef = self.fields[model][name]
        if value is False:
            return False
        if fdef["type"] == "many2one":
            return [value, self._name_of(fdef["relation"], value, cache)]
        return value

    def _parse_aggregate(self, model: str, spec: str) -> tuple[str, str, str]:
        """(key, function, field) of one aggregate spec; '__count' is (key, 'count', 'id')."""
        if spec == "__count":
            return spec, "__count", "id"
        match = _FIELD_SPEC.match(str(spec))
        if match is None:
            raise ValueError(f"Invalid aggregate specification {spec!r}")
        alias, func, field = match.group(1), match.group(2), match.group(3) or match.group(1)
        fdefs = self.fields[model]
        if field not in fdefs:
            raise ValueError(f"Invalid field {field!r} on model {model!r}")
        if func is None:
            func = "sum" if fdefs[field]["type"] in _NUMERIC else ""
        elif func not in _AGGREGATES:
            raise ValueError(f"Invalid aggregation function {func!r}.")
        return alias, func, field

    @_synchronized
    def read_group(
        self,
        model: str,
        domain: Any,
        fields: list[str],
        groupby: Any,
        offset: int = 0,
        limit: int | None = None,
        orderby: Any = False,
        lazy: bool = True,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> list[dict[str, Any]]:
        """Odoo's ``read_group`` (see the module docstring for the answer's shape)."""
        self._check_model(model)
        specs = [groupby] if isinstance(groupby, str) else list(groupby or [])
        if not specs:
            raise ValueError("read_group needs at least one groupby field")
        names = [self._group_field(model, s) for s in specs]
        grouped_by = names[:1] if lazy else names
        aggregates = []
        for spec in fields or []:
            alias, func, field = self._parse_aggregate(model, spec)
            if alias in names or not func or alias == "__count":
                continue  # a groupby field, or a field with no aggregator: dropped as Odoo does
            aggregates.append((alias, func, field))
        count_key = f"{grouped_by[0]}_count" if lazy else "__count"
        cache: dict = {}
        out = []
        base = list(domain or [])
        for key, rows in self._grouped(model, base, grouped_by, uid, context):
            group: dict[str, Any] = {}
            for n, v in zip(grouped_by, key, strict=True):
                group[n] = self._group_value(model, n, v, cache)
            group[count_key] = len(rows)
            for alias, func, field in aggregates:
                group[alias] = _aggregate(func, [r.get(field, False) for r in rows])
            conditions = [[n, "=", v] for n, v in zip(grouped_by, key, strict=True)]
            group["__domain"] = _and(base, conditions)
            if lazy and len(names) > 1:
                group["__context"] = {"group_by": specs[1:]}
            out.append(group)
        offset = int(offset or 0)
        out = out[offset:]
        return out[: int(limit)] if limit else out

    @_synchronized
    def formatted_read_group(
        self,
        model: str,
        domain: Any,
        groupby: Any = (),
        aggregates: Any = (),
        having: Any = (),
        offset: int = 0,
        limit: int | None = None,
        order: Any = None,
        *,
        uid: int = 2,
        context: dict | None = None,
    ) -> list[dict[str, Any]]:
        """Odoo 19's ``formatted_read_group`` (see the module docstring for its shape)."""
        self._check_model(model)
        if having:
            raise ValueError("formatted_read_group: 'having' is not simulated")
        specs = [groupby] if isinstance(groupby, str) else list(groupby or [])
        names = [self._group_field(model, s) for s in specs]
        parsed = [self._parse_aggregate(model, a) for a in aggregates or ()]
        for spec, (_, func, _f) in zip(aggregates or (), parsed, strict=True):
            if not func:
                raise ValueError(f"Invalid aggregate specification {spec!r}: no aggregator")
        cache: dict = {}
        out = []
        for key, rows in self._grouped(model, list(domain or []), names, uid, context):
            group: dict[str, Any] = {}
            for n, v in zip(names, key, strict=True):
                group[n] = self._group_value(model, n, v, cache)
            for spec, (_, func, field) in zip(aggregates or (), parsed, strict=True):
                group[spec] = (
                    len(rows)
                    if func == "__count"
                    else _aggregate(func, [r.get(field, False) for r in rows])
                )
            group["__extra_domain"] = [[n, "=", v] for n, v in zip(names, key, strict=True)]
            out.append(group)
        offset = int(offset or 0)
        out = out[offset:]
        return out[: int(limit)] if limit else out


def _and(domain: list[Any], conditions: list[list[Any]]) -> list[Any]:
    """``expression.AND([domain, conditions])`` in prefix notation (the caller's domain first,
    as Odoo's ``_read_group_format_result`` builds ``__domain``)."""
    parts = ([_normalize(domain)] if domain else []) + [[c] for c in conditions]
    flat: list[Any] = ["&"] * (len(parts) - 1)
    for p in parts:
        flat.extend(p)
    return flat


def _normalize(domain: list[Any]) -> list[Any]:
    """A domain with its implicit ANDs made explicit (Odoo's ``normalize_domain``)."""
    arity = {"!": 1, "&": 2, "|": 2}
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, str) and token in arity:
            expected += arity[token] - 1
        else:
            expected -= 1
        result.append(token)
    return result
