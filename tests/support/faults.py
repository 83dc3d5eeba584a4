"""Fault plans for :class:`tests.support.proxy.RecordingProxy`: which requests fail, and how.

A plan is a list of rules tried in order; the first rule that matches a request and decides to fire
makes the proxy misbehave (see :class:`~tests.support.proxy.Fault`). A rule matches by method and by
a regular expression on the path below ``/manage``, fires with a probability drawn from the plan's
seeded random source, skips the first ``skip`` matches and fires at most ``count`` times ("the next
N POSTs"). Everything that fired is recorded in ``plan.fired``.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from pulumi_openpanel.emulator import EmulatorServer
from tests.support.proxy import Fault

# -- fault kinds --------------------------------------------------------------------------------


def rate_limited(retry_after: float = 1.0, limit: int = 20) -> Fault:
    """The server's 429: ``retry-after``, an exhausted ``x-ratelimit-*`` budget and its JSON body."""
    body = {"status": 429, "error": "Too Many Requests",
            "message": "You have exceeded the rate limit for this endpoint."}
    seconds = f"{retry_after:g}"
    headers = {"retry-after": seconds, "x-ratelimit-limit": str(limit), "x-ratelimit-remaining": "0",
               "x-ratelimit-reset": seconds}
    return Fault(forward=False, answer=Response(json.dumps(body), 429, headers, media_type="application/json"))


_STATUS_TEXT = {500: "Internal server error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def server_error(status: int = 500, *, after_commit: bool = False) -> Fault:
    """A plain-text 5xx; with ``after_commit`` the upstream has acted on the request before it."""
    return Fault(forward=after_commit, answer=PlainTextResponse(_STATUS_TEXT.get(status, "Error"), status))


def reset_before() -> Fault:
    """The connection dies before the upstream sees the request."""
    return Fault(forward=False, drop=True)


def reset_after_commit() -> Fault:
    """The upstream acts on the request, then the connection dies without an answer."""
    return Fault(forward=True, drop=True)


def slow_answer(seconds: float) -> Fault:
    """The upstream acts at once, but the answer comes ``seconds`` later (past a short client timeout)."""
    return Fault(forward=True, delay=seconds)


def restart(upstream: RestartableEmulator) -> Fault:
    """Restart the upstream server (same port, same database file), then forward."""
    return Fault(forward=True, before=upstream.restart)


# -- plans --------------------------------------------------------------------------------------


@dataclass
class Rule:
    """When to apply ``fault``: a factory, called each time, so that every firing gets a fresh answer."""

    fault: Callable[[], Fault]
    method: str | None = None
    path: str | None = None  # regular expression searched in the path below /manage
    probability: float = 1.0
    count: int | None = None
    skip: int = 0
    kind: str = ""
    matched: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass(frozen=True)
class Fired:
    kind: str
    method: str
    path: str


@dataclass
class FaultPlan:
    """A callable fault hook: ``RecordingProxy(upstream, fault=FaultPlan([...], seed=1))``."""

    rules: list[Rule]
    seed: int = 0
    fired: list[Fired] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def __call__(self, request: Request, body: bytes) -> Fault | None:
        method = request.method.upper()
        path = request.url.path.split("/manage", 1)[-1]
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, path):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                rule.matched += 1
                if rule.matched <= rule.skip:
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                self.fired.append(Fired(rule.kind, method, path))
                return rule.fault()
        return None

    def count(self, kind: str | None = None) -> int:
        return sum(1 for f in self.fired if kind is None or f.kind == kind)


def once(fault: Callable[[], Fault], kind: str, *, method: str | None = None, path: str | None = None,
         skip: int = 0, count: int = 1) -> Rule:
    """The next ``count`` matching requests (after ``skip``) get ``fault``."""
    return Rule(fault, method=method, path=path, skip=skip, count=count, kind=kind)


def sometimes(fault: Callable[[], Fault], kind: str, probability: float, *, method: str | None = None,
              path: str | None = None, count: int | None = None) -> Rule:
    """Each matching request gets ``fault`` with ``probability`` (the plan's seeded draw)."""
    return Rule(fault, method=method, path=path, probability=probability, count=count, kind=kind)


def flaky(rate: float, *, seed: int, kinds: tuple[str, ...] = ("500", "502", "503", "reset-before",
                                                                 "reset-after-commit")) -> FaultPlan:
    """``rate`` of all requests fail, the failure kind drawn (seeded) among 5xx answers and resets."""
    makers: dict[str, Callable[[], Fault]] = {
        "500": lambda: server_error(500),
        "502": lambda: server_error(502),
        "503": lambda: server_error(503),
        "500-after-commit": lambda: server_error(500, after_commit=True),
        "reset-before": reset_before,
        "reset-after-commit": reset_after_commit,
    }
    chooser = random.Random(seed + 1)
    plan = FaultPlan([], seed=seed)

    def pick() -> Fault:
        kind = chooser.choice(kinds)
        plan.fired[-1] = Fired(kind, plan.fired[-1].method, plan.fired[-1].path)
        return makers[kind]()

    plan.rules.append(Rule(pick, probability=rate, kind="flaky"))
    return plan


# -- a server that can be restarted -------------------------------------------------------------


class RestartableEmulator:
    """An emulator on a fixed port with a database file, which ``restart()`` stops and starts again."""

    def __init__(self, db_path: str, **kwargs: Any) -> None:
        self._kwargs = dict(kwargs, db_path=db_path)
        self.server = EmulatorServer(**self._kwargs).start()
        self._kwargs["port"] = self.server.port
        self.restarts = 0

    @property
    def api_url(self) -> str:
        return self.server.api_url

    def restart(self) -> None:
        self.server.stop()
        self.server = EmulatorServer(**self._kwargs).start()
        self.restarts += 1

    def stop(self) -> None:
        self.server.stop()
