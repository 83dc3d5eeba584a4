"""The opt-in request log: one line per HTTP request the package sends, so users can see what it does.

Set ``OPENPANEL_REQUEST_LOG`` (:data:`pulumi_openpanel.api.settings.ENV_REQUEST_LOG`) to a file, or to ``-`` for
standard error. Inside ``pulumi up`` the provider runs in a plugin process whose standard error the CLI does
not show, so a file is the practical target there. A line reads::

    2026-11-30T10:15:01.123Z pid=4242 POST /manage/projects 200 41.7ms attempt=1

UTC time, process id, method, path with its query, the status (or ``no-answer:<error type>`` when none came),
how long the exchange took, and which attempt of the request it was (retries count up from 1). Headers and
bodies are never written: the credentials travel in headers, once-only client secrets in bodies. The path
holds only ids, and still passes through :func:`~pulumi_openpanel.errors.redact`.

Lines are appended with one ``write`` to a file opened ``O_APPEND`` (and under an ``flock`` where there is
one), so the provider's threads and several processes can share one file. The variable is read at each
request: setting or clearing it needs no restart of anything, and the cached HTTP clients stay valid. A log
that cannot be written is reported once through :mod:`logging` and never fails a request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from pulumi_openpanel.api.settings import ENV_REQUEST_LOG
from pulumi_openpanel.errors import redact

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: O_APPEND alone keeps lines whole there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STDERR = "-"
# Keys of httpx request extensions: httpx hands unknown ones through untouched, and they never go on the wire.
ATTEMPT = "pulumi_openpanel.attempt"
_STARTED = "pulumi_openpanel.started"

_LOCK = threading.Lock()
_WARNED: set[str] = set()


def target() -> str | None:
    """The file to log to, ``-`` for standard error, or None when the log is off (read at each call)."""
    value = os.environ.get(ENV_REQUEST_LOG, "").strip()
    return value or None


def extensions(attempt: int) -> dict[str, Any]:
    """What a request carries so that its line can say which attempt it was."""
    return {ATTEMPT: attempt}


def format_line(method: str, url: httpx.URL, outcome: str, seconds: float, attempt: object,
                wall: float | None = None) -> str:
    """One line of the log (with its newline): nothing of the request but its method and path."""
    moment = time.time() if wall is None else wall
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}Z"
    path = url.raw_path.decode("ascii", "replace")
    line = f"{stamp} pid={os.getpid()} {method} {path} {outcome} {seconds * 1000:.1f}ms attempt={attempt or '?'}"
    return redact(line) + "\n"


def _append(where: str, line: str) -> None:
    """Append one line to the log at ``where``; a log that cannot be written is skipped (warned once)."""
    data = line.encode("utf-8", "replace")
    try:
        with _LOCK:
            if where == STDERR:
                sys.stderr.write(line)
                sys.stderr.flush()
                return
            descriptor = os.open(os.path.expanduser(where), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(descriptor, fcntl.LOCK_EX)
                os.write(descriptor, data)
            finally:
                os.close(descriptor)
    except OSError as exc:
        if where not in _WARNED:
            _WARNED.add(where)
            log.warning("%s=%s cannot be written (%s); requests are not logged", ENV_REQUEST_LOG, where,
                        exc.strerror or type(exc).__name__)


def _on_request(request: httpx.Request) -> None:
    request.extensions[_STARTED] = time.monotonic()


def _on_response(response: httpx.Response) -> None:
    _record(response.request, str(response.status_code))


def _record(request: httpx.Request, outcome: str) -> None:
    where = target()
    if where is None:
        return
    started = request.extensions.get(_STARTED)
    seconds = time.monotonic() - started if isinstance(started, float) else 0.0
    _append(where, format_line(request.method, request.url, outcome, seconds, request.extensions.get(ATTEMPT)))


def no_answer(exc: httpx.TransportError) -> None:
    """Log a request that got no answer (the response hook never runs for it)."""
    with contextlib.suppress(RuntimeError):  # an error raised before httpx attached its request
        _record(exc.request, f"no-answer:{type(exc).__name__}")


def event_hooks() -> dict[str, list[Callable[..., Any]]]:
    """The hooks of every HTTP client the package builds: cheap no-ops while the log is off."""
    return {"request": [_on_request], "response": [_on_response]}
