"""Housekeeping of the advancing company: old cancelled quotations deleted, a partner or
product archived, a large batch written in one call.
"""

from __future__ import annotations

from simulator.advance.crm import AdvanceCrm


class Housekeeping(AdvanceCrm):
    # -------------------------------------------------------------- housekeeping
    def delete_old_cancelled(self) -> None:
        orders = self.s.table("sale.order")
        cancelled = sorted(sid for sid, so in orders.items() if so.get("state") == "cancel")
        victims = cancelled[: self.rng.randint(1, 3)]
        if not victims:
            return
        lines = sorted(i for sid in victims for i in orders[sid].get("order_line", []))
        self.step()
        if lines:
            self.s.unlink("sale.order.line", lines)
        self.s.unlink("sale.order", victims)
        self.counts["quotations_deleted"] += len(victims)

    def archive_something(self) -> None:
        rng = self.rng
        partners = self.s.table("res.partner")
        contacts = sorted(
            pid for pid, p in partners.items() if p.get("active") and p.get("parent_id")
        )
        if contacts:
            self.step()
            self.s.write("res.partner", [rng.choice(contacts)], {"active": False})
            self.counts["partners_archived"] += 1
        products = self.s.table("product.product")
        unsold = sorted(
            pid
            for pid, p in products.items()
            if p.get("active") and pid not in {q for v in self.products.values() for q in v}
        )
        if unsold and rng.random() < 0.5:
            pid = rng.choice(unsold)
            self.step()
            self.s.write("product.product", [pid], {"active": False})
            self.s.write("product.template", [products[pid]["product_tmpl_id"]], {"active": False})
            self.counts["products_archived"] += 1

    def bulk_review(self) -> None:
        """The accountant marks a block of journal entries reviewed in one go (one write)."""
        moves = self.s.table("account.move")
        posted = [mid for mid in sorted(moves) if moves[mid].get("state") == "posted"]
        block = posted[: max(400, len(posted) // 10)]  # the oldest: settled, not touched again
        self.step()
        self.s.write("account.move", block, {"checked": True}, uid=2)
        self.counts["bulk_written"] += len(block)
