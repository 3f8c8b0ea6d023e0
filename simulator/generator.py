"""Generate the simulated Odoo 19 company: two years of a trading business, deterministic.

Why a discrete-event simulation rather than independent random tables: analysts reconcile the
marts against this data to the cent, so every number must follow from the events that made
it, as in Odoo. A quotation is confirmed, its delivery leaves the stock it reserved, the
invoice follows the delivery, the payment reconciles the invoice (a partial reconcile row,
residuals, payment state, matching number), the stock level triggers the orderpoint that
creates the purchase order, whose receipt and bill follow. Days are simulated in order, and
every record created on a day gets the next timestamp of that day, so ids, ``create_date`` and
``write_date`` advance together the way they do on a real server.

The scenarios (:mod:`simulator.scenarios`) are chosen after the population is drawn and are
made true by the simulation itself (a churner's order rate decays, a stock-out product's
demand rises while its replenishment stops, ...); their ground truth is returned apart from
the Odoo rows.

Rows are in the store's internal form: Odoo's wire format with many2one as a bare id, sparse
(keys whose value is the type default are left out).
"""

from __future__ import annotations

import heapq
import logging
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.ground_truth import FORMAT_VERSION, project_cash
from simulator.scenarios import ScenarioPlan, plan_scenarios

if TYPE_CHECKING:
    from simulator.store import OdooStore

_log = logging.getLogger(__name__)

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "customers": 60,
        "vendors": 12,
        "goods": 30,
        "services": 5,
        "orders": 560,
        "leads": 170,
        "employees": 10,
        "tasks": 120,
        "step": 45,
    },
    "medium": {
        "customers": 1200,
        "vendors": 50,
        "goods": 260,
        "services": 15,
        "orders": 15800,
        "leads": 3000,
        "employees": 60,
        "tasks": 2500,
        "step": 3,
    },
    "large": {
        "customers": 12000,
        "vendors": 250,
        "goods": 1500,
        "services": 40,
        "orders": 165000,
        "leads": 25000,
        "employees": 300,
        "tasks": 20000,
        "step": 1,
    },
}
HISTORY_DAYS = 730
DEFAULT_AS_OF = date(2026, 11, 20)

MODELS = (
    "res.currency",
    "res.currency.rate",
    "res.company",
    "res.partner",
    "res.users",
    "crm.team",
    "uom.uom",
    "product.category",
    "product.template",
    "product.product",
    "account.account",
    "account.journal",
    "account.payment.term",
    "account.analytic.account",
    "account.move",
    "account.move.line",
    "account.payment",
    "account.partial.reconcile",
    "account.full.reconcile",
    "crm.stage",
    "crm.lead",
    "mail.message",
    "mail.tracking.value",
    "mail.activity",
    "sale.order",
    "sale.order.line",
    "purchase.order",
    "purchase.order.line",
    "stock.warehouse",
    "stock.location",
    "stock.picking",
    "stock.move",
    "stock.quant",
    "stock.warehouse.orderpoint",
    "hr.employee",
    "hr.expense",
    "project.project",
    "project.task",
)

_EMPTY = (False, None, 0, 0.0, "")


@dataclass
class GeneratedCompany:
    """A generated company: the Odoo rows, and the scenario ground truth kept apart."""

    tables: dict[str, dict[int, dict[str, Any]]]
    ground_truth: dict[str, Any]
    now: datetime
    as_of: date
    seed: int
    size: str


# --------------------------------------------------------------------------- word lists
_ADJ = [
    "Blue",
    "North",
    "Silver",
    "Oak",
    "River",
    "Summit",
    "Pine",
    "Cedar",
    "Harbor",
    "Granite",
    "Maple",
    "Bright",
    "Iron",
    "Golden",
    "Clear",
    "Swift",
    "Prime",
    "Urban",
    "Alpine",
    "Coastal",
    "Crystal",
    "Eagle",
    "Falcon",
    "Grand",
    "Green",
    "Horizon",
    "Lake",
    "Lunar",
    "Meadow",
    "Nova",
    "Ocean",
    "Pacific",
    "Polar",
    "Red",
    "Royal",
    "Sage",
    "Solar",
    "Stone",
    "Sun",
    "True",
    "Valley",
    "Vista",
    "West",
    "Willow",
    "Zen",
    "Amber",
    "Arrow",
    "Aspen",
    "Atlas",
    "Beacon",
    "Birch",
    "Bold",
    "Cobalt",
    "Copper",
    "Crest",
    "Delta",
]
_NOUN = [
    "Interiors",
    "Works",
    "Studio",
    "Design",
    "Office",
    "Living",
    "Spaces",
    "Furnishings",
    "Build",
    "Craft",
    "Supply",
    "Labs",
    "Systems",
    "Partners",
    "Group",
    "Hospitality",
    "Retail",
    "Logistics",
    "Health",
    "Education",
    "Ventures",
    "Realty",
    "Properties",
    "Architects",
    "Hotels",
    "Dental",
    "Clinics",
    "Academy",
    "Media",
    "Consulting",
    "Engineering",
]
_SUFFIX_US = ("LLC", "Inc.", "Co.", "Corp.", "Ltd.", "")
_SUFFIX_EU = ("B.V.", "GmbH", "SARL", "S.A.", "S.r.l.", "AG", "NV", "")
_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Paul",
    "Emily",
    "Steven",
    "Donna",
    "Andrew",
    "Michelle",
    "Joshua",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "Sophie",
    "Lukas",
    "Emma",
    "Jan",
    "Anna",
    "Pieter",
    "Chiara",
    "Marco",
    "Elena",
    "Hugo",
    "Camille",
    "Noah",
    "Lea",
    "Finn",
]
_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Janssen",
    "deVries",
    "Muller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Moreau",
    "Peeters",
    "Jansen",
    "Novak",
    "Berg",
]
_CITIES_US = ("San Francisco", "Chicago", "Austin", "Denver", "Boston", "Seattle", "Atlanta")
_CITIES_EU = ("Amsterdam", "Rotterdam", "Antwerp", "Brussels", "Lyon", "Cologne", "Milan")
_GOODS = [
    "Desk",
    "Chair",
    "Table",
    "Cabinet",
    "Shelf",
    "Lamp",
    "Sofa",
    "Stool",
    "Bench",
    "Drawer",
    "Locker",
    "Partition",
    "Whiteboard",
    "Monitor-Arm",
    "Footrest",
    "Coat-Rack",
    "Bookcase",
    "Credenza",
    "Sideboard",
    "Screen",
]
_GOODS_ADJ = [
    "Ergonomic",
    "Compact",
    "Executive",
    "Modular",
    "Standing",
    "Stackable",
    "Acoustic",
    "Corner",
    "Mobile",
    "Classic",
    "Oak",
    "Walnut",
    "Steel",
    "Glass",
    "Large",
    "Small",
    "Folding",
    "Premium",
]
_SERVICES = (
    "Installation",
    "Space Planning",
    "On-site Assembly",
    "Design Consultation",
    "Maintenance Contract",
    "Training Session",
    "Removal Service",
    "Project Management",
)
_EXPENSES = (
    ("Travel", 250.0, 0.7),
    ("Meals", 45.0, 0.5),
    ("Hotel", 160.0, 0.4),
    ("Mileage", 60.0, 0.5),
    ("Office Supplies", 35.0, 0.6),
    ("Phone", 45.0, 0.01),
)
_TASKS = (
    "Chair mechanism issue",
    "Delivery damaged",
    "Missing parts",
    "Invoice question",
    "Assembly help",
    "Warranty claim",
    "Change delivery address",
    "Request for quote",
    "Color mismatch",
    "Replacement request",
)


def _r2(x: float) -> float:
    """Round to cents (both currencies have a rounding of 0.01)."""
    return round(x + 0.0, 2)


