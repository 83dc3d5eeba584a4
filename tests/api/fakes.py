"""Test doubles for the Manage API client: a clock that only moves when told, and a scripted server.

The fake server sits behind ``httpx.MockTransport``, so no socket is opened. It answers from a script
(one reply per request, the last one repeated) and records what reached it, with the fake time of
arrival, so that tests can count requests and measure the waits between them without sleeping.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.pacing import RateLimiter
from pulumi_openpanel.api.settings import ApiSettings, Credentials
from tests.support.retries import NO_RETRIES

CLIENT_ID = "5b0d6f1e-3c2a-4e8b-9f10-2a3b4c5d6e7f"
SECRET = "sec_0123456789abcdef0123"
CREATED_SECRET = "sec_fedcba9876543210fedc"
HASH = "ceb20772e0c9d240c75eb26b0e37abee.2c70e12b7a0646f92279f427c7b38e7334d8e5389cff167a1dc30e73f826b683"
CLOUD_ROOT = "https://api.openpanel.dev"

ORG = "org-acme"
OTHER_UUID = "0f1e2d3c-4b5a-4697-8877-665544332211"
REFERENCE_UUID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
STAMP = "2026-11-28T00:06:19.471Z"


class FakeClock:
    """Monotonic time that advances only through ``sleep`` (or ``advance``); every sleep is recorded.

    Thread-safe; ``yielding=True`` gives other threads a turn at every reading. ``last_read()`` gives
    the value the calling thread saw on its latest ``monotonic()``: a limiter's acquisition time is the
    last reading it took before granting, whatever other threads did to the clock afterwards.
    """

    def __init__(self, start: float = 1000.0, *, yielding: bool = False) -> None:
        self.now = start
        self.yielding = yielding
        self.sleeps: list[float] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def monotonic(self) -> float:
        with self._lock:
            value = self.now
        self._local.last = value
        if self.yielding:
            # Hand the processor to another thread between reading the time and acting on it, where a
            # limiter without proper locking would let two threads take the same last slot.
            os.sched_yield()
        return value

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def last_read(self) -> float:
        value: float = self._local.last
        return value


@dataclass(frozen=True)
class Seen:
    """One request as it reached the transport."""

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.content)


Reply = Callable[[httpx.Request], httpx.Response]


def respond(
    status: int = 200,
    payload: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A reply with a JSON payload, or a plain-text body when ``text`` is given."""

    def reply(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers, request=request)
        return httpx.Response(status, json=payload, headers=headers, request=request)

    return reply


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Reply:
    """A reply that never comes: the transport raises ``exc_type``."""

    def reply(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return reply


class FakeServer:
    """Answers from a script, one reply per request; the last reply repeats once the script runs out."""

    def __init__(self, clock: FakeClock, *replies: Reply) -> None:
        if not replies:
            replies = (respond(200, {"data": []}),)
        self.clock = clock
        self._replies = list(replies)
        self.requests: list[Seen] = []
        self._lock = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(Seen(request.method, request.url, request.headers, request.read(), self.clock.now))
            reply = self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]
        return reply(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def last(self) -> Seen:
        return self.requests[-1]


def credentials(api_url: str = CLOUD_ROOT, secret: str = SECRET, client_id: str = CLIENT_ID) -> Credentials:
    return Credentials(api_url=api_url, client_id=client_id, client_secret=secret)


_credentials = credentials  # make_api's parameter of the same name shadows it


def make_api(
    server: FakeServer,
    *,
    api_url: str = CLOUD_ROOT,
    secret: str = SECRET,
    settings: ApiSettings | None = None,
    limiter: RateLimiter | None = None,
    paced: bool = True,
    rand: Callable[[], float] = lambda: 0.5,
    credentials: Credentials | None = None,
) -> ManageApi:
    """A ManageApi wired to ``server`` and its fake clock; never touches the process-wide limiters.

    Without ``limiter``, a private limiter with the server's real budget (20 per 10 s) runs on the fake
    clock; ``paced=False`` gives none, which requires ``settings.rate_limit=None``.
    """
    settings = settings or ApiSettings(retry=NO_RETRIES)
    if limiter is None and paced:
        limiter = RateLimiter(20, 10.0, clock=server.clock)
    if limiter is None and settings.rate_limit is not None:
        raise AssertionError("an unpaced test api needs settings.rate_limit=None (no shared limiter)")
    return ManageApi(
        credentials or _credentials(api_url, secret),
        settings,
        transport=server.transport(),
        clock=server.clock,
        limiter=limiter,
        rand=rand,
    )


def project_json(project_id: str = "probe-project", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": project_id,
        "name": "Probe Project",
        "organizationId": ORG,
        "eventsCount": 0,
        "types": ["website"],
        "domain": "https://example.com",
        "cors": ["*.example.com"],
        "crossDomain": False,
        "allowUnsafeRevenueTracking": False,
        "filters": [],
        "deleteAt": None,
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    data.update(overrides)
    return data


def client_json(client_id: str = OTHER_UUID, **overrides: Any) -> dict[str, Any]:
    """A client as GET, PATCH and list answer it: ``secret`` holds the server's hash."""
    data: dict[str, Any] = {
        "id": client_id,
        "name": "CI",
        "secret": HASH,
        "type": "write",
        "projectId": "probe-project",
        "organizationId": ORG,
        "ignoreCorsAndSecret": False,
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    data.update(overrides)
    return data


def reference_json(reference_id: str = REFERENCE_UUID, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": reference_id,
        "title": "Launch",
        "description": None,
        "date": "2026-01-02T03:04:05.000Z",
        "projectId": "probe-project",
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    data.update(overrides)
    return data
