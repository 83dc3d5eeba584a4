"""Waits give up when the run is over (pulumi_openpanel.api.run.Run): a request waiting for the pacer, a
retry or a 429's reset raises RunOverError without being sent once the engine cancels, is gone, or stops
the plugin; a request already sent is never abandoned; an operation that has sent a change finishes.

The first tests run in this process with a cancellation they trigger; the last ones start a stand-in of
the plugin (tests/support/run_over_plugin.py) against an emulator, end its run for real (SIGKILL to its
engine, SIGINT to it) and count what reached the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import suppress
from pathlib import Path
from typing import Any
from unittest import mock

import grpc
import httpx
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.api.pacing import RateLimiter, SystemClock
from pulumi_openpanel.api.run import Run, hook_engine_cancel
from pulumi_openpanel.api.settings import ApiSettings, RetryPolicy
from pulumi_openpanel.errors import RunOverError
from tests.api.fakes import FakeClock, FakeServer, credentials, project_json, respond
from tests.support import run_over_plugin
from tests.support.retries import NO_RETRIES

# How soon a waiting request must give up, against waits of 60 s it would otherwise sit out. It wakes at
# once on a Cancel and looks every 0.1 s for a death or a stop; the bounds leave room for thread and
# process scheduling on a busy 2-core CI machine while staying far below those 60 s. What a cancelled
# run costs in practice is measured by benchmarks/kill_trials.py.
ON_CANCEL_S = 2.0
ON_DEATH_S = 5.0
CREATED = respond(200, {"data": project_json("p1")})
LISTED = respond(200, {"data": []})


def api_on(server: FakeServer, run: Run, limiter: RateLimiter | None = None,
           policy: RetryPolicy = NO_RETRIES) -> ManageApi:
    clock = SystemClock(run)
    return ManageApi(credentials(), ApiSettings(retry=policy), transport=server.transport(), clock=clock,
                     limiter=limiter or RateLimiter(1, 60.0, clock=clock), rand=lambda: 0.5)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call`` in a thread; the dict gets its ``result`` or ``error``, and ``ended`` (monotonic)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def end_within(thread: threading.Thread, seconds: float) -> None:
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting {seconds} s after the run ended"


# -- in this process ----------------------------------------------------------------------------------


def test_a_request_waiting_for_the_pacer_gives_up_on_a_cancel_without_being_sent() -> None:
    run = Run()
    server = FakeServer(FakeClock(), CREATED)
    limiter = RateLimiter(1, 60.0, clock=SystemClock(run))
    api_on(server, run, limiter).create_project(ProjectCreate(name="First"))
    thread, outcome = in_thread(lambda: api_on(server, run, limiter).create_project(ProjectCreate(name="Second")))
    time.sleep(0.3)
    assert thread.is_alive() and len(server.requests) == 1  # waiting for the pacer: a minute
    cancelled = time.monotonic()
    run.cancel("the Pulumi engine cancelled the deployment")
    end_within(thread, 5.0)
    assert isinstance(outcome.get("error"), RunOverError), outcome
    assert outcome["ended"] - cancelled < ON_CANCEL_S
    assert "not sent: the Pulumi engine cancelled the deployment" in str(outcome["error"])
    assert len(server.requests) == 1


@pytest.mark.parametrize("reply", [
    respond(429, {"message": "slow down"}, headers={"retry-after": "60"}),
    respond(503, {"message": "down"}),
], ids=["429-reset", "5xx-backoff"])
def test_a_retry_wait_gives_up_on_a_cancel(reply: Callable[[httpx.Request], httpx.Response]) -> None:
    run = Run()
    server = FakeServer(FakeClock(), reply)
    policy = RetryPolicy(max_attempts=5, base_delay=60.0, max_delay=60.0, max_elapsed=600.0)
    api = api_on(server, run, RateLimiter(100, 1.0, clock=SystemClock(run)), policy)
    thread, outcome = in_thread(api.list_projects)
    deadline = time.monotonic() + 5.0
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert thread.is_alive() and len(server.requests) == 1  # sleeping before the retry
    cancelled = time.monotonic()
    run.cancel("cancelled")
    end_within(thread, 5.0)
    assert isinstance(outcome.get("error"), RunOverError), outcome
    assert outcome["ended"] - cancelled < ON_CANCEL_S
    assert len(server.requests) == 1


def test_a_request_already_sent_is_not_abandoned() -> None:
    """Its answer decides what the state records: the cancel waits for it."""
    run = Run()
    arrived, release = threading.Event(), threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        arrived.set()
        release.wait(10.0)
        return CREATED(request)

    server = FakeServer(FakeClock(), slow)
    thread, outcome = in_thread(lambda: api_on(server, run).create_project(ProjectCreate(name="Sent")))
    assert arrived.wait(5.0)
    run.cancel("cancelled")
    time.sleep(0.2)
    release.set()
    end_within(thread, 5.0)
    assert outcome["result"].project.id == "p1", outcome


def test_after_a_change_its_operation_finishes_despite_the_cancel_and_a_new_one_does_not_start() -> None:
    """A create whose POST went out goes on with its follow-ups (the engine records what it returns);
    another operation, which has sent nothing, gives up."""
    run = Run()
    server = FakeServer(FakeClock(), CREATED, LISTED)
    limiter = RateLimiter(1, 0.5, slack=0.0, clock=SystemClock(run))
    started = api_on(server, run, limiter)
    started.create_project(ProjectCreate(name="Sent"))
    run.cancel("cancelled")
    assert started.list_projects() == []  # waited for the pacer's half second, then went
    with pytest.raises(RunOverError):
        api_on(server, run, limiter).list_projects()
    assert [seen.method for seen in server.requests] == ["POST", "GET"]


def test_the_run_is_over_for_a_call_whose_grpc_context_ended() -> None:
    """The engine's connection closed or the plugin's server stopped: the call's context says so."""
    run = Run(watch=True)
    call = mock.Mock(spec=grpc.ServicerContext)

    def serving(context: Any) -> str | None:  # a handler's frame, as the SDK's Create(self, request, context)
        return run.reason()

    call.is_active.return_value = True
    assert serving(call) is None
    call.is_active.return_value = False
    assert "stopped waiting for this operation" in (serving(call) or "")
    assert run.reason() is None  # outside the call, nothing is over


