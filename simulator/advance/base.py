"""The advancing company's state: the store it writes through, lookups, clock and names."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Protocol

from simulator.company import books


class _Store(Protocol):
    now: datetime

    def table(self, model: str) -> dict[int, dict[str, Any]]: ...

    def create(self, model: str, vals_list: list[dict[str, Any]], uid: int = 2) -> list[int]: ...

    def write(self, model: str, ids: list[int], vals: dict[str, Any], uid: int = 2) -> Any: ...

    def unlink(self, model: str, ids: list[int], uid: int = 2) -> Any: ...


_r2 = books.r2


class AdvanceBase:
    def __init__(self, store: _Store, seed: int) -> None:
        self.s = store
        self.rng = random.Random(f"advance-{seed}-{store.now.isoformat()}")
        self.counts: Counter[str] = Counter()
        self.seqs: dict[tuple[str, str], int] = {}
        t = store.table
        self.companies = sorted(t("res.company"))
        self.ccur = {c: t("res.company")[c]["currency_id"] for c in self.companies}
        self.accounts: dict[tuple[int, str], int] = {}
        for aid, a in t("account.account").items():
            for c in a.get("company_ids", []):
                self.accounts[(c, a.get("code_store", ""))] = aid
        self.journals: dict[tuple[int, str], int] = {
            (j["company_id"], j["code"]): jid for jid, j in t("account.journal").items()
        }
        self.wh = {w["company_id"]: w for w in t("stock.warehouse").values()}
        self.loc_customer = next(
            lid for lid, loc in t("stock.location").items() if loc.get("usage") == "customer"
        )
        self.terms_days = {
            tid: int(m.group(1)) if (m := re.match(r"(\d+) Days", r.get("name", ""))) else 0
            for tid, r in t("account.payment.term").items()
        }
        self.stages = {r["name"]: sid for sid, r in t("crm.stage").items()}
        self.stage_names = {sid: r["name"] for sid, r in t("crm.stage").items()}
        customers = [
            pid
            for pid, p in t("res.partner").items()
            if p.get("customer_rank") and p.get("active") and p.get("is_company")
        ]
        self.customers = sorted(customers)
        self.cust_company: dict[int, int] = {}
        for so in t("sale.order").values():
            self.cust_company[so["partner_id"]] = so["company_id"]
        self.customers = [c for c in self.customers if c in self.cust_company]
        self.products: dict[int, list[int]] = {c: [] for c in self.companies}
        for q in t("stock.quant").values():
            p = t("product.product").get(q["product_id"])
            if p and p.get("active"):
                self.products[q["company_id"]].append(q["product_id"])
        self.quants = {
            (q["product_id"], q["location_id"]): qid for qid, q in t("stock.quant").items()
        }
        self.user_partner = {uid: u["partner_id"] for uid, u in t("res.users").items()}

    # -------------------------------------------------------------- helpers
    @property
    def today(self) -> str:
        return self.s.now.strftime("%Y-%m-%d")

    def step(self, minutes: int = 3) -> None:
        self.s.now = self.s.now + timedelta(
            minutes=self.rng.randint(1, minutes), seconds=self.rng.randint(0, 59)
        )

    def next_name(self, model: str, prefix: str, width: int) -> str:
        key = (model, prefix)
        if key not in self.seqs:
            n = 0
            for r in self.s.table(model).values():
                name = r.get("name") or ""
                if name.startswith(prefix) and name[len(prefix) :].isdigit():
                    n = max(n, int(name[len(prefix) :]))
            self.seqs[key] = n
        self.seqs[key] += 1
        return f"{prefix}{self.seqs[key]:0{width}d}"
