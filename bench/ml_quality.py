"""ML quality on the medium company: each model against its baseline on held-out data, the
planted scenarios (simulator ground truth) and the total train + score time.

    COO_MARTS_CACHE=/work/cache .venv/bin/python bench/ml_quality.py [--size medium] [--seed 42]
        [--unseen-seed 7]

Churn is also graded on a company the model's design never looked at (``--unseen-seed``,
another seed of the same size; 0 skips it): trained on that company's own earlier history,
scored on its latest month, graded against its planted churners.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import forecast_public
from ml import churn, deal_features, deals, forecasting, pipelines
from ml.lifecycle import Comparison, load_runs
from ml.warehouse_io import read_sql
from odoo_api.warehouse import Warehouse
from tests.marts_fixture import shared_marts

# The companies each model's design looked at (its figures there are not out-of-sample for the
# design): churn was tuned on small and medium seed 42 (its issue-17 redesign looked at small
# 42 only); the deal and stock-out redesigns of issue 17 on small 42 (the stock-out grading's
# year of origins was chosen after small 42 had no stock-out in half a year); the forecasts'
# extra candidates on small 42 and medium 42 and 7 (the engine itself on public series, see
# forecast_public.py).
DESIGNED_ON = {
    "churn": {("small", 42), ("medium", 42)},
    "deals": {("small", 42)},
    "stockout": {("small", 42)},
    "forecasts": {("small", 42), ("medium", 42), ("medium", 7)},
}


def looked_at(model: str, size: str, seed: int) -> str:
    """The honest label of a (size, seed) for a model's figures."""
    if (size, seed) in DESIGNED_ON[model]:
        return f"{size} seed {seed}: a company the design looked at"
    return f"{size} seed {seed}: a company no design decision looked at"


def forecast_section(
    summary: pipelines.RunSummary, runs: pl.DataFrame, size: str, seed: int
) -> None:
    """The served forecasts per kind: engine vs seasonal naive and AutoETS on the rolling
    origins, the noise test that gates each kind, coverage, what the engine chose, and
    which version serves."""
    fm = summary.metrics
    print(
        f"\nforecasts ({looked_at('forecasts', size, seed)}): rolling-origin backtest "
        "(4 origins a quarter apart), mean MASE; 80% conformal interval coverage (calibrated "
        "on inner windows before each origin, so out of sample)"
    )
    print(
        f"{'kind':16} {'engine':>8} {'seas.naive':>10} {'AutoETS':>8} {'80% cover':>10}  "
        "engine - baseline (95% CI, one-sided p), gate"
    )
    for kind in ("all", "revenue_monthly", "net_cash_weekly", "demand"):
        if f"{kind}_mase" not in fm:
            print(f"{kind:16} no series")
            continue
        tests = []
        for b in ("seasonal_naive", "ets"):
            key = f"{kind}_diff_vs_{b}"
            if key in fm:
                tests.append(
                    f"vs {b} {fm[key]:+.3f} [{fm[key + '_low']:+.3f}, {fm[key + '_high']:+.3f}] "
                    f"p {fm[f'{kind}_p_vs_{b}']:.3f} {'PASS' if fm[key + '_high'] < 0 else 'fail'}"
                )
        print(
            f"{kind:16} {fm[kind + '_mase']:8.3f} {fm[kind + '_mase_seasonal_naive']:10.3f} "
            f"{fm[kind + '_mase_ets']:8.3f} {fm[kind + '_interval_coverage_80']:10.3f}  "
            + "; ".join(tests)
        )
        chosen = {
            k.split("_chosen_")[1]: int(v) for k, v in fm.items() if k.startswith(f"{kind}_chosen_")
        }
        if chosen:
            print(
                f"{'':16} engine chose: " + ", ".join(f"{k} {v}" for k, v in sorted(chosen.items()))
            )
    serving = runs.filter(pl.col("model_name").str.starts_with("forecasts") & pl.col("is_serving"))
    labels = sorted({f"{r['model_name']} -> {r['model_version']}" for r in serving.to_dicts()})
    print("serving: " + ("; ".join(labels) or "nothing"))
    per = summary.per_series
    beats = [k for k, v in per.items() if v["model"] < min(v["seasonal_naive"], v["ets"])]
    print(f"per series (MASE; * = beats both baselines): {len(beats)}/{len(per)} beat both")
    for key, v in sorted(per.items()):
        star = "*" if key in beats else " "
        print(f"  {star} {key:20} {v['model']:8.3f} {v['seasonal_naive']:10.3f} {v['ets']:8.3f}")


