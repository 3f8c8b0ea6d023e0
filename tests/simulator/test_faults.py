"""Fault injection: deterministic, at the configured rate, before the store (no side effect),
and each kind looks on the wire like what a proxy or a network really does."""

from __future__ import annotations

import time
import xmlrpc.client
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from simulator.faults import FAULT_KINDS, FaultConfig, FaultInjector, fault_response
from simulator.server import SimulatorServer
from tests.simulator.test_server import ADMIN_KEY, FakeStore


def run(
    injector: FaultInjector, n: int, path: str = "/json/2/res.partner/search_read"
) -> list[str | None]:
    return [injector.decide(path) for _ in range(n)]


@pytest.mark.unit
def test_same_seed_same_faults_other_seed_other_faults() -> None:
    config = FaultConfig(rate=0.3, seed=11)
    first = run(FaultInjector(config), 500)
    assert first == run(FaultInjector(config), 500)
    assert first != run(FaultInjector(FaultConfig(rate=0.3, seed=12)), 500)


@pytest.mark.unit
def test_rate_is_honoured_and_kinds_are_all_drawn() -> None:
    injector = FaultInjector(FaultConfig(rate=0.2, seed=5))
    outcomes = run(injector, 5000)
    faults = [o for o in outcomes if o is not None]
    assert 0.17 < len(faults) / 5000 < 0.23
    assert set(faults) == set(FAULT_KINDS)
    assert injector.counts() == dict(Counter(faults))


@pytest.mark.unit
def test_zero_rate_never_fails_and_full_rate_always_fails() -> None:
    assert run(FaultInjector(FaultConfig(rate=0.0)), 200) == [None] * 200
    assert None not in run(FaultInjector(FaultConfig(rate=1.0, kinds=("503",))), 200)


@pytest.mark.unit
def test_only_paths_limits_eligible_requests() -> None:
    injector = FaultInjector(FaultConfig(rate=1.0, kinds=("429",), only_paths=r"^/json/2/"))
    assert injector.decide("/jsonrpc") is None
    assert injector.decide("/web/version") is None
    assert injector.decide("/json/2/res.partner/read") == "429"
    assert injector.eligible_seen == 1


@pytest.mark.unit
def test_fail_next_overrides_the_rate() -> None:
    injector = FaultInjector(FaultConfig(rate=0.0))
    injector.fail_next(2, "reset")
    assert run(injector, 4) == ["reset", "reset", None, None]
    assert injector.counts() == {"reset": 2}
    with pytest.raises(ValueError, match="unknown fault kind"):
        injector.fail_next(1, "418")


@pytest.mark.unit
@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": 1.5},
        {"rate": -0.1},
        {"kinds": ("500",)},
        {"rate": 0.5, "kinds": ()},
        {"timeout_s": -1},
        {"only_paths": "("},
    ],
)
def test_invalid_configs_are_rejected(kwargs: dict) -> None:
    with pytest.raises((ValueError, Exception)):
        FaultConfig(**kwargs)


@pytest.mark.unit
def test_proxy_bodies_and_retry_after() -> None:
    response = fault_response("429", retry_after=0.25)
    assert response.status == 429
    assert ("Retry-After", "0.25") in response.headers
    assert fault_response("429", retry_after=1).headers[-1] == ("Retry-After", "1")
    for kind in ("502", "503", "504"):
        r = fault_response(kind)
        assert r.status == int(kind)
        assert b"<html>" in r.body and kind.encode() in r.body
        assert all(name != "Retry-After" for name, _ in r.headers)


# ----------------------------------------------------------------------------- over HTTP


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def served(store: FakeStore, **config: object) -> SimulatorServer:
    return SimulatorServer(store, faults=FaultConfig(**config)).start()  # type: ignore[arg-type]


@pytest.fixture
def server(store: FakeStore) -> Iterator[SimulatorServer]:
    srv = served(store, retry_after=0)
    try:
        yield srv
    finally:
        srv.stop()