class SdkLikeServicer(provider_pb2_grpc.ResourceProviderServicer):
    """Cancel as the SDK's dynamic provider answers it: nothing done; Delete holds its worker until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def Delete(self, request: Any, context: Any) -> Any:
        self.release.wait(30.0)
        return empty_pb2.Empty()


@pytest.fixture
def provider_server() -> Iterator[tuple[SdkLikeServicer, grpc.Channel]]:
    """A ResourceProvider server as the SDK builds it, but with 2 workers, on 127.0.0.1."""
    servicer = SdkLikeServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield servicer, channel
    finally:
        servicer.release.set()
        channel.close()
        server.stop(0)


def test_the_engines_cancel_rpc_reaches_the_run_once_hooked(
        provider_server: tuple[SdkLikeServicer, grpc.Channel]) -> None:
    _, channel = provider_server
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    run = Run()
    stub.Cancel(empty_pb2.Empty(), timeout=10)
    assert run.reason() is None  # the SDK's handler drops it
    assert hook_engine_cancel(run)
    stub.Cancel(empty_pb2.Empty(), timeout=10)
    assert run.reason() == "the Pulumi engine cancelled the deployment"


# -- a plugin-like process, its run ended for real -----------------------------------------------------

ENGINE = "import subprocess, sys; subprocess.Popen(sys.argv[1:]).wait()"
PLUGIN = run_over_plugin.__name__
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plugin_world(fresh_emulator: Callable[..., Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An emulator without a rate limit (the stand-in paces itself), its credentials in the environment of
    the processes the test starts, and their cleanup (each is started in a session of its own)."""
    emulator = fresh_emulator(rate_limit=None)
    organization = emulator.seed_organization("Run over")
    env = {**os.environ, "OPENPANEL_API_URL": emulator.api_url, "OPENPANEL_CLIENT_ID": organization.client_id,
           "OPENPANEL_CLIENT_SECRET": organization.client_secret, "PYTHONPATH": str(REPO)}
    started: list[subprocess.Popen[bytes]] = []
    world = {"emulator": emulator, "env": env, "started": started, "status": tmp_path / "status"}
    try:
        yield world
    finally:
        for process in started:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def status_lines(status: Path) -> list[str]:
    return status.read_text().splitlines() if status.exists() else []


