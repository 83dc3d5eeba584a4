"""create_reconciled with fake POST / lookup / discard functions: when it looks, what it returns, when
it gives up, and that it never POSTs again while an earlier attempt may have created the object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from pulumi_openpanel.core import reconcile
from pulumi_openpanel.core.reconcile import create_reconciled
from pulumi_openpanel.errors import (
    ApiError,
    NotFoundError,
    RateLimitedError,
    ReconcileError,
    ServerError,
    TransportError,
    ValidationError,
)

LOST = TransportError("POST", "/manage/things", "ReadTimeout: timed out", maybe_sent=True)
REFUSED = TransportError("POST", "/manage/things", "ConnectError: refused", maybe_sent=False)
CRASHED = ServerError("POST", "/manage/things", 502, "Bad Gateway")


@dataclass
class FakeServer:
    """A scripted POST: each entry is raised (an error) or returned (an answer); ``committed`` lists what
    the server really created, which the lookup finds."""

    script: list[ApiError | str]
    commits_on_error: bool = False
    committed: list[str] = field(default_factory=list)
    posts: int = 0
    lookups: int = 0
    discarded: list[str] = field(default_factory=list)

    def post(self) -> str:
        self.posts += 1
        step = self.script.pop(0)
        if isinstance(step, ApiError):
            if self.commits_on_error:
                self.committed.append(f"thing-{self.posts}")
            raise step
        self.committed.append(step)
        return step

    def find(self) -> list[str]:
        self.lookups += 1
        return list(self.committed)

    def discard(self, found: str) -> None:
        self.discarded.append(found)
        self.committed.remove(found)


def test_a_clean_post_never_looks() -> None:
    server = FakeServer(["thing-1"])
    assert create_reconciled(server.post, server.find, describe="thing") == "thing-1"
    assert (server.posts, server.lookups) == (1, 0)


@pytest.mark.parametrize("error", [
    ValidationError("POST", "/manage/things", 400, "body/name Too small"),
    NotFoundError("POST", "/manage/things", 404, "Project not found"),
    RateLimitedError("POST", "/manage/things", 429, "slow down", retry_after=1.0),
    REFUSED,
])
def test_errors_with_a_known_outcome_are_raised_without_a_lookup(error: ApiError) -> None:
    server = FakeServer([error])
    with pytest.raises(type(error)):
        create_reconciled(server.post, server.find, describe="thing")
    assert (server.posts, server.lookups) == (1, 0)


@pytest.mark.parametrize("error", [LOST, CRASHED])
def test_a_lost_answer_of_a_committed_post_adopts_what_was_created(error: ApiError) -> None:
    server = FakeServer([error, "never sent"], commits_on_error=True)
    assert create_reconciled(server.post, server.find, describe="thing") == "thing-1"
    assert (server.posts, server.lookups) == (1, 1)


@pytest.mark.parametrize("error", [LOST, CRASHED])
def test_a_post_that_did_not_commit_is_sent_again(error: ApiError) -> None:
    server = FakeServer([error, "thing-2"])
    assert create_reconciled(server.post, server.find, describe="thing") == "thing-2"
    assert (server.posts, server.lookups) == (2, 1)
    assert server.committed == ["thing-2"]


def test_with_discard_a_found_object_is_deleted_and_created_again() -> None:
    server = FakeServer([LOST, "thing-2"], commits_on_error=True)
    result = create_reconciled(server.post, server.find, describe="thing", discard=server.discard)
    assert result == "thing-2"
    assert server.discarded == ["thing-1"] and server.committed == ["thing-2"]


def test_giving_up_raises_the_last_error_and_leaves_nothing_behind_with_discard() -> None:
    server = FakeServer([LOST, LOST, LOST], commits_on_error=True)
    with pytest.raises(TransportError) as raised:
        create_reconciled(server.post, server.find, describe="thing", discard=server.discard, attempts=3)
    assert raised.value is LOST
    assert server.posts == 3 and server.lookups == 3
    assert server.committed == []  # every committed attempt, the last one included, was discarded


def test_giving_up_without_a_commit_has_posted_attempts_times() -> None:
    server = FakeServer([CRASHED, CRASHED])
    with pytest.raises(ServerError):
        create_reconciled(server.post, server.find, describe="thing", attempts=2)
    assert (server.posts, server.lookups, server.committed) == (2, 2, [])


def test_several_matches_are_refused_rather_than_guessed() -> None:
    server = FakeServer([LOST])
    server.committed = ["a", "b"]
    with pytest.raises(ReconcileError) as raised:
        create_reconciled(server.post, server.find, describe="project 'Web'")
    assert "2 recent matching objects" in str(raised.value) and "project 'Web'" in str(raised.value)
    assert server.posts == 1


def test_a_failed_lookup_says_what_to_check_and_hides_the_chain() -> None:
    def find() -> list[str]:
        raise ServerError("GET", "/manage/things", 503, "Service Unavailable")

    server = FakeServer([LOST])
    with pytest.raises(ReconcileError) as raised:
        create_reconciled(server.post, find, describe="client 'ci'")
    text = str(raised.value)
    assert "may or may not have succeeded" in text and "client 'ci'" in text and "HTTP 503" in text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert server.posts == 1


def test_a_lookup_that_finds_nothing_is_repeated_after_each_uncertain_post() -> None:
    calls: list[str] = []
    answers: list[Callable[[], str]] = [lambda: (_ for _ in ()).throw(LOST), lambda: "ok"]

    def post() -> str:
        calls.append("post")
        return answers.pop(0)()

    def find() -> list[str]:
        calls.append("find")
        return []

    assert create_reconciled(post, find, describe="thing") == "ok"
    assert calls == ["post", "find", "post"]


@pytest.mark.parametrize(("created_at", "expected"), [
    (None, False),
    ("", False),
    ("not a date", False),
    ("2026-01-01T00:00:00.000Z", True),   # after the start
    ("2025-12-31T23:56:00.000Z", True),   # within the clock skew before it
    ("2025-12-31T23:54:00.000Z", False),  # older: someone else's
    ("2026-01-01T00:00:00", True),        # no zone: taken as UTC
    ("2026-01-01T01:00:00+01:00", True),
])
def test_created_since_allows_for_clock_skew_only(created_at: str | None, expected: bool) -> None:
    started = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert reconcile.created_since(created_at, started) is expected
    assert timedelta(minutes=5) == reconcile.CLOCK_SKEW
