"""Continue the simulated company's life by N days, through the store's ORM.

Why through ``create``/``write``/``unlink`` and never by editing tables: the point of
``advance`` is to give incremental extraction something real to find, and only the ORM stamps
``write_date`` (one timestamp per call, parents bumped by their lines) and really deletes rows
the way Odoo does. Each day: new quotations, confirmations with deliveries, invoices, payments
that reconcile invoices (partial reconciles, residuals, payment state, matching numbers),
pipeline moves with their stage tracking, activities planned and done (done = deleted), old
cancelled quotations deleted, a partner or product archived now and then, and once a large
batch written in one call (a run of equal ``write_date`` values across a page boundary).

Deterministic given the store's state and ``seed``.

One module per process (sales, the ledger through :mod:`simulator.company.books`, CRM,
housekeeping), stacked as mixins over :class:`~simulator.advance.base.AdvanceBase`; this module
holds the day's order of business.
"""

from __future__ import annotations

from datetime import timedelta

from simulator.advance.base import _Store
from simulator.advance.housekeeping import Housekeeping

__all__ = ["advance"]


class _Advancer(Housekeeping):
    # -------------------------------------------------------------- the day
    def day(self, first: bool) -> None:
        rng = self.rng
        self.s.now = self.s.now.replace(hour=7, minute=rng.randint(0, 30), second=0, microsecond=0)
        weekday = self.s.now.weekday() < 5
        for _ in range(rng.randint(2, 6) if weekday else rng.randint(0, 1)):
            self.new_quotation()
        orders = self.s.table("sale.order")
        drafts = sorted(sid for sid, so in orders.items() if so.get("state") in ("draft", "sent"))
        for sid in drafts:
            so = orders[sid]
            if so["date_order"][:10] < self.today and rng.random() < 0.35:
                self.confirm(sid)
        pickings = self.s.table("stock.picking")
        for pk in sorted(
            pid
            for pid, p in pickings.items()
            if p.get("state") == "assigned"
            and p.get("location_dest_id") == self.loc_customer
            and p.get("scheduled_date", "")[:10] <= self.today
        ):
            self.deliver(pk)
        for sid in sorted(
            sid
            for sid, so in orders.items()
            if so.get("state") == "sale" and so.get("invoice_status") == "to invoice"
        ):
            self.invoice_order(sid)
        moves = self.s.table("account.move")
        open_inv = sorted(
            mid
            for mid, m in moves.items()
            if m.get("move_type") in ("out_invoice", "in_invoice")
            and m.get("payment_state") in ("not_paid", "partial")
            and m.get("invoice_date_due", "9999") <= self.today
        )
        for mid in open_inv:
            r = rng.random()
            if r < 0.12:
                self.pay(mid)
            elif r < 0.15:
                self.pay(mid, rng.uniform(0.3, 0.7))
        self.crm_day()
        self.activities_day()
        if first:
            self.bulk_review()
            self.delete_old_cancelled()
            self.archive_something()
        elif rng.random() < 0.3:
            self.delete_old_cancelled()
        elif rng.random() < 0.2:
            self.archive_something()


def advance(store: _Store, days: int, seed: int = 0) -> dict[str, int]:
    """Simulate ``days`` more days of business from ``store.now``; return counts by kind."""
    adv = _Advancer(store, seed)
    for d in range(days):
        if d:
            store.now = store.now + timedelta(days=1)
        else:
            store.now = store.now + timedelta(days=1) if store.now.hour >= 20 else store.now
        adv.day(first=d == 0)
    store.now = store.now.replace(hour=21, minute=0, second=0, microsecond=0)
    adv.counts["days"] = days
    return dict(sorted(adv.counts.items()))
