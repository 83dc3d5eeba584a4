"""Fault plans for :class:`tests.support.proxy.RecordingProxy`: which requests fail, and how.

A plan is a list of rules tried in order; the first rule that matches a request and decides to fire
makes the proxy misbehave (see :class:`~tests.support.proxy.Fault`). A rule matches by method, by a
regular expression on the path below ``/manage`` and, optionally, on the request's key (below).

Every decision is deterministic per request, whatever order the provider's threads send requests in.
A request is known by its method, path, query and a key taken from its JSON body (the object's
``name``, ``title`` and ``projectId`` where present), and each time the same request comes again (an
API-level retry, or the reconciler's next POST) is its next *attempt*. A probabilistic rule fires on an
attempt when a hash of (plan seed, rule, request, attempt number) falls below its probability; a rule
can be limited to the first attempts of each request (``attempts``) and to a number of faults per
request (``per_request``). So the same request meets the same faults in every run, and a rule capped
below the provider's retry budget (5 attempts) can never exhaust it, by construction.

The hash sees the request with the run's unique suffix (``plan.mask(uid)``) and server-made ids (UUIDs,
new in every run) replaced by placeholders, so that it is the same from one run to the next; attempts
and caps are still counted per actual request. Everything that fired is recorded in ``plan.fired``.

Requests that are identical on the wire are one request to a plan, whoever sends them: two projects'
lookups (``GET /projects``) share their attempts and their cap. Which of the senders meets the fault
then depends on order, but how many faults fire does not: each one costs one more identical request.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
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

# The body fields that tell one create (or update) from another: stable across runs once masked.
KEY_FIELDS = ("name", "title", "projectId")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The provider's retry budget (RetryPolicy.max_attempts, create_reconciled's attempts): a request that
# met this many faults in a row would fail, so the probabilistic rules stay below it.
RETRY_BUDGET = 5


@dataclass
class Rule:
    """When to apply ``fault``: a factory, called each time, so that every firing gets a fresh answer.

    ``attempts``: only the first N attempts of each request can meet the fault (None: every attempt).
    ``per_request``: at most N faults from this rule for one request (None: no cap).
    ``choices``: instead of ``fault``, a fault kind picked (by the same kind of hash) among these.
    """

    fault: Callable[[], Fault] | None
    method: str | None = None
    path: str | None = None  # regular expression searched in the path below /manage
    key: str | None = None  # regular expression searched in the request's key ("name=...;projectId=...")
    probability: float = 1.0
    attempts: int | None = None
    per_request: int | None = None
    kind: str = ""
    choices: Mapping[str, Callable[[], Fault]] | None = None
    fired: int = 0

    def matches(self, request: RequestKey) -> bool:
        if self.method is not None and request.method != self.method.upper():
            return False
        if self.key is not None and re.search(self.key, request.key) is None:
            return False
        return self.path is None or re.search(self.path, request.path) is not None


@dataclass(frozen=True)
class RequestKey:
    """What makes two HTTP exchanges the same request: its retries and repeats share this."""

    method: str
    path: str
    query: str
    key: str

    @classmethod
    def of(cls, request: Request, body: bytes) -> RequestKey:
        return cls(request.method.upper(), request.url.path.split("/manage", 1)[-1], request.url.query,
                   body_key(body))

    def stable(self, masks: tuple[str, ...]) -> str:
        """The request as every run sends it: masked texts as ``*``, server-made ids as ``{id}``."""
        text = _UUID.sub("{id}", "\x00".join((self.method, self.path, self.query, self.key)))
        for mask in masks:
            text = text.replace(mask, "*")
        return text


def body_key(body: bytes) -> str:
    """``name=...;title=...;projectId=...`` of a JSON object body (those present), else empty."""
    try:
        decoded = json.loads(body) if body else None
    except ValueError:
        return ""
    if not isinstance(decoded, dict):
        return ""
    return ";".join(f"{name}={decoded[name]}" for name in KEY_FIELDS if isinstance(decoded.get(name), str))


def draw(*parts: object) -> float:
    """A number in [0, 1) that depends only on ``parts``: the plan's per-request coin."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Fired:
    """One fault as it fired: its kind, the request it met, and which attempt of that request it was."""

    kind: str
    method: str
    path: str
    key: str = ""
    attempt: int = 1
    query: str = ""


