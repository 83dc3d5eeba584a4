"""The plugin ends itself once its engine is gone (pulumi_openpanel.api.watchdog): a `pulumi` SIGKILLed with
its process group leaves no `python -m pulumi.dynamic` behind, since the CLI starts that plugin in a
process group of its own. A request already on the wire is let finish first (bounded), no new one starts.

The first tests drive the watchdog's decision in this process, with a stand-in engine and their own Wire;
the last one kills a real `pulumi up` while the answer to its create is held back.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path

import httpx
import pytest

from pulumi_openpanel.api import watchdog
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.api.pacing import RateLimiter
from pulumi_openpanel.api.run import Run, Wire, in_plugin
from pulumi_openpanel.api.sendlog import SendLog
from pulumi_openpanel.api.settings import ApiSettings
from pulumi_openpanel.api.watchdog import Watchdog
from pulumi_openpanel.errors import RunOverError
from tests.api.fakes import FakeClock, FakeServer, credentials, project_json, respond
from tests.support.kill_trials import Moment, TrialWorld, started_cli, stop_session, wait_for_moment
from tests.support.pulumi_cli import PulumiProject
from tests.support.retries import NO_RETRIES

GONE = "the Pulumi engine (process 4242) that started this plugin is gone"
# The bound the issue sets on a plugin left by a killed CLI, once nothing of ours is on the wire; the plugin
# looks every 0.5 s, the rest is room for a busy 2-core machine.
ENDS_WITHIN_S = 10.0
# How long a look may take to decide when it need not wait for anything.
PROMPT_S = 5.0
CREATED = respond(200, {"data": project_json("p1")})


class StandInEngine:
    """The run as the watchdog sees it: alive until ``die``."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def engine_gone(self) -> str | None:
        return self.reason

    def die(self) -> None:
        self.reason = GONE


class Ending:
    """Stands in for the process's end: records the status and when it came."""

    def __init__(self) -> None:
        self.ended = threading.Event()
        self.statuses: list[int] = []
        self.at = 0.0

    def __call__(self, status: int) -> None:
        self.statuses.append(status)
        self.at = time.monotonic()
        self.ended.set()


