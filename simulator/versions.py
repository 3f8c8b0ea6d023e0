"""What differs between the Odoo releases the simulator poses as (17 and 19) on the write path.

The store is version-blind: it holds the data and the business rules, which are the same on
both releases for what write-back touches (``purchase.order`` must be cancelled before it is
deleted, ``button_cancel`` returns None ...). What differs is how a method's *return value*
travels and which methods may be called remotely; this module says so, checked against the
recorded answers of real servers in ``../shared/odoo17/samples/writeback`` and
``../shared/odoo19/samples/writeback`` (``tests/simulator/test_version_parity.py``):

=============================  ===========================  ==============================
call                           Odoo 17 (JSON-RPC / XML-RPC) Odoo 19 (JSON-2 / RPC)
=============================  ===========================  ==============================
``activity_schedule``          the recordset: its repr       a list of ids ``[50]``
                               ``"mail.activity(36,)"`` over
                               JSON-RPC, a marshalling fault
                               over XML-RPC (after the
                               commit: the activity exists)
``message_post``               the id ``601``                a list of ids ``[1135]``
``exists``                     the ids that exist ``[35]``   AccessError: private method
=============================  ===========================  ==============================

Odoo 17 keeps ``@api.returns('mail.message', lambda value: value.id)`` on ``message_post``
(hence a bare id) and has none on ``activity_schedule``, so the recordset reaches the
encoder: JSON-RPC's ``json_default`` turns it into its ``str()``, XML-RPC's marshaller
refuses it (``TypeError: cannot marshal <class 'odoo.api.mail.activity'> objects``, a known
Odoo report). Odoo 19 dropped ``@api.returns`` and returns recordsets as lists of ids; it
marks ``exists`` ``@api.private``. The 19 RPC shapes are not recorded (the server was asked
over JSON-2): the simulator answers them as JSON-2 does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.settings import get_settings

__all__ = [
    "NEW_IN_19",
    "ODOO_17",
    "ODOO_19",
    "PRIVATE_SINCE_19",
    "Recordset",
    "shape_result",
    "version_from_env",
]

ODOO_17: tuple[Any, ...] = (17, 0, 0, "final", 0, "")
ODOO_19: tuple[Any, ...] = (19, 0, 0, "final", 0, "")
VERSIONS = {17: ODOO_17, 19: ODOO_19}

#: Methods Odoo 19 marks ``@api.private``: callable inside Odoo, refused over every API.
PRIVATE_SINCE_19 = frozenset({"exists"})

#: Methods a 17 server does not have: ``formatted_read_group`` replaced ``read_group`` (which
#: 19 still serves, deprecated) in the ``web`` module.
NEW_IN_19 = frozenset({"formatted_read_group"})

#: Methods that return a recordset with no ``@api.returns`` on 17, and the model of it.
_RECORDSET_17 = {"activity_schedule": "mail.activity"}
#: Methods that return a recordset: on 19 always a list of ids over the wire.
_RECORDSET_19 = {"activity_schedule": "mail.activity", "message_post": "mail.message"}


@dataclass(frozen=True)
class Recordset:
    """A recordset returned to the encoder as is (Odoo 17, no ``@api.returns``)."""

    model: str
    ids: tuple[int, ...]

    def __str__(self) -> str:  # BaseModel.__repr__: "mail.activity(36,)"
        return f"{self.model}{self.ids!r}"

    def marshal_error(self) -> TypeError:
        return TypeError(f"cannot marshal <class 'odoo.api.{self.model}'> objects")


def _ids(result: Any) -> list[int]:
    if isinstance(result, list | tuple):
        return [int(i) for i in result]
    return [int(result)]


def shape_result(major: int, method: str, result: Any) -> Any:
    """The value a real server of release ``major`` hands its encoder for ``method``."""
    if major >= 19:
        if method in _RECORDSET_19 and result is not None and not isinstance(result, bool):
            return _ids(result)
        return result
    if method in _RECORDSET_17 and result is not None:
        return Recordset(_RECORDSET_17[method], tuple(_ids(result)))
    return result


def version_from_env() -> tuple[Any, ...]:
    """The release ``COO_SIM_ODOO_VERSION`` names (17 or 19; default 19)."""
    raw = (get_settings().coo_sim_odoo_version or "19").strip()
    try:
        return VERSIONS[int(raw.split(".")[0])]
    except (ValueError, KeyError):
        from core.errors import ConfigError

        raise ConfigError(
            f"COO_SIM_ODOO_VERSION '{raw}' is not a simulated Odoo release: use 17 or 19"
        ) from None
