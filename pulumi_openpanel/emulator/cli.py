"""``pulumi-openpanel emulator``: serve a local Manage API until Ctrl-C.

It prints the API root and a root client's credentials as ``export`` lines, so that
``eval "$(pulumi-openpanel emulator ... &)"``-style scripts and humans can both use them.
With ``--db`` the data and those credentials survive restarts. Only argparse is imported at
module level: the web stack loads when the command actually runs.
"""

from __future__ import annotations

import argparse

DEFAULT_PORT = 3333
PRIMARY_ROLE = "primary"
SECOND_ROLE = "second"


def _rate_limit(text: str) -> tuple[int, float]:
    count, sep, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS such as 20/10, got {text!r}") from None
    if not sep or limit < 1 or window <= 0:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS such as 20/10, got {text!r}")
    return limit, window


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on, 0 for any (default: {DEFAULT_PORT})",
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite file to keep data in (default: memory only)")
    parser.add_argument("--root-path", default="", metavar="PREFIX", help="serve the API below a prefix such as /api")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=(20, 10.0),
        metavar="N/SECONDS",
        help="requests allowed per client per window (default: 20/10, as OpenPanel)",
    )
    limits.add_argument("--no-rate-limit", action="store_true", help="do not limit request rates")
    parser.add_argument(
        "--seed-second-org",
        action="store_true",
        help="also create (or reuse) a second organization, for isolation tests",
    )


def _export(name: str, value: str) -> str:
    import shlex

    return f"export {name}={shlex.quote(value)}"


def run(args: argparse.Namespace) -> int:
    import signal
    import sys
    import threading

    try:
        from pulumi_openpanel.emulator.server import EmulatorServer
    except ImportError as exc:
        print(
            f"pulumi-openpanel emulator: a dependency is missing ({exc.name}). "
            'Install the extra: pip install "pulumi-openpanel[emulator]"',
            file=sys.stderr,
        )
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

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        primary = server.ensure_seed(PRIMARY_ROLE, "Emulator")
        second = server.ensure_seed(SECOND_ROLE, "Emulator second organization") if args.seed_second_org else None
        try:
            server.start()
        except OSError as exc:
            print(f"pulumi-openpanel emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        lines = [
            _export("OPENPANEL_API_URL", server.api_url),
            _export("OPENPANEL_CLIENT_ID", primary.client_id),
            _export("OPENPANEL_CLIENT_SECRET", primary.client_secret),
        ]
        if second is not None:
            lines.append(_export("OTHER_ORG_CLIENT_ID", second.client_id))
            lines.append(_export("OTHER_ORG_CLIENT_SECRET", second.client_secret))
        print("\n".join(lines), flush=True)
        limit = (
            "off"
            if server.rate_limiter is None
            else (f"{server.rate_limiter.limit}/{server.rate_limiter.window_seconds:g}s")
        )
        print(
            f"# OpenPanel Manage API emulator at {server.api_url} (database: {args.db or 'memory'},"
            f" rate limit: {limit}). Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.2):
            pass
        return 0
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
