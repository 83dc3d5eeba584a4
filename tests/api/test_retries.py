"""When ManageApi repeats a request, how often, and how long it waits in between."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate, ProjectUpdate
from pulumi_openpanel.api.settings import ApiSettings, RetryPolicy
from pulumi_openpanel.errors import (
    ApiError,
    RateLimitedError,
    ServerError,
    TransportError,
)

from .fakes import FakeClock, FakeServer, Reply, fail, make_api, project_json, respond

PROJECT = {"data": project_json()}
CREATED = {"data": {**project_json(), "client": {"id": "c", "secret": "sec_fedcba9876543210fedc"}}}

Call = Callable[[ManageApi], object]
CALLS: dict[str, tuple[Call, dict[str, Any]]] = {
    "GET": (lambda api: api.get_project("probe-project"), PROJECT),
    "POST": (lambda api: api.create_project(ProjectCreate(name="Probe Project")), CREATED),
    "PATCH": (lambda api: api.update_project("probe-project", ProjectUpdate(name="x")), PROJECT),
    "DELETE": (lambda api: api.delete_project("probe-project"), {"success": True}),
}
IDEMPOTENT = ["GET", "PATCH", "DELETE"]


def retrying(
    *replies: Reply,
    policy: RetryPolicy | None = None,
    rand: Callable[[], float] = lambda: 0.5,
    rate_limit: bool = True,
) -> tuple[ManageApi, FakeServer]:
    server = FakeServer(FakeClock(), *replies)
    policy = policy or RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0, max_elapsed=90.0)
    settings = ApiSettings(retry=policy, rate_limit=(20, 10.0) if rate_limit else None)
    return make_api(server, settings=settings, rand=rand, paced=rate_limit), server


def too_many(retry_after: str | None) -> Reply:
    headers = {"retry-after": retry_after} if retry_after is not None else None
    return respond(429, {"status": 429, "error": "Too Many Requests", "message": "rate limit"}, headers=headers)


# -- 429 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(CALLS))
def test_429_is_retried_for_every_method_after_retry_after(method: str) -> None:
    call, answer = CALLS[method]
    api, server = retrying(too_many("6"), respond(200, answer))
    call(api)
    assert [seen.method for seen in server.requests] == [method, method]
    assert server.requests[1].at - server.requests[0].at >= 6
    assert sum(server.clock.sleeps) >= 6


@pytest.mark.parametrize("paced", [True, False])
def test_429_retry_after_is_honoured_with_or_without_pacing(paced: bool) -> None:
    api, server = retrying(too_many("3"), too_many("5"), respond(200, PROJECT), rate_limit=paced)
    api.get_project("probe-project")
    first, second, third = (seen.at for seen in server.requests)
    assert second - first >= 3
    assert third - second >= 5


def test_429_without_retry_after_backs_off() -> None:
    api, server = retrying(too_many(None), respond(200, PROJECT), rand=lambda: 0.0)
    api.get_project("probe-project")
    assert len(server.requests) == 2
    assert server.requests[1].at - server.requests[0].at >= 0.25


def test_429_asking_for_more_than_the_rate_limit_wait_is_raised_at_once() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=8.0, max_elapsed=1000.0, rate_limit_wait=30.0)
    api, server = retrying(too_many("60"), respond(200, PROJECT), policy=policy)
    with pytest.raises(RateLimitedError) as caught:
        api.get_project("probe-project")
    assert caught.value.retry_after == 60
    assert len(server.requests) == 1
    assert server.clock.sleeps == []
    assert "rate-limit wait of 30 s (openpanel:rateLimitWait or OPENPANEL_RATE_LIMIT_WAIT)" in str(caught.value)


# A 429 proves the request was not processed: it is budgeted by time, never by attempts.
TIME_ONLY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=8.0, max_elapsed=20.0, rate_limit_wait=300.0)


@pytest.mark.parametrize("method", sorted(CALLS))
def test_a_long_run_of_429s_ends_in_success(method: str) -> None:
    call, answer = CALLS[method]
    refusals = 4 * TIME_ONLY.max_attempts
    api, server = retrying(*[too_many("5")] * refusals, respond(200, answer), policy=TIME_ONLY)
    call(api)
    assert [seen.method for seen in server.requests] == [method] * (refusals + 1)
    gaps = [later.at - earlier.at for earlier, later in zip(server.requests, server.requests[1:], strict=False)]
    assert all(gap >= 5 for gap in gaps)
    # Well past max_elapsed too: that budget is the failures', and the rate limit's waits do not count in it.
    assert server.requests[-1].at - server.requests[0].at > TIME_ONLY.max_elapsed


@pytest.mark.parametrize("retry_after", ["10", None])
def test_429s_beyond_the_rate_limit_wait_end_in_an_error_naming_the_time(retry_after: str | None) -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=8.0, max_elapsed=20.0, rate_limit_wait=120.0)
    api, server = retrying(too_many(retry_after), policy=policy, rand=lambda: 0.0)
    with pytest.raises(RateLimitedError) as caught:
        api.get_project("probe-project")
    attempts = len(server.requests)
    assert attempts > policy.max_attempts
    tried = server.clock.monotonic() - server.requests[0].at
    assert tried <= policy.rate_limit_wait
    assert tried > policy.rate_limit_wait - 8.0 - 10.0  # it stopped only when the next wait did not fit
    message = str(caught.value)
    assert f"gave up after {attempts} attempts over {tried:.0f} s" in message, message
    assert f"refused for rate limit {attempts} times" in message
    assert "rate-limit wait of 120 s (openpanel:rateLimitWait or OPENPANEL_RATE_LIMIT_WAIT)" in message


def test_a_zero_rate_limit_wait_raises_the_first_429() -> None:
    policy = RetryPolicy(max_attempts=5, rate_limit_wait=0.0)
    api, server = retrying(too_many("1"), respond(200, PROJECT), policy=policy)
    with pytest.raises(RateLimitedError) as caught:
        api.get_project("probe-project")
    assert len(server.requests) == 1 and server.clock.sleeps == []
    assert "gave up" not in str(caught.value)


def test_server_errors_stay_bounded_by_attempts_among_429s() -> None:
    # 429, 503, 429, 503, ...: the 429s take nothing from the failures' budget, and give none to it either.
    api, server = retrying(*[too_many("2"), respond(503, text="down")] * 10, policy=TIME_ONLY)
    with pytest.raises(ServerError) as caught:
        api.get_project("probe-project")
    assert len(server.requests) == 2 * TIME_ONLY.max_attempts
    assert f"gave up after {2 * TIME_ONLY.max_attempts} attempts" in str(caught.value)


def test_waiting_out_the_rate_limit_leaves_the_failures_their_time() -> None:
    # 50 s behind a 429, then a 503: max_elapsed (20 s) still allows the 503 its retries.
    api, server = retrying(too_many("50"), respond(503, text="down"), respond(200, PROJECT), policy=TIME_ONLY)
    api.get_project("probe-project")
    assert len(server.requests) == 3
    assert server.requests[1].at - server.requests[0].at >= 50


@pytest.mark.parametrize("retry", [1, 2, 5])
def test_429_waits_are_the_servers_plus_a_jittered_backoff(retry: int) -> None:
    """Processes refused in one window are told the same retry-after; the random part of the backoff
    on top of it keeps them from all coming back at the same instant."""
    gaps: dict[float, float] = {}
    for rand in (0.0, 0.999999):
        api, server = retrying(*[too_many("7")] * retry, respond(200, PROJECT), policy=TIME_ONLY,
                               rand=functools.partial(float, rand), rate_limit=False)
        api.get_project("probe-project")
        gaps[rand] = server.requests[retry].at - server.requests[retry - 1].at
    d = ceiling(TIME_ONLY, retry)
    assert gaps[0.0] == pytest.approx(7 + d / 2)
    assert gaps[0.999999] == pytest.approx(7 + d, rel=1e-5)


def test_a_429_without_retry_after_waits_for_the_windows_reset() -> None:
    headers = {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "6"}
    refused = respond(429, {"status": 429, "message": "rate limit"}, headers=headers)
    api, server = retrying(refused, respond(200, PROJECT), policy=TIME_ONLY, rand=lambda: 0.0, rate_limit=False)
    api.get_project("probe-project")
    assert server.requests[1].at - server.requests[0].at == pytest.approx(6 + 0.25)


# -- 5xx and transport errors -------------------------------------------------------------------------


@pytest.mark.parametrize("method", IDEMPOTENT)
@pytest.mark.parametrize(
    "failure",
    [
        respond(500, text="Internal server error"),
        respond(502, text="Bad Gateway"),
        respond(503, {"message": "unavailable"}),
        fail(httpx.ReadTimeout),
        fail(httpx.RemoteProtocolError),
        fail(httpx.ConnectError),
        fail(httpx.ConnectTimeout),
    ],
    ids=["500", "502", "503", "ReadTimeout", "RemoteProtocolError", "ConnectError", "ConnectTimeout"],
)
def test_idempotent_requests_are_retried_after_server_and_transport_errors(method: str, failure: Reply) -> None:
    call, answer = CALLS[method]
    api, server = retrying(failure, failure, respond(200, answer))
    call(api)
    assert [seen.method for seen in server.requests] == [method] * 3


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (respond(500, text="Internal server error"), ServerError),
        (respond(503, {"message": "unavailable"}), ServerError),
        (fail(httpx.ReadTimeout), TransportError),
        (fail(httpx.WriteTimeout), TransportError),
        (fail(httpx.RemoteProtocolError), TransportError),
        (fail(httpx.ReadError), TransportError),
    ],
    ids=["500", "503", "ReadTimeout", "WriteTimeout", "RemoteProtocolError", "ReadError"],
)
def test_post_is_not_retried_when_it_may_have_acted(failure: Reply, error_type: type[ApiError]) -> None:
    call, answer = CALLS["POST"]
    api, server = retrying(failure, respond(200, answer))
    with pytest.raises(error_type) as caught:
        call(api)
    assert len(server.requests) == 1
    if isinstance(caught.value, TransportError):
        assert caught.value.maybe_sent is True


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout])
def test_post_is_retried_when_the_connection_never_opened(exc_type: type[httpx.TransportError]) -> None:
    call, answer = CALLS["POST"]
    api, server = retrying(fail(exc_type), respond(200, answer))
    created = call(api)
    assert len(server.requests) == 2
    assert created is not None


@pytest.mark.parametrize("method", sorted(CALLS))
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(method: str, status: int) -> None:
    call, _ = CALLS[method]
    api, server = retrying(respond(status, {"status": status, "message": "no"}), respond(200, PROJECT))
    with pytest.raises(ApiError) as caught:
        call(api)
    assert caught.value.status == status
    assert len(server.requests) == 1
    assert server.clock.sleeps == []


# -- bounds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_attempts", [1, 2, 3, 6])
@pytest.mark.parametrize(
    "failure",
    [respond(500, text="Internal server error"), fail(httpx.ReadTimeout)],
    ids=["500", "ReadTimeout"],
)
def test_attempts_are_bounded(max_attempts: int, failure: Reply) -> None:
    policy = RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=8.0, max_elapsed=1000.0)
    api, server = retrying(failure, policy=policy)
    with pytest.raises(ApiError) as caught:
        api.get_project("probe-project")
    assert len(server.requests) == max_attempts
    assert len(server.clock.sleeps) >= max_attempts - 1
    # The last word says how long the retries went on (none: just the failure).
    tried = f"gave up after {max_attempts} attempts over {sum(server.clock.sleeps):.0f} s"
    assert (tried in str(caught.value)) == (max_attempts > 1), str(caught.value)


def test_the_time_budget_stops_retrying() -> None:
    # Every delay is exactly 0.5 s (rand 0 takes the lower bound d/2 with d capped at 1 s).
    policy = RetryPolicy(max_attempts=100, base_delay=1.0, max_delay=1.0, max_elapsed=2.2)
    api, server = retrying(respond(503, text="down"), policy=policy, rand=lambda: 0.0, rate_limit=False)
    with pytest.raises(ServerError):
        api.get_project("probe-project")
    waited = server.requests[-1].at - server.requests[0].at
    assert waited <= policy.max_elapsed
    assert waited + 0.5 > policy.max_elapsed
    assert len(server.requests) < policy.max_attempts


# -- backoff ------------------------------------------------------------------------------------------


def ceiling(policy: RetryPolicy, retry: int) -> float:
    return min(policy.max_delay, policy.base_delay * 2 ** (retry - 1))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_backoff_delays_lie_in_the_jitter_band_and_grow(seed: int) -> None:
    policy = RetryPolicy(max_attempts=9, base_delay=0.5, max_delay=8.0, max_elapsed=1000.0)
    source = random.Random(seed)
    drawn: list[float] = []

    def rand() -> float:
        value = source.random()
        drawn.append(value)
        return value

    api, server = retrying(respond(500, text="Internal server error"), policy=policy, rand=rand, rate_limit=False)
    with pytest.raises(ServerError):
        api.get_project("probe-project")
    assert len(server.requests) == 9
    gaps = [later.at - earlier.at for earlier, later in zip(server.requests, server.requests[1:], strict=False)]
    assert len(gaps) == 8
    for retry, gap in enumerate(gaps, start=1):
        d = ceiling(policy, retry)
        assert d / 2 <= gap <= d
    # Until the cap, each band starts where the previous one ends, so the waits never shrink.
    doubling = [
        (gaps[retry - 1], gaps[retry])
        for retry in range(1, len(gaps))
        if ceiling(policy, retry + 1) == 2 * ceiling(policy, retry)
    ]
    assert len(doubling) == 4
    assert all(earlier <= later for earlier, later in doubling)
    assert gaps[-1] >= policy.max_delay / 2 > gaps[0]
    assert len(drawn) >= len(gaps)


@pytest.mark.parametrize("retry", [1, 2, 3, 4, 5, 6, 10])
def test_backoff_bounds(retry: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    d = ceiling(policy, retry)
    assert policy.backoff(retry, lambda: 0.0) == pytest.approx(d / 2)
    assert policy.backoff(retry, lambda: 0.999999) == pytest.approx(d, rel=1e-5)
    assert d / 2 <= policy.backoff(retry, lambda: 0.5) <= d


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    assert policy.backoff(30, lambda: 0.999999) <= 8.0


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"base_delay": -1.0}, {"max_delay": -1.0}, {"max_elapsed": -1.0},
     {"rate_limit_wait": -1.0}],
)
def test_retry_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