def create(http: httpx.Client, name: str) -> httpx.Response:
    return http.post(
        "/json/2/res.partner/create",
        json={"vals_list": [{"name": name}]},
        headers={"Authorization": f"bearer {ADMIN_KEY}"},
    )


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["503", "502", "504", "429"])
def test_http_faults_have_no_side_effect(
    server: SimulatorServer, store: FakeStore, kind: str
) -> None:
    before = dict(store.rows["res.partner"])
    server.fail_next(1, kind)
    with httpx.Client(base_url=server.url, timeout=5) as http:
        response = create(http, "Should not exist")
        assert response.status_code == int(kind)
        assert response.headers["content-type"].startswith("text/html")
        if kind == "429":
            assert response.headers["retry-after"] == "0"
        else:
            assert "retry-after" not in response.headers
        assert store.rows["res.partner"] == before
        assert store.calls == []
        # the same connection then serves the retry normally
        retry = create(http, "Exists once")
        assert retry.status_code == 200
    assert [r["name"] for r in store.rows["res.partner"].values()].count("Exists once") == 1
    assert [r["name"] for r in store.rows["res.partner"].values()].count("Should not exist") == 0
    assert server.faults_injected == {kind: 1}
    assert server.requests_served == 2


@pytest.mark.integration
def test_default_retry_after_is_one_second(store: FakeStore) -> None:
    srv = served(store)
    try:
        srv.fail_next(1, "429")
        response = httpx.get(srv.url + "/web/version")
        assert response.status_code == 429 and response.headers["retry-after"] == "1"
    finally:
        srv.stop()


@pytest.mark.integration
def test_reset_closes_without_answer(server: SimulatorServer, store: FakeStore) -> None:
    server.fail_next(1, "reset")
    with httpx.Client(base_url=server.url, timeout=5) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            create(http, "Never")
        assert create(http, "After reset").status_code == 200
    assert all(r["name"] != "Never" for r in store.rows["res.partner"].values())
    assert server.faults_injected == {"reset": 1}


@pytest.mark.integration
def test_reset_over_xmlrpc(server: SimulatorServer, store: FakeStore) -> None:
    proxy = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object")
    # xmlrpc.client resends once by itself after a reset: one reset is invisible to it...
    server.fail_next(1, "reset")
    assert proxy.execute_kw(store.db, 2, "admin", "res.partner", "search_count", [[]]) == 5
    assert server.faults_injected == {"reset": 1}
    # ...two in a row are not
    server.fail_next(2, "reset")
    with pytest.raises((ConnectionError, xmlrpc.client.ProtocolError, OSError)):
        proxy.execute_kw(store.db, 2, "admin", "res.partner", "search_count", [[]])
    assert server.faults_injected == {"reset": 3}
    assert proxy.execute_kw(store.db, 2, "admin", "res.partner", "search_count", [[]]) == 5


@pytest.mark.integration
def test_timeout_stalls_then_closes(store: FakeStore) -> None:
    srv = served(store, timeout_s=0.6)
    try:
        srv.fail_next(1, "timeout")
        started = time.monotonic()
        with httpx.Client(base_url=srv.url, timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
            create(http, "Never")
        assert time.monotonic() - started < 0.5
        # without a client timeout, the server closes after timeout_s with no answer
        srv.fail_next(1, "timeout")
        started = time.monotonic()
        with (
            httpx.Client(base_url=srv.url, timeout=5) as http,
            pytest.raises(httpx.RemoteProtocolError),
        ):
            create(http, "Never either")
        assert 0.5 <= time.monotonic() - started < 3
        assert all(not r["name"].startswith("Never") for r in store.rows["res.partner"].values())
        assert srv.faults_injected == {"timeout": 2}
    finally:
        srv.stop()


@pytest.mark.integration
def test_stop_does_not_wait_for_a_stalled_timeout(store: FakeStore) -> None:
    srv = served(store, timeout_s=30)
    srv.fail_next(1, "timeout")
    with httpx.Client(base_url=srv.url, timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
        http.get("/web/version")
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 3


@pytest.mark.integration
def test_rate_over_http_is_deterministic(store: FakeStore) -> None:
    def statuses(seed: int) -> list[int]:
        srv = served(store, rate=0.25, kinds=("503", "429", "502", "504"), seed=seed, retry_after=0)
        try:
            with httpx.Client(base_url=srv.url, timeout=5) as http:
                out = [http.get("/web/version").status_code for _ in range(200)]
            assert sum(srv.faults_injected.values()) == sum(1 for s in out if s != 200)
            return out
        finally:
            srv.stop()

    first = statuses(7)
    assert first == statuses(7)
    failed = sum(1 for s in first if s != 200)
    assert 25 <= failed <= 75  # 25% of 200, generous tolerance
    assert set(first) <= {200, 429, 502, 503, 504}