class _Gen:
    """The simulation state. One instance generates one company (not reusable)."""

    def __init__(self, size: str, seed: int, as_of: date) -> None:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
        self.size = size
        self.seed = seed
        self.as_of = as_of
        self.p = SIZES[size]
        self.H = HISTORY_DAYS
        self.start = as_of - timedelta(days=self.H)
        self.rng = random.Random(f"{seed}-main")
        self.nrng = np.random.default_rng([seed, 7])
        self.t: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in MODELS}
        self.next_id: dict[str, int] = {m: 1 for m in MODELS}
        self._dcache: dict[int, str] = {}
        self._late_invoice_once: set[int] = set()  # one-late-invoice controls late already
        self._dup_sources: set[tuple[int, int, str, float]] = set()
        self.uid = 2
        self.step = self.p["step"]
        self.set_day(-30)
        self.agenda: dict[int, list[tuple[int, int, Callable[..., None], tuple[Any, ...]]]] = {}
        self.seq = 0
        # CRM leads created stuck: stalled (no activity) vs slow but still active;
        # filled by generate_company's ev_lead_create hook.
        self._stalled: list[int] = []
        self.slow_ids: list[int] = []

    # ------------------------------------------------------------------ clock and rows
    def ds(self, i: int) -> str:
        """The date string of day index ``i`` (0 = start of history, H = as_of)."""
        s = self._dcache.get(i)
        if s is None:
            s = (self.start + timedelta(days=i)).isoformat()
            self._dcache[i] = s
        return s

    def set_day(self, i: int) -> None:
        self.day = i
        self.day_str = self.ds(i)
        self.sec = 7 * 3600 + self.rng.randint(0, 1200)
        self._fmt_ts()

    def _fmt_ts(self) -> None:
        s = min(self.sec, 22 * 3600 + 3599)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        self.ts = f"{self.day_str} {h:02d}:{m:02d}:{sec:02d}"

    def tick(self) -> str:
        """Advance the clock within the day: one transaction, one timestamp."""
        self.sec += self.rng.randint(1, self.step)
        self._fmt_ts()
        return self.ts

    def new(self, model: str, row: dict[str, Any], uid: int | None = None) -> int:
        i = self.next_id[model]
        self.next_id[model] = i + 1
        row["id"] = i
        row["create_date"] = row["write_date"] = self.ts
        row["create_uid"] = row["write_uid"] = uid or self.uid
        self.t[model][i] = row
        return i

    def touch(self, model: str, rid: int, uid: int | None = None) -> dict[str, Any]:
        row = self.t[model][rid]
        row["write_date"] = self.ts
        row["write_uid"] = uid or self.uid
        return row

    def at(self, day: int, prio: int, fn: Callable[..., None], *args: Any) -> None:
        """Schedule ``fn(*args)`` on day index ``day`` (dropped if after as_of)."""
        if day > self.H:
            return
        day = max(day, self.day)
        self.seq += 1
        heapq.heappush(self.agenda.setdefault(day, []), (prio, self.seq, fn, args))

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

    # ------------------------------------------------------------------ population
    def population(self) -> None:
        rng, p = self.rng, self.p
        P = self.t["res.partner"]
        # products
        self.goods: list[int] = []
        self.services: list[int] = []
        self.expense_products: dict[str, int] = {}
        self.price: dict[int, float] = {}
        self.cost: dict[int, float] = {}
        self.pname: dict[int, str] = {}
        used_names: set[str] = set()
        for k in range(p["goods"] + p["services"] + len(_EXPENSES)):
            if k < p["goods"]:
                while True:
                    name = f"{rng.choice(_GOODS_ADJ)} {rng.choice(_GOODS).replace('-', ' ')}"
                    if name not in used_names or len(used_names) > 300:
                        break
                if name in used_names:
                    name = f"{name} {k}"
                used_names.add(name)
                price = float(round(math.exp(rng.gauss(math.log(220), 0.9)), 0)) + 0.0
                cost = _r2(price * rng.uniform(0.48, 0.66))
                kind, code = "goods", f"FURN_{1000 + k:04d}"
            elif k < p["goods"] + p["services"]:
                j = k - p["goods"]
                name = _SERVICES[j % len(_SERVICES)] + (
                    "" if j < len(_SERVICES) else f" {j // len(_SERVICES) + 1}"
                )
                price = float(rng.choice((65, 85, 95, 120, 150)))
                cost = _r2(price * 0.55)
                kind, code = "service", f"SERV_{j + 1:03d}"
            else:
                name, price, _ = _EXPENSES[k - p["goods"] - p["services"]]
                cost = price
                kind, code = "expense", f"EXP_{name.upper().replace(' ', '_')}"
            active = not (kind == "goods" and (rng.random() < 0.04 or k == p["goods"] - 1))
            tmpl: dict[str, Any] = {
                "name": name,
                "default_code": code,
                "type": "service" if kind != "goods" else "consu",
                "is_storable": kind == "goods",
                "categ_id": self.cats[
                    {"goods": "Furniture", "service": "Services", "expense": "Expenses"}[kind]
                ],
                "uom_id": self.HOUR
                if kind == "service"
                else (self.KM if name == "Mileage" else self.UNIT),
                "list_price": price if kind != "expense" else 0.0,
                "sale_ok": kind != "expense",
                "purchase_ok": kind == "goods",
                "can_be_expensed": kind == "expense",
                "invoice_policy": "delivery" if kind == "goods" else "order",
                "purchase_method": "receive",
                "tracking": "none",
                "service_tracking": "no",
                "service_type": "manual" if kind == "service" else False,
                "expense_policy": "no",
                "active": active,
                "sale_delay": 2 if kind == "goods" else 0,
                "weight": _r2(rng.uniform(2, 60)) if kind == "goods" else 0.0,
                "sequence": 1,
            }
            tid = self.new("product.template", tmpl, uid=2)
            pid = self.new(
                "product.product",
                {
                    "product_tmpl_id": tid,
                    "default_code": code,
                    "standard_price": cost,
                    "active": active,
                    "weight": tmpl["weight"],
                    "combination_indices": "",
                },
                uid=2,
            )
            tmpl["product_variant_ids"] = [pid]
            self.price[pid], self.cost[pid] = price, cost
            self.pname[pid] = f"[{code}] {name}"
            if kind == "goods" and active:
                self.goods.append(pid)
            elif kind == "service":
                self.services.append(pid)
            elif kind == "expense":
                self.expense_products[name] = pid
        self.archived_products = [
            pid for pid, r in self.t["product.product"].items() if not r.get("active")
        ]
        self.goods_by_company = {
            1: list(self.goods),
            2: [g for g in self.goods if rng.random() < 0.6],
        }
        # vendors
        self.vendors: list[int] = []
        self.vendor_lt: dict[int, int] = {}
        self.vendor_term: dict[int, int] = {}
        for k in range(p["vendors"]):
            eu = k % 3 == 2
            name = f"{rng.choice(_ADJ)} {rng.choice(('Manufacturing', 'Industries', 'Wood', 'Metals', 'Components', 'Textiles', 'Wholesale'))} {rng.choice(_SUFFIX_EU if eu else _SUFFIX_US)}".strip()
            vid = self._company_partner(name, eu, supplier=True)
            self.vendors.append(vid)
            self.vendor_lt[vid] = rng.randint(7, 20)
            self.vendor_term[vid] = self.term_by_days[rng.choice((30, 30, 45, 60, 21))]
            P[vid]["property_supplier_payment_term_id"] = self.vendor_term[vid]
        self.landlord = {}
        for c in self.companies:
            nm = f"{rng.choice(_ADJ)} Properties {'LLC' if c == 1 else 'B.V.'}"
            self.landlord[c] = self._company_partner(nm, c == 2, supplier=True)
        self.product_vendor = {
            g: self.vendors[i % len(self.vendors)] for i, g in enumerate(self.goods)
        }
        # customers
        self.customers: list[int] = []
        self.cust_company: dict[int, int] = {}
        self.cust_term: dict[int, int] = {}
        self.cust_user: dict[int, int] = {}
        self.cust_delay: dict[int, float] = {}
        self.cust_currency: dict[int, int] = {}
        self.contacts: dict[int, list[int]] = {}
        for _ in range(p["customers"]):
            c = 1 if rng.random() < 0.72 else 2
            eu = c == 2
            name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX_EU if eu else _SUFFIX_US)}".strip()
            cid = self._company_partner(name, eu, customer=True)
            term = self.term_by_days[rng.choice((30, 30, 30, 15, 45, 0, 21, 60))]
            P[cid]["property_payment_term_id"] = term
            self.customers.append(cid)
            self.cust_company[cid] = c
            self.cust_term[cid] = term
            self.cust_user[cid] = rng.choice(self.salespeople[c])
            P[cid]["user_id"] = self.cust_user[cid]
            self.cust_delay[cid] = rng.gauss(2.0, 5.0)
            foreign = rng.random() < 0.08
            self.cust_currency[cid] = (
                (self.EUR if c == 1 else self.USD) if foreign else self.ccur[c]
            )
            kids = []
            for _ in range(rng.randint(1, 3)):
                fn, ln = rng.choice(_FIRST), rng.choice(_LAST)
                kid = self.new(
                    "res.partner",
                    {
                        "name": f"{fn} {ln}",
                        "complete_name": f"{name}, {fn} {ln}",
                        "parent_id": cid,
                        "commercial_partner_id": cid,
                        "type": "contact",
                        "active": True,
                        "email": f"{fn.lower()}.{ln.lower()}@example.com",
                        "function": rng.choice(
                            ("Buyer", "Office Manager", "CEO", "Facilities", "Accountant")
                        ),
                        "lang": "en_US",
                        "autopost_bills": "ask",
                        "group_on": "default",
                        "group_rfq": "default",
                        "city": P[cid].get("city", False),
                    },
                )
                kids.append(kid)
            P[cid]["child_ids"] = kids
            self.contacts[cid] = kids
        # a few archived partners (old contacts and a prospect that never bought)
        for cid in rng.sample(self.customers, max(2, len(self.customers) // 25)):
            kid = self.contacts[cid][0]
            if len(self.contacts[cid]) > 1:
                P[kid]["active"] = False
        self.customers_by_company = {
            c: [x for x in self.customers if self.cust_company[x] == c] for c in self.companies
        }

    def _company_partner(
        self, name: str, eu: bool, customer: bool = False, supplier: bool = False
    ) -> int:
        rng = self.rng
        city = rng.choice(_CITIES_EU if eu else _CITIES_US)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
        pid = self.new(
            "res.partner",
            {
                "name": name,
                "complete_name": name,
                "is_company": True,
                "active": True,
                "customer_rank": 1 if customer else 0,
                "supplier_rank": 1 if supplier else 0,
                "email": f"contact@{slug}.example.com",
                "phone": f"+{'31' if eu else '1'} {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "street": f"{rng.randint(1, 999)} {rng.choice(_LAST)} {'Straat' if eu else 'Street'}",
                "city": city,
                "zip": f"{rng.randint(10000, 99999)}",
                "lang": "en_US",
                "type": "contact",
                "autopost_bills": "ask",
                "group_on": "default",
                "group_rfq": "default",
            },
        )
        self.t["res.partner"][pid]["commercial_partner_id"] = pid
        return pid

    # ------------------------------------------------------------------ planning
    def plan(self) -> None:
        """Draw when each customer orders what (vectorised), apply the scenarios' effects."""
        H = self.H
        nr = self.nrng
        days = np.arange(H + 1)
        dates = [self.start + timedelta(days=int(i)) for i in days]
        doy = np.array([d.timetuple().tm_yday for d in dates])
        wd = np.array([d.weekday() for d in dates])
        season = 1.0 + 0.2 * np.sin(2 * np.pi * (doy - 100) / 365.0) + 0.15 * (doy > 300)
        weekday = np.where(wd >= 5, 0.12, 1.0)
        growth = 0.8 + 0.45 * days / H
        shape = season * weekday * growth
        custs = self.customers
        n = len(custs)
        base = np.exp(nr.normal(0.0, 0.75, n))
        joined = np.where(nr.random(n) < 0.7, 0, nr.integers(0, H - 60, n))
        # each customer's usual days between orders were it active over the whole history
        # (what a churn scenario's silence is measured in)
        active_shape = np.cumsum(shape[::-1])[::-1][joined]
        scale = self.p["orders"] / float((base * active_shape).sum())
        cust_gap = {
            c: H / max(float(base[i] * shape.sum() * scale), 1e-9) for i, c in enumerate(custs)
        }
        self.sp = plan_scenarios(
            self.size,
            self.seed,
            self.customers_by_company,
            cust_gap,
            self.goods_by_company,
            self.vendors,
            H,
        )
        sp: ScenarioPlan = self.sp
        idx = {c: i for i, c in enumerate(custs)}
        for c in (*sp.churned, *sp.late_payers):
            joined[idx[c]] = 0
        active = (days[None, :] >= joined[:, None]).astype(float)
        lam = base[:, None] * shape[None, :] * active
        lam *= self.p["orders"] / lam.sum()
        for c, cfg in sp.churned.items():
            i = idx[c]
            stop = H - cfg["stop_ago"]
            d0 = stop - cfg["decline_days"]
            ramp = np.clip((days - d0) / max(1, cfg["decline_days"]), 0, 1)
            lam[i] *= 1.0 - 0.8 * ramp
            lam[i, stop + 1 :] = 0.0
            lam[i, : stop + 1] *= 1.3 * sp.churn_boost.get(c, 1.0)
        for c, m in sp.quiet_month.items():
            lam[idx[c], m * 30 : m * 30 + 31] = 0.0
        counts = nr.poisson(lam)
        for c, cfg in sp.churned.items():
            counts[idx[c], H - cfg["stop_ago"]] = max(1, counts[idx[c], H - cfg["stop_ago"]])
        ci, ti = np.nonzero(counts)
        reps = counts[ci, ti]
        ci = np.repeat(ci, reps)
        ti = np.repeat(ti, reps)
        order = np.lexsort((ci, ti))
        ci, ti = ci[order], ti[order]
        m = len(ci)
        n_lines = np.minimum(1 + nr.poisson(1.1, m), 6)
        fate_r = nr.random(m)
        conf_lag = np.minimum(nr.geometric(0.45, m) - 1, 10)
        deliv_lag = nr.integers(1, 5, m)
        inv_lag = np.where(nr.random(m) < 0.7, 0, nr.integers(1, 4, m))
        # favourite products per customer
        rng = self.rng
        fav: dict[int, list[int]] = {}
        for c in custs:
            g = self.goods_by_company[self.cust_company[c]]
            fav[c] = rng.sample(g, min(len(g), rng.randint(3, 9)))
        boosted = {(p, c) for p, c in sp.stockout + sp.rising_controls}
        self.orders_plan: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.planned_out: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(H + 40))
        ramp_start = H - 100
        for k in range(m):
            cust = custs[int(ci[k])]
            comp = self.cust_company[cust]
            day = int(ti[k])
            lines: list[list[Any]] = []
            chosen: set[int] = set()
            for _ in range(int(n_lines[k])):
                if rng.random() < 0.13:
                    pid = rng.choice(self.services)
                    qty = float(rng.choice((2, 4, 6, 8, 12, 16)))
                else:
                    pid = (
                        rng.choice(fav[cust])
                        if rng.random() < 0.8
                        else rng.choice(self.goods_by_company[comp])
                    )
                    qty = float(max(1, round(math.exp(rng.gauss(1.2, 0.7)))))
                if pid in chosen:
                    continue
                chosen.add(pid)
                lines.append([pid, qty, rng.choice((0.0, 0.0, 0.0, 0.0, 5.0, 10.0))])
            if day > ramp_start:
                f = (day - ramp_start) / 100.0
                for pid, cc in boosted:
                    if cc != comp:
                        continue
                    hit = [ln for ln in lines if ln[0] == pid]
                    if hit:
                        hit[0][1] = float(round(hit[0][1] * (1 + 1.5 * f)))
                    elif rng.random() < 0.05 + 0.35 * f:
                        lines.append([pid, float(max(1, round(rng.uniform(2, 6) * (1 + f)))), 0.0])
            r = float(fate_r[k])
            fate = "confirm" if r < 0.88 else ("cancel" if r < 0.96 else "stale")
            if cust in sp.churned and day == H - sp.churned[cust]["stop_ago"]:
                fate = "confirm"
            o: dict[str, Any] = {
                "partner": cust,
                "company": comp,
                "day": day,
                "lines": lines,
                "fate": fate,
                "confirm": day + int(conf_lag[k]),
                "deliver": day + int(conf_lag[k]) + int(deliv_lag[k]),
                "inv_lag": int(inv_lag[k]),
            }
            self.orders_plan[day].append(o)
            if fate == "confirm":
                for pid, qty, _ in lines:
                    if pid in self.cost and pid not in self.services:
                        self.planned_out[(pid, comp)][o["deliver"]] += qty

    # ------------------------------------------------------------------ accounting core
    def rate(self, company: int, currency: int, day: int) -> float:
        """Units of ``currency`` per one unit of the company's currency on ``day``."""
        if currency == self.ccur[company]:
            return 1.0
        w = max(0, day // 7 + 10)
        r = self._rates_eur[min(w, len(self._rates_eur) - 1)]
        return r if company == 1 else round(1.0 / r, 6)

    def seq_name(self, company: int, code: str, day: int, monthly: bool) -> tuple[str, str, int]:
        d = self.start + timedelta(days=day)
        prefix = f"{code}/{d.year}/{d.month:02d}/" if monthly else f"{code}/{d.year}/"
        key = (company, code, prefix)
        self._seqs[key] += 1
        n = self._seqs[key]
        return f"{prefix}{n:04d}" if monthly else f"{prefix}{n:05d}", prefix, n

    def move(
        self,
        company: int,
        journal: str,
        move_type: str,
        lines: list[dict[str, Any]],
        *,
        partner: int | bool = False,
        currency: int | None = None,
        day: int | None = None,
        header: dict[str, Any] | None = None,
        name_code: str | None = None,
        monthly: bool = True,
        uid: int | None = None,
        rate: float | None = None,
    ) -> int:
        """Create a posted journal entry: balanced lines, header totals, names.

        ``lines`` carry ``account``, ``amount_currency`` (signed, transaction currency) and
        optionally ``balance`` (company currency; computed with the day's rate when absent).
        The last line absorbs the rounding so that the entry balances to the cent.
        """
        day = self.day if day is None else day
        currency = currency or self.ccur[company]
        rate = rate or self.rate(company, currency, day)
        jid = self.jr[company][journal]
        name, prefix, number = self.seq_name(company, name_code or journal, day, monthly)
        dstr = self.ds(day)
        mid = self.next_id["account.move"]
        total_bal = 0.0
        rows = []
        is_inv = move_type != "entry"
        ccur = self.ccur[company]
        for k, ln in enumerate(lines):
            amc = _r2(ln["amount_currency"])
            if k == len(lines) - 1:
                bal = _r2(-total_bal)
                if currency == ccur:
                    amc = bal
            else:
                bal = (
                    _r2(ln["balance"])
                    if "balance" in ln
                    else (amc if rate == 1.0 else _r2(amc / rate))
                )
                total_bal += bal
            row: dict[str, Any] = {
                "move_id": mid,
                "move_name": name,
                "account_id": self.acc[company][ln["account"]],
                "company_id": company,
                "company_currency_id": ccur,
                "currency_id": currency,
                "journal_id": jid,
                "date": dstr,
                "parent_state": "posted",
                "display_type": ln.get("display_type", "product"),
                "balance": bal,
                "debit": bal if bal > 0 else 0.0,
                "credit": -bal if bal < 0 else 0.0,
                "amount_currency": amc,
                "deductible_amount": 100.0,
                "sequence": ln.get("sequence", 10),
            }
            pt = ln.get("partner", partner)
            if pt:
                row["partner_id"] = pt
            if ln.get("name"):
                row["name"] = ln["name"]
            if is_inv:
                row["invoice_date"] = dstr
            for key in (
                "product_id",
                "quantity",
                "price_unit",
                "price_subtotal",
                "price_total",
                "product_uom_id",
                "discount",
                "date_maturity",
                "tax_base_amount",
                "purchase_line_id",
                "sale_line_ids",
                "payment_id",
            ):
                if key in ln:
                    row[key] = ln[key]
            self.acc_bal[(company, ln["account"])] += bal
            if ln["account"] in ("121000", "211000"):
                row["amount_residual"] = bal
                row["amount_residual_currency"] = amc
            rows.append(row)
        line_ids = [self.new("account.move.line", r, uid=uid) for r in rows]
        hdr: dict[str, Any] = {
            "name": name,
            "move_type": move_type,
            "state": "posted",
            "date": dstr,
            "journal_id": jid,
            "company_id": company,
            "currency_id": currency,
            "line_ids": line_ids,
            "journal_line_ids": list(line_ids),
            "sequence_prefix": prefix,
            "sequence_number": number,
            "posted_before": True,
            "auto_post": "no",
            "checked": True,
            "payment_state": "not_paid",
            "invoice_currency_rate": rate,
        }
        if partner:
            hdr["partner_id"] = partner
            hdr["commercial_partner_id"] = self.t["res.partner"][partner].get(
                "commercial_partner_id", partner
            )
        if move_type == "entry":
            tot = _r2(sum(r["debit"] for r in rows))
            hdr.update(
                amount_total=tot,
                amount_total_signed=tot,
                amount_total_in_currency_signed=tot,
                invoice_date_due=dstr,
            )
        if header:
            hdr.update(header)
        got = self.new("account.move", hdr, uid=uid)
        assert got == mid
        return mid

    def invoice(
        self,
        company: int,
        move_type: str,
        partner: int,
        items: list[dict[str, Any]],
        *,
        currency: int,
        term: int | None,
        header: dict[str, Any] | None = None,
        income_account: str | None = None,
        uid: int | None = None,
        due_days: int | None = None,
        rate: float | None = None,
    ) -> int:
        """Create a posted customer/vendor invoice or refund with product, tax and term lines."""
        sale = move_type in ("out_invoice", "out_refund")
        sign = -1.0 if move_type in ("out_invoice", "in_refund") else 1.0
        tax_rate = (0.0725 if company == 1 else 0.21) if sale else (0.0 if company == 1 else 0.21)
        lines: list[dict[str, Any]] = []
        untaxed = 0.0
        for it in items:
            sub = _r2(it["quantity"] * it["price_unit"] * (1 - it.get("discount", 0.0) / 100.0))
            untaxed += sub
            ln = {
                "account": it.get("account") or income_account or ("400000" if sale else "500000"),
                "amount_currency": sign * sub,
                "display_type": "product",
                "name": it.get("name") or self.pname.get(it.get("product_id", 0), "Line"),
                "quantity": float(it["quantity"]),
                "price_unit": float(it["price_unit"]),
                "price_subtotal": sub,
                "price_total": _r2(sub * (1 + tax_rate)),
                "sequence": 100,
            }
            for key in ("product_id", "discount", "purchase_line_id", "sale_line_ids"):
                if it.get(key):
                    ln[key] = it[key]
            if it.get("product_id"):
                ln["product_uom_id"] = self.t["product.template"][
                    self.t["product.product"][it["product_id"]]["product_tmpl_id"]
                ]["uom_id"]
            lines.append(ln)
        untaxed = _r2(untaxed)
        tax = _r2(untaxed * tax_rate)
        if tax:
            label = ("Tax 7.25%" if company == 1 else "VAT 21%") if sale else "VAT 21% (purchase)"
            lines.append(
                {
                    "account": "251000" if sale else "131000",
                    "amount_currency": sign * tax,
                    "display_type": "tax",
                    "name": label,
                    "tax_base_amount": sign * untaxed,
                    "sequence": 10000,
                }
            )
        total = _r2(untaxed + tax)
        days = self.terms[term] if term else 0
        if due_days is not None:
            days = due_days
        due = self.ds(self.day + days)
        lines.append(
            {
                "account": "121000" if sale else "211000",
                "amount_currency": -sign * total,
                "display_type": "payment_term",
                "date_maturity": due,
                "sequence": 12000,
            }
        )
        code = {
            "out_invoice": "INV",
            "out_refund": "RINV",
            "in_invoice": "BILL",
            "in_refund": "RBILL",
        }[move_type]
        monthly = not sale
        mid = self.move(
            company,
            "INV" if sale else "BILL",
            move_type,
            lines,
            partner=partner,
            currency=currency,
            name_code=code,
            monthly=monthly,
            uid=uid,
            rate=rate,
        )
        M = self.t["account.move"][mid]
        L = self.t["account.move.line"]
        lids = M["line_ids"]
        pt = L[lids[-1]]
        pt["name"] = M["name"] if sale else (header or {}).get("ref", False) or False
        if not pt["name"]:
            del pt["name"]
        bal_untaxed = _r2(sum(L[i]["balance"] for i in lids if L[i]["display_type"] == "product"))
        bal_tax = _r2(sum(L[i]["balance"] for i in lids if L[i]["display_type"] == "tax"))
        hs = 1.0 if move_type in ("out_invoice", "in_refund") else -1.0
        M.update(
            invoice_date=M["date"],
            invoice_date_due=due,
            invoice_line_ids=[i for i in lids if L[i]["display_type"] == "product"],
            invoice_payment_term_id=term or False,
            partner_shipping_id=partner if sale else False,
            invoice_partner_display_name=self.t["res.partner"][partner]["name"],
            payment_reference=M["name"] if sale else False,
            amount_untaxed=untaxed,
            amount_tax=tax,
            amount_total=total,
            amount_residual=total,
            amount_untaxed_signed=_r2(abs(bal_untaxed) * hs),
            amount_tax_signed=_r2(abs(bal_tax) * hs),
            amount_total_signed=_r2(abs(pt["balance"]) * hs),
            amount_total_in_currency_signed=_r2(total * hs),
            amount_untaxed_in_currency_signed=_r2(untaxed * hs),
            amount_residual_signed=_r2(abs(pt["balance"]) * hs),
            delivery_date=M["date"],
            is_move_sent=sale,
        )
        if header:
            M.update(header)
        self.open_items[mid] = lids[-1]
        return mid

    def reconcile(self, debit_line: int, credit_line: int, amount: float, amount_cur: float) -> int:
        """Reconcile two receivable/payable lines for ``amount`` (company currency)."""
        L = self.t["account.move.line"]
        d, c = L[debit_line], L[credit_line]
        max_date = max(d["date"], c["date"])
        prid = self.new(
            "account.partial.reconcile",
            {
                "debit_move_id": debit_line,
                "credit_move_id": credit_line,
                "amount": amount,
                "debit_amount_currency": amount_cur
                if d["currency_id"] == c["currency_id"]
                else amount,
                "credit_amount_currency": amount_cur
                if d["currency_id"] == c["currency_id"]
                else amount,
                "debit_currency_id": d["currency_id"],
                "credit_currency_id": c["currency_id"],
                "company_id": d["company_id"],
                "max_date": max_date,
            },
        )
        for row, sgn, key in ((d, -1.0, "matched_credit_ids"), (c, 1.0, "matched_debit_ids")):
            row["amount_residual"] = _r2(row.get("amount_residual", 0.0) + sgn * amount)
            row["amount_residual_currency"] = _r2(
                row.get("amount_residual_currency", 0.0) + sgn * amount_cur
            )
            row.setdefault(key, []).append(prid)
            row["write_date"] = self.ts
        return prid

    def refresh_matching(self, group: list[int]) -> None:
        """Set matching numbers / full reconcile on a group of reconciled lines."""
        L = self.t["account.move.line"]
        P = self.t["account.partial.reconcile"]
        partials = sorted(
            {
                p
                for i in group
                for p in L[i].get("matched_debit_ids", []) + L[i].get("matched_credit_ids", [])
            }
        )
        if all(abs(L[i].get("amount_residual", 0.0)) < 0.005 for i in group):
            fid = self.new(
                "account.full.reconcile",
                {"partial_reconcile_ids": partials, "reconciled_line_ids": sorted(group)},
            )
            for p in partials:
                P[p]["full_reconcile_id"] = fid
                P[p]["write_date"] = self.ts
            for i in group:
                L[i]["full_reconcile_id"] = fid
                L[i]["matching_number"] = str(fid)
                L[i]["reconciled"] = True
                L[i]["amount_residual"] = 0.0
                L[i]["amount_residual_currency"] = 0.0
        else:
            for i in group:
                L[i]["matching_number"] = f"P{partials[0]}"

    def update_invoice_state(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        L = self.t["account.move.line"]
        pt = L[self.open_items_all[mid]]
        res_cur = abs(pt.get("amount_residual_currency", 0.0))
        res = abs(pt.get("amount_residual", 0.0))
        hs = 1.0 if M["move_type"] in ("out_invoice", "in_refund") else -1.0
        M["amount_residual"] = _r2(res_cur)
        M["amount_residual_signed"] = _r2(res * hs)
        if res_cur < 0.005:
            in_payment = any(
                self.t["account.payment"][p]["state"] == "in_process"
                for p in M.get("matched_payment_ids", [])
            )
            M["payment_state"] = "in_payment" if in_payment else "paid"
        else:
            M["payment_state"] = "partial"
        M["write_date"] = self.ts

    def pay(self, mid: int, amount_cur: float | None = None) -> int | None:
        """Register a payment on invoice ``mid`` today (full residual unless ``amount_cur``)."""
        M = self.t["account.move"][mid]
        if M["payment_state"] in ("paid", "in_payment", "reversed"):
            return None
        L = self.t["account.move.line"]
        ptid = self.open_items_all[mid]
        pt = L[ptid]
        company = M["company_id"]
        res_cur = abs(pt["amount_residual_currency"])
        res = abs(pt["amount_residual"])
        if res_cur < 0.005:
            return None
        if amount_cur is None or amount_cur >= res_cur - 0.005:
            amount_cur, amount = res_cur, res
        else:
            amount_cur = _r2(amount_cur)
            amount = _r2(res * amount_cur / res_cur)
        inbound = M["move_type"] in ("out_invoice", "in_refund")
        partner = M["partner_id"]
        currency = M["currency_id"]
        self.tick()
        recent = self.day > self.H - 3
        liquidity = ("101402" if inbound else "101403") if recent else "101401"
        counter = "121000" if M["move_type"] in ("out_invoice", "out_refund") else "211000"
        sgn = 1.0 if inbound else -1.0
        pay_id = self.next_id["account.payment"]
        pmid = self.move(
            company,
            "BNK1",
            "entry",
            [
                {
                    "account": liquidity,
                    "amount_currency": sgn * amount_cur,
                    "balance": sgn * amount,
                    "name": M["name"],
                    "payment_id": pay_id,
                },
                {
                    "account": counter,
                    "amount_currency": -sgn * amount_cur,
                    "name": M["name"],
                    "payment_id": pay_id,
                    "balance": -sgn * amount,
                },
            ],
            partner=partner,
            currency=currency,
            name_code="PBNK1",
            monthly=False,
        )
        PM = self.t["account.move"][pmid]
        cl = PM["line_ids"][1]
        # the last line absorbed rounding; make it exact
        L[cl]["balance"] = -sgn * amount
        L[cl]["amount_currency"] = -sgn * amount_cur
        L[cl]["amount_residual"] = -sgn * amount
        L[cl]["amount_residual_currency"] = -sgn * amount_cur
        L[cl]["debit"] = amount if sgn < 0 else 0.0
        L[cl]["credit"] = amount if sgn > 0 else 0.0
        pid = self.new(
            "account.payment",
            {
                "name": PM["name"],
                "payment_type": "inbound" if inbound else "outbound",
                "partner_type": "customer" if counter == "121000" else "supplier",
                "partner_id": partner,
                "amount": amount_cur,
                "amount_company_currency_signed": sgn * amount,
                "currency_id": currency,
                "date": self.day_str,
                "journal_id": self.jr[company]["BNK1"],
                "company_id": company,
                "move_id": pmid,
                "memo": M["name"] if counter == "121000" else (M.get("ref") or M["name"]),
                "destination_account_id": self.acc[company][counter],
                "outstanding_account_id": self.acc[company][liquidity],
                "invoice_ids": [mid],
                "state": "in_process" if recent else "paid",
                "is_reconciled": True,
                "is_matched": not recent,
            },
        )
        assert pid == pay_id
        PM["origin_payment_id"] = pid
        PM["payment_ids"] = [pid]
        PM["ref"] = M["name"]
        if inbound:
            self.reconcile(ptid, cl, amount, amount_cur)
        else:
            self.reconcile(cl, ptid, amount, amount_cur)
        M.setdefault("matched_payment_ids", []).append(pid)
        self.groups[mid].append(cl)
        self.refresh_matching(self.groups[mid])
        self.update_invoice_state(mid)
        if abs(L[ptid].get("amount_residual_currency", 0.0)) < 0.005:
            self.open_items.pop(mid, None)
        return pid

    # ------------------------------------------------------------------ sales
    def ev_new_order(self, o: dict[str, Any]) -> None:
        rng = self.rng
        self.tick()
        c = o["company"]
        cust = o["partner"]
        user = self.cust_user[cust]
        self._so_seq = getattr(self, "_so_seq", 0) + 1
        currency = self.cust_currency[cust]
        rate = self.rate(c, currency, self.day)
        so = {
            "name": f"S{self._so_seq:05d}",
            "partner_id": cust,
            "partner_invoice_id": cust,
            "partner_shipping_id": cust,
            "company_id": c,
            "currency_id": currency,
            "currency_rate": rate,
            "date_order": self.ts,
            "state": "draft",
            "user_id": user,
            "team_id": self.team[c],
            "payment_term_id": self.cust_term[cust],
            "warehouse_id": self.wh[c],
            "picking_policy": "direct",
            "invoice_status": "no",
            "validity_date": self.ds(self.day + 30),
            "require_signature": True,
            "require_payment": False,
            "prepayment_percent": 1.0,
        }
        if o.get("lead"):
            so["opportunity_id"] = o["lead"]
        tax_rate = 0.0725 if c == 1 else 0.21
        sid = self.new("sale.order", so, uid=user)
        lids = []
        untaxed = 0.0
        for k, (pid, qty, disc) in enumerate(o["lines"]):
            price = self.price[pid] * (1.0 if currency == self.ccur[c] else rate)
            price = _r2(price)
            sub = _r2(qty * price * (1 - disc / 100))
            untaxed += sub
            is_service = pid in self.services
            row = {
                "order_id": sid,
                "product_id": pid,
                "name": self.pname[pid],
                "product_uom_qty": qty,
                "product_uom_id": self.HOUR if is_service else self.UNIT,
                "price_unit": price,
                "technical_price_unit": price,
                "discount": disc,
                "price_subtotal": sub,
                "price_tax": _r2(sub * tax_rate),
                "price_total": _r2(sub * (1 + tax_rate)),
                "price_reduce_taxexcl": _r2(sub / qty),
                "price_reduce_taxinc": _r2(sub * (1 + tax_rate) / qty),
                "company_id": c,
                "currency_id": currency,
                "order_partner_id": cust,
                "salesman_id": user,
                "state": "draft",
                "invoice_status": "no",
                "sequence": 10 + k,
                "qty_delivered_method": "manual" if is_service else "stock_move",
                "is_service": is_service,
                "warehouse_id": self.wh[c],
                "customer_lead": 0.0 if is_service else 2.0,
            }
            lids.append(self.new("sale.order.line", row, uid=user))
        untaxed = _r2(untaxed)
        so_row = self.t["sale.order"][sid]
        so_row.update(
            order_line=lids,
            amount_untaxed=untaxed,
            amount_tax=_r2(sum(self.t["sale.order.line"][i]["price_tax"] for i in lids)),
        )
        so_row["amount_total"] = _r2(so_row["amount_untaxed"] + so_row["amount_tax"])
        o["so"] = sid
        # sent to the customer a moment later
        if rng.random() < 0.75:
            nd = self.day + (0 if rng.random() < 0.6 else 1)
            self.at(nd, 1, self.ev_send, sid)
        if o["fate"] == "confirm":
            self.at(o["confirm"], 2, self.ev_confirm, o)
        elif o["fate"] == "cancel":
            self.at(self.day + rng.randint(3, 25), 2, self.ev_cancel, sid)

    def ev_send(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        if so["state"] == "draft":
            self.tick()
            self.touch("sale.order", sid, uid=so["user_id"])["state"] = "sent"
            for i in so["order_line"]:
                self.touch("sale.order.line", i, uid=so["user_id"])["state"] = "sent"

    def ev_cancel(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        if so["state"] in ("draft", "sent"):
            self.tick()
            self.touch("sale.order", sid, uid=so["user_id"])["state"] = "cancel"
            for i in so["order_line"]:
                self.touch("sale.order.line", i, uid=so["user_id"])["state"] = "cancel"

    def ev_confirm(self, o: dict[str, Any]) -> None:
        sid = o["so"]
        so = self.t["sale.order"][sid]
        self.tick()
        c = o["company"]
        user = so["user_id"]
        self.touch("sale.order", sid, uid=user).update(
            state="sale", date_order=self.ts, locked=False
        )
        SOL = self.t["sale.order.line"]
        goods = []
        for i in so["order_line"]:
            ln = self.touch("sale.order.line", i, uid=user)
            ln["state"] = "sale"
            if ln["is_service"]:
                ln["qty_delivered"] = ln["product_uom_qty"]
                ln["qty_to_invoice"] = ln["product_uom_qty"]
                ln["invoice_status"] = "to invoice"
                ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
            else:
                goods.append(i)
        if goods:
            self._pick_seq[(c, "OUT")] += 1
            code = "WH" if c == 1 else "EU"
            pk = self.new(
                "stock.picking",
                {
                    "name": f"{code}/OUT/{self._pick_seq[(c, 'OUT')]:05d}",
                    "origin": so["name"],
                    "partner_id": so["partner_id"],
                    "company_id": c,
                    "location_id": self.loc_stock[c],
                    "location_dest_id": self.loc_customer,
                    "scheduled_date": f"{self.ds(o['deliver'])} 09:00:00",
                    "date_deadline": f"{self.ds(o['deliver'])} 09:00:00",
                    "state": "assigned",
                    "move_type": "direct",
                    "sale_id": sid,
                    "user_id": user,
                    "priority": "0",
                    "is_locked": True,
                },
                uid=user,
            )
            mids = []
            for i in goods:
                ln = SOL[i]
                mv = self.new(
                    "stock.move",
                    {
                        "reference": self.t["stock.picking"][pk]["name"],
                        "origin": so["name"],
                        "product_id": ln["product_id"],
                        "product_uom": self.UNIT,
                        "product_uom_qty": ln["product_uom_qty"],
                        "product_qty": ln["product_uom_qty"],
                        "location_id": self.loc_stock[c],
                        "location_dest_id": self.loc_customer,
                        "location_final_id": self.loc_customer,
                        "picking_id": pk,
                        "sale_line_id": i,
                        "partner_id": so["partner_id"],
                        "company_id": c,
                        "warehouse_id": self.wh[c],
                        "state": "assigned",
                        "procure_method": "make_to_stock",
                        "date": f"{self.ds(o['deliver'])} 09:00:00",
                        "date_deadline": f"{self.ds(o['deliver'])} 09:00:00",
                        "is_out": True,
                        "priority": "0",
                        "sequence": 10,
                        "propagate_cancel": False,
                        "price_unit": self.cost[ln["product_id"]],
                    },
                    uid=user,
                )
                ln["move_ids"] = [mv]
                mids.append(mv)
                self.outgoing[(ln["product_id"], c)] += ln["product_uom_qty"]
            self.t["stock.picking"][pk]["move_ids"] = mids
            so["picking_ids"] = [pk]
            so["delivery_status"] = "pending"
            o["picking"] = pk
            self.at(o["deliver"], 4, self.ev_deliver, o)
        else:
            self.at(self.day + o["inv_lag"], 5, self.ev_invoice_order, o)
        self._recompute_so_invoice_status(sid)

    def ev_deliver(self, o: dict[str, Any]) -> None:
        pk = o["picking"]
        P = self.t["stock.picking"][pk]
        c = o["company"]
        SM = self.t["stock.move"]
        # wait for stock: every move must be available
        for mv in P["move_ids"]:
            m = SM[mv]
            if self.onhand[(m["product_id"], c)] + 1e-9 < m["product_uom_qty"]:
                P["state"] = "confirmed"
                for mv2 in P["move_ids"]:
                    SM[mv2]["state"] = "confirmed"
                self.at(self.day + 1, 4, self.ev_deliver, o)
                return
        self.tick()
        uid = self.t["sale.order"][o["so"]]["user_id"]
        self.touch("stock.picking", pk, uid=uid).update(
            state="done", date_done=self.ts, priority="0"
        )
        for mv in P["move_ids"]:
            m = self.touch("stock.move", mv, uid=uid)
            m.update(state="done", quantity=m["product_uom_qty"], date=self.ts, picked=True)
            key = (m["product_id"], c)
            self.onhand[key] -= m["product_uom_qty"]
            self.outgoing[key] -= m["product_uom_qty"]
            self.delivered[key][self.day] += m["product_uom_qty"]
            self.last_move[key] = self.ts
            ln = self.touch("sale.order.line", m["sale_line_id"], uid=uid)
            ln["qty_delivered"] = ln["product_uom_qty"]
            ln["qty_to_invoice"] = ln["product_uom_qty"] - ln.get("qty_invoiced", 0.0)
            ln["invoice_status"] = "to invoice"
            ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
        so = self.touch("sale.order", o["so"], uid=uid)
        so["delivery_status"] = "full"
        so["effective_date"] = self.ts
        for i in so["order_line"]:
            ln = self.t["sale.order.line"][i]
            if ln["is_service"] and not ln.get("qty_invoiced"):
                ln["invoice_status"] = "to invoice"
        self._recompute_so_invoice_status(o["so"])
        self.at(self.day + o["inv_lag"], 5, self.ev_invoice_order, o)

    def _recompute_so_invoice_status(self, sid: int) -> None:
        so = self.t["sale.order"][sid]
        sts = {self.t["sale.order.line"][i].get("invoice_status", "no") for i in so["order_line"]}
        so["invoice_status"] = (
            "to invoice" if "to invoice" in sts else ("invoiced" if sts == {"invoiced"} else "no")
        )

    def ev_invoice_order(self, o: dict[str, Any], reissue: bool = False) -> None:
        rng = self.rng
        sid = o["so"]
        so = self.t["sale.order"][sid]
        SOL = self.t["sale.order.line"]
        items = []
        for i in so["order_line"]:
            ln = SOL[i]
            q = ln.get("qty_to_invoice", 0.0)
            if q <= 0:
                continue
            items.append(
                {
                    "product_id": ln["product_id"],
                    "quantity": q,
                    "price_unit": ln["price_unit"],
                    "discount": ln.get("discount", 0.0),
                    "sale_line_ids": [i],
                    "account": "400100" if ln["is_service"] else "400000",
                }
            )
        if not items:
            return
        self.tick()
        cust = o["partner"]
        c = o["company"]
        user = so["user_id"]
        mid = self.invoice(
            c,
            "out_invoice",
            cust,
            items,
            currency=so["currency_id"],
            term=self.cust_term[cust],
            header={
                "invoice_origin": so["name"],
                "invoice_user_id": user,
                "team_id": so["team_id"],
            },
            uid=self.accountant if rng.random() < 0.5 else user,
        )
        M = self.t["account.move"][mid]
        for lid in M["invoice_line_ids"]:
            sl = self.t["account.move.line"][lid]["sale_line_ids"][0]
            ln = self.touch("sale.order.line", sl, uid=user)
            ln["qty_invoiced"] = ln.get("qty_invoiced", 0.0) + ln["qty_to_invoice"]
            ln.setdefault("invoice_lines", []).append(lid)
            ln["qty_to_invoice"] = 0.0
            ln["invoice_status"] = "invoiced"
            ln["untaxed_amount_invoiced"] = ln["price_subtotal"]
            ln["untaxed_amount_to_invoice"] = 0.0
        self.touch("sale.order", sid, uid=user)
        self._recompute_so_invoice_status(sid)
        o.setdefault("invoices", []).append(mid)
        # what happens next to this invoice
        if not reissue and rng.random() < 0.012:
            self.at(self.day + rng.randint(1, 6), 6, self.ev_reverse, o, mid)
            return
        if rng.random() < 0.03:
            self.at(self.day + rng.randint(4, 25), 6, self.ev_credit_note, mid)
        self._schedule_collection(mid, cust, c)

    def _schedule_collection(self, mid: int, cust: int, c: int) -> None:
        rng = self.rng
        M = self.t["account.move"][mid]
        due = (date.fromisoformat(M["invoice_date_due"]) - self.start).days
        sp = self.sp
        # a late payer is late on any terms, immediate payment included (one draw per
        # branch, so the stream is the same whichever applies)
        if cust in sp.late_payers:
            delay = rng.gauss(sp.late_payers[cust], 10.0)
        elif self.terms[self.cust_term[cust]] == 0:
            delay = abs(rng.gauss(1.0, 2.0))
        else:
            delay = rng.gauss(self.cust_delay[cust], 6.0)
            # the control is late exactly once, however many invoices it has
            if (
                cust in sp.one_late_invoice
                and rng.random() < 0.08
                and cust not in self._late_invoice_once
            ):
                self._late_invoice_once.add(cust)
                delay += rng.uniform(35, 60)
        # collections slow down at the squeezed company: by days, not by a month (a month
        # would make every recent customer there a chronic late payer)
        if c == sp.squeeze_company and due > self.H - 110:
            delay += rng.uniform(5, 15)
        pay_day = max(self.day, due + round(delay))
        if rng.random() < 0.12 and pay_day - 10 > self.day:
            first = rng.randint(self.day + 1, pay_day - 5)
            self.at(first, 7, self.ev_partial_pay, mid, rng.uniform(0.3, 0.7))
        self.at(pay_day, 7, self.ev_pay, mid)

    def ev_pay(self, mid: int) -> None:
        self.pay(mid)

    def ev_partial_pay(self, mid: int, frac: float) -> None:
        M = self.t["account.move"][mid]
        self.pay(mid, _r2(M["amount_residual"] * frac))

    def ev_credit_note(self, mid: int) -> None:
        """A partial credit (price adjustment) reconciled with the invoice while it is open."""
        rng = self.rng
        M = self.t["account.move"][mid]
        if M["payment_state"] not in ("not_paid", "partial"):
            return
        L = self.t["account.move.line"]
        first = L[M["invoice_line_ids"][0]]
        amount = _r2(M["amount_untaxed"] * rng.uniform(0.04, 0.2))
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "out_refund",
            M["partner_id"],
            [
                {
                    "product_id": first["product_id"],
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account": "400000",
                }
            ],
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "invoice_user_id": M.get("invoice_user_id", False),
                "team_id": M.get("team_id", False),
                "ref": f"Reversal of: {M['name']}, price adjustment",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)

    def _apply_refund(self, mid: int, rid: int) -> None:
        L = self.t["account.move.line"]
        R = self.t["account.move"][rid]
        M = self.t["account.move"][mid]
        inv_pt, ref_pt = self.open_items_all[mid], self.open_items_all[rid]
        amt = min(abs(L[ref_pt]["amount_residual"]), abs(L[inv_pt]["amount_residual"]))
        amt_cur = min(
            abs(L[ref_pt]["amount_residual_currency"]), abs(L[inv_pt]["amount_residual_currency"])
        )
        if M["move_type"] == "out_invoice":
            self.reconcile(inv_pt, ref_pt, amt, amt_cur)
        else:
            self.reconcile(ref_pt, inv_pt, amt, amt_cur)
        self.groups[mid].append(ref_pt)
        self.groups.pop(rid, None)
        self.refresh_matching(self.groups[mid])
        self.update_invoice_state(mid)
        self.update_invoice_state(rid)
        R["payment_state"] = "paid" if abs(L[ref_pt]["amount_residual"]) < 0.005 else "partial"
        self.open_items.pop(rid, None)
        if abs(L[inv_pt]["amount_residual"]) < 0.005:
            self.open_items.pop(mid, None)

    def ev_reverse(self, o: dict[str, Any], mid: int) -> None:
        """A wrong invoice: fully reversed by a credit note, then issued again."""
        M = self.t["account.move"][mid]
        if M["payment_state"] != "not_paid":
            return
        L = self.t["account.move.line"]
        items = []
        for lid in M["invoice_line_ids"]:
            ln = L[lid]
            items.append(
                {
                    "product_id": ln["product_id"],
                    "quantity": ln["quantity"],
                    "price_unit": ln["price_unit"],
                    "discount": ln.get("discount", 0.0),
                    "sale_line_ids": ln["sale_line_ids"],
                    "account": "400100" if ln["product_id"] in self.services else "400000",
                }
            )
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "out_refund",
            M["partner_id"],
            items,
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "invoice_user_id": M.get("invoice_user_id", False),
                "team_id": M.get("team_id", False),
                "ref": f"Reversal of: {M['name']}",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)
        M["payment_state"] = "reversed"
        self.t["account.move"][rid]["payment_state"] = "reversed"
        M["reversal_move_ids"] = [rid]
        for lid in self.t["account.move"][rid]["invoice_line_ids"]:
            sl = L[lid]["sale_line_ids"][0]
            ln = self.touch("sale.order.line", sl)
            ln["qty_invoiced"] = ln["qty_invoiced"] - L[lid]["quantity"]
            ln["qty_to_invoice"] = ln["product_uom_qty"] - ln["qty_invoiced"]
            ln["invoice_status"] = "to invoice"
            ln["invoice_lines"].append(lid)
            ln["untaxed_amount_invoiced"] = 0.0
            ln["untaxed_amount_to_invoice"] = ln["price_subtotal"]
        self._recompute_so_invoice_status(o["so"])
        self.at(self.day + self.rng.randint(0, 2), 5, self.ev_invoice_order, o, True)

    # ------------------------------------------------------------------ stock and purchase
    def ev_replenish(self) -> None:
        """Orderpoints: order what falls below the minimum, one PO per vendor and company."""
        by_vendor: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
        lo = max(0, self.day - 29)
        for key, (mn, mx) in self.op_levels.items():
            if key in self.frozen and self.day >= self.frozen[key]:
                continue
            forecast = self.onhand[key] + self.incoming[key] - self.outgoing[key]
            # the buyer also watches the last 30 days: a burst of demand raises the minimum
            # to what the vendor's real lead time needs at that pace, so a normally managed
            # product is never left with less cover than its lead time
            recent = float(self.delivered[key][lo : self.day + 1].sum()) / 30.0
            if recent > 0:
                vendor = self.product_vendor[key[0]]
                late = self.sp.late_suppliers.get(vendor)
                lead = self.vendor_lt[vendor] + 3 + (late[1] if late else 0)
                floor_ = float(math.ceil(recent * lead * 1.3) + 2)
                if floor_ > mn:
                    mn, mx = floor_, max(mx, floor_ + math.ceil(recent * 30) + 4)
            if forecast <= mn:
                qty = float(math.ceil(mx - forecast))
                by_vendor[(self.product_vendor[key[0]], key[1])].append((key[0], qty))
        for (vendor, c), items in sorted(by_vendor.items()):
            self.create_po(vendor, c, items)
        for key, fday in self.frozen.items():
            if self.day == fday:
                # last replenishment before the product's ordering stops (stock-out scenario)
                # enough for what ships until as_of (today's deliveries are already done)
                # plus the target left on hand at as_of
                target = self.stockout_target[key]
                demand = float(self.planned_out[key][self.day + 1 : self.H + 1].sum())
                stock = self.onhand[key] + self.incoming[key]
                qty = float(math.ceil(max(0.0, demand + target - stock)))
                if qty > 0:
                    self.create_po(
                        self.product_vendor[key[0]], key[1], [(key[0], qty)], no_delay=True
                    )

    def create_po(
        self, vendor: int, c: int, items: list[tuple[int, float]], no_delay: bool = False
    ) -> int:
        rng = self.rng
        self.tick()
        self._po_seq = getattr(self, "_po_seq", 0) + 1
        lt = self.vendor_lt[vendor]
        planned = self.day + lt
        currency = self.ccur[c]
        buyer = 2 if c == 1 else self.salespeople[2][0]
        po = {
            "name": f"P{self._po_seq:05d}",
            "partner_id": vendor,
            "company_id": c,
            "currency_id": currency,
            "currency_rate": 1.0,
            "date_order": self.ts,
            "date_approve": self.ts,
            "date_planned": f"{self.ds(planned)} 12:00:00",
            "date_calendar_start": self.ts,
            "state": "purchase",
            "user_id": buyer,
            "payment_term_id": self.vendor_term[vendor],
            "invoice_status": "no",
            "receipt_status": "pending",
            "priority": "0",
            "origin": "Replenishment Report",
            "receipt_reminder_email": False,
            "locked": False,
            "acknowledged": False,
        }
        poid = self.new("purchase.order", po, uid=buyer)
        tax = 0.0 if c == 1 else 0.21
        lids = []
        for k, (pid, qty) in enumerate(items):
            price = self.cost[pid]
            sub = _r2(qty * price)
            lids.append(
                self.new(
                    "purchase.order.line",
                    {
                        "order_id": poid,
                        "product_id": pid,
                        "name": self.pname[pid],
                        "product_qty": qty,
                        "product_uom_qty": qty,
                        "product_uom_id": self.UNIT,
                        "price_unit": price,
                        "technical_price_unit": price,
                        "price_subtotal": sub,
                        "price_tax": _r2(sub * tax),
                        "price_total": _r2(sub * (1 + tax)),
                        "date_planned": f"{self.ds(planned)} 12:00:00",
                        "partner_id": vendor,
                        "company_id": c,
                        "qty_received_method": "stock_moves",
                        "qty_to_invoice": 0.0,
                        "sequence": 10 + k,
                        "propagate_cancel": True,
                    },
                    uid=buyer,
                )
            )
            self.incoming[(pid, c)] += qty
        POL = self.t["purchase.order.line"]
        po_row = self.t["purchase.order"][poid]
        po_row["order_line"] = lids
        po_row["amount_untaxed"] = _r2(sum(POL[i]["price_subtotal"] for i in lids))
        po_row["amount_tax"] = _r2(sum(POL[i]["price_tax"] for i in lids))
        po_row["amount_total"] = _r2(po_row["amount_untaxed"] + po_row["amount_tax"])
        po_row["amount_total_cc"] = po_row["amount_total"]
        self._pick_seq[(c, "IN")] += 1
        code = "WH" if c == 1 else "EU"
        pk = self.new(
            "stock.picking",
            {
                "name": f"{code}/IN/{self._pick_seq[(c, 'IN')]:05d}",
                "origin": po_row["name"],
                "partner_id": vendor,
                "company_id": c,
                "location_id": self.loc_vendor,
                "location_dest_id": self.loc_stock[c],
                "scheduled_date": po_row["date_planned"],
                "date_deadline": po_row["date_planned"],
                "state": "assigned",
                "move_type": "direct",
                "user_id": buyer,
                "priority": "0",
                "is_locked": True,
            },
            uid=buyer,
        )
        mids = []
        for i in lids:
            ln = POL[i]
            mv = self.new(
                "stock.move",
                {
                    "reference": self.t["stock.picking"][pk]["name"],
                    "origin": po_row["name"],
                    "product_id": ln["product_id"],
                    "product_uom": self.UNIT,
                    "product_uom_qty": ln["product_qty"],
                    "product_qty": ln["product_qty"],
                    "location_id": self.loc_vendor,
                    "location_dest_id": self.loc_stock[c],
                    "location_final_id": self.loc_stock[c],
                    "picking_id": pk,
                    "purchase_line_id": i,
                    "partner_id": vendor,
                    "company_id": c,
                    "warehouse_id": self.wh[c],
                    "state": "assigned",
                    "procure_method": "make_to_stock",
                    "date": po_row["date_planned"],
                    "date_deadline": po_row["date_planned"],
                    "is_in": True,
                    "priority": "0",
                    "sequence": 10,
                    "propagate_cancel": True,
                    "price_unit": ln["price_unit"],
                },
                uid=buyer,
            )
            ln["move_ids"] = [mv]
            mids.append(mv)
        self.t["stock.picking"][pk]["move_ids"] = mids
        po_row["picking_ids"] = [pk]
        # when does it really arrive
        if vendor in self.sp.late_suppliers and not no_delay:
            lo, hi = self.sp.late_suppliers[vendor]
            delay = rng.randint(lo, hi)
        elif vendor in self.sp.one_late_receipt and not no_delay and vendor not in self._late_once:
            self._late_once.add(vendor)
            delay = 14
        else:
            delay = rng.choice((-1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3))
        self.at(planned + delay, 3, self.ev_receive, poid, pk)
        return poid

    def ev_receive(self, poid: int, pk: int) -> None:
        self.tick()
        po = self.t["purchase.order"][poid]
        c = po["company_id"]
        uid = po["user_id"]
        self.touch("stock.picking", pk, uid=uid).update(state="done", date_done=self.ts)
        for mv in self.t["stock.picking"][pk]["move_ids"]:
            m = self.touch("stock.move", mv, uid=uid)
            m.update(state="done", quantity=m["product_uom_qty"], date=self.ts, picked=True)
            key = (m["product_id"], c)
            self.onhand[key] += m["product_uom_qty"]
            self.incoming[key] -= m["product_uom_qty"]
            self.last_in[key] = self.ts
            self.last_move[key] = self.ts
            ln = self.touch("purchase.order.line", m["purchase_line_id"], uid=uid)
            ln["qty_received"] = ln["product_qty"]
            ln["qty_to_invoice"] = ln["product_qty"]
        po = self.touch("purchase.order", poid, uid=uid)
        po.update(receipt_status="full", effective_date=self.ts, invoice_status="to invoice")
        self.receipts.append((poid, pk))
        self.at(self.day + self.rng.randint(0, 5), 5, self.ev_bill, poid)

    def ev_bill(self, poid: int) -> None:
        rng = self.rng
        po = self.t["purchase.order"][poid]
        POL = self.t["purchase.order.line"]
        items = [
            {
                "product_id": POL[i]["product_id"],
                "quantity": POL[i]["qty_to_invoice"],
                "price_unit": POL[i]["price_unit"],
                "purchase_line_id": i,
                "account": "500000",
            }
            for i in po["order_line"]
            if POL[i].get("qty_to_invoice", 0) > 0
        ]
        if not items:
            return
        self.tick()
        vendor = po["partner_id"]
        c = po["company_id"]
        ref = f"{rng.choice(('INV', 'FAC', 'F', 'BILL'))}-{rng.randint(10000, 99999)}"
        mid = self.invoice(
            c,
            "in_invoice",
            vendor,
            items,
            currency=po["currency_id"],
            term=self.vendor_term[vendor],
            header={"invoice_origin": po["name"], "ref": ref},
            uid=self.accountant,
        )
        M = self.t["account.move"][mid]
        for lid in M["invoice_line_ids"]:
            pl = self.t["account.move.line"][lid]["purchase_line_id"]
            ln = self.touch("purchase.order.line", pl)
            ln["qty_invoiced"] = ln["product_qty"]
            ln["qty_to_invoice"] = 0.0
            ln.setdefault("invoice_lines", []).append(lid)
        po = self.touch("purchase.order", poid)
        po["invoice_status"] = "invoiced"
        po["invoice_ids"] = [*po.get("invoice_ids", []), mid]
        po["invoice_count"] = len(po["invoice_ids"])
        self._schedule_vendor_payment(mid)
        if rng.random() < 0.02:
            self.at(self.day + rng.randint(3, 15), 6, self.ev_vendor_credit, mid)

    def _schedule_vendor_payment(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        due = (date.fromisoformat(M["invoice_date_due"]) - self.start).days
        self.at(
            max(self.day, due + self.rng.choice((-3, -2, -1, 0, 0, 0, 1, 2))), 7, self.ev_pay, mid
        )

    def ev_vendor_credit(self, mid: int) -> None:
        M = self.t["account.move"][mid]
        if M["payment_state"] not in ("not_paid", "partial"):
            return
        L = self.t["account.move.line"]
        first = L[M["invoice_line_ids"][0]]
        amount = _r2(M["amount_untaxed"] * self.rng.uniform(0.03, 0.12))
        self.tick()
        rid = self.invoice(
            M["company_id"],
            "in_refund",
            M["partner_id"],
            [
                {
                    "product_id": first["product_id"],
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account": "500000",
                }
            ],
            currency=M["currency_id"],
            term=None,
            rate=M["invoice_currency_rate"],
            header={
                "invoice_origin": M.get("invoice_origin", False),
                "ref": f"CN-{self.rng.randint(1000, 9999)}",
                "reversed_entry_id": mid,
            },
            uid=self.accountant,
        )
        self._apply_refund(mid, rid)

    # ------------------------------------------------------------------ recurring entries
    def ev_month_end(self) -> None:
        rng = self.rng
        d = self.start + timedelta(days=self.day)
        for c in self.companies:
            self.tick()
            base = self.payroll[c] * (1.03 ** (d.year - self.start.year))
            amount = _r2(base * (1.45 if d.month == 12 else 1.0) * rng.uniform(0.99, 1.01))
            self.payroll_paid[c] = amount
            self.move(
                c,
                "SAL",
                "entry",
                [
                    {"account": "620000", "amount_currency": amount, "name": f"Salaries {d:%B %Y}"},
                    {
                        "account": "101401",
                        "amount_currency": -amount,
                        "name": f"Salaries {d:%B %Y}",
                    },
                ],
                header={"ref": f"Payroll {d:%m/%Y}"},
                uid=self.accountant,
            )
            self.tick()
            dep = _r2(self.fixed_assets[c] / 60.0)
            self.move(
                c,
                "MISC",
                "entry",
                [
                    {"account": "630000", "amount_currency": dep, "name": "Depreciation"},
                    {"account": "151100", "amount_currency": -dep, "name": "Depreciation"},
                ],
                header={"ref": f"Depreciation {d:%m/%Y}"},
                uid=self.accountant,
            )
            if rng.random() < 0.6:
                self.tick()
                fee = _r2(rng.uniform(15, 90))
                self.move(
                    c,
                    "BNK1",
                    "entry",
                    [
                        {"account": "650000", "amount_currency": fee, "name": "Bank fees"},
                        {"account": "101401", "amount_currency": -fee, "name": "Bank fees"},
                    ],
                    name_code="BNK1",
                    uid=self.accountant,
                )

    def ev_rent(self) -> None:
        for c in self.companies:
            self.tick()
            mid = self.invoice(
                c,
                "in_invoice",
                self.landlord[c],
                [
                    {
                        "name": "Office and warehouse rent",
                        "quantity": 1.0,
                        "price_unit": self.rent[c],
                        "account": "610000",
                    }
                ],
                currency=self.ccur[c],
                term=None,
                due_days=10,
                header={"ref": f"RENT-{self.start + timedelta(days=self.day):%Y%m}"},
                uid=self.accountant,
            )
            self._schedule_vendor_payment(mid)

    def ev_tax_settlement(self) -> None:
        """Quarterly: the net tax balance is paid to (or refunded by) the tax office."""
        for c in self.companies:
            owed = -_r2(self.acc_bal[(c, "251000")])
            claim = _r2(self.acc_bal[(c, "131000")])
            if owed <= 0 and claim <= 0:
                continue
            self.tick()
            lines = []
            if owed > 0:
                lines.append(
                    {"account": "251000", "amount_currency": owed, "name": "Tax settlement"}
                )
            if claim > 0:
                lines.append(
                    {"account": "131000", "amount_currency": -claim, "name": "Tax settlement"}
                )
            lines.append(
                {"account": "101401", "amount_currency": -(owed - claim), "name": "Tax settlement"}
            )
            self.move(c, "MISC", "entry", lines, header={"ref": "Tax return"}, uid=self.accountant)

    # ------------------------------------------------------------------ CRM
    def plan_leads(self) -> None:
        """Leads: those that end in an order (won), and others (lost, open, stalled)."""
        rng = self.rng
        H = self.H
        self.lead_events: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        n = self.p["leads"]
        # won: attach to the largest confirmed orders
        confirmed = [
            o
            for day in sorted(self.orders_plan)
            for o in self.orders_plan[day]
            if o["fate"] == "confirm"
        ]
        n_won = min(len(confirmed), int(n * 0.3))
        for o in rng.sample(confirmed, n_won):
            span = rng.randint(12, 70)
            c0 = o["day"] - span
            o["lead_spec"] = {
                "created": c0,
                "won": o["confirm"],
                "company": o["company"],
                "partner": o["partner"],
                "order": o,
            }
            self.at_plan(c0, self.ev_lead_create, o["lead_spec"])
        n_other = n - n_won
        for _ in range(n_other):
            c0 = int(H * (rng.random() ** 0.8))
            comp = 1 if rng.random() < 0.7 else 2
            partner = rng.choice(self.customers_by_company[comp]) if rng.random() < 0.35 else None
            self.at_plan(
                c0, self.ev_lead_create, {"created": c0, "company": comp, "partner": partner}
            )
        sp = self.sp
        for k in range(sp.stalled_deals + sp.slow_active_deals):
            stalled = k < sp.stalled_deals
            comp = 1 if rng.random() < 0.7 else 2
            stuck_since = H - rng.randint(45, 110)
            c0 = stuck_since - rng.randint(5, 30)
            partner = rng.choice(self.customers_by_company[comp]) if rng.random() < 0.5 else None
            spec = {
                "created": c0,
                "company": comp,
                "partner": partner,
                "stuck": stuck_since,
                "stuck_stage": rng.choice(("Qualified", "Proposition")),
                "stalled": stalled,
            }
            self.at_plan(c0, self.ev_lead_create, spec)

    def at_plan(self, day: int, fn: Callable[..., None], *args: Any) -> None:
        self.at(max(day, 0), 0, fn, *args)

    def track_stage(self, lead: int, old: int | None, new: int, author_uid: int) -> None:
        mid = self.new(
            "mail.message",
            {
                "model": "crm.lead",
                "res_id": lead,
                "record_name": self.t["crm.lead"][lead]["name"],
                "message_type": "notification",
                "date": self.ts,
                "author_id": self.users[author_uid]["partner"],
                "body": "",
            },
            uid=author_uid,
        )
        tv: dict[str, Any] = {
            "mail_message_id": mid,
            "field_info": {"name": "stage_id", "desc": "Stage", "type": "many2one", "sequence": 20},
            "new_value_integer": new,
            "new_value_char": self.stage_name[new],
        }
        if old:
            tv["old_value_integer"] = old
            tv["old_value_char"] = self.stage_name[old]
        tid = self.new("mail.tracking.value", tv, uid=author_uid)
        self.t["mail.message"][mid]["tracking_value_ids"] = [tid]

    def log_note(self, lead: int, author_uid: int, what: str) -> None:
        self.new(
            "mail.message",
            {
                "model": "crm.lead",
                "res_id": lead,
                "record_name": self.t["crm.lead"][lead]["name"],
                "message_type": "notification",
                "date": self.ts,
                "author_id": self.users[author_uid]["partner"],
                "body": f"<p>{what} done</p>",
            },
            uid=author_uid,
        )

    def ev_lead_create(self, spec: dict[str, Any]) -> None:
        rng = self.rng
        self.tick()
        comp = spec["company"]
        user = rng.choice(self.salespeople[comp])
        partner = spec.get("partner")
        P = self.t["res.partner"]
        if partner:
            pname = P[partner]["name"]
            contact = P[self.contacts[partner][0]]["name"]
        else:
            pname = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX_EU if comp == 2 else _SUFFIX_US)}".strip()
            contact = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        order = spec.get("order")
        if order:
            exp = _r2(sum(q * self.price[pid] * (1 - d / 100) for pid, q, d in order["lines"]))
        else:
            exp = float(round(math.exp(rng.gauss(math.log(4000), 0.9)), -1))
        topic = rng.choice(
            (
                "Office refit",
                "New branch furniture",
                "Meeting rooms",
                "Ergonomic upgrade",
                "Reception area",
                "Open space",
                "Quote request",
                "Chairs renewal",
            )
        )
        email_slug = "".join(ch for ch in pname.lower() if ch.isalnum())[:14]
        is_lead = rng.random() < 0.35 and not order and "stuck" not in spec
        row: dict[str, Any] = {
            "name": f"{pname}: {topic}" if not is_lead else f"{topic} - {pname}",
            "type": "lead" if is_lead else "opportunity",
            "active": True,
            "company_id": comp,
            "team_id": self.team[comp],
            "user_id": user,
            "partner_name": pname,
            "contact_name": contact,
            "email_from": f"{contact.split()[0].lower()}@{email_slug}.example.com",
            "stage_id": self.stages["New"],
            "probability": 10.0,
            "automated_probability": 10.0,
            "expected_revenue": exp,
            "prorated_revenue": _r2(exp * 0.1),
            "date_open": self.ts,
            "date_last_stage_update": self.ts,
            "priority": rng.choice(("0", "0", "1", "1", "2", "3")),
            "won_status": "pending",
            "email_state": "correct",
            "date_deadline": self.ds(self.day + rng.randint(20, 90)),
        }
        if partner:
            row["partner_id"] = partner
        if not is_lead:
            row["date_conversion"] = self.ts
        lid = self.new("crm.lead", row, uid=user)
        spec["lead"] = lid
        spec["user"] = user
        self.track_stage(lid, None, self.stages["New"], user)
        if order:
            order["lead"] = lid
            won = spec["won"]
            a = self.day + max(1, (won - self.day) // 3)
            b = self.day + max(2, 2 * (won - self.day) // 3)
            # no stage outlasts its rotting threshold on the way to the order
            b = max(b, won - 1 - self._max_stay("Proposition"))
            a = max(a, b - 1 - self._max_stay("Qualified"))
            self.at(min(a, won), 1, self.ev_lead_stage, spec, "Qualified")
            self.at(min(b, won), 1, self.ev_lead_stage, spec, "Proposition")
            self.at(won, 3, self.ev_lead_won, spec)
            return
        if "stuck" in spec:
            st = spec["stuck_stage"]
            if st == "Proposition":
                self.at(
                    spec["stuck"] - rng.randint(3, 10), 1, self.ev_lead_stage, spec, "Qualified"
                )
            self.at(spec["stuck"], 1, self.ev_lead_stage, spec, st)
            if not spec["stalled"]:
                for back in sorted(rng.sample(range(1, 30), 3), reverse=True):
                    self.at(self.H - back, 1, self.ev_lead_note, spec)
            return
        if is_lead:
            if rng.random() < 0.7:
                self.at(self.day + rng.randint(5, 60), 1, self.ev_lead_lost, spec)
            return
        # a normal sales team moves or closes its deals before they rot: the time in each
        # stage stays under the stage's rotting threshold (only the planted deals rot)
        d = self.day
        stay_in = "New"
        for st in ("Qualified", "Proposition"):
            d += 1 + min(int(rng.expovariate(1 / 7.0)), self._max_stay(stay_in))
            if rng.random() < 0.3:
                self.at(d, 1, self.ev_lead_lost, spec)
                return
            self.at(d, 1, self.ev_lead_stage, spec, st)
            stay_in = st
            if rng.random() < 0.5:
                self.at(d + rng.randint(1, 4), 1, self.ev_lead_note, spec)
        self.at(
            d + 1 + min(int(rng.expovariate(1 / 8.0)), self._max_stay(stay_in)),
            1,
            self.ev_lead_lost,
            spec,
        )

    def _max_stay(self, stage: str) -> int:
        """Days a normal deal may wait in ``stage`` after the first, staying under the rot
        threshold (the stage's ``rotting_threshold_days``, else the marts' 30-day default)."""
        rot = int(self.t["crm.stage"][self.stages[stage]].get("rotting_threshold_days") or 30)
        return max(0, rot - 2)

    def ev_lead_stage(self, spec: dict[str, Any], stage: str) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"] or L["stage_id"] == self.stages["Won"]:
            return
        self.tick()
        old = L["stage_id"]
        new = self.stages[stage]
        if old == new:
            return
        prob = self.stage_prob[stage]
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            stage_id=new,
            probability=prob,
            automated_probability=prob,
            prorated_revenue=_r2(L["expected_revenue"] * prob / 100),
            date_last_stage_update=self.ts,
            type="opportunity",
        )
        L.setdefault("date_conversion", self.ts)
        self.track_stage(spec["lead"], old, new, spec["user"])

    def ev_lead_note(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"]:
            return
        self.tick()
        self.log_note(spec["lead"], spec["user"], self.rng.choice(("Call", "Email", "Meeting")))

    def ev_lead_won(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        self.tick()
        old = L["stage_id"]
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            stage_id=self.stages["Won"],
            probability=100.0,
            automated_probability=100.0,
            prorated_revenue=L["expected_revenue"],
            date_last_stage_update=self.ts,
            date_closed=self.ts,
            won_status="won",
            type="opportunity",
        )
        self.track_stage(spec["lead"], old, self.stages["Won"], spec["user"])
        if "order" in spec and spec["order"].get("so"):
            self.t["sale.order"][spec["order"]["so"]]["opportunity_id"] = spec["lead"]

    def ev_lead_lost(self, spec: dict[str, Any]) -> None:
        L = self.t["crm.lead"][spec["lead"]]
        if not L["active"] or L["stage_id"] == self.stages["Won"]:
            return
        self.tick()
        self.touch("crm.lead", spec["lead"], uid=spec["user"]).update(
            active=False,
            probability=0.0,
            prorated_revenue=0.0,
            won_status="lost",
            date_closed=self.ts,
        )

    # ------------------------------------------------------------------ HR, projects
    def plan_hr(self) -> None:
        rng = self.rng
        n = self.p["employees"]
        self.employees: list[int] = []
        self.emp_company: dict[int, int] = {}
        self.emp_pay: dict[int, float] = {}
        self.tick()
        user_emps = [u for u in self.users if u >= 2]
        for k in range(n):
            if k < len(user_emps):
                u = user_emps[k]
                name, c = self.users[u]["name"], self.users[u]["company"]
            else:
                u, c = 0, 1 if rng.random() < 0.65 else 2
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            row: dict[str, Any] = {
                "name": name,
                "legal_name": name,
                "company_id": c,
                "active": True,
                "work_email": f"{name.split()[0].lower()}.{k}@northbridge.example.com",
                "lang": "en_US",
            }
            if u:
                row["user_id"] = u
                row["work_contact_id"] = self.users[u]["partner"]
            eid = self.new("hr.employee", row, uid=2)
            self.employees.append(eid)
            self.emp_company[eid] = c
            self.emp_pay[eid] = rng.uniform(4200, 9000) * (0.92 if c == 2 else 1.0)
        for eid in self.employees[1:]:
            self.t["hr.employee"][eid]["parent_id"] = self.employees[0]
        self.t["hr.employee"][self.employees[-1]]["active"] = False  # someone who left
        # expenses
        H = self.H
        self.expense_plan: list[tuple[int, int, str, float]] = []
        phone_emps = set(self.employees[: max(2, n // 5)])
        for eid in self.employees:
            for month in range(H // 30):
                if eid in phone_emps:
                    self.expense_plan.append((month * 30 + 3, eid, "Phone", 45.0))
                for _ in range(int(self.nrng.poisson(1.3))):
                    cat, mean, sd = rng.choice(_EXPENSES[:-1])
                    amount = _r2(math.exp(rng.gauss(math.log(mean), sd)))
                    self.expense_plan.append((month * 30 + rng.randint(0, 29), eid, cat, amount))
        self.expense_plan.sort()
        dup_src = [e for e in self.expense_plan if e[2] != "Phone" and 20 < e[0] < H - 5]
        self.dup_pairs: list[tuple[int, int, str, float, int]] = []
        for e in rng.sample(dup_src, self.sp.duplicate_expenses):
            d2 = min(H, e[0] + rng.randint(0, 4))
            self.dup_pairs.append((e[0], e[1], e[2], e[3], d2))
        self._dup_sources = {(d[0], d[1], d[2], d[3]) for d in self.dup_pairs}
        for day, eid, cat, amount in self.expense_plan:
            self.at(day, 8, self.ev_expense, eid, cat, amount, None)
        for k, (_day, eid, cat, amount, d2) in enumerate(self.dup_pairs):
            self.at(d2, 9, self.ev_expense, eid, cat, amount, k)
        self.dup_ids: dict[int, int] = {}

    def ev_expense(self, eid: int, cat: str, amount: float, dup: int | None) -> None:
        rng = self.rng
        self.tick()
        c = self.emp_company[eid]
        age = self.H - self.day
        if age > 45:
            state = "paid"
        elif age > 25:
            state = rng.choice(("posted", "in_payment", "paid"))
        elif age > 8:
            state = "approved"
        elif age > 2:
            state = "submitted"
        else:
            state = "draft"
        # the original of a planted duplicate is never refused: a refused claim submitted
        # again is a correction, not a duplicate (the draw is kept so the stream is unchanged)
        if (
            state != "draft"
            and rng.random() < 0.04
            and dup is None
            and (self.day, eid, cat, amount) not in self._dup_sources
        ):
            state = "refused"
        pid = self.expense_products[cat]
        key = (eid, cat, amount)  # as planned, before mileage is turned into km x rate
        qty = 1.0
        unit = amount
        if cat == "Mileage":
            qty = float(max(1, round(amount / 0.6)))
            unit = 0.6
            amount = _r2(qty * unit)
        row: dict[str, Any] = {
            "name": cat
            if rng.random() < 0.6
            else f"{cat} {rng.choice(('client visit', 'trade fair', 'team', 'supplier visit'))}",
            "employee_id": eid,
            "product_id": pid,
            "product_uom_id": self.KM if cat == "Mileage" else self.UNIT,
            "quantity": qty,
            "price_unit": unit,
            "total_amount": amount,
            "total_amount_currency": amount,
            "untaxed_amount": amount,
            "untaxed_amount_currency": amount,
            "currency_id": self.ccur[c],
            "company_id": c,
            "date": self.day_str,
            "state": state,
            "payment_mode": "own_account",
            "account_id": self.acc[c]["640000"],
            "manager_id": 2,
        }
        if state in ("approved", "posted", "in_payment", "paid"):
            row["approval_state"] = "approved"
            row["approval_date"] = self.ts
        elif state == "submitted":
            row["approval_state"] = "submitted"
        elif state == "refused":
            row["approval_state"] = "refused"
        emp = self.t["hr.employee"][eid]
        xid = self.new("hr.expense", row, uid=emp.get("user_id") or 2)
        if dup is not None:
            self.dup_ids[dup] = xid
        else:
            self._expense_by_key.setdefault(key, []).append(xid)

    def plan_projects(self) -> None:
        rng = self.rng
        self.tick()
        self.projects: dict[int, list[int]] = {}
        for c in self.companies:
            self.projects[c] = []
            for name in ("Customer Care", "Internal IT"):
                self.projects[c].append(
                    self.new(
                        "project.project",
                        {
                            "name": name if c == 1 else f"{name} (EU)",
                            "company_id": c,
                            "active": True,
                            "privacy_visibility": "employees" if "IT" in name else "portal",
                            "last_update_status": "on_track",
                            "user_id": self.salespeople[c][0],
                            "label_tasks": "Tickets" if "Care" in name else "Tasks",
                            "sequence": 10,
                            "allow_billable": False,
                            "date_start": self.ds(0),
                        },
                    )
                )
        for cust in rng.sample(self.customers, max(2, len(self.customers) // 12)):
            c = self.cust_company[cust]
            self.projects[c].append(
                self.new(
                    "project.project",
                    {
                        "name": f"{self.t['res.partner'][cust]['name']} - Office fit-out",
                        "company_id": c,
                        "partner_id": cust,
                        "active": rng.random() < 0.8,
                        "privacy_visibility": "portal",
                        "last_update_status": rng.choice(
                            ("on_track", "at_risk", "done", "to_define")
                        ),
                        "user_id": self.cust_user[cust],
                        "sequence": 10,
                        "date_start": self.ds(rng.randint(0, self.H - 60)),
                    },
                )
            )
        for _ in range(self.p["tasks"]):
            day = int(self.H * (rng.random() ** 0.85))
            self.at(day, 8, self.ev_task)

    def ev_task(self) -> None:
        rng = self.rng
        self.tick()
        cust = rng.choice(self.customers)
        c = self.cust_company[cust]
        age = self.H - self.day
        close_after = int(rng.expovariate(1 / 6.0)) + 1
        done = close_after < age
        row: dict[str, Any] = {
            "name": rng.choice(_TASKS),
            "project_id": self.projects[c][0],
            "partner_id": cust,
            "company_id": c,
            "active": True,
            "priority": rng.choice(("0", "0", "0", "1")),
            "state": "1_done"
            if done
            else rng.choice(("01_in_progress", "04_waiting_normal", "02_changes_requested")),
            "user_ids": [rng.choice(self.salespeople[c])],
            "date_assign": self.ts,
            "date_last_stage_update": self.ts,
            "date_deadline": f"{self.ds(self.day + 7)} 17:00:00",
            "sequence": 10,
            "display_in_project": True,
        }
        if done:
            row["date_end"] = f"{self.ds(self.day + close_after)} {self.ts[11:]}"
            row["date_last_stage_update"] = row["date_end"]
            row["working_days_close"] = float(close_after)
        tid = self.new("project.task", row)
        if done:
            self.t["project.task"][tid]["write_date"] = row["date_end"]

    # ------------------------------------------------------------------ anomalies
    def ev_anomaly(self, k: int, c: int, kind: str) -> None:
        rng = self.rng
        if kind == "timing":
            self.sec = 23 * 3600 - 120  # late on a weekend evening
        self.tick()
        clerk = self.salespeople[c][-1]
        if kind == "amount":
            amt = _r2(self.payroll[c] * rng.uniform(2.5, 4.0))
            lines = [
                {"account": "640000", "amount_currency": amt, "name": "Reclassification"},
                {"account": "101401", "amount_currency": -amt, "name": "Reclassification"},
            ]
        elif kind == "account":
            amt = _r2(rng.uniform(8000, 25000))
            lines = [
                {"account": "301000", "amount_currency": amt, "name": "Adjustment"},
                {"account": "400000", "amount_currency": -amt, "name": "Adjustment"},
            ]
        elif kind == "round":
            amt = float(rng.choice((50000, 75000, 100000)))
            lines = [
                {"account": "600000", "amount_currency": amt, "name": "Accrual"},
                {"account": "230000", "amount_currency": -amt, "name": "Accrual"},
            ]
        else:
            amt = _r2(rng.uniform(9000, 19000))
            lines = [
                {"account": "641000", "amount_currency": amt, "name": "Correction"},
                {"account": "101401", "amount_currency": -amt, "name": "Correction"},
            ]
        mid = self.move(
            c,
            "MISC",
            "entry",
            lines,
            uid=clerk if kind in ("timing", "account") else self.accountant,
        )
        self.anomalies.append(
            {"move_id": mid, "company_id": c, "reason": kind, "date": self.day_str}
        )

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        rng = self.rng
        H = self.H
        self.onhand: dict[tuple[int, int], float] = defaultdict(float)
        self.incoming: dict[tuple[int, int], float] = defaultdict(float)
        self.outgoing: dict[tuple[int, int], float] = defaultdict(float)
        self.delivered: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(H + 1))
        self.last_in: dict[tuple[int, int], str] = {}
        self.last_move: dict[tuple[int, int], str] = {}
        self.open_items: dict[int, int] = {}
        self.receipts: list[tuple[int, int]] = []
        self._late_once: set[int] = set()
        self.anomalies: list[dict[str, Any]] = []
        self._expense_by_key: dict[tuple[int, str, float], list[int]] = {}
        self.groups: dict[int, list[int]] = defaultdict(list)

        class _AllItems(dict):  # invoice -> its payment term line, kept after it is paid
            pass

        self.open_items_all: dict[int, int] = _AllItems()
        orig_invoice = self.invoice

        def invoice_and_track(*a: Any, **kw: Any) -> int:
            mid = orig_invoice(*a, **kw)
            pt = self.t["account.move"][mid]["line_ids"][-1]
            self.open_items_all[mid] = pt
            self.groups[mid] = [pt]
            return mid

        self.invoice = invoice_and_track  # type: ignore[method-assign]
        # orderpoints from planned demand (rolling peaks, vendor lead time)
        self.op_levels: dict[tuple[int, int], tuple[float, float]] = {}
        self.frozen: dict[tuple[int, int], int] = {}
        self.stockout_target: dict[tuple[int, int], float] = {}
        stock_val = {1: 0.0, 2: 0.0}
        # products whose demand ramps up at the end: a normal buyer sizes their orderpoints
        # on the peak rate and on the vendor's real delay (late or not), so they never run
        # short; a chronic shortage would also hold back every multi-line delivery that
        # contains them, and with it the stock of the products beside them
        boosted = set(self.sp.rising_controls)
        for c in self.companies:
            for g in self.goods_by_company[c]:
                key = (g, c)
                series = self.planned_out[key][: H + 1]
                roll = (
                    np.convolve(series, np.ones(30) / 30.0, mode="valid")
                    if series.sum()
                    else np.zeros(1)
                )
                dd = max(0.05, float(np.percentile(roll, 90)))
                lt = self.vendor_lt[self.product_vendor[g]] + 3
                if key in boosted:
                    dd = max(dd, float(roll.max()))
                    late = self.sp.late_suppliers.get(self.product_vendor[g])
                    lt += late[1] if late else 0
                mn = float(math.ceil(dd * lt * 1.3) + 2)
                mx = float(mn + math.ceil(dd * 30) + 4)
                self.op_levels[key] = (mn, mx)
                self.onhand[key] = mx
                stock_val[c] += mx * self.cost[g]
        for p_, c in self.sp.stockout:
            key = (p_, c)
            lt = self.vendor_lt[self.product_vendor[p_]]
            # on hand at as_of: a share of the vendor lead time's worth of demand, at the rate
            # the stock cover mart reads (the higher of the 90- and 30-day averages), so the
            # stock runs out before anything ordered on as_of could arrive
            planned = self.planned_out[key]
            rate = max(
                float(planned[H - 89 : H + 1].sum()) / 90.0,
                float(planned[H - 29 : H + 1].sum()) / 30.0,
                0.3,
            )
            target = float(max(2, round(rate * lt * rng.uniform(0.25, 0.5))))
            self.stockout_target[key] = target
            # ordering stops early enough that what is in stock then (at most the orderpoint
            # maximum plus what is committed) ships before as_of, leaving only the target:
            # the last receipt arrives well before as_of, nothing is incoming after it
            fday = H - 58 - lt
            cap = self.op_levels[key][1] + float(planned[fday : fday + 6].sum()) + target
            while fday > 30 and float(planned[fday + 1 : H + 1].sum()) < cap:
                fday -= 1
                cap = self.op_levels[key][1] + float(planned[fday : fday + 6].sum()) + target
            self.frozen[key] = fday
        # sizes of the recurring costs from the planned revenue
        rev = {1: 0.0, 2: 0.0}
        for day_orders in self.orders_plan.values():
            for o in day_orders:
                if o["fate"] == "confirm":
                    rev[o["company"]] += sum(q * self.price[p_] for p_, q, _ in o["lines"])
        monthly = {c: rev[c] / (H / 30.4) for c in self.companies}
        self.payroll = {c: _r2(monthly[c] * 0.2) for c in self.companies}
        self.payroll_paid = dict(self.payroll)
        self.rent = {c: float(round(monthly[c] * 0.04, -1)) for c in self.companies}
        self.fixed_assets = {c: float(round(monthly[c] * 3, -2)) for c in self.companies}
        # opening entries on day 0: inventory, cash, fixed assets against capital
        self.set_day(0)
        self.tick()
        for c in self.companies:
            cash = _r2(monthly[c] * (2.5 if c == 1 else 0.9))
            stock = _r2(stock_val[c])
            fa = self.fixed_assets[c]
            self.move(
                c,
                "MISC",
                "entry",
                [
                    {"account": "101401", "amount_currency": cash, "name": "Opening balance"},
                    {"account": "110100", "amount_currency": stock, "name": "Opening balance"},
                    {"account": "151000", "amount_currency": fa, "name": "Opening balance"},
                    {
                        "account": "301000",
                        "amount_currency": -_r2(cash + stock + fa),
                        "name": "Opening balance",
                    },
                ],
                header={"ref": "Opening balance"},
                uid=2,
            )
            for g in self.goods_by_company[c]:
                q = self.onhand[(g, c)]
                self.new(
                    "stock.move",
                    {
                        "reference": "Product Quantity Updated",
                        "product_id": g,
                        "product_uom": self.UNIT,
                        "product_uom_qty": q,
                        "product_qty": q,
                        "quantity": q,
                        "location_id": self.loc_inv[c],
                        "location_dest_id": self.loc_stock[c],
                        "company_id": c,
                        "state": "done",
                        "date": self.ts,
                        "is_inventory": True,
                        "is_in": True,
                        "picked": True,
                        "procure_method": "make_to_stock",
                        "priority": "0",
                        "sequence": 10,
                        "price_unit": self.cost[g],
                    },
                )
                self.last_in[(g, c)] = self.ts
        # schedule the plan
        for day, orders in self.orders_plan.items():
            for o in orders:
                self.at(day, 1, self.ev_new_order, o)
        self.plan_leads()
        self.plan_hr()
        self.plan_projects()
        for k in range(self.sp.anomalous_entries):
            kind = ("amount", "account", "timing", "round")[k % 4]
            day = rng.randint(H - 200, H - 5)
            if kind == "timing":
                while (self.start + timedelta(days=day)).weekday() != 6:
                    day += 1
            self.at(min(day, H - 1), 9, self.ev_anomaly, k, rng.choice(self.companies), kind)
        for i in range(H + 1):
            d = self.start + timedelta(days=i)
            if (d + timedelta(days=1)).day == 1:
                self.at(i, 9, self.ev_month_end)
            if d.day == 1:
                self.at(i, 2, self.ev_rent)
            if d.day == 20 and d.month in (1, 4, 7, 10):
                self.at(i, 9, self.ev_tax_settlement)
            self.at(i, 6, self.ev_replenish)
        # the squeeze's bills arrive on the as-of day itself, sized on that day's projection:
        # booked earlier, the trading still to come moved the projection by more than the
        # margin and the squeeze did not always hold at as_of
        self.at(H, 9, self.ev_squeeze)
        # run
        for i in range(H + 1):
            heap = self.agenda.get(i)
            if not heap:
                continue
            self.set_day(i)
            while heap:  # events scheduled for today while running are pushed here too
                _, _, fn, args = heapq.heappop(heap)
                fn(*args)
            del self.agenda[i]
        self.set_day(H)
        self.sec = 22 * 3600
        self._fmt_ts()

    # ------------------------------------------------------------------ cash squeeze
    def cash_of(self, c: int) -> float:
        return _r2(
            sum(self.acc_bal[(c, code)] for code in ("101401", "101501", "101402", "101403"))
        )

    def projection(
        self, c: int, start_day: int
    ) -> tuple[date | None, list[tuple[str, float]], float]:
        """The cash projection of company ``c`` (see :func:`simulator.ground_truth.project_cash`)."""
        M = self.t["account.move"]
        start = self.start + timedelta(days=start_day)
        # recent collection delay of the company (days after due, last 120 days)
        lates = []
        L = self.t["account.move.line"]
        P = self.t["account.payment"]
        for mid in self.open_items_all:
            m = M[mid]
            if (
                m["company_id"] != c
                or m["move_type"] != "out_invoice"
                or m["payment_state"] != "paid"
            ):
                continue
            pays = m.get("matched_payment_ids", [])
            if not pays:
                continue
            pdate = date.fromisoformat(P[pays[-1]]["date"])
            if (start - pdate).days <= 120:
                lates.append((pdate - date.fromisoformat(m["invoice_date_due"])).days)
        delay = max(0, round(float(np.mean(lates)))) if lates else 0
        receivables, payables = [], []
        for mid, pt in self.open_items.items():
            m = M[mid]
            if m["company_id"] != c:
                continue
            res = L[pt]["amount_residual"]
            due = date.fromisoformat(m["invoice_date_due"])
            if m["move_type"] in ("out_invoice", "out_refund"):
                receivables.append((max(due, start) + timedelta(days=delay), res))
            else:
                payables.append((due, -res))
        recurring = []
        for k in range(4):
            month_end = (start.replace(day=1) + timedelta(days=32 * (k + 1))).replace(
                day=1
            ) - timedelta(days=1)
            recurring.append(
                (month_end, self.payroll_paid[c] / (1.45 if month_end.month == 12 else 1.0))
            )
            recurring.append((month_end + timedelta(days=11), self.rent[c]))
        first, series = project_cash(self.cash_of(c), receivables, payables, recurring, start, 90)
        return first, series, float(delay)

    def ev_squeeze(self) -> None:
        """Book the large bills that will squeeze one company's cash after as_of."""
        rng = self.rng
        c = self.sp.squeeze_company
        target = 28 + rng.randint(0, 14)  # days after as_of when cash should run out
        _, series, _ = self.projection(c, self.H)
        bal_at = dict(series)
        day_t = (self.start + timedelta(days=self.H + target)).isoformat()
        # a month's payroll short at the target day: a squeeze, not a rounding error
        need = bal_at.get(day_t, series[-1][1]) + 1.0 * max(self.payroll[c], 1.0)
        need = max(need, self.payroll[c] * 0.5)
        vendors = rng.sample(self.vendors, 2)
        parts = (0.55, 0.45)
        for v, share in zip(vendors, parts, strict=True):
            self.tick()
            amount = _r2(need * share / 1.21)
            due = self.H + target - rng.randint(2, 9) - self.day
            mid = self.invoice(
                c,
                "in_invoice",
                v,
                [
                    {
                        "name": rng.choice(
                            (
                                "Warehouse racking installation",
                                "Showroom renovation",
                                "Annual material contract",
                            )
                        ),
                        "quantity": 1.0,
                        "price_unit": amount,
                        "account": "600000",
                    }
                ],
                currency=self.ccur[c],
                term=None,
                due_days=due,
                header={"ref": f"INV-{rng.randint(10000, 99999)}"},
                uid=self.accountant,
            )
            self._schedule_vendor_payment(mid)

    # ------------------------------------------------------------------ finishing
    def finish(self) -> dict[str, Any]:
        now_ts = self.ts
        # quants and reservations
        SM = self.t["stock.move"]
        SP = self.t["stock.picking"]
        avail = {k: v for k, v in self.onhand.items()}
        pending = sorted(
            (
                p
                for p in SP.values()
                if p["state"] in ("assigned", "confirmed")
                and p["location_dest_id"] == self.loc_customer
            ),
            key=lambda p: (p["scheduled_date"], p["id"]),
        )
        reserved: dict[tuple[int, int], float] = defaultdict(float)
        for pk in pending:
            c = pk["company_id"]
            moves = [SM[m] for m in pk["move_ids"]]
            ok = all(avail[(m["product_id"], c)] + 1e-9 >= m["product_uom_qty"] for m in moves)
            st = "assigned" if ok else "confirmed"
            pk["state"] = st
            for m in moves:
                m["state"] = st
                if ok:
                    avail[(m["product_id"], c)] -= m["product_uom_qty"]
                    reserved[(m["product_id"], c)] += m["product_uom_qty"]
        for c in self.companies:
            for g in self.goods_by_company[c]:
                key = (g, c)
                self.ts = self.last_in.get(key, now_ts)
                q = self.onhand[key]
                last = self.last_move.get(key, self.ts)
                row: dict[str, Any] = {
                    "product_id": g,
                    "location_id": self.loc_stock[c],
                    "company_id": c,
                    "quantity": float(q),
                    "reserved_quantity": float(reserved[key]),
                    "in_date": self.last_in.get(key, now_ts),
                    "inventory_date": f"{self.as_of.year}-12-31",
                }
                qid = self.new("stock.quant", row)
                self.t["stock.quant"][qid]["write_date"] = max(last, self.ts)
        # orderpoints
        self.ts = self.ds(0) + " 07:30:00"
        for n, ((g, c), (mn, mx)) in enumerate(self.op_levels.items(), start=1):
            self.new(
                "stock.warehouse.orderpoint",
                {
                    "name": f"OP/{n:05d}",
                    "product_id": g,
                    "warehouse_id": self.wh[c],
                    "location_id": self.loc_stock[c],
                    "company_id": c,
                    "product_min_qty": mn,
                    "product_max_qty": mx,
                    "trigger": "auto",
                    "active": True,
                    "replenishment_uom_id": self.UNIT,
                },
            )
        # activities (open ones only: done activities are deleted in Odoo)
        self._activities()
        # product/template write dates follow the latest change of their own record only
        self.ts = now_ts
        return self.ground_truth()

    def _activity(
        self,
        model: str,
        res_id: int,
        name: str,
        user: int,
        deadline: int,
        summary: str,
        created: int,
    ) -> None:
        self.ts = (
            f"{self.ds(created)} {8 + self.rng.randint(0, 9):02d}:{self.rng.randint(0, 59):02d}:00"
        )
        self.new(
            "mail.activity",
            {
                "res_model": model,
                "res_id": res_id,
                "res_name": name,
                "user_id": user,
                "date_deadline": self.ds(deadline),
                "summary": summary,
                "active": True,
            },
            uid=user,
        )

    def _activities(self) -> None:
        rng = self.rng
        H = self.H
        stalled_ids = set(self.stalled_ids())
        for lid, L in self.t["crm.lead"].items():
            if not L["active"] or L["stage_id"] == self.stages["Won"] or lid in stalled_ids:
                continue
            spec_slow = lid in self.slow_ids
            if spec_slow or rng.random() < 0.75:
                self._activity(
                    "crm.lead",
                    lid,
                    L["name"],
                    L["user_id"],
                    H + rng.randint(-4, 12),
                    rng.choice(("Follow-up call", "Send proposal", "Demo meeting", "Check budget")),
                    H - rng.randint(0, 6),
                )
        M = self.t["account.move"]
        for mid in sorted(self.open_items):
            m = M[mid]
            if m["move_type"] != "out_invoice":
                continue
            due = (date.fromisoformat(m["invoice_date_due"]) - self.start).days
            if due < H - 10 and rng.random() < 0.35:
                self._activity(
                    "account.move",
                    mid,
                    m["name"],
                    m.get("invoice_user_id") or self.accountant,
                    H + rng.randint(-3, 7),
                    "Payment reminder",
                    H - rng.randint(0, 8),
                )
        for cust in rng.sample(self.customers, max(2, len(self.customers) // 10)):
            self._activity(
                "res.partner",
                cust,
                self.t["res.partner"][cust]["name"],
                self.cust_user[cust],
                H + rng.randint(-2, 20),
                rng.choice(("Quarterly check-in", "Renewal discussion", "Satisfaction call")),
                H - rng.randint(0, 10),
            )

    def stalled_ids(self) -> list[int]:
        return self._stalled

    # ------------------------------------------------------------------ ground truth
    def ground_truth(self) -> dict[str, Any]:
        H = self.H
        sp = self.sp
        M = self.t["account.move"]
        P = self.t["account.payment"]
        gt: dict[str, Any] = {}
        # churned customers
        churn = []
        for cust, cfg in sorted(sp.churned.items()):
            stop = H - cfg["stop_ago"]
            churn.append(
                {
                    "partner_id": cust,
                    "company_id": self.cust_company[cust],
                    "last_order_date": self.ds(stop),
                    "decline_start": self.ds(stop - cfg["decline_days"]),
                }
            )
        gt["churned_customers"] = churn
        # late payers: their realised lateness
        per: dict[int, list[int]] = defaultdict(list)
        for _mid, m in M.items():
            if m["move_type"] != "out_invoice" or m["payment_state"] not in ("paid", "in_payment"):
                continue
            pays = m.get("matched_payment_ids", [])
            if pays:
                late = (
                    date.fromisoformat(P[pays[-1]]["date"])
                    - date.fromisoformat(m["invoice_date_due"])
                ).days
                per[m["partner_id"]].append(late)
        gt["late_payers"] = [
            {
                "partner_id": cust,
                "company_id": self.cust_company[cust],
                "mean_days_late": round(float(np.mean(per[cust])), 1) if per[cust] else None,
                "invoices": len(per[cust]),
            }
            for cust in sorted(sp.late_payers)
        ]
        # stock-outs
        so = []
        for p_, c in sp.stockout:
            key = (p_, c)
            onhand = self.onhand[key]
            # the demand rate as delivered: the higher of the 90- and 30-day averages up to
            # as_of (rising demand); committed deliveries are part of that rate, not
            # subtracted again from what is on hand
            dd = max(
                float(self.delivered[key][H - 89 : H + 1].sum()) / 90.0,
                float(self.delivered[key][H - 29 : H + 1].sum()) / 30.0,
                0.01,
            )
            lt = self.vendor_lt[self.product_vendor[p_]]
            days_left = math.floor(max(0.0, onhand + self.incoming[key]) / round(dd, 3))
            if days_left >= lt:
                # a held-back delivery left more on hand than planned: the scenario is not
                # true in the data, so it is not claimed
                _log.warning(
                    "stock-out scenario of product %s (company %s) does not hold: %s days of "
                    "cover, lead time %s days; left out of the ground truth",
                    p_, c, days_left, lt,
                )  # fmt: skip
                continue
            so.append(
                {
                    "product_id": p_,
                    "company_id": c,
                    "warehouse_id": self.wh[c],
                    "location_id": self.loc_stock[c],
                    "on_hand": onhand,
                    "incoming": self.incoming[key],
                    "outgoing": self.outgoing[key],
                    "daily_demand": round(dd, 3),
                    "lead_time_days": lt,
                    "days_until_stockout": days_left,
                    "estimated_stockout_date": (self.as_of + timedelta(days=days_left)).isoformat(),
                }
            )
        gt["stockout_products"] = so
        # duplicates
        X = self.t["hr.expense"]
        dups = []
        for k, (day, eid, cat, amount, _d2) in enumerate(self.dup_pairs):
            second = self.dup_ids.get(k)
            firsts = [
                x
                for x in self._expense_by_key.get((eid, cat, amount), [])
                if X[x]["date"] == self.ds(day)
            ]
            if second and firsts:
                dups.append(
                    {
                        "expense_ids": [firsts[0], second],
                        "employee_id": eid,
                        "amount": X[second]["total_amount"],
                        "product_id": X[second]["product_id"],
                    }
                )
        gt["duplicate_expenses"] = dups
        gt["anomalous_entries"] = self.anomalies
        # late suppliers
        sups = []
        for v in sorted(sp.late_suppliers):
            lates = []
            for poid, pk in self.receipts:
                po = self.t["purchase.order"][poid]
                if po["partner_id"] == v:
                    pkr = self.t["stock.picking"][pk]
                    lates.append(
                        (
                            date.fromisoformat(pkr["date_done"][:10])
                            - date.fromisoformat(po["date_planned"][:10])
                        ).days
                    )
            sups.append(
                {
                    "partner_id": v,
                    "mean_days_late": round(float(np.mean(lates)), 1) if lates else None,
                    "receipts": len(lates),
                }
            )
        gt["late_suppliers"] = sups
        # stalled deals
        stalled = []
        for lid in self._stalled:
            L = self.t["crm.lead"][lid]
            since = date.fromisoformat(L["date_last_stage_update"][:10])
            stage = self.t["crm.stage"][L["stage_id"]]
            stalled.append(
                {
                    "lead_id": lid,
                    "stage_id": L["stage_id"],
                    "stage_since": since.isoformat(),
                    "rotting_threshold_days": stage.get("rotting_threshold_days", 0),
                    "days_in_stage": (self.as_of - since).days,
                }
            )
        gt["stalled_deals"] = stalled
        # cash squeeze
        c = sp.squeeze_company
        first, series, delay = self.projection(c, H)
        if first is None:
            _log.warning(
                "cash squeeze of company %s does not hold: the projection stays above zero; "
                "left out of the ground truth",
                c,
            )
        gt["cash_squeeze"] = (
            [
                {
                    "company_id": c,
                    "expected_date": first.isoformat(),
                    "cash_at_as_of": self.cash_of(c),
                    "currency": self.t["res.currency"][self.ccur[c]]["name"],
                    "collection_delay_days": delay,
                    "projection": series[::7],
                }
            ]
            if first is not None
            else []
        )
        other = next(x for x in self.companies if x != c)
        o_first, _, _ = self.projection(other, H)
        controls = {
            "quiet_month_customers": sorted(sp.quiet_month),
            "one_late_invoice_customers": sorted(sp.one_late_invoice),
            "rising_demand_replenished": [
                {"product_id": p_, "company_id": cc} for p_, cc in sp.rising_controls
            ],
            "slow_but_active_deals": sorted(self.slow_ids),
            "recurring_same_amount_expenses": "Phone expenses: same employee and amount, monthly",
            "december_payroll_bonus": True,
            "one_late_receipt_vendors": sorted(sp.one_late_receipt),
            "healthy_cash_company": {
                "company_id": other,
                "expected_date": o_first.isoformat() if o_first else None,
            },
        }
        return {
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "size": self.size,
            "as_of": self.as_of.isoformat(),
            "scenarios": gt,
            "controls": controls,
        }


def _sparse(tables: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Drop keys holding the type default (False, 0, 0.0, [] ...) as the store expects."""
    keep = {"id", "create_date", "write_date", "create_uid", "write_uid"}
    for rows in tables.values():
        for rid, row in rows.items():
            drop = [
                k
                for k, v in row.items()
                if k not in keep
                and (
                    v is False
                    or v is None
                    or v == []
                    or (v == 0 and v is not True and not isinstance(v, str))
                    or v == ""
                )
            ]
            for k in drop:
                del row[k]
            rows[rid] = row


def generate_company(
    size: str = "small", seed: int = 42, as_of: date = DEFAULT_AS_OF
) -> GeneratedCompany:
    """Generate the company (deterministic from ``size``, ``seed`` and ``as_of``)."""
    g = _Gen(size, seed, as_of)
    g.setup()
    g.population()
    g.plan()
    orig = g.ev_lead_create

    def lead_create(spec: dict[str, Any]) -> None:
        orig(spec)
        if "stuck" in spec:
            (g._stalled if spec["stalled"] else g.slow_ids).append(spec["lead"])

    g.ev_lead_create = lead_create  # type: ignore[method-assign]
    g.run()
    truth = g.finish()
    _sparse(g.t)
    now = datetime.combine(as_of, datetime.min.time()).replace(hour=23)
    return GeneratedCompany(
        tables=g.t, ground_truth=truth, now=now, as_of=as_of, seed=seed, size=size
    )


def build_store(size: str = "small", seed: int = 42, as_of: date = DEFAULT_AS_OF) -> OdooStore:
    """Generate the company and load it into an :class:`~simulator.store.OdooStore`."""
    from simulator.store import OdooStore

    company = generate_company(size, seed, as_of)
    return OdooStore(tables=company.tables, now=company.now)
