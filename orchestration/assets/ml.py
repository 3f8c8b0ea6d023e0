"""ML layer: scores and forecasts as Dagster assets in group ``ml``, one asset check per model.

The assets are thin: each calls one function of :mod:`ml.pipelines`, which trains a
candidate, records it in ``ml.model_runs`` against its baseline and scores with the version
that serves. The check of a model fails (severity ERROR) when its newest candidate fell
below the baseline on the validation data; the scores keep coming from the last version
that passed, so a bad retrain never reaches the alerts. Checks are not blocking for that
reason: downstream assets should keep running on the good version's scores.

(No ``from __future__ import annotations``: Dagster resolves resource annotations.)
"""

from collections.abc import Callable

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
    asset_check,
)

from ml import pipelines
from ml.lifecycle import (
    STATUS_FAILED,
    STATUS_INSUFFICIENT,
    STATUS_TRAINED,
    Comparison,
    latest_run,
    model_states,
    record_state,
)
from orchestration.lineage import asset_deps
from orchestration.resources import WarehouseResource

ML_GROUP = "ml"


def _metadata(summary: pipelines.RunSummary) -> dict[str, object]:
    meta: dict[str, object] = {
        "status": summary.status,
        "reason": summary.reason or "",
        "candidate_version": summary.candidate_version,
        "candidate_passed": summary.candidate_passed,
        "serving_version": summary.serving_version or "none",
        "rows": summary.rows,
    }
    meta.update({k: round(v, 4) for k, v in summary.metrics.items()})
    return meta


def _ml_asset(
    name: str,
    model_name: str,
    deps: list[list[str]],
    run: Callable[..., pipelines.RunSummary],
    description: str,
) -> AssetsDefinition:
    @asset(
        name=name,
        key_prefix=["ml"],
        group_name=ML_GROUP,
        deps=[AssetKey(d) for d in deps],
        description=description,
        compute_kind="scikit-learn",
    )
    def _asset(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        wh = warehouse.warehouse()
        try:
            summary = run(wh)
        except Exception as exc:
            # One broken model never takes the briefing down: the failure is recorded (the
            # model's check turns red, the briefing names it) and the scores of the last good
            # run stay where they are, so alerts and briefings still run on what exists.
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            context.log.exception("%s failed: %s", model_name, reason)
            record_state(wh, model_name, STATUS_FAILED, reason)
            return MaterializeResult(metadata={"status": STATUS_FAILED, "reason": reason})
        if summary.status != STATUS_TRAINED:
            context.log.warning(
                "%s: %s: %s; serving %s",
                model_name,
                summary.status,
                summary.reason,
                summary.serving_version or "nothing",
            )
            return MaterializeResult(metadata=_metadata(summary))  # type: ignore[arg-type]
        context.log.info(
            "%s: candidate %s %s; serving %s; %s rows",
            model_name,
            summary.candidate_version,
            "passed" if summary.candidate_passed else "FELL BELOW ITS BASELINE",
            summary.serving_version,
            summary.rows,
        )
        return MaterializeResult(metadata=_metadata(summary))  # type: ignore[arg-type]

    return _asset


def _beats_baseline_check(asset_key: AssetKey, model_name: str):  # type: ignore[no-untyped-def]
    @asset_check(
        asset=asset_key,
        name=f"{model_name}_beats_baseline",
        description=f"The newest {model_name} model beat its baseline on held-out data.",
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        wh = warehouse.warehouse()
        state = model_states(wh).get(model_name)
        if state is not None and state.status == STATUS_FAILED:
            # red: a real error, which people must look at
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"status": state.status, "reason": state.reason or ""},
            )
        if state is not None and state.status == STATUS_INSUFFICIENT:
            # yellow: too little data is a state of the company, not a fault of the model
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.WARN,
                metadata={"status": state.status, "reason": state.reason or ""},
            )
        run = latest_run(wh, model_name)
        if run.is_empty():
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"reason": f"no {model_name} run recorded in ml.model_runs"},
            )
        rows = run.to_dicts()
        passed = bool(all(r["passed"] for r in rows))
        versions = {r["model_name"]: r["model_version"] for r in rows}
        metadata: dict[str, object] = {
            "model_version": rows[0]["model_version"]
            if len(versions) == 1
            else ", ".join(f"{k}: {v}" for k, v in versions.items())
        }
        for r in rows:
            # with a noise margin: the difference, its 95% interval and the test's p-value
            metadata[f"{r['metric_name']} vs {r['baseline_name']}"] = Comparison.from_row(
                r
            ).describe()
        return AssetCheckResult(
            passed=passed,
            severity=AssetCheckSeverity.ERROR,
            metadata=metadata,  # type: ignore[arg-type]
        )

    return _check


MODELS = [
    (
        "churn_scores",
        "churn",
        asset_deps(("ml", "churn_scores")),
        pipelines.run_churn,
        "Churn probability of every active customer with its top reasons (ml.churn_scores).",
    ),
    (
        "deal_scores",
        "deals",
        asset_deps(("ml", "deal_scores")),
        pipelines.run_deals,
        "Win and stall probability of every open lead and opportunity (ml.deal_scores).",
    ),
    (
        "stockout_predictions",
        "stockout",
        asset_deps(("ml", "stockout_predictions")),
        pipelines.run_stockout,
        "Stock-out probability and expected date per product and warehouse (ml.stockout_predictions).",
    ),
    (
        "anomalies",
        "anomalies",
        asset_deps(("ml", "anomalies")),
        pipelines.run_anomalies,
        "Unusual journal entries and expenses and exact duplicate expenses, each with its reason (ml.anomalies).",
    ),
    (
        "forecasts",
        "forecasts",
        asset_deps(("ml", "forecasts")),
        pipelines.run_forecasts,
        "Next-quarter revenue, weekly net cash and top-product demand with 80% intervals (ml.forecasts).",
    ),
]

ml_assets = [_ml_asset(*spec) for spec in MODELS]
ml_checks = [
    _beats_baseline_check(AssetKey(["ml", name]), model_name) for name, model_name, *_ in MODELS
]
