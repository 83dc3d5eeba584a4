"""The plugin ends itself once its engine is gone: a killed `pulumi` leaves no idle process behind.

The engine starts each provider plugin in a process group of its own, so a runner that SIGKILLs `pulumi`
and its process group does not reach the plugin (`python -m pulumi.dynamic`, its parent now pid 1). The
SDK's plugin never notices: its gRPC server waits for calls that will not come, for hours. So inside the
plugin a daemon thread looks every ``POLL_S`` seconds whether the engine that started it is gone, by the
same test the provider's waits use (:meth:`pulumi_openpanel.api.run.Run.engine_gone`), and then ends the
process: it refuses new requests, lets those already on the wire finish (at most ``GRACE_S`` seconds,
:class:`pulumi_openpanel.api.run.Wire` says why), flushes the logs and calls ``os._exit``. The waits have
already given up with RunOverError by then; a call of another dynamic provider sharing the plugin is cut
like any call of a killed run (nobody is left to receive its result).

Where it starts: in the dynamic-provider plugin, our code is first imported when the SDK unpickles a provider
of ours, which imports :mod:`pulumi_openpanel.dynamic.provider`, which calls :func:`start_in_plugin`; in our
provider plugin (:mod:`pulumi_openpanel.plugin.server`), as it starts serving. It starts only in a plugin
(:func:`pulumi_openpanel.api.run.in_plugin`): never in a user's program, a test's process or a command of
ours such as ``recover``, which import the same modules. It starts once per process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

from pulumi_openpanel.api.run import WIRE, Wire, in_plugin, this_run

log = logging.getLogger(__name__)

# How often the thread looks at the engine: a fraction of the "few seconds" a leftover may live, and a
# read of one or two /proc files each time.
POLL_S = 0.5
# How long requests already on the wire may take to be answered once the engine is gone (the timeout of a
# request can be longer): past it the process ends anyway.
GRACE_S = 10.0


class Engine(Protocol):
    """What the watchdog asks of the run it serves (run.Run; a test's stand-in)."""

    def engine_gone(self) -> str | None: ...


def _end_process(status: int) -> None:
    """Flush what the logging handlers and the standard streams hold, then end at once: no interpreter
    shutdown, which would wait for the gRPC server's threads (their calls may never end)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # the engine held the pipes' other ends: they may be broken
            stream.flush()
    os._exit(status)


class Watchdog:
    """Ends the process once ``engine`` says it is gone, after what ``wire`` has under way (bounded by
    ``grace``). ``end`` ends the process; tests pass a recorder instead, and call :meth:`look` themselves."""

    def __init__(self, engine: Engine, wire: Wire, *, poll: float = POLL_S, grace: float = GRACE_S,
                 end: Callable[[int], None] = _end_process) -> None:
        self._engine = engine
        self._wire = wire
        self._poll = poll
        self._grace = grace
        self._end = end

    def look(self) -> bool:
        """One look: False while the engine runs; once it is gone, end the process (True if ``end`` returns)."""
        reason = self._engine.engine_gone()
        if reason is None:
            return False

        def finish(unanswered: int) -> None:
            if unanswered:
                log.info("pulumi-openpanel plugin %d ends: %s; %d request(s) still unanswered after %g s are cut",
                         os.getpid(), reason, unanswered, self._grace)
            else:
                log.info("pulumi-openpanel plugin %d ends: %s, and no request of ours is on the wire",
                         os.getpid(), reason)
            self._end(0)

        self._wire.end(reason, self._grace, finish)
        return True

    def watch(self) -> None:
        """Look every ``poll`` seconds until the engine is gone (the thread's loop)."""
        while not self.look():
            time.sleep(self._poll)


_THREAD: threading.Thread | None = None
_LOCK = threading.Lock()


def start_in_plugin() -> threading.Thread | None:
    """Start the watchdog thread if this process is the dynamic provider plugin and it has none yet;
    returns the thread, or None elsewhere. The run it watches is the process's own (``this_run``), whose
    lineage to the engine is taken now, while the engine that is unpickling our provider is alive."""
    global _THREAD
    if not in_plugin():
        return None
    with _LOCK:
        if _THREAD is None:
            watchdog = Watchdog(this_run(), WIRE)
            _THREAD = threading.Thread(target=watchdog.watch, name="pulumi-openpanel-watchdog", daemon=True)
            _THREAD.start()
        return _THREAD
