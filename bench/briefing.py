"""Time to evaluate the alerts and build every briefing of the medium company, and tokens.

    .venv/bin/python bench/briefing.py [--size medium] [--cache /work/cache]

Prints: alert evaluation time and counts; the time to build all briefings (every company x
role) on the template path (target < 5 s); per briefing, the estimated tokens (facts +
text, ~4 characters a token); then the same run through the real ``anthropic`` client
against the local fake transport of the tests, with the request size in estimated tokens
and the usage the fake reports (the shape of a real response: input, output, cache write).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.lifecycle import run_alerts
from alerts.sources import MartReader
from briefings.compose import run_briefings
from briefings.llm import LLMSettings, estimate_tokens
from odoo_api.warehouse import Warehouse
from opstore.db import StateStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", default=os.environ.get("COO_MARTS_CACHE", ".coo/bench-marts"))
    parser.add_argument(
        "--ml",
        action="store_true",
        help="train and score every model first (on a copy), as the main job does, so the "
        "grading includes what the scores add (a churn or stock-out probability alone)",
    )
    args = parser.parse_args()

    from tests.marts_fixture import shared_marts

    t0 = time.perf_counter()
    marts = shared_marts(args.size, args.seed, Path(args.cache))
    print(
        f"marts of the {args.size} company ready in {time.perf_counter() - t0:.1f} s ({marts.path})"
    )

    with tempfile.TemporaryDirectory(prefix="coo-bench-briefing-") as tmp:
        os.environ["COO_HOME"] = tmp
        os.environ.pop("ANTHROPIC_API_KEY", None)
        state = StateStore(url=f"sqlite:///{tmp}/state.db")
        path = marts.path
        if args.ml:
            from ml import pipelines

            path = marts.copy_to(Path(tmp) / "wh")
            wh = Warehouse.from_url(f"duckdb:///{path}")
            t = time.perf_counter()
            for run in (pipelines.run_churn, pipelines.run_deals, pipelines.run_stockout,
                        pipelines.run_anomalies, pipelines.run_forecasts):  # fmt: skip
                summary = run(wh)
                print(f"ml: {summary.model_name} serving {summary.serving_version}")
            print(f"ml: every model trained and scored in {time.perf_counter() - t:.1f} s")
        with MartReader(Warehouse.from_url(f"duckdb:///{path}")) as reader:
            t = time.perf_counter()
            res = run_alerts(state, reader)
            t_alerts = time.perf_counter() - t
            print(f"alerts: {res.raised} raised in {t_alerts:.2f} s "
                  f"(skipped, no source: {', '.join(res.skipped_rules) or 'none'})")  # fmt: skip

            from alerts.evaluation import evaluate
            from alerts.rules import load_rules
            from tests.briefings.grading import predicted_and_expected, score

            predicted, expected = predicted_and_expected(
                evaluate(reader, load_rules()).candidates, marts.ground_truth
            )
            print(f"\n{'family':<18} {'precision':>9} {'recall':>6} {'alerts':>6} {'truth':>5}")
            for family in expected:
                p, r = score(predicted[family], expected[family])
                print(f"{family:<18} {p:>9.2f} {r:>6.2f} {len(predicted[family]):>6} "
                      f"{len(expected[family]):>5}")  # fmt: skip

            # how far apart the churn rule's measure puts planted churners and the others
            planted = {(s["company_id"], s["partner_id"])
                       for s in marts.ground_truth["scenarios"]["churned_customers"]}  # fmt: skip
            gaps = [(float(r["gaps_since_last_order"]), (r["company_id"], r["partner_id"]) in planted)
                    for r in reader.rows("select company_id, partner_id, gaps_since_last_order "
                                         "from customers.dim_customers where orders_to_date >= 8 "
                                         "and gaps_since_last_order is not null")]  # fmt: skip
            if planted:
                print(f"churn: silence in usual gaps, planted churners at least "
                      f"{min(g for g, p in gaps if p):.2f}; other customers with 8+ orders at "
                      f"most {max(g for g, p in gaps if not p):.2f}")  # fmt: skip

            t = time.perf_counter()
            made = run_briefings(state, reader, use_llm=False)
            t_template = time.perf_counter() - t
            print(f"\nTEMPLATE PATH: {len(made)} briefings in {t_template:.2f} s "
                  f"({t_template / len(made) * 1000:.0f} ms each; target < 5 s in all)")  # fmt: skip
            print(f"{'company':>7} {'role':<11} {'alerts':>6} {'proposals':>9} {'est. tokens':>11}")
            for b in made:
                print(f"{b['company_id']:>7} {b['role']:<11} {b['facts']['alert_counts']['total']:>6} "
                      f"{len(b['proposals']):>9} {b['estimated_tokens']:>11}")  # fmt: skip

            from tests.briefings import fake_anthropic as fa

            def sized(body: dict) -> Any:
                """A tool-use answer whose usage is the request's size (~4 chars a token):
                the stable parts as a cache write, the facts as input."""
                import json

                import httpx2

                stable = estimate_tokens(json.dumps([body["system"], body["tools"],
                                                     body["messages"][0]["content"][0]]))  # fmt: skip
                facts = estimate_tokens(body["messages"][0]["content"][-1]["text"])
                answer = fa.good_briefing(body, pick=2)
                usage = {"input_tokens": facts, "output_tokens": estimate_tokens(json.dumps(answer)),
                         "cache_creation_input_tokens": stable, "cache_read_input_tokens": 0}  # fmt: skip
                return httpx2.Response(200, json=fa.message(answer, usage=usage))

            fake = fa.FakeAnthropic([sized])
            t = time.perf_counter()
            llm = run_briefings(state, reader, llm_client=fake.client(), submit_proposals=False)
            t_llm = time.perf_counter() - t
            print(f"\nLLM PATH (real anthropic client, local fake transport): {len(llm)} briefings "
                  f"in {t_llm:.2f} s, {sum(1 for b in llm if b['kind'] == 'llm')} written by the 'model'")  # fmt: skip
            print("usage as the fake reports it: the request's own size at ~4 characters a token")
            print(f"{'company':>7} {'role':<11} {'model':<20} {'input':>6} {'cache write':>11} "
                  f"{'output':>6} {'cost USD':>9}")  # fmt: skip
            for b in llm:
                u = b["usage"]
                print(f"{b['company_id']:>7} {b['role']:<11} {LLMSettings.from_env(b['role']).model:<20} "
                      f"{u.get('input_tokens', 0):>6} {u.get('cache_write_tokens', 0):>11} "
                      f"{u.get('output_tokens', 0):>6} {b['cost_usd']:>9.4f}")  # fmt: skip
            print(
                f"total cost of one day's briefings: {sum(b['cost_usd'] for b in llm):.4f} USD "
                "(cache writes priced at 1.25x input; later calls of the day would read the cache)"
            )
        state.dispose()


if __name__ == "__main__":
    main()
