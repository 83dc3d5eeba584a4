"""``pulumi-openpanel emulator``: serve a local Manage API until Ctrl-C.

It prints the API root and a root client's credentials as ``export`` lines, so that
``eval "$(pulumi-openpanel emulator ... &)"``-style scripts and humans can both use them.
With ``--db`` the data and those credentials survive restarts. SIGINT and SIGTERM stop it, within
a bounded time however many arrive (see ``stop_signals``). The web stack loads only when the
command actually runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NoReturn

from pulumi_openpanel.api.settings import (
    DEFAULT_RATE_LIMIT,
    ENV_API_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    parse_rate_limit,
)
from pulumi_openpanel.errors import ConfigurationError

if TYPE_CHECKING:
    from pulumi_openpanel.emulator.server import EmulatorServer
    from pulumi_openpanel.emulator.stop_signals import StopSignals

DEFAULT_PORT = 3333
DEFAULT_STOP_TIMEOUT = 5.0
# After in-flight requests are cancelled, how long the server thread gets before the process leaves without it.
_FORCED_STOP_TIMEOUT = 3.0
_HEALTH_CHECK_INTERVAL = 0.5
PRIMARY_ROLE = "primary"
SECOND_ROLE = "second"


def _rate_limit(text: str) -> tuple[int, float] | None:
    # The provider's grammar (config.parse_rate_limit), so that one text means the same limit on both sides.
    try:
        return parse_rate_limit(text, "--rate-limit")
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    # Checked here because socket.bind() reports an out-of-range port as OverflowError, with a traceback.
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def _seconds(text: str) -> float:
    import math

    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    # Finite too: the point of the timeout is that stopping always ends (and join() rejects inf).
    if not (seconds > 0 and math.isfinite(seconds)):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one, shown in the export lines (default: {DEFAULT_PORT})",
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite file to keep data in (default: memory only)")
    parser.add_argument("--root-path", default="", metavar="PREFIX", help="serve the API below a prefix such as /api")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=DEFAULT_RATE_LIMIT,
        metavar="N/SECONDS",
        help="requests allowed per client per window, or off (default: {}/{:g}, as OpenPanel)".format(
            *DEFAULT_RATE_LIMIT
        ),
    )
    limits.add_argument("--no-rate-limit", action="store_true", help="do not limit request rates")
    parser.add_argument(
        "--seed-second-org",
        action="store_true",
        help="also create (or reuse) a second organization, for isolation tests",
    )
    parser.add_argument(
        "--stop-timeout",
        type=_seconds,
        default=DEFAULT_STOP_TIMEOUT,
        metavar="SECONDS",
        help="on SIGINT/SIGTERM, how long running requests may take to finish before they are cancelled"
        f" and the exit status is 1 (default: {DEFAULT_STOP_TIMEOUT:g})",
    )


def _export(name: str, value: str) -> str:
    import shlex

    return f"export {name}={shlex.quote(value)}"


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    """One or two lines for a port that cannot be had, never a traceback.

    A busy port is the common case (a previous emulator still running, another service on
    3333), and what to do about it is always the same: choose a port, or let the system pick.
    """
    import errno

    where = f"{host}:{port}"
    hint = "Choose another port with --port N, or --port 0 to let the system pick a free one."
    if exc.errno == errno.EADDRINUSE:
        return f"pulumi-openpanel emulator: port {port} is already in use ({where}).\n{hint}"
    if exc.errno == errno.EACCES:
        return f"pulumi-openpanel emulator: not allowed to listen on port {port} ({where}).\n{hint}"
    return f"pulumi-openpanel emulator: cannot listen on {where}: {exc.strerror or exc}"


def _shut_down(server: EmulatorServer, stop_timeout: float) -> int:
    """Stop the server within a bounded time; the command's exit status.

    0 when in-flight requests finished within ``stop_timeout``. Otherwise they are cancelled and
    the status is 1, with a line saying so. If even that does not end the server thread (on
    Python 3.12+ asyncio waits for every open connection to close), the process leaves without
    it and without closing the database (the thread may still be using it): an emulator that
    outlives its stop signal keeps its port, which is worse for scripts and tests than an abrupt end.
    """
    import logging
    import sys

    server.request_stop()
    if server.wait_stopped(stop_timeout):
        server.stop()  # closes the database; the thread is already gone
        return 0
    print(
        f"pulumi-openpanel emulator: requests still running after {stop_timeout:g} s; cancelling them and exiting.",
        file=sys.stderr,
        flush=True,
    )
    # The cancelled requests are what "force" means: their CancelledError tracebacks, which
    # uvicorn logs as errors, would only bury the line above.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    server.request_stop(force=True)
    if server.wait_stopped(_FORCED_STOP_TIMEOUT):
        server.stop()
        return 1
    print(
        f"pulumi-openpanel emulator: the server did not stop {_FORCED_STOP_TIMEOUT:g} s after that either;"
        " exiting without it.",
        file=sys.stderr,
        flush=True,
    )
    _leave(1)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then end the process with the status (see ``_leave``).

    Returns only for problems found before there is a server to stop.
    """
    import sys

    try:
        from pulumi_openpanel.emulator.server import EmulatorServer
        from pulumi_openpanel.emulator.stop_signals import StopSignals
    except ImportError as exc:
        from pulumi_openpanel.install_source import missing_dependency

        print(f"pulumi-openpanel emulator: {missing_dependency(exc)}", file=sys.stderr)
        return 2

    try:
        server = EmulatorServer(
            host=args.host,
            port=args.port,
            db_path=args.db,
            rate_limit=None if args.no_rate_limit else args.rate_limit,
            root_path=args.root_path,
        )
    except (ValueError, OSError) as exc:
        print(f"pulumi-openpanel emulator: {exc}", file=sys.stderr)
        return 1

    # Signals are caught from here on, so that one arriving during seeding or start-up is not
    # lost: it is waiting on the wake-up socket when the serving loop below first looks.
    with StopSignals() as stop_signals:
        try:
            status = _serve(server, args, stop_signals)
        finally:
            server.stop()  # a no-op after a clean shut-down; closes the database on every other way out
        _leave(status)


