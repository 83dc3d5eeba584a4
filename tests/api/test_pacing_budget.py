"""The server's own accounting of the window: budgets from x-ratelimit-remaining, and the probe.

A new plugin process does not know that the previous `pulumi up` filled the current window; these
tests pin how the limiter learns it from the first answer instead of tripping over 429s.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pulumi_openpanel.api.pacing import PROBE_POLL, RateLimiter, shared_limiter
from pulumi_openpanel.api.sendlog import SendLog
from pulumi_openpanel.api.settings import ApiSettings
from pulumi_openpanel.errors import TransportError
from tests.support.retries import NO_RETRIES

from .fakes import FakeClock, FakeServer, make_api, respond


class HookClock(FakeClock):
    """A fake clock that runs ``hook`` at the first sleep: the moment a waiting caller gives way."""

    def __init__(self, hook: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.hook = hook

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()


def test_a_budget_allows_what_the_server_says_is_left_then_waits_for_the_reset() -> None:
    clock = HookClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    first = limiter.take()
    limiter.observe(remaining=2, reset=4.0, ticket=first)
    start = clock.now
    limiter.take()
    limiter.take()
    assert clock.now == start  # the two the server still allows go at once
    limiter.take()
    assert clock.now - start == 4.0  # the next waits for the window to reset


def test_requests_still_on_their_way_count_against_the_budget() -> None:
    clock = HookClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    first, _, _ = limiter.take(), limiter.take(), limiter.take()
    limiter.observe(remaining=3, reset=6.0, ticket=first)  # tickets 2 and 3 will count too: one left
    start = clock.now
    limiter.take()
    assert clock.now == start
    limiter.take()
    assert clock.now - start == 6.0


def test_a_late_answer_to_an_older_request_does_not_undo_a_newer_one() -> None:
    clock = HookClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    old, new = limiter.take(), limiter.take()
    limiter.observe(remaining=0, reset=5.0, ticket=new)
    limiter.observe(remaining=15, reset=5.0, ticket=old)
    start = clock.now
    limiter.take()
    assert clock.now - start == 5.0


def test_the_budget_lapses_with_the_window() -> None:
    clock = HookClock()
    limiter = RateLimiter(20, 10.0, clock=clock)
    limiter.observe(remaining=0, reset=2.0, ticket=limiter.take())
    clock.advance(2.5)
    start = clock.now
    limiter.take()
    assert clock.now == start


def test_with_probe_the_second_request_waits_for_the_first_answer() -> None:
    limiter: RateLimiter
    clock = HookClock(lambda: limiter.observe(remaining=19, reset=10.0, ticket=1))
    limiter = RateLimiter(20, 10.0, clock=clock, probe=True)
    assert limiter.take() == 1
    start = clock.now
    assert limiter.take() == 2
    assert clock.now - start == pytest.approx(PROBE_POLL)  # it waited until the answer came (at its first look)
    assert clock.sleeps == [PROBE_POLL]
    limiter.take()
    assert clock.sleeps == [PROBE_POLL]  # no more probing once an answer has been seen


def test_an_answer_without_headers_ends_the_probe_too() -> None:
    limiter: RateLimiter
    clock = HookClock(lambda: limiter.observe(None, None, ticket=1))
    limiter = RateLimiter(20, 10.0, clock=clock, probe=True)
    limiter.take()
    limiter.take()
    assert clock.sleeps == [PROBE_POLL]


def test_manage_api_turns_the_headers_into_a_budget() -> None:
    """A window the server says is nearly full: two requests go, the third waits for the reset."""
    clock = FakeClock()
    headers = {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "7"}
    server = FakeServer(clock, respond(200, {"data": []}, headers=headers),
                        respond(200, {"data": []}, headers={**headers, "x-ratelimit-remaining": "1"}),
                        respond(200, {"data": []}, headers={**headers, "x-ratelimit-remaining": "0"}),
                        respond(200, {"data": []}, headers={**headers, "x-ratelimit-remaining": "19"}))
    limiter = RateLimiter(20, 10.0, clock=clock, probe=True)
    api = make_api(server, settings=ApiSettings(retry=NO_RETRIES), limiter=limiter)
    for _ in range(4):
        api.list_projects()
    times = [seen.at for seen in server.requests]
    assert times[1] == times[0] and times[2] == times[0]
    assert times[3] - times[0] == 7.0


def test_a_transport_error_ends_the_probe() -> None:
    clock = FakeClock()

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    server = FakeServer(clock, broken, respond(200, {"data": []}))
    limiter = RateLimiter(20, 10.0, clock=clock, probe=True)
    api = make_api(server, settings=ApiSettings(retry=NO_RETRIES), limiter=limiter)
    with pytest.raises(TransportError):
        api.list_projects()
    api.list_projects()
    assert clock.sleeps == []


class FakeWall:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self) -> float:
        return 1_800_000_000.0 + self.clock.now


def test_a_new_process_starts_from_the_sends_of_the_previous_one(tmp_path: Path) -> None:
    clock = FakeClock()
    log = SendLog(tmp_path / "pacing" / "key", 11.0, wall=FakeWall(clock))
    first_process = RateLimiter(20, 10.0, clock=clock, send_log=log)
    for _ in range(20):
        first_process.take()
    clock.advance(3.0)

    second_process = RateLimiter(20, 10.0, clock=clock, send_log=log)
    start = clock.now
    second_process.take()
    # The window the first process filled must pass (10 s + the limiter's slack, from its first send).
    assert clock.now - start == pytest.approx(10.2 - 3.0)


def test_the_send_log_keeps_only_the_last_window_and_no_secret(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "key"
    log = SendLog(path, 11.0, wall=FakeWall(clock))
    for _ in range(5):
        log.record()
        clock.advance(4.0)
    # Sends at 0, 4, 8, 12 and 16 s, read at 20 s with an 11 s window: those 8 and 4 s ago remain.
    assert sorted(log.ages()) == [4.0, 8.0]
    lines = path.read_text().split()
    assert len(lines) == 3  # the last write (at 16 s) pruned what was older than 5 s then
    assert all(line.replace(".", "").isdigit() for line in lines)


def test_an_unwritable_send_log_only_costs_the_shared_view(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = SendLog(blocker / "pacing" / "key", 11.0)  # a directory under a file cannot be made
    limiter = RateLimiter(20, 10.0, clock=FakeClock(), send_log=log)
    assert limiter.take() == 1


def test_shared_limiters_keep_their_send_log_in_the_cache_dir(tmp_path: Path) -> None:
    limiter = shared_limiter("http://127.0.0.1:1", "0f1e2d3c-4b5a-4697-8877-665544332211", 20, 10.0,
                             tmp_path / "pacing")
    limiter.observe(None, None)
    limiter.take()
    files = list((tmp_path / "pacing").iterdir())
    assert len(files) == 1 and "0f1e2d3c" not in files[0].name
