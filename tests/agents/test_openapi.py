"""The API's OpenAPI spec validates, and the API keeps to it: schemathesis generates requests
from the spec (a bounded number per operation) and checks every response against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from agents.api import API_PREFIX, RateLimiter, create_app
from agents.api_keys import create_key

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def api_schema(state, marts_warehouse, monkeypatch):
    """The app in-process (ASGI) over a fresh store and the small marts, no Odoo configured
    (runs are stored pending, nothing can execute)."""
    monkeypatch.setenv("COO_SEARCH_BACKEND", "lexical")
    _, token = create_key(state, "schemathesis", "admin", rate_per_minute=100_000)
    app = create_app(state, warehouse=marts_warehouse, limiter=RateLimiter())
    return schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app), token


def test_the_spec_is_valid_openapi_with_both_auth_schemes(api_schema) -> None:
    schema, _ = api_schema
    schema.validate()  # against the OpenAPI meta-schema; raises on an invalid spec
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.")
    assert {s["type"] for s in raw["components"]["securitySchemes"].values()} == {"http", "apiKey"}
    responses = raw["paths"][f"{API_PREFIX}/runs"]["post"]["responses"]
    assert {"201", "401", "403", "422", "429"} <= set(responses)


def test_every_operation_conforms_to_the_spec(api_schema) -> None:
    schema, token = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    checked: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case) -> None:
            # A schema-valid run request may still be refused by the write-back policy (an
            # unknown skill, instruction-like text...): 422 with the stored run and its
            # reason, by design, so "valid data is accepted" does not hold for POST /runs.
            excluded = (
                [positive_data_acceptance]
                if case.operation.label == f"POST {API_PREFIX}/runs"
                else []
            )
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded
            )

        conforms()
        checked.append(operation.label)
    assert f"POST {API_PREFIX}/runs" in checked


SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def test_the_spec_equals_the_reviewed_snapshot(tmp_path: Path, monkeypatch) -> None:
    """The OpenAPI document only changes on purpose: a change to a route, a schema or a
    dependency that alters it fails here until the snapshot is regenerated and reviewed:
    ``python -c 'import json; from agents.api import create_app;
    print(json.dumps(create_app().openapi(), indent=1, sort_keys=True))'
    > tests/agents/openapi.snapshot.json``"""
    monkeypatch.setenv("COO_HOME", str(tmp_path))
    assert create_app().openapi() == json.loads(SNAPSHOT.read_text())