@dataclass
class FaultPlan:
    """A callable fault hook: ``RecordingProxy(upstream, fault=FaultPlan([...], seed=1))``."""

    rules: list[Rule]
    seed: int = 0
    masks: tuple[str, ...] = ()
    fired: list[Fired] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: dict[RequestKey, int] = {}
        self._faults: dict[tuple[int, RequestKey], int] = {}

    def mask(self, *texts: str) -> FaultPlan:
        """Leave ``texts`` (a run's unique suffix) out of every draw, so that runs draw alike."""
        self.masks = tuple(dict.fromkeys((*self.masks, *texts)))
        return self

    def __call__(self, request: Request, body: bytes) -> Fault | None:
        seen = RequestKey.of(request, body)
        with self._lock:
            attempt = self._attempts[seen] = self._attempts.get(seen, 0) + 1
            stable = seen.stable(self.masks)
            for index, rule in enumerate(self.rules):
                if not rule.matches(seen):
                    continue
                if rule.attempts is not None and attempt > rule.attempts:
                    continue
                faults = self._faults.get((index, seen), 0)
                if rule.per_request is not None and faults >= rule.per_request:
                    continue
                if rule.probability < 1.0 and draw(self.seed, index, stable, attempt) >= rule.probability:
                    continue
                kind, make = rule.kind, rule.fault
                if rule.choices:
                    names = sorted(rule.choices)
                    kind = names[int(draw(self.seed, index, "kind", stable, attempt) * len(names))]
                    make = rule.choices[kind]
                assert make is not None, "a rule needs a fault or choices"
                self._faults[(index, seen)] = faults + 1
                rule.fired += 1
                self.fired.append(Fired(kind, seen.method, seen.path, seen.key, attempt, seen.query))
                return make()
        return None

    def count(self, kind: str | None = None) -> int:
        return sum(1 for f in self.fired if kind is None or f.kind == kind)

    def attempts(self) -> dict[RequestKey, int]:
        """How many times each request was seen (its first send and every repeat)."""
        with self._lock:
            return dict(self._attempts)


def once(fault: Callable[[], Fault], kind: str, *, method: str | None = None, path: str | None = None,
         key: str | None = None, times: int = 1) -> Rule:
    """Every matching request gets ``fault`` on its first ``times`` attempts, then goes through."""
    return Rule(fault, method=method, path=path, key=key, attempts=times, kind=kind)


def sometimes(fault: Callable[[], Fault], kind: str, probability: float, *, method: str | None = None,
              path: str | None = None, key: str | None = None, per_request: int = 2) -> Rule:
    """Each attempt of a matching request gets ``fault`` with ``probability`` (the plan's per-request
    draw), at most ``per_request`` times per request: below the retry budget, so a storm is survivable."""
    if not 0 <= per_request < RETRY_BUDGET:
        raise ValueError(f"per_request must stay below the retry budget of {RETRY_BUDGET} attempts")
    return Rule(fault, method=method, path=path, key=key, probability=probability, per_request=per_request,
                kind=kind)


FLAKY_KINDS = ("500", "502", "503", "reset-before", "reset-after-commit")


def flaky(rate: float, *, seed: int, kinds: tuple[str, ...] = FLAKY_KINDS, per_request: int = 2) -> FaultPlan:
    """Each attempt of every request fails with probability ``rate`` (at most ``per_request`` times per
    request), the failure kind drawn among 5xx answers and resets; all of it per request, as above."""
    makers: dict[str, Callable[[], Fault]] = {
        "500": lambda: server_error(500),
        "502": lambda: server_error(502),
        "503": lambda: server_error(503),
        "500-after-commit": lambda: server_error(500, after_commit=True),
        "reset-before": reset_before,
        "reset-after-commit": reset_after_commit,
    }
    rule = sometimes(reset_before, "flaky", rate, per_request=per_request)
    rule.fault, rule.choices = None, {kind: makers[kind] for kind in kinds}
    return FaultPlan([rule], seed=seed)


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
