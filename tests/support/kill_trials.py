"""Kill trials: a real `pulumi up` cut short by a signal, then recovery, then another `pulumi up`, and a count
of what the server holds that the state does not (and the reverse).

The CLI is started in a session of its own and only the `pulumi` process is signalled, as a CI runner
cancelling a job does: SIGKILL alone, or SIGINT (or SIGTERM) first and SIGKILL some seconds later. Then
every process left in that session (the language host survives a SIGKILLed CLI) is killed, so a trial
stops everything it started.

A run is cut either after some seconds, or at the moment the answer to its N-th POST is held back by
the proxy (the server has committed the create, the provider has not heard of it): the second way makes
sure the kill leaves an object on the server that the state does not know, which is what recovery must
handle, so a test built on it fails when recovery does not do its job.

Used by tests/recovery (a few trials) and benchmarks/kill_trials.py (the full loop with figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.settings import ApiSettings, Credentials
from pulumi_openpanel.core.schema import PROJECT, in_state
from pulumi_openpanel.emulator import EmulatorServer
from pulumi_openpanel.emulator.app import RequestRecord
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject

# Bounds on every wait, so that a trial ends whatever the CLI does.
RUN_TIMEOUT_S = 300.0
HOLD_LIMIT_S = 60.0
REAP_TIMEOUT_S = 30.0


def trial_program(uid: str, projects: int, clients: int, references: int) -> str:
    """A program with dependencies that spread its creates over the run: every client and reference
    belongs to a project, each reference waits for its project's client, and the second half of the
    projects waits for the first half."""
    return f"""
        import pulumi
        import pulumi_openpanel as op

        projects = []
        for index in range({projects}):
            after = [projects[index - {projects} // 2]] if index >= {projects} // 2 and {projects} > 1 else []
            projects.append(op.Project(f"web{{index}}", name=f"Web {uid} {{index}}", types=["website"],
                                       opts=pulumi.ResourceOptions(depends_on=after)))
        readers = []
        for index in range({clients}):
            reader = op.Client(f"reader{{index}}", name=f"Reader {uid} {{index}}",
                               project_id=projects[index % {projects}].id, type="read")
            readers.append(reader)
            pulumi.export(f"reader{{index}}_secret", reader.secret)
        for index in range({references}):
            after = [readers[index % {clients}]] if {clients} else []
            op.Reference(f"launch{{index}}", project_id=projects[index % {projects}].id,
                         title=f"Launch {uid} {{index}}", datetime="2026-12-01T10:00:00Z",
                         opts=pulumi.ResourceOptions(depends_on=after))
    """


class HoldingProxy(RecordingProxy):
    """The recording proxy with network latency, which can also hold back the answer to one request.

    ``latency`` seconds pass on every request, half before the server sees it and half after (so a kill
    often finds creates the server has committed and the provider has not heard of). After
    ``arm(nth, method)`` the answer to the ``nth`` request of that method is held until :meth:`release`
    (or ``HOLD_LIMIT_S``), and ``held`` is set once the server has acted on it.
    """

    def __init__(self, upstream: str, *, latency: float = 0.0) -> None:
        super().__init__(upstream)
        self.latency = latency
        self.held = threading.Event()
        self._release = threading.Event()
        self._hold_nth: int | None = None
        self._hold_method = "POST"
        self._seen = 0
        self._count_lock = threading.Lock()
        # time.monotonic() of the first and the latest request since arm(): when a run talks to the server.
        self.first_request: float | None = None
        self.last_request: float | None = None
        # (time.monotonic(), method) of every request since arm(), as it reached the proxy.
        self.arrivals: list[tuple[float, str]] = []

    def arm(self, nth: int | None, method: str = "POST") -> None:
        with self._count_lock:
            self._hold_nth, self._hold_method, self._seen = nth, method, 0
            self.first_request = self.last_request = None
            self.arrivals = []
        self.held.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    async def _handle(self, request: Request) -> Response:
        hold = False
        with self._count_lock:
            self.first_request = self.first_request or time.monotonic()
            self.last_request = time.monotonic()
            self.arrivals.append((self.last_request, request.method))
            if request.method == self._hold_method:
                self._seen += 1
                hold = self._seen == self._hold_nth
        if not hold and not self.latency:
            return await super()._handle(request)
        body = await request.body()
        await asyncio.sleep(self.latency / 2)
        answer = await self._send_upstream(request, request.url.path, body)
        if hold:
            self.held.set()
            deadline = time.monotonic() + HOLD_LIMIT_S
            while not self._release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        else:
            await asyncio.sleep(self.latency / 2)
        self.requests.append(RequestRecord(request.method, request.url.path, answer.status_code))
        return answer


@dataclass(frozen=True)
class KillPlan:
    """The signals a trial sends to the `pulumi` process: ``first`` (``twice``: again every half second while
    it runs, as a person presses Ctrl-C again; pulumi's signal channel holds one signal, and its handler
    can be busy with the previous one, so a second signal may be dropped), then SIGKILL ``grace`` seconds
    after the first if it is still running (a CI runner's cancel); ``first=SIGKILL`` is a kill -9 alone."""

    first: signal.Signals = signal.SIGKILL
    grace: float = 10.0
    twice: bool = False

    @property
    def label(self) -> str:
        if self.first == signal.SIGKILL:
            return "SIGKILL"
        return f"{self.first.name}{' twice' if self.twice else ''}, SIGKILL {self.grace:g} s later"


@dataclass(frozen=True)
class Moment:
    """When a trial signals: ``after`` seconds into the run, or once the server has acted on request number
    ``nth`` of ``method`` and its answer is held back."""

    after: float | None = None
    nth: int | None = None
    method: str = "POST"

    @property
    def label(self) -> str:
        return f"at {self.after:.1f} s" if self.after is not None else f"with {self.method} #{self.nth} done"


@dataclass
class Inventory:
    """Server objects of one trial (by id, with what identifies the program's resource) and state ids."""

    server: dict[str, tuple[str, ...]]
    state: set[str]

    @property
    def orphans(self) -> set[str]:
        return set(self.server) - self.state

    @property
    def lost(self) -> set[str]:
        return self.state - set(self.server)

    @property
    def duplicates(self) -> int:
        """Extra objects for one resource of the program (two projects of one name, ...)."""
        counts = Counter(identity for identity in self.server.values() if identity[0] != "write-client")
        return sum(count - 1 for count in counts.values())


@dataclass
class TrialResult:
    index: int
    kill: str
    moment: str
    recovered: bool
    cut: bool = False  # whether the signal found the run still going
    exit_signal: str = ""
    pending_after_kill: int = 0
    pending_creates_after_kill: int = 0
    locked_after_kill: bool = False
    exit_seconds: float = 0.0  # from the first signal to the CLI's end
    posts_after_signal: int = 0  # POSTs that reached the server after the first signal (from any process)
    unrecorded_after_kill: int = 0  # objects on the server the state did not hold, right after the kill
    leftover_processes: int = 0  # processes of the CLI's session still running after the signals
    still_running: int = 0  # ... and after the trial killed them (must be 0)
    recovery_status: int | None = None
    recovery_output: str = ""
    second_up_status: int | None = None
    second_up_output: str = ""
    orphans: int = 0
    lost: int = 0
    duplicates: int = 0
    pending_at_end: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.recovery_status) or self.second_up_status != 0

    @property
    def clean(self) -> bool:
        return not self.failed and not (self.orphans or self.lost or self.duplicates or self.pending_at_end
                                        or self.still_running)


class TrialWorld:
    """A private emulator behind a holding proxy, and the root client the trials use. No rate limit unless
    ``rate_limit`` is given (then the provider paces itself to it, as against OpenPanel).

    ``linger``: seconds the processes that outlive a killed CLI (the plugin, in a process group of its own,
    which a runner killing the CLI's group does not reach) may go on before the trial kills them; 0 kills
    them at once. What they send meanwhile makes objects no state records."""

    def __init__(self, *, latency: float = 0.0, rate_limit: tuple[int, float] | None = None,
                 linger: float = 0.0) -> None:
        self.rate_limit = rate_limit
        self.linger = linger
        self.emulator = EmulatorServer(rate_limit=rate_limit).start()
        try:
            organization = self.emulator.seed_organization("Kill trials")
            self.credentials = Credentials(self.emulator.api_url, organization.client_id, organization.client_secret)
            self.proxy = HoldingProxy(self.emulator.api_url, latency=latency)
            self.proxy.start()
        except BaseException:
            self.emulator.stop()
            raise
        self.api = ManageApi(self.credentials, ApiSettings(rate_limit=rate_limit))
        # Of the latest cut: when its first signal went, and how long the CLI took to end after it.
        self.signalled_at: float | None = None
        self.exit_seconds = 0.0

    def provider_env(self) -> dict[str, str]:
        pacing = "off" if self.rate_limit is None else f"{self.rate_limit[0]}/{self.rate_limit[1]:g}"
        return {"OPENPANEL_API_URL": self.proxy.url, "OPENPANEL_CLIENT_ID": self.credentials.client_id,
                "OPENPANEL_CLIENT_SECRET": self.credentials.client_secret, "OPENPANEL_RATE_LIMIT": pacing}

    def close(self) -> None:
        self.proxy.release()
        self.proxy.stop()
        self.emulator.stop()

    def __enter__(self) -> TrialWorld:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def inventory(self, project: PulumiProject, uid: str) -> Inventory:
        projects = [p for p in self.api.list_projects() if uid in p.name]
        ids = {p.id for p in projects}
        names = {p.id: p.name for p in projects}
        server: dict[str, tuple[str, ...]] = {p.id: ("project", p.name) for p in projects}
        for client in self.api.list_clients():
            if client.project_id in ids:
                kind = "write-client" if client.name == "First client" else "client"
                server[client.id] = (kind, client.name, names[client.project_id] if kind == "write-client" else "")
        for reference in self.api.list_references():
            if reference.project_id in ids:
                server[reference.id] = ("reference", reference.title)
        state: set[str] = set()
        for resource in project.export()["deployment"].get("resources") or []:
            recorded = in_state(resource.get("type"))
            if recorded is not None:
                state.add(resource["id"])
                # A project's first write client, whichever door's spelling the state records it in.
                write_client = recorded.declared(resource.get("outputs") or {}).get("client_id")
                if recorded.resource is PROJECT and write_client:
                    state.add(write_client)
        return Inventory(server, state)

    def full_run_seconds(self, project: PulumiProject) -> tuple[float, float, float]:
        """An uninterrupted `pulumi up` of ``project``, then its destroy: how long the up took, and when its
        first and last requests reached the proxy (seconds from its start), the scale for kill times."""
        self.proxy.arm(None)
        started = time.monotonic()
        project.up()
        elapsed = time.monotonic() - started
        first, last = self.proxy.first_request or started, self.proxy.last_request or started
        project.destroy()
        return elapsed, first - started, last - started

    def cut(self, project: PulumiProject, moment: Moment, kill: KillPlan, *args: str) -> tuple[bool, str, int, int]:
        """Run `pulumi ARGS` and signal it at ``moment``: whether it was still running then, how it ended,
        how many processes of its session outlived it, and how many were left after killing them (0)."""
        self.proxy.arm(moment.nth, moment.method)
        self.signalled_at = None
        self.exit_seconds = 0.0
        with started_cli(project, *args) as process:
            ended = ""
            try:
                cut = wait_for_moment(process, moment, self.proxy)
                if cut:
                    self.signalled_at = time.monotonic()
                    ended = send_kill(process, kill)
                    self.exit_seconds = time.monotonic() - self.signalled_at
                    if self.linger and _session_members(process.pid):
                        time.sleep(self.linger)
            finally:
                leftover = stop_session(process)
                self.proxy.release()
                self.drain()
            return cut, ended, leftover, len(_session_members(process.pid))

    def drain(self) -> None:
        """Wait (bounded) until the proxy has passed on every request the killed run had sent: like a network,
        it delivers them after their sender is gone, and what they create belongs to the count."""
        deadline = time.monotonic() + REAP_TIMEOUT_S
        while self.proxy.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)

    def trial(self, project: PulumiProject, uid: str, index: int, moment: Moment, kill: KillPlan, *,
              recover: bool = True) -> TrialResult:
        """One `pulumi up` cut short, recovery (or, with ``recover=False``, only what `pulumi up` needs to run
        at all: `pulumi cancel` when the stack is locked), a second `pulumi up`, and the count."""
        result = TrialResult(index, kill.label, moment.label, recover)
        result.cut, result.exit_signal, result.leftover_processes, result.still_running = self.cut(
            project, moment, kill, "up", "--yes", "--skip-preview")
        result.exit_seconds = self.exit_seconds
        if self.signalled_at is not None:
            result.posts_after_signal = sum(1 for at, method in self.proxy.arrivals
                                            if method == "POST" and at >= self.signalled_at)
        state = project.export()["deployment"]
        pending = state.get("pending_operations") or []
        result.pending_after_kill = len(pending)
        result.pending_creates_after_kill = sum(1 for op in pending if op.get("type") == "creating")
        result.locked_after_kill = bool(lock_files(project))
        result.unrecorded_after_kill = len(self.inventory(project, uid).orphans)
        if recover:
            done = subprocess.run(
                [sys.executable, "-m", "pulumi_openpanel.cli", "recover", "--stack", project.stack],
                cwd=project.directory, env=project.env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                check=False)
            result.recovery_status, result.recovery_output = done.returncode, done.stdout + done.stderr
        elif result.locked_after_kill:
            project.pulumi("cancel", "--yes")
        second = project.up(check=False)
        result.second_up_status, result.second_up_output = second.returncode, second.output[-3000:]
        counted = self.inventory(project, uid)
        result.orphans, result.lost, result.duplicates = len(counted.orphans), len(counted.lost), counted.duplicates
        result.pending_at_end = len(project.export()["deployment"].get("pending_operations") or [])
        return result


@contextmanager
def started_cli(project: PulumiProject, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """`pulumi ARGS` in the project, in a new session (its own process group), output to a log file."""
    log = project.scratch / f"cut-{time.monotonic_ns()}.log"
    command = [str(project.bin_dir / "pulumi"), "--non-interactive", "--color=never", *args, "--stack", project.stack]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=project.directory, env=project.env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            stop_session(process)


def wait_for_moment(process: subprocess.Popen[bytes], moment: Moment, proxy: HoldingProxy) -> bool:
    """Wait for the moment to signal; False when the run ended first (nothing to cut)."""
    deadline = time.monotonic() + (moment.after if moment.after is not None else RUN_TIMEOUT_S)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if moment.nth is not None and proxy.held.is_set():
            return True
        time.sleep(0.02)
    return process.poll() is None and moment.after is not None


def send_kill(process: subprocess.Popen[bytes], kill: KillPlan) -> str:
    """Signal the `pulumi` process only; returns how it ended ("SIGKILL", "exit 255", ...)."""
    process.send_signal(kill.first)
    if kill.first != signal.SIGKILL:
        deadline = time.monotonic() + kill.grace
        while process.poll() is None and time.monotonic() < deadline:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=min(0.5, max(deadline - time.monotonic(), 0.01)))
            if kill.twice and process.poll() is None and time.monotonic() < deadline:
                process.send_signal(kill.first)
        if process.poll() is None:
            process.kill()
    try:
        status = process.wait(timeout=REAP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "still running"
    return signal.Signals(-status).name if status < 0 else f"exit {status}"


def _session_members(session: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except (OSError, ProcessLookupError, IndexError):
            continue
        if state != "Z":
            members.append(int(entry.name))
    return members


def stop_session(process: subprocess.Popen[bytes]) -> int:
    """Kill whatever is left of the CLI's session (its process group and every process that made a group of
    its own, such as the language host); returns how many processes were still running."""
    session = process.pid
    if process.poll() is None:
        process.kill()
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=REAP_TIMEOUT_S)
    leftover = _session_members(session)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(session, signal.SIGKILL)
    deadline = time.monotonic() + REAP_TIMEOUT_S
    remaining = leftover
    while remaining and time.monotonic() < deadline:
        for pid in remaining:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
        remaining = _session_members(session)
    return len(leftover)


def stop_strays(directory: Path) -> int:
    """Kill processes working in or started from ``directory`` (a run's scratch space): what an interrupted
    run of plain `pulumi` commands leaves (the language host outlives its CLI). Returns how many."""
    mine = str(directory.resolve())
    found = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(mine) or mine in command:
            with suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)
                found += 1
    return found


def lock_files(project: PulumiProject) -> list[Path]:
    """The lock files of the project's file backend (a SIGKILLed CLI leaves its lock behind)."""
    locks = project.scratch / "state" / ".pulumi" / "locks"
    return sorted(locks.rglob("*.json")) if locks.is_dir() else []


def summarize(results: list[TrialResult]) -> dict[str, Any]:
    """The figures of a set of trials, per kill plan and in total."""

    def figures(subset: list[TrialResult]) -> dict[str, Any]:
        cut = [r for r in subset if r.cut]
        return {
            "trials": len(subset),
            "cut": len(cut),
            "pending_after_kill": sum(r.pending_after_kill for r in cut),
            "pending_creates_after_kill": sum(r.pending_creates_after_kill for r in cut),
            "locked_after_kill": sum(r.locked_after_kill for r in cut),
            "posts_after_signal": sum(r.posts_after_signal for r in cut),
            "exit_seconds_mean": round(sum(r.exit_seconds for r in cut) / len(cut), 1) if cut else 0.0,
            "unrecorded_after_kill": sum(r.unrecorded_after_kill for r in cut),
            "leftover_processes": sum(r.leftover_processes for r in cut),
            "still_running": sum(r.still_running for r in subset),
            "failed": sum(r.failed for r in subset),
            "orphans": sum(r.orphans for r in subset),
            "lost": sum(r.lost for r in subset),
            "duplicates": sum(r.duplicates for r in subset),
            "pending_at_end": sum(r.pending_at_end for r in subset),
        }

    by_kill: dict[str, list[TrialResult]] = {}
    for result in results:
        by_kill.setdefault(result.kill, []).append(result)
    return {"total": figures(results), "by_kill": {kill: figures(subset) for kill, subset in by_kill.items()}}


def describe(result: TrialResult) -> str:
    """One trial in a line, and the outputs when it went wrong (never a secret: outputs are redacted by
    the CLI and by recover)."""
    line = (f"trial {result.index}: {result.kill} {result.moment}: "
            + ("cut" if result.cut else "ran to the end") + f" ({result.exit_signal or '-'}), "
            f"pending {result.pending_after_kill} ({result.pending_creates_after_kill} creates), "
            f"locked {result.locked_after_kill}, ended {result.exit_seconds:.1f} s after the signal, "
            f"POSTs after it {result.posts_after_signal}, unrecorded {result.unrecorded_after_kill}, "
            f"leftover processes {result.leftover_processes}; recovery {result.recovery_status}, "
            f"second up {result.second_up_status}; orphans {result.orphans}, lost {result.lost}, "
            f"duplicates {result.duplicates}, pending at end {result.pending_at_end}")
    if not result.clean:
        line += "\n--- recovery ---\n" + result.recovery_output + "\n--- second up ---\n" + result.second_up_output
    return line


def as_json(results: list[TrialResult]) -> str:
    return json.dumps(summarize(results), indent=2)
