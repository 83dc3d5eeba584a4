"""Client-side pacing: the limiter alone, under threads, and as ManageApi uses it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.pacing import RateLimiter, shared_limiter
from pulumi_openpanel.api.settings import ApiSettings, RetryPolicy
from pulumi_openpanel.errors import RateLimitedError
from tests.support.retries import NO_RETRIES

from .fakes import CLIENT_ID, OTHER_UUID, FakeClock, FakeServer, make_api, project_json, respond

PROJECT = {"data": project_json()}


def assert_within_limit(times: list[float], limit: int, span: float) -> None:
    """No ``limit + 1`` acquisitions inside any interval shorter than ``span``."""
    ordered = sorted(times)
    for first, later in zip(ordered, ordered[limit:], strict=False):
        assert later - first >= span - 1e-9, (first, later)


def acquire(limiter: RateLimiter, clock: FakeClock) -> float:
    """Take a slot as ManageApi does (:meth:`RateLimiter.take`); the seconds of ``clock`` spent waiting."""
    started = clock.monotonic()
    limiter.take()
    return clock.monotonic() - started


# -- the limiter alone --------------------------------------------------------------------------------


def test_a_burst_takes_the_whole_budget_then_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 10.0, slack=0.2, clock=clock)
    start = clock.now
    times = []
    for _ in range(23):
        acquire(limiter, clock)
        times.append(clock.now)
    assert times[:5] == [start] * 5
    assert times[5] > start
    assert_within_limit(times, 5, 10.2)


def test_the_next_acquisition_waits_exactly_until_the_oldest_leaves_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, slack=0.2, clock=clock)
    start = clock.now
    assert acquire(limiter, clock) == 0
    clock.advance(1.0)
    assert acquire(limiter, clock) == 0
    clock.advance(1.0)
    assert acquire(limiter, clock) == 0
    waited = acquire(limiter, clock)
    assert waited == pytest.approx(8.2)
    assert clock.now == pytest.approx(start + 10.2)
    # The next one waits for the second oldest (sent at start + 1).
    assert acquire(limiter, clock) == pytest.approx(1.0)
    assert clock.now == pytest.approx(start + 11.2)


def test_acquisitions_spread_out_never_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, slack=0.0, clock=clock)
    for _ in range(10):
        assert acquire(limiter, clock) == 0
        clock.advance(5.0)
    assert clock.sleeps == []


@pytest.mark.parametrize("hold", [0.5, 4.0, 30.0])
def test_pause_holds_everyone_back(hold: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    start = clock.now
    limiter.pause(hold)
    acquire(limiter, clock)
    assert clock.now == pytest.approx(start + hold)
    acquire(limiter, clock)
    assert clock.now == pytest.approx(start + hold)


def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    start = clock.now
    limiter.pause(9.0)
    limiter.pause(2.0)
    acquire(limiter, clock)
    assert clock.now == pytest.approx(start + 9.0)


def test_observing_an_exhausted_budget_pauses_until_the_reset() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    start = clock.now
    limiter.observe(remaining=0, reset=7.0)
    acquire(limiter, clock)
    assert clock.now == pytest.approx(start + 7.0)


@pytest.mark.parametrize(("remaining", "reset"), [(1, 7.0), (19, 10.0), (None, 7.0), (0, None), (None, None)])
def test_observing_a_budget_left_or_unknown_does_not_pause(remaining: int | None, reset: float | None) -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    limiter.observe(remaining=remaining, reset=reset)
    assert acquire(limiter, clock) == 0
    assert clock.sleeps == []


@pytest.mark.parametrize(("limit", "window"), [(0, 10.0), (20, 0.0), (-1, 1.0)])
def test_limiter_refuses_nonsense(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(limit, window)


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.usefixtures("fast_thread_switching")
@pytest.mark.parametrize(("threads", "each", "limit"), [(8, 12, 5), (4, 25, 20), (16, 5, 3)])
def test_threads_never_exceed_the_limit_in_any_window(threads: int, each: int, limit: int) -> None:
    clock = FakeClock(yielding=True)
    limiter = RateLimiter(limit, 10.0, slack=0.2, clock=clock)
    times: list[float] = []
    times_lock = threading.Lock()
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                # take(), not acquire(): acquire() reads the clock once more after the grant, outside
                # the lock, when another thread's sleep may already have moved the fake time on. The
                # last reading take() makes is the one it granted the slot on, under its lock.
                limiter.take()
                granted_at = clock.last_read()
                with times_lock:
                    times.append(granted_at)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in pool)
    assert errors == []
    assert len(times) == threads * each
    assert_within_limit(times, limit, 10.2)
    assert times.count(min(times)) == limit


# -- shared limiters ----------------------------------------------------------------------------------


def test_shared_limiter_is_one_object_per_root_and_client_id() -> None:
    root = "https://pacing.test/api"
    one = shared_limiter(root, CLIENT_ID, 20, 10.0, None)
    assert shared_limiter(root, CLIENT_ID, 20, 10.0, None) is one
    assert shared_limiter(root, OTHER_UUID, 20, 10.0, None) is not one
    assert shared_limiter("https://other.test/api", CLIENT_ID, 20, 10.0, None) is not one


def test_manage_api_uses_the_shared_limiter_of_its_root_and_client_id(tmp_path: Path) -> None:
    from .fakes import credentials

    creds = credentials("https://pacing-shared.test")
    server = FakeServer(FakeClock(), respond(200, PROJECT))
    settings = ApiSettings(retry=NO_RETRIES, pacing_dir=tmp_path)
    first = ManageApi(creds, settings, transport=server.transport(), clock=server.clock)
    second = ManageApi(creds, settings, transport=server.transport(), clock=server.clock)
    limiter = shared_limiter("https://pacing-shared.test", CLIENT_ID, 20, 10.0, tmp_path)
    assert first._limiter is limiter
    assert second._limiter is limiter


# -- ManageApi and its limiter ------------------------------------------------------------------------


def test_manage_api_paces_its_requests() -> None:
    server = FakeServer(FakeClock(), respond(200, PROJECT))
    limiter = RateLimiter(20, 10.0, slack=0.2, clock=server.clock)
    api = make_api(server, limiter=limiter)
    for _ in range(45):
        api.get_project("probe-project")
    times = [seen.at for seen in server.requests]
    assert len(times) == 45
    assert_within_limit(times, 20, 10.2)
    assert times[20] - times[0] == pytest.approx(10.2)


def test_manage_api_without_rate_limit_sends_without_pacing() -> None:
    server = FakeServer(FakeClock(), respond(200, PROJECT))
    api = make_api(server, settings=ApiSettings(retry=NO_RETRIES, rate_limit=None), paced=False)
    for _ in range(45):
        api.get_project("probe-project")
    assert len(server.requests) == 45
    assert server.clock.sleeps == []
    assert {seen.at for seen in server.requests} == {server.clock.now}


def test_manage_api_feeds_an_exhausted_budget_to_the_limiter() -> None:
    exhausted = {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"}
    server = FakeServer(FakeClock(), respond(200, PROJECT, headers=exhausted), respond(200, PROJECT))
    api = make_api(server)
    api.get_project("probe-project")
    api.get_project("probe-project")
    first, second = server.requests
    assert second.at - first.at == pytest.approx(7.0)


def test_manage_api_ignores_a_budget_with_room_left() -> None:
    headers = {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "7"}
    server = FakeServer(FakeClock(), respond(200, PROJECT, headers=headers))
    api = make_api(server)
    api.get_project("probe-project")
    api.get_project("probe-project")
    assert server.clock.sleeps == []


def test_a_429_holds_back_every_user_of_the_limiter() -> None:
    too_many = respond(429, {"status": 429, "message": "rate limit"}, headers={"retry-after": "9"})
    server = FakeServer(FakeClock(), too_many, respond(200, PROJECT))
    limiter = RateLimiter(20, 10.0, clock=server.clock)
    failing = make_api(server, limiter=limiter)
    other = make_api(server, limiter=limiter)
    with pytest.raises(RateLimitedError):
        failing.get_project("probe-project")
    other.get_project("probe-project")
    first, second = server.requests
    assert second.at - first.at == pytest.approx(9.0)


def test_a_retried_429_waits_through_the_limiter() -> None:
    too_many = respond(429, {"status": 429, "message": "rate limit"}, headers={"retry-after": "4"})
    server = FakeServer(FakeClock(), too_many, respond(200, PROJECT))
    limiter = RateLimiter(20, 10.0, clock=server.clock)
    policy = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=0.1)
    api = make_api(server, limiter=limiter, settings=ApiSettings(retry=policy))
    api.get_project("probe-project")
    first, second = server.requests
    assert second.at - first.at >= 4.0