def churn_truth(wh: Warehouse, truth: dict[str, Any]) -> str:
    """ROC-AUC / PR-AUC of the served churn scores against the planted churners."""
    churn = read_sql(wh, "select * from ml.churn_scores")
    planted = {(r["company_id"], r["partner_id"]) for r in truth["churned_customers"]}
    y = np.array(
        [(c, p) in planted for c, p in zip(churn["company_id"], churn["partner_id"], strict=True)]
    )
    p = churn["churn_probability"].to_numpy()
    ranks = sorted(churn.filter(pl.Series(y))["risk_rank"].to_list())
    if y.sum() in (0, len(y)):
        return (
            f"{y.sum()} of {len(planted)} planted churners among the {churn.height} scored "
            "(regular) customers: nothing to grade"
        )
    return (
        f"{y.sum()} of {len(planted)} planted churners among the {churn.height} scored "
        "(regular) customers; "
        f"ROC-AUC {roc_auc_score(y, p):.3f}, PR-AUC {average_precision_score(y, p):.3f}, "
        f"in top decile {sum(r <= churn.height / 10 for r in ranks)}/{len(ranks)}, ranks {ranks}; "
        f"served probability of the planted {p[y].min():.3f}-{p[y].max():.3f}, "
        f"highest of the others {p[~y].max():.3f} ({int((p[~y] >= 0.9).sum())} others >= 0.9)"
    )


def unseen_churn(size: str, seed: int, cache: Path) -> str:
    """Churn trained and graded on another company (its own history and ground truth)."""
    marts = shared_marts(size, seed, cache)
    with tempfile.TemporaryDirectory(prefix="coo-ml-bench-unseen-") as work:
        os.environ["COO_HOME"] = work
        path = Path(work) / "warehouse.duckdb"
        shutil.copyfile(marts.path, path)
        wh = Warehouse.from_url(f"duckdb:///{path}")
        summary = pipelines.run_churn(wh)
        m = summary.metrics
        return (
            f"churn on the unseen {size} company (seed {seed}): held-out validation ROC-AUC "
            f"{m['roc_auc']:.3f} (baseline {m['baseline_roc_auc']:.3f}), PR-AUC {m['pr_auc']:.3f} "
            f"(baseline {m['baseline_pr_auc']:.3f}), mean calibrated probability "
            f"{m['calibrated_mean']:.3f} vs prevalence {m['prevalence']:.3f}; "
            "against its ground truth: " + churn_truth(wh, marts.ground_truth["scenarios"])
        )


MODELS = ("churn", "deals", "stockout", "anomalies")


def _num(value: object) -> str:
    return f"{value:8.4f}" if isinstance(value, float) else f"{'':>8}"


def calibration_section(runs: pl.DataFrame) -> None:
    """Per model version and served baseline: Brier, log loss and ECE of each probability
    output on held-out rows (calibrated on rows its fit never saw), and its reliability
    table (predicted -> observed per probability bin, rows)."""
    rows = runs.filter(pl.col("reliability").is_not_null())
    if rows.is_empty():
        return
    print("\nprobabilities, held out (calibrated out of sample): Brier, log loss, ECE")
    seen = set()
    for r in rows.sort("model_name").to_dicts():
        key = (r["model_name"], r["model_version"])
        if key in seen:
            continue
        seen.add(key)
        for output, rep in json.loads(r["reliability"]).items():
            table = ", ".join(
                f"{b['low']:.1f}-{b['high']:.1f}: {b['predicted']:.2f}->{b['observed']:.2f} "
                f"({b['n']})"
                for b in rep["table"]
            )
            print(
                f"  {r['model_name']} {r['model_version']} [{output}] n {rep['n']}: Brier "
                f"{rep['brier']:.4f}, log loss {rep['log_loss']:.4f}, ECE {rep['ece']:.4f}; "
                f"reliability {table}"
            )


