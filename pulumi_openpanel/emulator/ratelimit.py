"""The Manage API's rate limit: a fixed window per key, started by the key's first request.

This is how @fastify/rate-limit counts: the window opens with the first request, every
request in it counts (failed ones too), and the counter only resets when the window ends.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        headers = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["retry-after"] = str(self.reset_seconds)
        return headers


class FixedWindowRateLimiter:
    def __init__(self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs at least one request per positive window")
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> Decision:
        now = self._clock()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window_seconds:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:
                self._forget_expired(now)
        left = max(0.0, start + self.window_seconds - now)
        return Decision(
            allowed=count <= self.limit,
            limit=self.limit,
            remaining=max(0, self.limit - count),
            reset_seconds=math.ceil(left),
        )

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, (start, _) in self._windows.items() if now - start >= self.window_seconds]:
            del self._windows[key]
