"""The generated company: deterministic, referentially sound, balanced to the cent."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from simulator.generator import SIZES, GeneratedCompany, generate_company

ODOO = Path(__file__).resolve().parents[2] / "simulator" / "odoo19"
BASE = {"id", "create_date", "write_date", "create_uid", "write_uid"}


def _fields(model: str) -> dict[str, dict[str, Any]]:
    for folder in ("fields", "fields_extra"):
        path = ODOO / folder / f"{model}.json"
        if path.exists():
            data: dict[str, dict[str, Any]] = json.loads(path.read_text())
            return data
    raise AssertionError(f"no field definitions for {model}")


@pytest.fixture(scope="module")
def company() -> GeneratedCompany:
    return generate_company("small", seed=42)


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 0.005


@pytest.mark.unit
def test_deterministic_and_seed_sensitive(company: GeneratedCompany) -> None:
    again = generate_company("small", seed=42)
    assert again.tables == company.tables
    assert again.ground_truth == company.ground_truth
    other = generate_company("small", seed=43)
    assert other.tables["account.move.line"] != company.tables["account.move.line"]


@pytest.mark.unit
def test_field_names_types_and_selections_valid(company: GeneratedCompany) -> None:
    problems: list[str] = []
    for model, rows in company.tables.items():
        fields = _fields(model)
        for row in rows.values():
            for key, value in row.items():
                meta = fields.get(key)
                if meta is None:
                    problems.append(f"{model}.{key}: unknown field")
                    continue
                if not meta.get("store") and key not in BASE:
                    problems.append(f"{model}.{key}: not stored")
                t = meta["type"]
                if t == "selection" and value not in {s[0] for s in meta["selection"]}:
                    problems.append(f"{model}.{key}: bad selection {value!r}")
                if t in ("one2many", "many2many") and not (
                    isinstance(value, list) and all(isinstance(v, int) for v in value)
                ):
                    problems.append(f"{model}.{key}: x2many not a list of ints")
                if t == "many2one" and not isinstance(value, int):
                    problems.append(f"{model}.{key}: many2one not an int")
                if (
                    value is False
                    or value == []
                    or (value == 0 and not isinstance(value, str) and value is not True)
                ):
                    problems.append(f"{model}.{key}: default value stored (rows must be sparse)")
                if t == "date" and not (isinstance(value, str) and len(value) == 10):
                    problems.append(f"{model}.{key}: bad date {value!r}")
                if t == "datetime" and not (isinstance(value, str) and len(value) == 19):
                    problems.append(f"{model}.{key}: bad datetime {value!r}")
            for key in BASE:
                if key not in row:
                    problems.append(f"{model}: row without {key}")
    assert sorted(set(problems))[:20] == []


@pytest.mark.unit
def test_relations_point_to_existing_rows(company: GeneratedCompany) -> None:
    tables = company.tables
    missing: list[str] = []
    for model, rows in tables.items():
        fields = _fields(model)
        for row in rows.values():
            for key, value in row.items():
                meta = fields.get(key, {})
                rel = meta.get("relation")
                if not rel or meta["type"] not in ("many2one", "one2many", "many2many"):
                    continue
                assert rel in tables, f"{model}.{key} points to {rel}, which is not generated"
                ids = value if isinstance(value, list) else [value]
                missing.extend(f"{model}.{key}={i}" for i in ids if i not in tables[rel])
        if "res_model" in next(iter(rows.values()), {}):
            for row in rows.values():
                assert row["res_id"] in tables[row["res_model"]]
    for row in tables["mail.message"].values():
        assert row["res_id"] in tables[row["model"]]
    assert missing[:20] == []


@pytest.mark.unit
def test_timestamps_are_past_and_ordered(company: GeneratedCompany) -> None:
    now = company.now.strftime("%Y-%m-%d %H:%M:%S")
    for model, rows in company.tables.items():
        for row in rows.values():
            assert row["create_date"] <= row["write_date"] <= now, (model, row["id"])
    moves = company.tables["account.move"]
    # ids follow creation time, as on a real server
    created = [moves[i]["create_date"] for i in sorted(moves)]
    assert created == sorted(created)


@pytest.mark.unit
def test_every_move_balanced_and_totals_match_lines(company: GeneratedCompany) -> None:
    moves = company.tables["account.move"]
    lines = company.tables["account.move.line"]
    by_move: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines.values():
        by_move[line["move_id"]].append(line)
        assert _close(line.get("balance", 0.0), line.get("debit", 0.0) - line.get("credit", 0.0))
        assert line["parent_state"] == "posted"
    kinds = defaultdict(int)
    for mid, move in moves.items():
        kinds[move["move_type"]] += 1
        mls = by_move[mid]
        assert sorted(move["line_ids"]) == sorted(ml["id"] for ml in mls)
        assert _close(
            sum(ml.get("debit", 0.0) for ml in mls), sum(ml.get("credit", 0.0) for ml in mls)
        ), move["name"]
        assert all(ml["move_name"] == move["name"] for ml in mls)
        if move["move_type"] == "entry":
            continue
        product = [ml for ml in mls if ml["display_type"] == "product"]
        tax = [ml for ml in mls if ml["display_type"] == "tax"]
        term = [ml for ml in mls if ml["display_type"] == "payment_term"]
        assert len(term) == 1 and term[0]["date_maturity"] == move["invoice_date_due"]
        assert _close(sum(ml["price_subtotal"] for ml in product), move["amount_untaxed"])
        assert _close(sum(abs(ml["amount_currency"]) for ml in tax), move.get("amount_tax", 0.0))
        assert _close(move["amount_total"], move["amount_untaxed"] + move.get("amount_tax", 0.0))
        assert _close(abs(term[0]["amount_currency"]), move["amount_total"])
        assert _close(abs(term[0]["balance"]), abs(move["amount_total_signed"]))
    assert {"out_invoice", "in_invoice", "out_refund", "in_refund", "entry"} <= set(kinds)


@pytest.mark.unit
def test_residuals_follow_partial_reconciles(company: GeneratedCompany) -> None:
    moves = company.tables["account.move"]
    lines = company.tables["account.move.line"]
    partials = company.tables["account.partial.reconcile"]
    fulls = company.tables["account.full.reconcile"]
    matched: dict[int, float] = defaultdict(float)
    matched_cur: dict[int, float] = defaultdict(float)
    touched = {p["debit_move_id"] for p in partials.values()} | {
        p["credit_move_id"] for p in partials.values()
    }
    for p in partials.values():
        matched[p["debit_move_id"]] += p["amount"]
        matched[p["credit_move_id"]] -= p["amount"]
        matched_cur[p["debit_move_id"]] += p["debit_amount_currency"]
        matched_cur[p["credit_move_id"]] -= p["credit_amount_currency"]
        assert (
            lines[p["debit_move_id"]].get("balance", 0)
            > 0
            > lines[p["credit_move_id"]].get("balance", 0)
        )
        assert p["max_date"] == max(
            lines[p["debit_move_id"]]["date"], lines[p["credit_move_id"]]["date"]
        )
    states = defaultdict(int)
    for line in lines.values():
        acc = company.tables["account.account"][line["account_id"]]
        if acc["account_type"] not in ("asset_receivable", "liability_payable"):
            assert "amount_residual" not in line
            continue
        expected = round(line.get("balance", 0.0) - matched[line["id"]], 2)
        assert _close(line.get("amount_residual", 0.0), expected), line["id"]
        expected_cur = round(line.get("amount_currency", 0.0) - matched_cur[line["id"]], 2)
        assert _close(line.get("amount_residual_currency", 0.0), expected_cur), line["id"]
        if line.get("full_reconcile_id"):
            assert line.get("reconciled") and line["matching_number"] == str(
                line["full_reconcile_id"]
            )
            assert line["id"] in fulls[line["full_reconcile_id"]]["reconciled_line_ids"]
        elif line["id"] in touched:
            assert line["matching_number"].startswith("P")
    for move in moves.values():
        states[move["payment_state"]] += 1
        if move["move_type"] == "entry":
            continue
        term = next(
            lines[i] for i in move["line_ids"] if lines[i]["display_type"] == "payment_term"
        )
        assert _close(
            move.get("amount_residual", 0.0), abs(term.get("amount_residual_currency", 0.0))
        )
        residual, total = move.get("amount_residual", 0.0), move["amount_total"]
        ps = move["payment_state"]
        if ps == "not_paid":
            assert _close(residual, total)
        elif ps == "partial":
            assert 0.005 < residual < total
        elif ps in ("paid", "in_payment", "reversed"):
            assert _close(residual, 0.0)
    assert {"not_paid", "partial", "paid", "in_payment", "reversed"} <= set(states)


@pytest.mark.unit
def test_payments_tie_to_moves_and_invoices(company: GeneratedCompany) -> None:
    t = company.tables
    for pay in t["account.payment"].values():
        move = t["account.move"][pay["move_id"]]
        assert move["origin_payment_id"] == pay["id"]
        assert move["date"] == pay["date"]
        for inv in pay["invoice_ids"]:
            assert pay["id"] in t["account.move"][inv]["matched_payment_ids"]
        amount = (
            sum(abs(t["account.move.line"][i].get("amount_currency", 0)) for i in move["line_ids"])
            / 2
        )
        assert _close(amount, pay["amount"])


@pytest.mark.unit
def test_stock_quants_equal_done_moves(company: GeneratedCompany) -> None:
    t = company.tables
    net: dict[tuple[int, int], float] = defaultdict(float)
    for mv in t["stock.move"].values():
        if mv["state"] != "done":
            continue
        net[(mv["product_id"], mv["location_dest_id"])] += mv["quantity"]
        net[(mv["product_id"], mv["location_id"])] -= mv["quantity"]
    internal = {i for i, loc in t["stock.location"].items() if loc["usage"] == "internal"}
    quants = {(q["product_id"], q["location_id"]): q for q in t["stock.quant"].values()}
    for key, qty in net.items():
        if key[1] in internal:
            assert _close(quants[key].get("quantity", 0.0), qty), key
    for q in quants.values():
        assert q.get("quantity", 0.0) >= 0
        assert q.get("reserved_quantity", 0.0) <= q.get("quantity", 0.0) + 1e-9
    states = {p["state"] for p in t["stock.picking"].values()}
    assert {"done", "assigned"} <= states


@pytest.mark.unit
def test_sale_orders_consistent_with_invoices_and_deliveries(company: GeneratedCompany) -> None:
    t = company.tables
    sol = t["sale.order.line"]
    states = defaultdict(int)
    for so in t["sale.order"].values():
        states[so["state"]] += 1
        lines = [sol[i] for i in so["order_line"]]
        assert _close(so["amount_untaxed"], sum(ln["price_subtotal"] for ln in lines))
        for ln in lines:
            if so["state"] != "sale":
                assert not ln.get("qty_invoiced")
            invoiced = 0.0
            for aml_id in ln.get("invoice_lines", []):
                aml = t["account.move.line"][aml_id]
                mt = t["account.move"][aml["move_id"]]["move_type"]
                invoiced += aml["quantity"] * (1 if mt == "out_invoice" else -1)
            assert _close(invoiced, ln.get("qty_invoiced", 0.0))
            assert ln.get("qty_invoiced", 0.0) <= ln.get("qty_delivered", 0.0) + 1e-9
        if so.get("invoice_status") == "invoiced":
            assert all(_close(ln.get("qty_invoiced", 0), ln["product_uom_qty"]) for ln in lines)
    assert {"draft", "sent", "sale", "cancel"} <= set(states)
    origins = {m.get("invoice_origin") for m in t["account.move"].values()}
    assert sum(1 for so in t["sale.order"].values() if so["name"] in origins) > 100


@pytest.mark.unit
def test_lead_stage_history_matches_leads(company: GeneratedCompany) -> None:
    t = company.tables
    last: dict[int, tuple[str, int]] = {}
    for tv in t["mail.tracking.value"].values():
        msg = t["mail.message"][tv["mail_message_id"]]
        assert msg["model"] == "crm.lead" and tv["field_info"]["name"] == "stage_id"
        key = msg["res_id"]
        if key not in last or msg["date"] >= last[key][0]:
            last[key] = (msg["date"], tv["new_value_integer"])
    for lid, lead in t["crm.lead"].items():
        assert last[lid][1] == lead["stage_id"], lid
        assert last[lid][0] == lead["date_last_stage_update"]
    won = [ld for ld in t["crm.lead"].values() if ld.get("won_status") == "won"]
    lost = [ld for ld in t["crm.lead"].values() if ld.get("won_status") == "lost"]
    assert won and lost and all(not ld.get("active") for ld in lost)
    assert all(t["crm.stage"][ld["stage_id"]].get("is_won") for ld in won)


@pytest.mark.unit
def test_small_counts_and_speed() -> None:
    started = time.perf_counter()
    c = generate_company("small", seed=7, as_of=date(2026, 6, 30))
    elapsed = time.perf_counter() - started
    n = {m: len(r) for m, r in c.tables.items()}
    assert 2000 <= n["account.move.line"] <= 9000
    assert n["res.company"] == 2 and n["stock.warehouse"] == 2
    assert n["crm.lead"] >= 100 and n["sale.order"] >= 300 and n["hr.expense"] >= 100
    assert elapsed < 15
    assert any(not r.get("active") for r in c.tables["res.partner"].values())
    assert any(not r.get("active") for r in c.tables["product.product"].values())
    assert set(SIZES) == {"small", "medium", "large"}


@pytest.mark.slow
def test_medium_size_is_about_100k_journal_items() -> None:
    started = time.perf_counter()
    c = generate_company("medium", seed=42)
    elapsed = time.perf_counter() - started
    n = len(c.tables["account.move.line"])
    print(f"medium: {n} journal items in {elapsed:.1f}s")
    assert 70_000 <= n <= 140_000
    assert elapsed < 120
