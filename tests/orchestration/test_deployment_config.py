"""The deployment files cannot drift from the profile CI runs.

``docs/production/dagster.yaml`` is the instance the production-profile test starts the daemon
and webserver on (tests/orchestration/test_production_profile.py). docker-compose mounts that
very file; the Helm values restate it in the chart's own terms. Both are parsed here and every
instance setting is compared; the one intended difference is the run launcher (a Kubernetes
Job per run instead of a local process).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.ops import WRITES_WAREHOUSE_TAG

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[2] / "docs"
PROFILE = DOCS / "production" / "dagster.yaml"
COMPOSE = DOCS / "docker-compose.yml"
HELM = DOCS / "production" / "helm-values.yaml"
LOCATION = "orchestration.definitions"  # what the CI test and both files load


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def _env_names(node: Any) -> set[str]:
    """Every ``{env: NAME}`` the instance file reads."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(_env_names(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_env_names(v) for v in node)) if node else set()
    return set()


def helm_differences(profile: dict[str, Any], helm: dict[str, Any]) -> list[str]:
    """Each instance setting of the profile that the Helm values state differently."""
    out: list[str] = []

    def same(what: str, ours: Any, theirs: Any) -> None:
        if ours != theirs:
            out.append(f"{what}: dagster.yaml {ours!r} vs helm {theirs!r}")

    pg = profile["storage"]["postgres"]["postgres_db"]
    chart_pg = helm["postgresql"]
    same("instance storage on an external PostgreSQL", True, chart_pg["enabled"] is False)
    same("postgres scheme", pg.get("scheme", "postgresql"), chart_pg.get("postgresqlScheme"))
    daemon = helm["dagsterDaemon"]
    coordinator = daemon["runCoordinator"]
    same("run coordinator", profile["run_coordinator"]["class"], coordinator["type"])
    queued = coordinator["config"]["queuedRunCoordinator"]
    runs = profile["concurrency"]["runs"]
    same("max concurrent runs", runs["max_concurrent_runs"], queued.get("maxConcurrentRuns"))
    same("tag concurrency limits", runs["tag_concurrency_limits"], queued["tagConcurrencyLimits"])
    retries = profile["run_retries"]
    same(
        "run retries",
        (retries["enabled"], retries["max_retries"], retries["retry_on_asset_or_op_failure"]),
        (
            daemon["runRetries"]["enabled"],
            daemon["runRetries"].get("maxRetries"),
            daemon["runRetries"].get("retryOnAssetOrOpFailure"),
        ),
    )
    monitoring = profile["run_monitoring"]
    chart_monitoring = daemon["runMonitoring"]
    same(
        "run monitoring",
        (
            monitoring["enabled"],
            monitoring["start_timeout_seconds"],
            monitoring["max_resume_run_attempts"],
        ),
        (
            chart_monitoring["enabled"],
            chart_monitoring.get("startTimeoutSeconds"),
            chart_monitoring.get("maxResumeRunAttempts"),
        ),
    )
    same("telemetry", profile["telemetry"]["enabled"], helm["telemetry"]["enabled"])
    retention = profile["retention"]
    same(
        "schedule tick retention",
        retention["schedule"]["purge_after_days"],
        helm["retention"]["schedule"]["purgeAfterDays"],
    )
    same(
        "sensor tick retention",
        retention["sensor"]["purge_after_days"],
        helm["retention"]["sensor"]["purgeAfterDays"],
    )
    # the intended difference: local processes here, a Kubernetes Job per run there
    same("run launcher (local)", profile["run_launcher"]["class"], "DefaultRunLauncher")
    same("run launcher (Kubernetes)", "K8sRunLauncher", helm["runLauncher"]["type"])
    deployments = helm["dagster-user-deployments"]["deployments"]
    same("code location", [["-m", LOCATION]], [d["dagsterApiGrpcArgs"] for d in deployments])
    return out


def test_helm_values_state_the_ci_profile():
    assert helm_differences(_load(PROFILE), _load(HELM)) == []


def test_a_drifted_helm_value_is_caught():
    helm = _load(HELM)
    drifted = copy.deepcopy(helm)
    drifted["dagsterDaemon"]["runRetries"]["maxRetries"] = 5
    drifted["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"][
        "tagConcurrencyLimits"
    ][0]["limit"] = 2
    found = helm_differences(_load(PROFILE), drifted)
    assert [d.split(":")[0] for d in found] == ["tag concurrency limits", "run retries"]


def test_compose_runs_the_ci_profile():
    profile = _load(PROFILE)
    compose = _load(COMPOSE)
    services = compose["services"]
    for name, command in (
        ("dagster-webserver", ["dagster-webserver", "-m", LOCATION]),
        ("dagster-daemon", ["dagster-daemon", "run", "-m", LOCATION]),
    ):
        service = services[name]
        env = service["environment"]
        # the very file CI starts on is the instance of both processes
        assert (
            f"./production/dagster.yaml:{env['DAGSTER_HOME']}/dagster.yaml:ro" in service["volumes"]
        ), name
        assert [a for a in service["command"] if a not in ("-h", "0.0.0.0", "-p", "3000")] == (
            command
        )
        # every variable the instance file reads is set, and both stores are PostgreSQL
        assert _env_names(profile) <= set(env), sorted(_env_names(profile) - set(env))
        assert env["COO_WAREHOUSE_URL"].startswith("postgresql://")
        assert env["COO_STATE_URL"].startswith("postgresql://")
        assert env["DAGSTER_PG_HOST"] == "postgres" and "postgres" in services


def test_the_limit_is_the_tag_the_jobs_carry():
    """The warehouse-writer limit names the tag every scheduled job carries, in the
    production profile, the Helm values and the local profile alike."""
    limits = _load(PROFILE)["concurrency"]["runs"]["tag_concurrency_limits"]
    assert limits == [{"key": WRITES_WAREHOUSE_TAG, "limit": 1}]
    local = _load(DOCS.parent / "dagster.yaml")["concurrency"]["runs"]["tag_concurrency_limits"]
    assert local == limits


def test_every_asset_check_name_fits_the_postgresql_instance():
    """Dagster indexes asset check executions by (asset key, check name, ...) in a btree, and
    PostgreSQL refuses an index row over 2704 bytes: a dbt test named after its 600 accepted
    time zones (9.7 kB) made every run launch fail on the production instance, never on the
    local SQLite one."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assert len(graph.asset_check_keys) > 100
    too_long = [k.name[:80] for k in graph.asset_check_keys if len(k.name.encode()) > 1000]
    assert not too_long, too_long
