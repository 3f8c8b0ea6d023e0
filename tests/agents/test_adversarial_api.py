"""The agent-surface holes of the adversarial audit (issue 15) as regression tests, over real
HTTP (uvicorn on loopback): NaN in JSON, 50 parallel identical proposals on SQLite and on
PostgreSQL, failed authentication rate-limited, a token in the query string never logged."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from agents.api import FailedAuthLimiter, create_app
from agents.api_keys import create_key
from opstore import StateStore
from tests.agents.conftest import api_over, serve_app
from writeback.service import approve, list_proposals

pytestmark = pytest.mark.integration

CUSTOMER = 84  # a customer of company 1 of the small company


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- finding 1: NaN over the API -----------------------------------------------------------------

RFQ = '{"skill":"create_draft_rfq","company_id":1,"model":"product.product","record_id":31,"params":{"partner_id":14,"quantity":100000,"price_unit":%s}}'


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_get_a_one_line_400(state: StateStore, number: str) -> None:
    _, token = create_key(state, "agent", "agent")
    with serve_app(create_app(state)) as url:
        got = httpx.post(f"{url}/api/v1/runs", content=RFQ % number, timeout=30,
                         headers={**_headers(token), "Content-Type": "application/json"})  # fmt: skip
    assert got.status_code == 400, got.text
    assert got.json() == {"detail": f"{number} is not a JSON number: send finite numbers only"}
    assert list_proposals(state) == []  # nothing stored, nothing executed


# -- finding 2: 50 parallel identical proposals ---------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def any_state(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[StateStore]:
    if request.param == "sqlite":
        store = StateStore(url=f"sqlite:///{tmp_path / 'state.db'}")
    else:
        pg = request.getfixturevalue("postgres_warehouse")
        store = StateStore(url=pg.url)
    yield store
    store.dispose()


def test_50_parallel_identical_proposals_execute_once(
    any_state: StateStore, small_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COO_APPROVERS", "alice=coo")
    _, agent = create_key(any_state, "agent", "agent", rate_per_minute=1000)
    _, operator = create_key(any_state, "ops", "operator")
    body = {
        "skill": "post_internal_note",
        "company_id": 1,
        "model": "res.partner",
        "record_id": CUSTOMER,
        "params": {"body": "Orders stopped in July; a win-back call is planned."},
        "reasoning": "No order since July.",
    }
    with (
        api_over(any_state, small_store) as api,
        httpx.Client(base_url=api.url, timeout=120) as http,
    ):

        def post(_: int) -> httpx.Response:
            return http.post("/api/v1/runs", json=body, headers=_headers(agent))

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(post, range(50)))
        codes = Counter(a.status_code for a in answers)
        assert codes == {201: 1, 422: 49}, codes
        (kept,) = [a.json() for a in answers if a.status_code == 201]
        assert kept["status"] == "pending"  # agent-written text waits for a person
        refusals = {a.json()["reason"].split(" (")[0] for a in answers if a.status_code == 422}
        assert all("already does 'post_internal_note'" in r for r in refusals), refusals
        (decision,) = approve(any_state, kept["id"], "alice", "coo")
        assert decision.ok, decision.reason
        with ThreadPoolExecutor(5) as pool:  # and executing it from five clients at once
            runs = list(pool.map(lambda _: http.post(f"/api/v1/runs/{kept['id']}/execute",
                                                     headers=_headers(operator)), range(5)))  # fmt: skip
        assert {r.status_code for r in runs} <= {200, 409}
        statuses = Counter(p["status"] for p in list_proposals(any_state))
        assert statuses == {"executed": 1, "rejected": 49}, statuses
        posts = [c for c in api.odoo_server.write_calls if c.method == "message_post"]
        assert len(posts) == 1
    from writeback.store import verify_audit_chain

    with any_state.begin() as conn:
        assert verify_audit_chain(conn) == []


# -- finding 8: failed authentication, tokens in logs -----------------------------------------------


def test_failed_authentication_is_rate_limited(state: StateStore) -> None:
    _, good = create_key(state, "agent", "agent")
    app = create_app(state, failed_auth=FailedAuthLimiter(limit=10, window_s=60))
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        wrong = [http.get("/api/v1/skills", headers=_headers(f"{good[:-4]}abcd")).status_code
                 for _ in range(15)]  # fmt: skip
        blocked = http.get("/api/v1/skills", headers=_headers(good))
    assert wrong[:10] == [401] * 10 and wrong[10:] == [429] * 5
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= 60


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_token_in_the_query_string_never_reaches_the_access_log(state: StateStore) -> None:
    _, token = create_key(state, "agent", "agent")
    capture = _Capture()
    access = logging.getLogger("uvicorn.access")
    with serve_app(create_app(state), log_level="info") as url:
        access.addHandler(capture)
        try:
            got = httpx.get(f"{url}/api/v1/skills?api_key={token}&token={token}", timeout=30)
        finally:
            access.removeHandler(capture)
    assert got.status_code == 401  # a key is only taken from the headers
    assert capture.lines and "/api/v1/skills" in capture.lines[-1]
    assert not [line for line in capture.lines if token in line or token.split(".")[-1] in line]
    assert "api_key=***" in capture.lines[-1]
