"""Client-side pacing for the Manage API.

OpenPanel limits each client id to a number of requests per fixed window (``settings.DEFAULT_RATE_LIMIT``).
A ``pulumi up`` of many resources runs on the plugin's 4 threads, so the pacing must be process-wide and
thread-safe. A sliding log of send times keeps every interval of ``window`` seconds under ``limit``
requests, which also keeps every fixed window of the server under it, whatever its alignment; a small
slack absorbs network jitter. The server's own ``x-ratelimit-*`` headers and ``retry-after`` stop us when
someone else shares the budget.

Each ``pulumi up`` starts a new plugin process, often while the previous one's requests still fill the
server's window; the pacing state file (:mod:`pulumi_openpanel.api.sendlog`) carries that knowledge from one
process to the next on the same machine.

Every wait of the provider (a pacer slot, a retry's backoff, a 429's pause) sleeps through
:class:`SystemClock`, which gives up as soon as the :class:`Run` the process serves is over (cancelled,
its engine killed, its plugin stopped), raising :class:`~pulumi_openpanel.errors.RunOverError` before
the request is sent. See docs/interrupted-runs.md.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from pathlib import Path
from typing import Protocol

from pulumi_openpanel.api.run import WIRE, Run, Wire, this_run
from pulumi_openpanel.api.sendlog import SendLog, send_log_path


class Clock(Protocol):
    """Time as the limiter sees it; tests substitute a fake one that advances only when slept on."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time; its sleeps give up when ``run`` (by default the process's) is over."""

    def __init__(self, run: Run | None = None) -> None:
        self._run = run

    @property
    def run(self) -> Run:
        return self._run or this_run()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.run.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()


def before_send(clock: Clock, *, shielded: bool) -> None:
    """The last look before a request goes on the wire: raise RunOverError if its run is over. ``shielded``:
    the request's operation has already sent a change, so the engine's Cancel no longer stops it (see
    :class:`Run`). Clocks without a run (the tests' fake ones) never stop."""
    run = getattr(clock, "run", None)
    if isinstance(run, Run):
        run.shield(shielded)
        run.check()


class RateLimiter:
    """At most ``limit`` acquisitions in any ``window + slack`` seconds, plus the server's own accounting.

    Each acquisition gets a ticket (a sequence number). When an answer reports ``x-ratelimit-remaining``,
    :meth:`observe` turns it into a budget: the remaining count less the requests sent after the one that
    was answered (they are on their way and will count). Requests then wait for the window's reset once
    that budget is spent. This is what keeps a new process from tripping a window that an earlier
    process (the previous ``pulumi up``) already filled.

    With ``probe=True`` the first request goes alone: the others wait for its answer, which tells how much
    of the window is left, instead of all rushing into a window that may be full.

    Its writes of ``send_log`` count on ``wire`` (the process's), so that a plugin ending itself never cuts
    one half-way.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        slack: float = 0.2,
        clock: Clock = SYSTEM_CLOCK,
        probe: bool = False,
        send_log: SendLog | None = None,
        wire: Wire = WIRE,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window + slack
        self._clock = clock
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._tickets = 0
        self._probing = probe
        self._budget: int | None = None
        self._budget_until = 0.0
        self._last_observed = 0
        self._send_log = send_log
        self._wire = wire
        self._lock = threading.Lock()
        if send_log is not None:
            now = clock.monotonic()
            self._sent.extend(sorted(now - age for age in self._read_log(send_log)))

    @staticmethod
    def _read_log(send_log: SendLog) -> list[float]:
        try:
            return send_log.ages()
        except OSError:
            return []  # an unwritable cache directory only costs the cross-process view

    def _wait_needed(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        wait = self._paused_until - now
        if len(self._sent) >= self.limit:
            wait = max(wait, self._sent[0] + self.window - now)
        if self._budget is not None:
            if now >= self._budget_until:
                self._budget = None
            elif self._budget <= 0:
                wait = max(wait, self._budget_until - now)
        if self._probing and self._tickets > 0:
            wait = max(wait, PROBE_POLL)
        return max(wait, 0.0)

    def take(self) -> int:
        """Block until a request may be sent; returns its ticket, to hand back to :meth:`observe`."""
        while True:
            with self._lock:
                now = self._clock.monotonic()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    self._tickets += 1
                    if self._budget is not None:
                        self._budget -= 1
                    if self._send_log is not None:
                        with contextlib.suppress(OSError), self._wire.writing():
                            self._send_log.record()
                    return self._tickets
            self._clock.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` from now (server said the budget is spent)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock.monotonic() + max(seconds, 0.0))

    def observe(self, remaining: int | None, reset: float | None, ticket: int | None = None) -> None:
        """Take an answer's view of the window into account (any answer, even without the headers:
        it ends the probe)."""
        with self._lock:
            self._probing = False
            if remaining is None or reset is None:
                return
            now = self._clock.monotonic()
            if ticket is not None:
                if ticket < self._last_observed:
                    return  # an older answer that arrived late knows less than the one already seen
                self._last_observed = ticket
                self._budget = remaining - (self._tickets - ticket)
                self._budget_until = now + reset
            if remaining <= 0:
                self._paused_until = max(self._paused_until, now + reset)


# How often callers look again while the first request of a process is out alone.
PROBE_POLL = 0.02

_LIMITERS: dict[tuple[str, str, int, float, Path | None], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(
    api_url: str,
    client_id: str,
    limit: int,
    window: float,
    directory: Path | None,
) -> RateLimiter:
    """The process-wide limiter for one (API root, client id): every thread and resource shares it,
    and it starts from the sends other processes of this machine made in the current window.

    ``directory`` holds the pacing state files (None: no file): the caller's settings say which
    (:attr:`~pulumi_openpanel.api.settings.ApiSettings.pacing_dir`), so that no second rule picks one here.
    """
    key = (api_url, client_id, limit, window, directory)
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            send_log = None
            if directory is not None:
                send_log = SendLog(send_log_path(directory, api_url, client_id), window + 1.0)
            limiter = _LIMITERS[key] = RateLimiter(limit, window, probe=True, send_log=send_log)
        return limiter