def held(enter: Callable[[], AbstractContextManager[None]]) -> threading.Event:
    """Hold ``enter()`` (a Wire's sending or writing) open in a thread until the returned event is set."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with enter():
            entered.set()
            release.wait(60.0)

    threading.Thread(target=hold, daemon=True).start()
    assert entered.wait(PROMPT_S)
    return release


def looking(dog: Watchdog) -> threading.Thread:
    thread = threading.Thread(target=dog.look, daemon=True)
    thread.start()
    return thread


def refused(wire: Wire) -> bool:
    try:
        with wire.sending():
            return False
    except RunOverError:
        return True


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# -- the decision, in this process ----------------------------------------------------------------------


def test_while_the_engine_runs_the_plugin_goes_on() -> None:
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    dog = Watchdog(engine, wire, end=ending)

    assert dog.look() is False
    assert ending.statuses == [] and not refused(wire)


def test_with_the_engine_gone_and_nothing_on_the_wire_it_ends_at_once_and_says_why(
        caplog: pytest.LogCaptureFixture) -> None:
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    dog = Watchdog(engine, wire, grace=60.0, end=ending)
    engine.die()

    with caplog.at_level(logging.INFO, logger="pulumi_openpanel.api.watchdog"):
        started = time.monotonic()
        assert dog.look() is True

    assert ending.statuses == [0] and ending.at - started < PROMPT_S
    [line] = [record.getMessage() for record in caplog.records]
    assert GONE in line and "no request of ours is on the wire" in line


def test_a_request_on_the_wire_is_let_finish_and_no_new_one_is_sent() -> None:
    """Its answer goes to the request log (what the server made, for whoever runs recover); cutting it would
    not undo what the server does. A request after the end has begun is refused, unsent."""
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    arrived, release = threading.Event(), threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        arrived.set()
        release.wait(60.0)
        return CREATED(request)

    server = FakeServer(FakeClock(), slow)
    api = ManageApi(credentials(), ApiSettings(retry=NO_RETRIES, rate_limit=None), transport=server.transport(),
                    wire=wire)
    created: list[str] = []
    sender = threading.Thread(target=lambda: created.append(api.create_project(ProjectCreate(name="Sent")).project.id),
                              daemon=True)
    sender.start()
    try:
        assert arrived.wait(PROMPT_S)
        engine.die()
        look = looking(Watchdog(engine, wire, grace=60.0, end=ending))
        assert wait_until(lambda: refused(wire), PROMPT_S)  # the end has begun: nothing new is sent
        assert not ending.ended.wait(0.5)  # ... but the answer under way is waited for
        answered = time.monotonic()
        release.set()
        assert ending.ended.wait(PROMPT_S)
        assert ending.statuses == [0] and ending.at >= answered
        sender.join(PROMPT_S)
        assert created == ["p1"]
        with pytest.raises(RunOverError):
            api.list_projects()
        assert [seen.method for seen in server.requests] == ["POST"]
        look.join(PROMPT_S)
    finally:
        release.set()


def test_a_request_that_outlasts_the_grace_is_cut(caplog: pytest.LogCaptureFixture) -> None:
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    release = held(wire.sending)
    engine.die()
    try:
        with caplog.at_level(logging.INFO, logger="pulumi_openpanel.api.watchdog"):
            started = time.monotonic()
            assert Watchdog(engine, wire, grace=0.3, end=ending).look() is True
        assert ending.statuses == [0] and 0.3 <= ending.at - started < 0.3 + PROMPT_S
        assert "1 request(s) still unanswered after 0.3 s" in caplog.records[-1].getMessage()
    finally:
        release.set()


class SlowSendLog(SendLog):
    """The pacing state file, whose rewrite holds until released."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, 11.0)
        self.writing, self.release = threading.Event(), threading.Event()

    def record(self) -> None:
        self.writing.set()
        self.release.wait(60.0)
        super().record()


def test_a_write_of_the_pacing_state_is_waited_for_past_the_grace(tmp_path: Path) -> None:
    """The pacer truncates then rewrites the file: an end between the two would lose the window's sends for
    the next process. (Past twice the grace it is cut too: a write that takes that long is stuck.)"""
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    send_log = SlowSendLog(tmp_path / "sends")
    limiter = RateLimiter(10, 10.0, send_log=send_log, wire=wire)
    threading.Thread(target=limiter.take, daemon=True).start()
    try:
        assert send_log.writing.wait(PROMPT_S)
        engine.die()
        look = looking(Watchdog(engine, wire, grace=0.2, end=ending))
        assert not ending.ended.wait(0.3)  # past the grace: still waiting for the write
        send_log.release.set()
        assert ending.ended.wait(PROMPT_S) and ending.statuses == [0]
        assert len(send_log.ages()) == 1  # written whole
        look.join(PROMPT_S)
    finally:
        send_log.release.set()


def test_the_watch_looks_until_the_engine_is_gone() -> None:
    engine, wire, ending = StandInEngine(), Wire(), Ending()
    thread = threading.Thread(target=Watchdog(engine, wire, poll=0.05, end=ending).watch, daemon=True)
    thread.start()
    assert not ending.ended.wait(0.3)
    died = time.monotonic()
    engine.die()
    assert ending.ended.wait(PROMPT_S) and ending.at - died < PROMPT_S
    thread.join(PROMPT_S)
    assert not thread.is_alive()


def test_outside_the_plugin_nothing_is_watched_or_started() -> None:
    """A program, a test or `recover` imports the same modules: the watchdog must not end them."""
    assert not in_plugin()
    assert watchdog.start_in_plugin() is None
    assert Run().engine_gone() is None
    assert Run(watch=True).engine_gone() is None  # this process's parent is alive


