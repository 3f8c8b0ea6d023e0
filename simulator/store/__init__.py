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

import logging

from simulator.access import SimUser, default_users
from simulator.store.core import load_fields
from simulator.store.database import OdooStore
from simulator.store.writes import PO_CANCEL_REFUSED, PO_UNLINK_REFUSED

__all__ = [
    "PO_CANCEL_REFUSED",
    "PO_UNLINK_REFUSED",
    "OdooStore",
    "SimUser",
    "default_users",
    "load_fields",
]

logger = logging.getLogger(__name__)