def extra_sections(wh: Warehouse, summaries: dict[str, pipelines.RunSummary]) -> None:
    """Churn eligibility and the silent-customer check, the deals' time-travel test, the
    stock-out grading."""
    cm = summaries["churn"].metrics
    if "eligibility_eligible_rows" in cm:
        print(
            f"\nchurn eligibility (model and baseline alike): {cm['eligibility_eligible_rows']:.0f}"
            f" of {cm['eligibility_labelled_rows']:.0f} labelled active customer-months "
            f"({cm['eligibility_eligible_share']:.1%}) are regular customers; churn rate there "
            f"{cm['eligibility_eligible_churn_rate']:.3f}, no-order rate of the others "
            f"{cm['eligibility_ineligible_no_order_rate']:.3f}; validation "
            f"{cm['validation_rows']:.0f} rows of {cm['validation_customers']:.0f} customers, "
            f"prevalence {cm['prevalence']:.3f}"
        )
    features = churn.current(read_sql(wh, churn.FEATURES_SQL))
    scores = read_sql(wh, "select customer_key, churn_probability from ml.churn_scores")
    joined = features.join(scores, on="customer_key")
    if joined.height >= 2:
        s = joined.sort("silence_in_gaps")
        quiet, busy = s.row(-1, named=True), s.row(0, named=True)
        print(
            "served churn ranking, the obvious case: the most silent regular customer "
            f"({quiet['silence_in_gaps']:.1f} usual gaps, {quiet['days_since_last_order']:.0f} days)"
            f" p {quiet['churn_probability']:.3f} vs the most recently active "
            f"({busy['silence_in_gaps']:.2f} gaps, {busy['days_since_last_order']:.0f} days) p "
            f"{busy['churn_probability']:.3f}: silent first "
            f"{quiet['churn_probability'] > busy['churn_probability']}"
        )
    leads = read_sql(wh, deals.LEADS_SQL)
    events = read_sql(wh, deals.EVENTS_SQL)
    as_of = read_sql(wh, deals.AS_OF_SQL)["as_of"][0]
    until = deals.as_of_datetime(as_of, deal_features.prepare_leads(leads))
    tt = deal_features.time_travel(leads, events, until, n=60, seed=1)
    print(
        f"deals time-travel test: {tt.checked} random snapshots, features rebuilt from the "
        f"warehouse truncated at the snapshot date equal: {tt.checked - len(tt.differing)}/"
        f"{tt.checked} ({'PASS' if tt.passed else 'FAIL ' + str(tt.differing[:2])})"
    )
    sm = summaries["stockout"].metrics
    if "graded_points" in sm:
        graded = (
            f"model Brier {sm['stockout_brier']:.4f} vs rule {sm['baseline_stockout_brier']:.4f},"
            f" ROC-AUC {sm['stockout_roc_auc']:.3f} vs {sm['baseline_stockout_roc_auc']:.3f}"
            if "stockout_brier" in sm
            else "no stock-out (or nothing but) happened: not graded"
        )
        print(
            f"stock-out graded on what happened ({sm['graded_points']:.0f} product x as-of "
            f"points over a year, each with its own lead time; {sm['graded_stockouts']:.0f} "
            f"ran dry): {graded}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--unseen-seed", type=int, default=7)
    parser.add_argument(
        "--public-jobs",
        type=int,
        default=2,
        help="processes for the public-series forecast table (0 skips it)",
    )
    parser.add_argument(
        "--recorded",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the forecasts on the recorded real Odoo 19 data",
    )
    args = parser.parse_args()
    cache = Path(os.environ.get("COO_MARTS_CACHE", tempfile.gettempdir()))
    marts = shared_marts(args.size, args.seed, cache)
    with tempfile.TemporaryDirectory(prefix="coo-ml-bench-") as work:
        os.environ["COO_HOME"] = work
        path = Path(work) / "warehouse.duckdb"
        shutil.copyfile(marts.path, path)
        wh = Warehouse.from_url(f"duckdb:///{path}")
        timings: dict[str, float] = {}
        summaries: dict[str, pipelines.RunSummary] = {}
        for name, run in (
            ("churn", pipelines.run_churn),
            ("deals", pipelines.run_deals),
            ("stockout", pipelines.run_stockout),
            ("anomalies", pipelines.run_anomalies),
            ("forecasts", pipelines.run_forecasts),
        ):
            t0 = time.perf_counter()
            summaries[name] = run(wh)
            timings[name] = time.perf_counter() - t0
        runs = load_runs(wh)
        print(
            f"\n{args.size} company, seed {args.seed}: held-out metric vs baseline on the same "
            "rows; margin = paired bootstrap (classifiers, resampled by customer / deal / "
            "product) or Diebold-Mariano (forecasts) 95% CI of the difference; a version "
            "serves only when every interval excludes 0 on its better side"
        )
        for model in ("churn", "deals", "stockout"):
            print(f"  {model}: {looked_at(model, args.size, args.seed)}")
        print(
            f"{'model':10} {'version':8} {'metric':22} {'value':>8}  {'baseline':30} {'value':>8}  "
            "passed  margin"
        )
        for r in runs.sort("model_name").to_dicts():
            margin = ""
            if r["p_value"] is not None:  # a noise-margin comparison: by how much, how sure
                c = Comparison.from_row(r)
                margin = "  " + c.describe().split("; ", 1)[1]
            print(
                f"{r['model_name']:10} {r['model_version'][:8]:8} {r['metric_name'][:22]:22} "
                f"{_num(r['metric_value'])}  {r['baseline_name'][:30]:30} "
                f"{_num(r['baseline_value'])}  {r['passed']!s:6}{margin}"
            )
        calibration_section(runs)
        serving = runs.filter(pl.col("is_serving")).select("model_name", "model_version").unique()
        print(
            "serving: "
            + "; ".join(f"{a} -> {b}" for a, b in sorted(serving.iter_rows()) if a in MODELS)
        )
        extra_sections(wh, summaries)
        truth = marts.ground_truth["scenarios"]
        print("\nagainst the simulator's ground truth (planted scenarios)")
        print(
            f"churn ({looked_at('churn', args.size, args.seed)}): "
            + churn_truth(wh, truth)
            + f"; mean calibrated validation probability {summaries['churn'].metrics['calibrated_mean']:.3f}"
            f" vs prevalence {summaries['churn'].metrics['prevalence']:.3f}"
        )
        deal_scores = read_sql(wh, "select * from ml.deal_scores").with_columns(
            pl.col("stall_probability").rank("ordinal", descending=True).alias("r")
        )
        stalled = {r["lead_id"] for r in truth["stalled_deals"]}
        sr = sorted(deal_scores.filter(pl.col("lead_id").is_in(list(stalled)))["r"].to_list())
        slow = set(marts.ground_truth["controls"].get("slow_but_active_deals", []))
        slr = sorted(deal_scores.filter(pl.col("lead_id").is_in(list(slow)))["r"].to_list())
        print(
            f"stalled deals: {len(sr)}/{len(stalled)} scored, in top decile of "
            f"{deal_scores.height} open: "
            f"{sum(r <= deal_scores.height / 10 for r in sr)}/{len(stalled)}, ranks {sr}; the "
            f"slow-but-active controls rank {slr} (every stalled above every control: "
            f"{bool(sr and slr and max(sr) < min(slr))})"
        )
        stock = read_sql(wh, "select * from ml.stockout_predictions").with_columns(
            pl.col("stockout_probability").rank("ordinal", descending=True).alias("r"),
            pl.col("review_stockout_probability")
            .rank("ordinal", descending=True)
            .alias("r_review"),
        )
        planted_stock = {
            (r["product_id"], r["warehouse_id"]): r for r in truth["stockout_products"]
        }
        hits = stock.filter(
            pl.struct("product_id", "warehouse_id").map_elements(
                lambda s: (s["product_id"], s["warehouse_id"]) in planted_stock,
                return_dtype=pl.Boolean,
            )
        )
        errs = [
            abs(
                (
                    h["expected_stockout_date"]
                    - np.datetime64(
                        planted_stock[(h["product_id"], h["warehouse_id"])][
                            "estimated_stockout_date"
                        ]
                    ).astype(object)
                ).days
            )
            for h in hits.to_dicts()
            if h["expected_stockout_date"] is not None
        ]
        print(
            f"stock-outs within the lead time: in top decile of {stock.height}: "
            f"{sum(r <= stock.height / 10 for r in hits['r'].to_list())}/{len(planted_stock)}, "
            f"ranks {sorted(hits['r'].to_list())}; within lead time + review: ranks "
            f"{sorted(hits['r_review'].to_list())}; expected-date error days {sorted(errs)}"
        )
        forecast_section(summaries["forecasts"], runs, args.size, args.seed)
        flags = read_sql(wh, "select * from ml.anomalies")
        dup = flags.filter(pl.col("method") == "duplicate_rule")["record_id"].to_list()
        pairs = [set(d["expense_ids"]) for d in truth["duplicate_expenses"]]
        dup_recall = sum(bool(p & set(dup)) for p in pairs) / len(pairs) if pairs else float("nan")
        dup_precision = (
            sum(any(i in p for p in pairs) for i in dup) / len(dup) if dup else float("nan")
        )
        print(
            f"\nduplicate expenses: {len(dup)} flagged, {len(pairs)} planted pairs; "
            f"recall {dup_recall:.3f}, precision {dup_precision:.3f}"
        )
        planted_moves = {a["move_id"]: a["reason"] for a in truth["anomalous_entries"]}
        je = flags.filter(pl.col("kind") == "journal_entry")
        found = [m for m in planted_moves if m in set(je["record_id"].to_list())]
        print(
            f"anomalous journal entries: {je.height} flagged, {len(planted_moves)} planted; "
            f"recall {len(found) / max(len(planted_moves), 1):.3f}, "
            f"precision {len(found) / max(je.height, 1):.3f}; found kinds "
            f"{sorted(planted_moves[m] for m in found)}, missed "
            f"{sorted(planted_moves[m] for m in planted_moves if m not in found)}"
        )
        expense_flags = flags.filter(
            (pl.col("kind") == "expense") & (pl.col("method") == "isolation_forest")
        )
        print(
            f"unusual expenses (isolation forest, no planted truth): {expense_flags.height} flagged"
        )
        total = sum(timings.values())
        print(
            "\ntrain + score time: "
            + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
            + f"; total {total:.1f}s"
        )
    if args.unseen_seed and args.unseen_seed != args.seed:
        print("\n" + unseen_churn(args.size, args.unseen_seed, cache))
    if args.recorded:
        recorded_forecasts(cache)
    if args.public_jobs:
        print(
            "\nforecasts on public series the engine was never tuned on against AutoETS, "
            "AutoARIMA and seasonal naive (bench/forecast_public.py)"
        )
        forecast_public.report(forecast_public.run(args.public_jobs))