# -- a real `pulumi up`, SIGKILLed with its process group ----------------------------------------------

MARKER = "OPENPANEL_TEST_RUN"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def plugins_of(run: str) -> list[int]:
    """The live dynamic-provider plugins (`python -m pulumi.dynamic`) whose environment carries ``run``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pulumi.dynamic" in command and f"{MARKER}={run}".encode() in environment and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def program(uid: str, projects: int) -> str:
    return ("import pulumi_openpanel as op\n"
            f"for index in range({projects}):\n"
            f"    op.Project(f'web{{index}}', name=f'Web {uid} {{index}}', types=['website'])\n")


def run_of(world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str, projects: int) -> PulumiProject:
    """A program of ``projects`` projects whose processes carry ``uid`` in their environment."""
    return PulumiProject.from_source(program(uid, projects), pulumi_bin, tmp_path / "stack",
                                     env={**world.provider_env(), MARKER: uid})


def kill_cli_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to `pulumi` and its process group (a CI runner's cancel): the plugin has a group of its own."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def assert_plugins_end(uid: str, since: float) -> None:
    assert wait_until(lambda: not plugins_of(uid), ENDS_WITHIN_S), (
        f"plugin processes {plugins_of(uid)} still running {ENDS_WITHIN_S} s after nothing of theirs was on "
        "the wire and their engine was gone")
    assert time.monotonic() - since < ENDS_WITHIN_S


@pytest.fixture
def world() -> Iterator[TrialWorld]:
    with TrialWorld() as started:
        yield started


@pytest.fixture
def paced_world() -> Iterator[TrialWorld]:
    """A server that takes one request a minute, which the provider paces itself to."""
    with TrialWorld(rate_limit=(1, 60.0)) as started:
        yield started


@pytest.mark.cli
def test_the_plugin_of_a_killed_cli_ends_once_its_request_is_answered(
        world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str) -> None:
    """Killed while the answer to the plugin's create is held back: the plugin outlives the CLI while its
    request is on the wire, then ends itself."""
    project = run_of(world, pulumi_bin, tmp_path, uid, 1)
    world.proxy.arm(1)
    with started_cli(project, "up", "--yes", "--skip-preview") as process:
        try:
            assert wait_for_moment(process, Moment(nth=1), world.proxy), "the create never reached the server"
            plugins = plugins_of(uid)
            assert plugins, "no plugin process of this run found"

            kill_cli_group(process)
            assert not wait_until(lambda: not any(map(_alive, plugins)), 2.0), "ended with its request on the wire"
            answered = time.monotonic()
            world.proxy.release()

            assert_plugins_end(uid, answered)
        finally:
            kill_all(plugins_of(uid))
            stop_session(process)
            world.proxy.release()
            world.drain()


@pytest.mark.cli
def test_the_plugin_of_a_killed_cli_ends_while_its_creates_wait_for_the_pacer(
        paced_world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str) -> None:
    """Killed while the second create waits a minute for the pacer (the issue's case: nothing on the wire,
    the waits give up, and the plugin used to sit idle)."""
    world = paced_world
    project = run_of(world, pulumi_bin, tmp_path, uid, 2)
    world.proxy.arm(1)
    with started_cli(project, "up", "--yes", "--skip-preview") as process:
        try:
            assert wait_for_moment(process, Moment(nth=1), world.proxy), "the create never reached the server"
            world.proxy.release()
            assert wait_until(lambda: world.proxy.count(method="POST") == 1, 30.0)  # answered; the next one waits
            assert plugins_of(uid), "no plugin process of this run found"

            killed = time.monotonic()
            kill_cli_group(process)

            assert_plugins_end(uid, killed)
            assert world.proxy.count(method="POST") == 1
        finally:
            kill_all(plugins_of(uid))
            stop_session(process)
            world.proxy.release()
            world.drain()
