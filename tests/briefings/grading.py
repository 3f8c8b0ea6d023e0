"""Grading alerts against the simulator's ground truth (used by the test and the bench)."""

from __future__ import annotations

from typing import Any

from alerts.evaluation import AlertCandidate


def predicted_and_expected(
    candidates: list[AlertCandidate], ground_truth: dict[str, Any]
) -> tuple[dict[str, set[Any]], dict[str, set[Any]]]:
    """Per rule family, what the alerts point at and what the scenarios planted."""
    truth = ground_truth["scenarios"]
    by: dict[str, list[AlertCandidate]] = {}
    for c in candidates:
        by.setdefault(c.family, []).append(c)
    predicted = {
        "cash_runway": {c.company_id for c in by.get("cash_runway", [])},
        "late_payer": {(c.company_id, c.record_id) for c in by.get("late_payer", [])},
        "churn_risk": {(c.company_id, c.record_id) for c in by.get("churn_risk", [])},
        "stalled_deal": {c.record_id for c in by.get("stalled_deal", [])},
        "stockout": {(c.company_id, c.record_id) for c in by.get("stockout", [])},
        "late_supplier": {c.record_id for c in by.get("late_supplier", [])},
        "duplicate_expense": {
            frozenset((c.details["expense_id"], c.details["duplicate_expense_id"]))
            for c in by.get("duplicate_expense", [])
        },
    }
    expected = {
        "cash_runway": {s["company_id"] for s in truth["cash_squeeze"]},
        "late_payer": {(s["company_id"], s["partner_id"]) for s in truth["late_payers"]},
        "churn_risk": {(s["company_id"], s["partner_id"]) for s in truth["churned_customers"]},
        "stalled_deal": {s["lead_id"] for s in truth["stalled_deals"]},
        "stockout": {(s["company_id"], s["product_id"]) for s in truth["stockout_products"]},
        "late_supplier": {s["partner_id"] for s in truth["late_suppliers"]},
        "duplicate_expense": {frozenset(s["expense_ids"]) for s in truth["duplicate_expenses"]},
    }
    return predicted, expected


def score(predicted: set[Any], truth: set[Any]) -> tuple[float, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else (1.0 if not truth else 0.0)
    recall = tp / len(truth) if truth else 1.0
    return precision, recall