def recorded_forecasts(cache: Path) -> None:
    """Every model on the records of a real Odoo 19 (its demo data, all dated the day it
    was recorded): what the pipeline does with a company that has no history (no label
    exists there: no customer-month whose 90 days are over, no closed deal history)."""
    from tests.dbt.conftest import run_dbt
    from tests.dbt.raw_loader import load_tables, recorded_tables

    folder = cache / "recorded-odoo19"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warehouse.duckdb"
    if not path.exists():
        building = folder / "building.duckdb"
        building.unlink(missing_ok=True)
        wh = Warehouse.from_url(f"duckdb:///{building}")
        load_tables(wh, recorded_tables())
        with tempfile.TemporaryDirectory(prefix="coo-recorded-") as work:
            run = run_dbt(
                wh,
                [
                    "build",
                    "--exclude-resource-type",
                    "test",
                    "--exclude-resource-type",
                    "unit_test",
                ],
                Path(work),
            )
        if run.returncode != 0:
            print(f"\nrecorded real Odoo 19 data: dbt build failed: {run.output[-500:]}")
            return
        building.rename(path)
    with tempfile.TemporaryDirectory(prefix="coo-ml-bench-recorded-") as work:
        os.environ["COO_HOME"] = work
        copy = Path(work) / "warehouse.duckdb"
        shutil.copyfile(path, copy)
        wh = Warehouse.from_url(f"duckdb:///{copy}")
        with_series = read_sql(wh, forecasting.REVENUE_SQL)
        for run in (pipelines.run_churn, pipelines.run_deals, pipelines.run_stockout):
            s = run(wh)
            print(
                f"\nrecorded real Odoo 19 data, {s.model_name}: {s.status}"
                + (f" ({s.reason})" if s.reason else "")
                + f"; serving {s.serving_version or 'nothing'}, {s.rows} rows"
                + (
                    "; held-out "
                    + ", ".join(f"{k} {v:.4f}" for k, v in s.metrics.items() if "brier" in k)
                    if any("brier" in k for k in s.metrics)
                    else ""
                )
            )
        summary = pipelines.run_forecasts(wh)
        print(
            "\nforecasts on the recorded real Odoo 19 data (demo records, all created the day "
            f"of recording; {with_series.height} company-months of revenue): "
            f"{summary.rows} forecast rows; serving {summary.serving_version or 'nothing'}; "
            "states: "
            + (
                ", ".join(f"{k} {int(v)}" for k, v in summary.metrics.items() if "_state_" in k)
                or "no series"
            )
        )


if __name__ == "__main__":
    main()
