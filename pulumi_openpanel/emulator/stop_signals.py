"""SIGINT and SIGTERM as a wake-up of the main thread, with no lock taken in a signal handler.

Why this exists: a Python signal handler runs on the main thread between two bytecodes, possibly
in the middle of another handler. The command's first version called ``threading.Event.set()``
from its handler; a second signal arriving while the first handler held the Event's internal lock
ran a nested handler that waited for that same lock on the same thread. The process hung for
good, ignored every later SIGTERM and SIGINT and kept its port until SIGKILL (issue 13).

Here the Python-level handler does nothing at all. What wakes the main thread is the byte that
the interpreter's C-level handler writes, with a plain async-signal-safe ``write()``, to the
socket given to :func:`signal.set_wakeup_fd`; the main thread waits on the other end with
``select()``. Nothing in the signal path can block, so any number of signals, nested or not, only
add bytes to a socket (and are dropped silently if its buffer is ever full).
"""

from __future__ import annotations

import select
import signal
import socket
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import Any

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


def _wake_only(signum: int, frame: FrameType | None) -> None:
    """Installed so that the signal neither kills the process nor raises KeyboardInterrupt.

    Deliberately empty: the wake-up byte was already written at C level before this runs,
    and anything more (a lock, an Event, a print) could deadlock when handlers nest.
    """


class StopSignals:
    """Catch stop signals for the duration of a ``with`` block; :meth:`wait` reports the first.

    Must be entered on the main thread (CPython only runs Python handlers there). On exit the
    previous handlers and wake-up fd come back. The command does not leave the block while the
    process lives on, though: see ``cli._leave`` for why it ends the process from inside.
    """

    def __init__(self, signals: Iterable[signal.Signals] = STOP_SIGNALS) -> None:
        self._signals = tuple(signals)
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self._previous_wakeup_fd = -1
        self._previous_handlers: dict[signal.Signals, Any] = {}
        self.received: signal.Signals | None = None

    def __enter__(self) -> StopSignals:
        # A socket pair rather than os.pipe(): set_wakeup_fd only takes sockets on Windows.
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)  # set_wakeup_fd requires it: a signal must never block
        self._previous_wakeup_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous_handlers = {sig: signal.signal(sig, _wake_only) for sig in self._signals}
        return self

    def wait(self, timeout: float | None) -> signal.Signals | None:
        """The first stop signal received so far, waiting up to ``timeout`` seconds for one.

        ``None`` when none came in time. Once a signal was seen it is returned at once, so
        callers can poll this in a loop that also watches something else.
        """
        if self.received is not None:
            return self.received
        assert self._reader is not None, "StopSignals.wait() outside its with block"
        readable, _, _ = select.select([self._reader], [], [], timeout)
        if readable:
            self._drain()
        return self.received

    def _drain(self) -> None:
        assert self._reader is not None
        while True:
            try:
                data = self._reader.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            if not data:
                return
            for number in data:
                # The wake-up fd carries every caught signal; only ours mean "stop".
                if self.received is None and number in self._signals:
                    self.received = signal.Signals(number)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Detach first, so that no signal is written to a socket that is about to be closed.
        signal.set_wakeup_fd(self._previous_wakeup_fd)
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        for sock in (self._reader, self._writer):
            if sock is not None:
                sock.close()
        self._reader = self._writer = None