def wait_for_status(status: Path, prefix: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in status_lines(status):
            if line.startswith(prefix):
                return line
        time.sleep(0.02)
    raise AssertionError(f"no {prefix!r} within {seconds} s: {status_lines(status)}")


def gave_up_at(line: str) -> float:
    return float(line.split()[2])


def test_a_plugin_whose_engine_is_killed_gives_up_its_wait_without_sending(
        plugin_world: dict[str, Any], tmp_path: Path) -> None:
    """engine -> launcher script (pulumi-resource-*, which stays the plugin's parent) -> plugin, as the CLI
    starts it; SIGKILL to the engine orphans the launcher: the plugin's waiting create must give up."""
    status: Path = plugin_world["status"]
    launcher = tmp_path / "pulumi-resource-openpanel-test"
    launcher.write_text(f'#!/bin/sh\n"{sys.executable}" -m {PLUGIN} engine "{status}"\n')
    launcher.chmod(0o755)
    engine = subprocess.Popen([sys.executable, "-c", ENGINE, str(launcher)], cwd=REPO, env=plugin_world["env"],
                              start_new_session=True)
    plugin_world["started"].append(engine)
    wait_for_status(status, "waiting", 30.0)
    time.sleep(0.3)
    assert status_lines(status)[-1] == "waiting"  # its engine alive, it waits for the pacer
    killed = time.monotonic()
    engine.kill()
    engine.wait(timeout=10)
    line = wait_for_status(status, "gave up", 5.0)
    assert gave_up_at(line) - killed < ON_DEATH_S, line
    assert "that started this plugin is gone" in line
    time.sleep(0.2)
    assert plugin_world["emulator"].requests.count(method="POST") == 1


def test_a_plugin_stopped_by_sigint_gives_up_its_calls_wait_without_sending(plugin_world: dict[str, Any]) -> None:
    """The SDK's server loop: SIGINT -> server.stop(0), which ends the call whose worker waits; the worker
    must give up (else it would send, and the interpreter would wait for it on the way out)."""
    status: Path = plugin_world["status"]
    plugin = subprocess.Popen([sys.executable, "-m", PLUGIN, "grpc", str(status)], cwd=REPO,
                              env=plugin_world["env"], start_new_session=True)
    plugin_world["started"].append(plugin)
    port = int(wait_for_status(status, "port", 30.0).split()[1])
    caller, outcome = in_thread(lambda: run_over_plugin.call_create(port))
    wait_for_status(status, "waiting", 30.0)
    time.sleep(0.3)
    assert status_lines(status)[-1] == "waiting"
    stopped = time.monotonic()
    plugin.send_signal(signal.SIGINT)
    line = wait_for_status(status, "gave up", 5.0)
    assert gave_up_at(line) - stopped < ON_DEATH_S, line
    assert plugin.wait(timeout=10) == 0
    end_within(caller, 10.0)
    assert isinstance(outcome.get("result"), grpc.RpcError)
    assert plugin_world["emulator"].requests.count(method="POST") == 1


def test_the_engines_cancel_is_heard_while_every_worker_is_busy(
        provider_server: tuple[SdkLikeServicer, grpc.Channel]) -> None:
    """The operations waiting for the pacer hold the server's workers; the Cancel must not wait in line
    behind them (it would be heard only once they had sent)."""
    servicer, channel = provider_server
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    run = Run()
    assert hook_engine_cancel(run)
    busy = [stub.Delete.future(provider_pb2.DeleteRequest(), timeout=30) for _ in range(3)]  # 2 workers + 1 queued
    time.sleep(0.3)
    cancel = stub.Cancel.future(empty_pb2.Empty(), timeout=30)
    deadline = time.monotonic() + ON_CANCEL_S + 0.75
    while run.reason() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.reason() == "the Pulumi engine cancelled the deployment"
    assert not cancel.done() and not any(call.done() for call in busy)  # heard before a worker took it
    servicer.release.set()
    cancel.result(timeout=10)
    for call in busy:
        call.result(timeout=10)
