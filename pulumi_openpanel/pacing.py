"""Client-side pacing and retry timing for the Manage API.

OpenPanel allows 20 requests per 10 seconds per client id in fixed windows. A ``pulumi up`` of many
resources runs on the plugin's 4 threads, so the pacing must be process-wide and thread-safe. A sliding
log of send times keeps every interval of ``window`` seconds under ``limit`` requests, which also keeps
every fixed window of the server under it, whatever its alignment; a small slack absorbs network jitter.
The server's own ``x-ratelimit-*`` headers and ``retry-after`` stop us when someone else shares the budget.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Time as the limiter sees it; tests substitute a fake one that advances only when slept on."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()


class RateLimiter:
    """At most ``limit`` acquisitions in any ``window + slack`` seconds, plus server-imposed pauses."""

    def __init__(self, limit: int, window: float, *, slack: float = 0.2, clock: Clock = SYSTEM_CLOCK) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window + slack
        self._clock = clock
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _wait_needed(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        wait = self._paused_until - now
        if len(self._sent) >= self.limit:
            wait = max(wait, self._sent[0] + self.window - now)
        return max(wait, 0.0)

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds spent waiting."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock.monotonic()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    return waited
            self._clock.sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` from now (server said the budget is spent)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock.monotonic() + max(seconds, 0.0))

    def observe(self, remaining: int | None, reset: float | None) -> None:
        """Take the server's view into account: an exhausted budget pauses everyone until it resets."""
        if remaining is not None and remaining <= 0 and reset is not None:
            self.pause(reset)


_LIMITERS: dict[tuple[str, str, int, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(api_url: str, client_id: str, limit: int, window: float) -> RateLimiter:
    """The process-wide limiter for one (API root, client id): every thread and resource shares it."""
    key = (api_url, client_id, limit, window)
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(limit, window)
        return limiter


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded both in attempts and in total time.

    ``max_attempts`` counts the first try. The delay before retry ``n`` (1-based) is drawn uniformly from
    ``[d/2, d]`` with ``d = min(max_delay, base_delay * 2 ** (n - 1))``: half of it fixed so that retries
    always back off, half random so that the provider's threads do not retry in lock-step.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_elapsed: float = 90.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_elapsed < 0:
            raise ValueError("retry delays and max_elapsed must not be negative")

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry - 1)))
        return ceiling / 2 + rand() * ceiling / 2


NO_RETRIES = RetryPolicy(max_attempts=1)