def _leave(status: int) -> NoReturn:
    """End the process at once, with stop signals still caught, once everything is closed.

    Why not return and let Python exit: interpreter teardown puts ``SIG_DFL`` back on every signal
    that has a Python handler, so the tail of a burst arriving then killed the process (status
    -2 or -15 instead of 0, seen in the burst test); and teardown waits for non-daemon threads,
    which a stuck request can hold forever. The database is closed by now; only the standard
    streams are left to flush.
    """
    import contextlib
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can reach it anyway.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _serve(server: EmulatorServer, args: argparse.Namespace, stop_signals: StopSignals) -> int:
    """Seed, start, print the export lines, then serve until a stop signal; the exit status."""
    import sys

    primary = server.ensure_seed(PRIMARY_ROLE, "Emulator")
    second = server.ensure_seed(SECOND_ROLE, "Emulator second organization") if args.seed_second_org else None
    try:
        server.start()
    except OSError as exc:
        print(_cannot_listen(args.host, args.port, exc), file=sys.stderr)
        return 1
    lines = [
        _export(ENV_API_URL, server.api_url),
        _export(ENV_CLIENT_ID, primary.client_id),
        _export(ENV_CLIENT_SECRET, primary.client_secret),
    ]
    if second is not None:
        lines.append(_export("OTHER_ORG_CLIENT_ID", second.client_id))
        lines.append(_export("OTHER_ORG_CLIENT_SECRET", second.client_secret))
    print("\n".join(lines), flush=True)
    limit = (
        "off" if server.rate_limiter is None else f"{server.rate_limiter.limit}/{server.rate_limiter.window_seconds:g}s"
    )
    print(
        f"# OpenPanel Manage API emulator at {server.api_url} (database: {args.db or 'memory'},"
        f" rate limit: {limit}). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    # The timeout only bounds how late a server thread that died on its own is noticed.
    while stop_signals.wait(timeout=_HEALTH_CHECK_INTERVAL) is None:
        if not server.serving:
            reason = repr(server.failure) if server.failure is not None else "no error reported"
            print(f"pulumi-openpanel emulator: the server stopped on its own ({reason})", file=sys.stderr)
            return 1
    return _shut_down(server, args.stop_timeout)
