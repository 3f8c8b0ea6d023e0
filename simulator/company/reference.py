"""Reference data: currencies and rates, the two companies, users and teams, units, the chart of
accounts, journals, payment terms, warehouses and locations, CRM stages.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from simulator.company.core import SimCore
from simulator.company.names import _FIRST, _LAST


class ReferenceData(SimCore):
    # ------------------------------------------------------------------ reference data
    def setup(self) -> None:
        rng = self.rng
        self.tick()
        cur = self.t["res.currency"]
        for name, sym, full, active, pos in (
            ("USD", "$", "United States dollar", True, "before"),
            ("EUR", "€", "Euro", True, "after"),
            ("GBP", "£", "British pound", False, "before"),
            ("CHF", "CHF", "Swiss franc", False, "after"),
            ("CAD", "$", "Canadian dollar", False, "before"),
            ("JPY", "¥", "Japanese yen", False, "before"),
        ):
            self.new(
                "res.currency",
                {
                    "name": name,
                    "symbol": sym,
                    "full_name": full,
                    "active": active,
                    "position": pos,
                    "rounding": 1.0 if name == "JPY" else 0.01,
                    "decimal_places": 0 if name == "JPY" else 2,
                    "currency_unit_label": "Dollars" if sym == "$" else name,
                    "currency_subunit_label": "Cents",
                },
                uid=1,
            )
        self.USD, self.EUR = 1, 2
        # companies and their partners
        self.companies = (1, 2)
        ccur = {1: self.USD, 2: self.EUR}
        self.ccur = ccur
        cnames = {1: "Northbridge Furnishings Inc.", 2: "Northbridge Furnishings Europe B.V."}
        for c in self.companies:
            self.new(
                "res.partner",
                {
                    "name": cnames[c],
                    "complete_name": cnames[c],
                    "is_company": True,
                    "active": True,
                    "company_id": c,
                    "commercial_partner_id": c,
                    "city": "Chicago" if c == 1 else "Amsterdam",
                    "email": f"info@northbridge{'' if c == 1 else '-eu'}.example.com",
                    "lang": "en_US",
                    "type": "contact",
                    "autopost_bills": "ask",
                    "group_on": "default",
                    "group_rfq": "default",
                },
                uid=1,
            )
            self.new(
                "res.company",
                {
                    "name": cnames[c],
                    "partner_id": c,
                    "currency_id": ccur[c],
                    "active": True,
                    "sequence": 10 * c,
                    "chart_template": "us" if c == 1 else "nl",
                    "fiscalyear_last_day": 31,
                    "fiscalyear_last_month": "12",
                    "account_price_include": "tax_excluded",
                    "cost_method": "standard",
                    "horizon_days": 365.0,
                    "inventory_period": "manual",
                    "layout_background": "Blank",
                    "email": f"info@northbridge{'' if c == 1 else '-eu'}.example.com",
                    "anglo_saxon_accounting": c == 1,
                    "tax_calculation_rounding_method": "round_globally",
                    "quotation_validity_days": 30,
                    "po_lock": "edit",
                },
                uid=1,
            )
        # currency rates (weekly): rate = units of the currency per 1 company currency
        walk = 0.92
        rates_eur: list[float] = []
        for w in range(-10, self.H // 7 + 70):
            walk = min(1.02, max(0.84, walk + rng.gauss(0, 0.006)))
            rates_eur.append(round(walk, 6))
            i = w * 7
            if -10 * 7 <= i <= self.H:
                self.new(
                    "res.currency.rate",
                    {
                        "name": self.ds(i),
                        "currency_id": self.EUR,
                        "company_id": 1,
                        "rate": rates_eur[-1],
                    },
                    uid=1,
                )
                self.new(
                    "res.currency.rate",
                    {
                        "name": self.ds(i),
                        "currency_id": self.USD,
                        "company_id": 2,
                        "rate": round(1.0 / rates_eur[-1], 6),
                    },
                    uid=1,
                )
        self._rates_eur = rates_eur
        for _cid, crow in cur.items():
            crow["rate_ids"] = []
        for rid, r in self.t["res.currency.rate"].items():
            cur[r["currency_id"]]["rate_ids"].append(rid)

        # users (with partners)
        self.users: dict[int, dict[str, Any]] = {}
        user_specs = [
            ("OdooBot", "__system__", 1, False),
            ("Mitchell Admin", "admin", 1, True),
            ("Marc Demo", "demo", 1, True),
        ]
        n_sales = {"small": 4, "medium": 10, "large": 30}[self.size]
        for k in range(n_sales):
            c = 1 if k < math.ceil(n_sales * 0.65) else 2
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            user_specs.append(
                (name, f"{name.split()[0].lower()}.{k}@northbridge.example.com", c, True)
            )
        user_specs.append(("Accounting Clerk", "accounting@northbridge.example.com", 1, True))
        for name, login, c, active in user_specs:
            pid = self.new(
                "res.partner",
                {
                    "name": name,
                    "complete_name": name,
                    "active": active,
                    "email": login if "@" in login else f"{login}@northbridge.example.com",
                    "commercial_partner_id": 0,
                    "lang": "en_US",
                    "type": "contact",
                    "autopost_bills": "ask",
                    "group_on": "default",
                    "group_rfq": "default",
                    "company_id": c if login not in ("admin", "__system__") else False,
                },
                uid=1,
            )
            self.t["res.partner"][pid]["commercial_partner_id"] = pid
            uid = self.new(
                "res.users",
                {
                    "login": login,
                    "partner_id": pid,
                    "company_id": c,
                    "company_ids": [1, 2] if login in ("admin", "__system__") else [c],
                    "active": active,
                    "notification_type": "email",
                    "share": False,
                },
                uid=1,
            )
            self.users[uid] = {"partner": pid, "company": c, "name": name}
        self.salespeople = {
            c: [
                u
                for u in self.users
                if u >= 3 and self.users[u]["company"] == c and u != max(self.users)
            ]
            for c in self.companies
        }
        self.accountant = max(self.users)
        # sales teams
        self.team = {}
        for c in self.companies:
            tid = self.new(
                "crm.team",
                {
                    "name": "Sales" if c == 1 else "Sales Europe",
                    "company_id": c,
                    "active": True,
                    "use_leads": True,
                    "use_opportunities": True,
                    "user_id": self.salespeople[c][0],
                    "sequence": 10 * c,
                    "invoiced_target": 250000.0 if c == 1 else 90000.0,
                },
            )
            self.team[c] = tid
            for u in self.salespeople[c]:
                self.t["res.users"][u]["sale_team_id"] = tid
        # units of measure
        for name, factor, rel in (
            ("Units", 1.0, None),
            ("Dozens", 12.0, 1),
            ("Pack of 6", 6.0, 1),
            ("Hours", 1.0, None),
            ("Days", 8.0, 4),
            ("km", 1.0, None),
        ):
            row: dict[str, Any] = {
                "name": name,
                "factor": factor,
                "relative_factor": factor,
                "active": True,
            }
            if rel:
                row["relative_uom_id"] = rel
            self.new("uom.uom", row, uid=1)
        self.UNIT, self.HOUR, self.KM = 1, 4, 6
        # product categories
        cats: dict[str, int] = {}
        for name, parent in (
            ("All", None),
            ("Furniture", "All"),
            ("Accessories", "All"),
            ("Services", "All"),
            ("Expenses", "All"),
        ):
            row = {"name": name, "complete_name": name if not parent else f"All / {name}"}
            if parent:
                row["parent_id"] = cats[parent]
            row["property_cost_method"] = "standard"
            row["property_valuation"] = "periodic"
            cats[name] = self.new("product.category", row, uid=1)
        self.cats = cats
        self._accounts()
        self._journals()
        self._terms()
        self._stock_locations()
        self._stages()

    def _accounts(self) -> None:
        chart = (
            ("101000", "Current Assets", "asset_current", False),
            ("101401", "Bank", "asset_cash", False),
            ("101501", "Cash", "asset_cash", False),
            ("101402", "Outstanding Receipts", "asset_current", True),
            ("101403", "Outstanding Payments", "asset_current", True),
            ("121000", "Account Receivable", "asset_receivable", True),
            ("110100", "Stock Valuation", "asset_current", False),
            ("131000", "Tax Paid", "asset_current", False),
            ("151000", "Fixed Assets", "asset_fixed", False),
            ("151100", "Accumulated Depreciation", "asset_fixed", False),
            ("211000", "Account Payable", "liability_payable", True),
            ("230000", "Payroll Liabilities", "liability_current", False),
            ("251000", "Tax Received", "liability_current", False),
            ("301000", "Capital", "equity", False),
            ("999999", "Undistributed Profits/Losses", "equity_unaffected", False),
            ("400000", "Product Sales", "income", False),
            ("400100", "Service Revenue", "income", False),
            ("441000", "Foreign Exchange Gain", "income_other", False),
            ("500000", "Cost of Goods Sold", "expense_direct_cost", False),
            ("600000", "Expenses", "expense", False),
            ("610000", "Rent", "expense", False),
            ("620000", "Salaries", "expense", False),
            ("630000", "Depreciation", "expense_depreciation", False),
            ("640000", "Travel and Entertainment", "expense", False),
            ("641000", "Foreign Exchange Loss", "expense_other", False),
            ("650000", "Bank Fees", "expense", False),
        )
        self.acc: dict[int, dict[str, int]] = {}
        for c in self.companies:
            self.acc[c] = {}
            for code, name, atype, rec in chart:
                row: dict[str, Any] = {
                    "code_store": code,
                    "name": name,
                    "account_type": atype,
                    "company_ids": [c],
                    "active": True,
                    "reconcile": rec,
                }
                if atype in ("asset_receivable", "liability_payable"):
                    row["reconcile"] = True
                self.acc[c][code] = self.new("account.account", row, uid=1)

    def _journals(self) -> None:
        self.jr: dict[int, dict[str, int]] = {}
        for c in self.companies:
            a = self.acc[c]
            self.jr[c] = {}
            for code, name, jtype, default, seq in (
                ("INV", "Customer Invoices", "sale", a["400000"], 5),
                ("BILL", "Vendor Bills", "purchase", a["600000"], 6),
                ("BNK1", "Bank", "bank", a["101401"], 10),
                ("CSH1", "Cash", "cash", a["101501"], 11),
                ("MISC", "Miscellaneous Operations", "general", False, 9),
                ("SAL", "Salaries", "general", False, 12),
            ):
                row: dict[str, Any] = {
                    "code": code,
                    "name": name,
                    "type": jtype,
                    "company_id": c,
                    "active": True,
                    "sequence": seq,
                    "invoice_reference_model": "odoo",
                    "invoice_reference_type": "invoice",
                    "show_on_dashboard": jtype in ("sale", "purchase", "bank", "cash"),
                    "refund_sequence": jtype in ("sale", "purchase"),
                    "payment_sequence": jtype in ("bank", "cash"),
                    "currency_id": False,
                }
                if default:
                    row["default_account_id"] = default
                if jtype in ("bank", "cash"):
                    row["bank_statements_source"] = "undefined"
                    row["suspense_account_id"] = a["101000"]
                self.jr[c][code] = self.new("account.journal", row, uid=1)
        self._seqs: dict[tuple[int, str, str], int] = defaultdict(int)
        self.acc_bal: dict[tuple[int, str], float] = defaultdict(float)

    def _terms(self) -> None:
        self.terms: dict[int, int] = {}
        for name, days in (
            ("Immediate Payment", 0),
            ("15 Days", 15),
            ("21 Days", 21),
            ("30 Days", 30),
            ("45 Days", 45),
            ("60 Days", 60),
        ):
            tid = self.new(
                "account.payment.term",
                {
                    "name": name,
                    "active": True,
                    "sequence": 10,
                    "display_on_invoice": True,
                    "early_pay_discount_computation": "included",
                },
                uid=1,
            )
            self.terms[tid] = days
        self.term_by_days = {d: t for t, d in self.terms.items()}

    def _stock_locations(self) -> None:
        L = self.t["stock.location"]
        self.loc_vendor = self.new(
            "stock.location",
            {
                "name": "Vendors",
                "complete_name": "Partners/Vendors",
                "usage": "supplier",
                "active": True,
            },
            uid=1,
        )
        self.loc_customer = self.new(
            "stock.location",
            {
                "name": "Customers",
                "complete_name": "Partners/Customers",
                "usage": "customer",
                "active": True,
            },
            uid=1,
        )
        self.wh: dict[int, int] = {}
        self.loc_stock: dict[int, int] = {}
        self.loc_inv: dict[int, int] = {}
        for c, code, name in ((1, "WH", "Chicago Warehouse"), (2, "EU", "Rotterdam Warehouse")):
            self.loc_inv[c] = self.new(
                "stock.location",
                {
                    "name": "Inventory adjustment",
                    "complete_name": "Virtual Locations/Inventory adjustment",
                    "usage": "inventory",
                    "company_id": c,
                    "active": True,
                },
                uid=1,
            )
            view = self.new(
                "stock.location",
                {
                    "name": code,
                    "complete_name": code,
                    "usage": "view",
                    "company_id": c,
                    "active": True,
                },
                uid=1,
            )
            stock = self.new(
                "stock.location",
                {
                    "name": "Stock",
                    "complete_name": f"{code}/Stock",
                    "usage": "internal",
                    "company_id": c,
                    "location_id": view,
                    "active": True,
                    "replenish_location": True,
                },
                uid=1,
            )
            L[view]["parent_path"] = f"{view}/"
            L[stock]["parent_path"] = f"{view}/{stock}/"
            L[view]["child_ids"] = [stock]
            wid = self.new(
                "stock.warehouse",
                {
                    "name": name,
                    "code": code,
                    "company_id": c,
                    "active": True,
                    "lot_stock_id": stock,
                    "view_location_id": view,
                    "partner_id": c,
                    "delivery_steps": "ship_only",
                    "reception_steps": "one_step",
                    "sequence": 10 * c,
                },
                uid=1,
            )
            L[view]["warehouse_id"] = wid
            L[stock]["warehouse_id"] = wid
            self.wh[c] = wid
            self.loc_stock[c] = stock
        for lid in (self.loc_vendor, self.loc_customer, *self.loc_inv.values()):
            L[lid]["parent_path"] = f"{lid}/"
        self._pick_seq: dict[tuple[int, str], int] = defaultdict(int)

    def _stages(self) -> None:
        self.stages = {}
        for name, seq, won, rot, color in (
            ("New", 1, False, 0, 11),
            ("Qualified", 2, False, 15, 5),
            ("Proposition", 3, False, 10, 8),
            ("Won", 70, True, 0, 10),
        ):
            sid = self.new(
                "crm.stage",
                {
                    "name": name,
                    "sequence": seq,
                    "is_won": won,
                    "rotting_threshold_days": rot,
                    "color": color,
                },
                uid=1,
            )
            self.stages[name] = sid
        self.stage_name = {v: k for k, v in self.stages.items()}
        self.stage_prob = {"New": 10.0, "Qualified": 30.0, "Proposition": 60.0, "Won": 100.0}
