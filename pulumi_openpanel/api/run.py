"""Whether the Pulumi run this process serves is still going: the engine's Cancel, its death, the plugin's
stop; and what this process has on the wire, which a plugin ending itself waits for.

Every wait of the provider asks :meth:`Run.check` before it sends, so that nothing is sent for a run that
is over (docs/interrupted-runs.md).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pulumi_openpanel.errors import RunOverError

log = logging.getLogger(__name__)


# A waiting request looks at least this often whether its run is over (the engine's Cancel wakes it at
# once): the bound on how late it gives up after an engine's death or a plugin's stop.
WAIT_SLICE = 0.1


# The module the Python SDK's dynamic provider plugin runs as __main__ (`python -m pulumi.dynamic`).
PLUGIN_MAIN = "pulumi.dynamic.__main__"


# What may stand between a plugin and its engine, by process name: the dynamic-provider plugin is started through
# a `pulumi-resource-*` shell script, our provider plugin by the Python language host (`pulumi-language-python`),
# each staying its parent, with the engine as theirs.
PLUGIN_LAUNCHERS = ("pulumi-resource", "pulumi-language")  # /proc comm keeps 15 characters


CANCEL_METHOD = "/pulumirpc.ResourceProvider/Cancel"


ENGINE_CANCELLED = "the Pulumi engine cancelled the deployment"


class Run:
    """The Pulumi run this process serves, and whether it still wants requests sent.

    A request that waits (for a pacer slot, a retry, a 429's reset) after its run is over would only make
    an object that no state records: the engine has stopped listening, or is gone. So every wait asks
    :meth:`check` at least every ``WAIT_SLICE`` seconds and gives up with ``RunOverError`` before sending.

    In the provider plugin (``watch=True``) the run is over when

    - the gRPC call being served is no longer active: the engine's connection closed (its process was
      killed) or the plugin's server stopped (the engine closes a plugin with SIGINT to its process group,
      which the SDK turns into ``server.stop(0)``; signal handlers cannot be installed from the worker
      threads our code runs on, but the call's context sees the stop);
    - the engine process is gone: the plugin's parent, or past the ``pulumi-resource-*`` launcher script
      its grandparent, is no longer the process that started it (a SIGKILLed CLI; covers waits outside
      any call);
    - the engine cancelled the deployment (its Cancel RPC, the first Ctrl-C or SIGINT to `pulumi`): the
      SDK's dynamic provider server drops that call, so :func:`hook_engine_cancel` wraps its handler.

    The engine still listens after its Cancel, and records whatever an operation returns; so a thread that
    has already sent a change in its operation is :meth:`shield`-ed from the Cancel (not from the other
    two): a create whose POST went out finishes its follow-ups (the lookups that settle an unknown outcome,
    a PATCH, the cleanup of a half-made project) rather than fail and leave an object the state drops.
    Elsewhere (tests, `pulumi-openpanel recover`) nothing is watched, and only :meth:`cancel` ends a run.
    """

    def __init__(self, *, watch: bool = False) -> None:
        self._cancelled = threading.Event()
        self._cancel_reason = ""
        self._watch = watch
        self._lineage = _engine_lineage() if watch else []
        self._local = threading.local()

    @classmethod
    def for_this_process(cls) -> Run:
        """Watching in a plugin, plain elsewhere. In the dynamic provider plugin the engine's Cancel is hooked
        here; our provider plugin hears it through its provider interface and calls :meth:`cancel`."""
        run = cls(watch=in_plugin())
        if run._watch and not _serving:
            hook_engine_cancel(run)
        return run

    def cancel(self, reason: str) -> None:
        """The engine asked to stop: wake every waiting request (unshielded ones give up)."""
        self._cancel_reason = reason
        self._cancelled.set()

    def shield(self, shielded: bool) -> None:
        """Whether the calling thread's requests go on despite a Cancel (their operation sent a change)."""
        self._local.shielded = shielded

    def reason(self) -> str | None:
        """Why the run is over for the calling thread, or None while it goes on."""
        if self._watch:
            context = _serving_context()
            if context is not None and not context.is_active():
                return "the Pulumi engine stopped waiting for this operation (it was killed or closed the plugin)"
            gone = self.engine_gone()
            if gone is not None:
                return gone
        if self._cancelled.is_set() and not getattr(self._local, "shielded", False):
            return self._cancel_reason
        return None

    def engine_gone(self) -> str | None:
        """Why the engine that started this plugin is gone, or None while it runs (and whenever nothing is
        watched): a link of the lineage taken when this Run was made no longer holds. The one test of the
        engine's death, for the waits (:meth:`reason`) and for the plugin's own end
        (:mod:`pulumi_openpanel.api.watchdog`), which may ask from any thread, in a call or outside any."""
        if not self._watch:
            return None
        for child, parent in self._lineage:
            if _parent_of(child) != parent:
                return f"the Pulumi engine (process {self._lineage[-1][1]}) that started this plugin is gone"
        return None

    def check(self) -> None:
        """Raise RunOverError if the run is over: the last look before a request is sent."""
        reason = self.reason()
        if reason is not None:
            raise RunOverError(reason)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` in slices of at most WAIT_SLICE (a Cancel ends a slice at once), giving up with
        RunOverError as soon as the run is over."""
        self.check()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._cancelled.is_set():
                time.sleep(min(WAIT_SLICE, left))  # shielded from the Cancel: the event no longer blocks
            else:
                self._cancelled.wait(min(WAIT_SLICE, left))
            self.check()


_serving = False


def serve_as_plugin() -> None:
    """Called by our provider plugin's server before anything else: this process is a plugin (see
    :func:`in_plugin`)."""
    global _serving
    _serving = True


def in_plugin() -> bool:
    """Whether this process is a plugin the engine started: the SDK's dynamic provider plugin (``python -m
    pulumi.dynamic``) or our provider plugin (:func:`serve_as_plugin`). The one place that tells them from a
    program, a test or a command of ours, which all run another ``__main__``."""
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return _serving or getattr(main_spec, "name", "") == PLUGIN_MAIN


def _parent_of(pid: int) -> int | None:
    """The parent of process ``pid``, or None when it is gone (or /proc cannot tell)."""
    if pid == os.getpid():
        return os.getppid()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _name_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _engine_lineage() -> list[tuple[int, int]]:
    """(child, parent) links from this process up to the engine, as they are now: this process and its
    parent, and when that parent is the plugin's launcher script, the script and its parent (the engine).
    A link that no longer holds means a process between us and the engine, or the engine, is gone."""
    links = [(os.getpid(), os.getppid())]
    launcher = links[0][1]
    grandparent = _parent_of(launcher)
    if _name_of(launcher).startswith(PLUGIN_LAUNCHERS) and grandparent is not None:
        links.append((launcher, grandparent))
    return links


def _serving_context() -> Any:
    """The gRPC ServicerContext of the call the calling thread serves (a ``context`` argument further up
    its stack: the SDK's handlers take one), or None outside a call."""
    grpc = sys.modules.get("grpc")
    if grpc is None:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if "context" in frame.f_code.co_varnames:
            candidate = frame.f_locals.get("context")
            if isinstance(candidate, grpc.ServicerContext):
                return candidate
        frame = frame.f_back  # type: ignore[assignment]
    return None


def hook_engine_cancel(run: Run) -> bool:
    """Make the SDK's dynamic provider server tell ``run`` of the engine's Cancel; True when hooked.

    The SDK registers a Cancel handler that does nothing. The server finds a call's handler in a plain dict
    (a generic handler's table), in its own thread as the call arrives, and only then queues the call for
    one of its 4 workers, which may all be busy with operations waiting for the pacer. So the table is
    replaced by one whose lookup of Cancel cancels ``run`` at once, and whose Cancel handler does it too
    (should the lookup change), then answers as the SDK's. Found by its shape (every such table: the plugin
    has one); anything unexpected leaves the server as it is (the run then only sees the engine's death and
    the plugin's stop).
    """
    grpc = sys.modules.get("grpc")
    if grpc is None:
        return False
    hooked = False
    for candidate in gc.get_objects():
        if type(candidate).__name__ != "DictionaryGenericHandler":
            continue
        handlers = getattr(candidate, "_method_handlers", None)
        original = handlers.get(CANCEL_METHOD) if isinstance(handlers, dict) else None
        if original is None or getattr(original, "unary_unary", None) is None:
            continue
        assert isinstance(handlers, dict)
        table = _CancelAwareHandlers(handlers, run)
        table[CANCEL_METHOD] = grpc.unary_unary_rpc_method_handler(
            _cancelling(run, original.unary_unary),
            request_deserializer=original.request_deserializer,
            response_serializer=original.response_serializer,
        )
        candidate._method_handlers = table
        hooked = True
    if not hooked:
        log.debug("the gRPC server's Cancel handler was not found; the engine's Cancel goes unheard")
    return hooked


class _CancelAwareHandlers(dict[str, Any]):
    """A gRPC handler table whose lookup of Cancel cancels ``run``: in the server's thread, as the call
    arrives, before it waits in line for a worker."""

    def __init__(self, handlers: dict[str, Any], run: Run) -> None:
        super().__init__(handlers)
        self._run = run

    def get(self, key: Any, default: Any = None) -> Any:
        if key == CANCEL_METHOD:
            self._run.cancel(ENGINE_CANCELLED)
        return super().get(key, default)


def _cancelling(run: Run, sdk_cancel: Any) -> Any:
    """A Cancel handler that cancels ``run``, then answers as the SDK's does."""

    def cancel(request: Any, context: Any) -> Any:
        run.cancel(ENGINE_CANCELLED)
        return sdk_cancel(request, context)

    return cancel


_RUN: Run | None = None


_RUN_LOCK = threading.Lock()


def this_run() -> Run:
    """The process's Run, made on first use (in the plugin: as our provider is first unpickled, when the
    watchdog starts)."""
    global _RUN
    with _RUN_LOCK:
        if _RUN is None:
            _RUN = Run.for_this_process()
        return _RUN


class Wire:
    """What this process has under way that its end must not cut: HTTP exchanges on the wire (the request
    log's line for one is written inside it), and writes of the pacing state file, which other processes read.

    A plugin whose engine is gone ends itself (:mod:`pulumi_openpanel.api.watchdog`) through :meth:`end`: from
    then on no new exchange starts (:meth:`sending` refuses it with RunOverError; the waits raise that
    anyway once the engine is gone, so this only closes the gap between their last look and the send), and
    the end waits, bounded, for the exchanges under way. One already sent is let finish rather than cut:
    cutting it would not undo what the server does with it, nobody is left to record its answer either way,
    but its request log line tells whoever runs ``recover`` what the server answered. A write of the pacing
    state file is waited for even past that bound: the file is truncated then rewritten, and an end between
    the two would lose the window's sends for the next process. A count under a lock: cheap for every
    request.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sending = 0
        self._writing = 0
        self._closed: str | None = None

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Around one HTTP exchange; RunOverError, nothing sent, once :meth:`end` has begun."""
        with self._changed:
            if self._closed is not None:
                raise RunOverError(self._closed)
            self._sending += 1
        try:
            yield
        finally:
            with self._changed:
                self._sending -= 1
                self._changed.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write of a shared file: never refused (the end waits for it)."""
        with self._changed:
            self._writing += 1
        try:
            yield
        finally:
            with self._changed:
                self._writing -= 1
                self._changed.notify_all()

    def end(self, reason: str, grace: float, then: Callable[[int], None]) -> None:
        """Refuse new exchanges (for ``reason``), wait up to ``grace`` seconds for the exchanges under way and
        as long again for a write that outlasts them (writes take milliseconds), then call ``then`` with how
        many exchanges are still unanswered, holding the lock: nothing can start meanwhile, so ``then`` may
        end the process."""
        with self._changed:
            self._closed = reason
            deadline = time.monotonic() + grace
            while (self._sending or self._writing) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            deadline = time.monotonic() + grace
            while self._writing and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            then(self._sending)


# What the process has under way: ManageApi's exchanges and the pacer's writes of the state file.
WIRE = Wire()
