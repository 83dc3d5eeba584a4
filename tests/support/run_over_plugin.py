"""A stand-in for the provider plugin, for tests/reliability/test_run_over.py: a process that creates one
project on an emulator, then tries a second one that must wait a minute for the pacer, and writes to a
status file what happened, so that the test can end the run (kill the engine, stop the plugin) while the
second create waits, and check that it gave up in time without sending.

    python -m tests.support.run_over_plugin {engine|grpc} STATUS_FILE   (credentials: OPENPANEL_API_URL, ...)

``engine``: the wait runs on the main thread, with a Run that watches the engine (this process's parent,
or its launcher script's parent), as the real plugin's does. ``grpc``: as the Python SDK's dynamic
provider server runs: a gRPC server on 127.0.0.1 whose handler (a worker thread, with a ``context``
argument) makes the creates, and a main thread that turns SIGINT into ``server.stop(0)``; the port goes
to the status file and the test calls the handler.

Status lines: ``port N``, ``sent``, ``waiting``, then ``gave up <monotonic time> <error>`` or ``sent again``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent import futures
from pathlib import Path
from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.api.pacing import RateLimiter, SystemClock
from pulumi_openpanel.api.run import Run
from pulumi_openpanel.api.settings import ApiSettings, Credentials
from pulumi_openpanel.errors import RunOverError
from tests.support.retries import NO_RETRIES

SERVICE = "openpanel.test.Plugin"


def note(status: Path, line: str) -> None:
    with status.open("a") as sink:
        sink.write(line + "\n")


def creates(status: Path, run: Run) -> None:
    """One create, then a second that waits for the pacer (one request a minute) and must give up."""
    clock = SystemClock(run)
    credentials = Credentials(os.environ["OPENPANEL_API_URL"], os.environ["OPENPANEL_CLIENT_ID"],
                              os.environ["OPENPANEL_CLIENT_SECRET"])
    limiter = RateLimiter(1, 60.0, clock=clock)
    ManageApi(credentials, ApiSettings(retry=NO_RETRIES), clock=clock, limiter=limiter).create_project(
        ProjectCreate(name="Run over first", types=["website"]))
    note(status, "sent")
    # A new client, as the provider makes one per operation: it has sent nothing, so nothing shields it.
    api = ManageApi(credentials, ApiSettings(retry=NO_RETRIES), clock=clock, limiter=limiter)
    note(status, "waiting")
    try:
        api.create_project(ProjectCreate(name="Run over second", types=["website"]))
    except RunOverError as exc:
        note(status, f"gave up {time.monotonic()} {exc}")
        return
    note(status, "sent again")


def serve(status: Path) -> None:
    """The SDK's server loop in miniature (pulumi/dynamic/__main__.py): 4 workers, SIGINT -> stop(0)."""
    import grpc

    run = Run(watch=True)
    # The real engine starts its plugins with SIGINT at its default even when `pulumi` itself was started
    # with it ignored (Go's signal.Notify, which the CLI calls for SIGINT, undoes an inherited ignore), so
    # the SDK's loop always hears it. A test run started that way (a background job of a shell script
    # ignores SIGINT, and passes that on) must not make this stand-in deaf to the signal the test sends.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def create(request: bytes, context: grpc.ServicerContext) -> bytes:
        creates(status, run)
        return b""

    handler = grpc.method_handlers_generic_handler(SERVICE, {"Create": grpc.unary_unary_rpc_method_handler(create)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    note(status, f"port {port}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop(0)


def main(argv: list[str]) -> int:
    mode, status = argv[1], Path(argv[2])
    if mode == "engine":
        creates(status, Run(watch=True))
    elif mode == "grpc":
        serve(status)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


def call_create(port: int) -> Any:
    """The engine's side of the ``grpc`` mode: call Create and wait for its end (it fails once stopped)."""
    import grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        create = channel.unary_unary(f"/{SERVICE}/Create")
        try:
            return create(b"", timeout=120)
        except grpc.RpcError as exc:
            return exc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
