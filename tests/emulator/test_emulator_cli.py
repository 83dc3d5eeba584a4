"""``python -m pulumi_openpanel.emulator`` as a user runs it: a real process, real signals."""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx
import pytest

from pulumi_openpanel.api.settings import DEFAULT_RATE_LIMIT, parse_rate_limit
from pulumi_openpanel.cli import main as pulumi_openpanel_main
from pulumi_openpanel.emulator.cli import _FORCED_STOP_TIMEOUT, add_arguments
from pulumi_openpanel.emulator.stop_signals import STOP_SIGNALS, StopSignals
from tests.support.imports import modules_loaded_by

_READ_TIMEOUT = 20.0
_EXIT_TIMEOUT = 15.0
# How soon a stop signal must end the emulator: the brief for issue 13 says "within a few seconds".
_STOP_DEADLINE = 5.0
_EMULATOR = ("-m", "pulumi_openpanel.emulator")
_COMMAND = ("-m", "pulumi_openpanel.cli", "emulator")  # what the `pulumi-openpanel emulator` script runs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _assert_port_free(port: int, *, after_connections: bool = False) -> None:
    """Listen on ``port`` as a restarted emulator would: the old one must have let it go.

    Without connections a plain bind proves it. With some, the emulator's side may linger in
    TIME_WAIT, which SO_REUSEADDR (as the emulator sets it) ignores but a listener does not.
    """
    with socket.socket() as sock:
        if after_connections:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(1)


class EmulatorProcess:
    def __init__(self, *args: str, command: tuple[str, ...] = _EMULATOR) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        # Threads drain both streams, so reading can time out instead of blocking forever and a
        # chatty stderr cannot fill its pipe and stall the process.
        self._lines: queue.Queue[str] = queue.Queue()
        self._errors: queue.Queue[str] = queue.Queue()
        self._stderr_lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._drain, args=(self.process.stdout, self._lines, None), daemon=True),
            threading.Thread(
                target=self._drain, args=(self.process.stderr, self._errors, self._stderr_lines), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: IO[str] | None, lines: queue.Queue[str], keep: list[str] | None) -> None:
        assert stream is not None
        for line in stream:
            if keep is not None:
                keep.append(line)
            lines.put(line)
        lines.put("")

    @property
    def pid(self) -> int:
        return self.process.pid

    def read_exports(self, count: int) -> dict[str, str]:
        """The first ``count`` ``export NAME=value`` lines of stdout."""
        exports: dict[str, str] = {}
        deadline = time.monotonic() + _READ_TIMEOUT
        while len(exports) < count:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no export lines in time; stderr: {self._stderr_so_far()}") from None
            if not line:
                raise AssertionError(f"the emulator exited early; stderr: {self._stderr_so_far()}")
            assert line.startswith("export "), line
            name, _, value = line[len("export ") :].strip().partition("=")
            exports[name] = value
        return exports

    def read_stderr_line(self) -> str:
        try:
            return self._errors.get(timeout=_READ_TIMEOUT)
        except queue.Empty:
            raise AssertionError("no stderr line in time") from None

    def _stderr_so_far(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        return self.stderr()

    def stderr(self) -> str:
        """Everything written to stderr; complete once the process has exited."""
        if self.process.poll() is not None:
            self._readers[1].join(timeout=_EXIT_TIMEOUT)
        return "".join(self._stderr_lines)

    def wait(self, timeout: float) -> int:
        """The exit status, failing the test (not hanging it) if that takes longer than ``timeout``."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the emulator (pid {self.pid}) did not exit within {timeout:g} s") from None

    def stop(self, sig: int = signal.SIGINT, timeout: float = _EXIT_TIMEOUT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.wait(timeout)
        finally:
            self.close()

    def close(self) -> None:
        """Make sure the process is gone and its pipes are closed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(timeout=_EXIT_TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def processes() -> Iterator[list[EmulatorProcess]]:
    started: list[EmulatorProcess] = []
    yield started
    for process in started:
        process.close()


def _start(processes: list[EmulatorProcess], *args: str, command: tuple[str, ...] = _EMULATOR) -> EmulatorProcess:
    process = EmulatorProcess(*args, command=command)
    processes.append(process)
    return process


def _port_of(api_url: str) -> int:
    port = urlsplit(api_url).port
    assert port, api_url
    return port


def _headers(client_id: str, secret: str) -> dict[str, str]:
    return {"openpanel-client-id": client_id, "openpanel-client-secret": secret}


def test_serves_prints_credentials_and_keeps_data_across_restarts(
    processes: list[EmulatorProcess], tmp_path: Path
) -> None:
    db = tmp_path / "emulator.sqlite3"
    port = _free_port()
    first = _start(processes, "--port", str(port), "--db", str(db))
    exports = first.read_exports(3)
    assert exports["OPENPANEL_API_URL"] == f"http://127.0.0.1:{port}"
    headers = _headers(exports["OPENPANEL_CLIENT_ID"], exports["OPENPANEL_CLIENT_SECRET"])
    created = httpx.post(f"{exports['OPENPANEL_API_URL']}/manage/projects", json={"name": "Kept"}, headers=headers)
    assert created.status_code == 200
    assert created.headers["x-ratelimit-limit"] == "20"
    project_id = created.json()["data"]["id"]
    assert first.stop(signal.SIGINT) == 0

    second = _start(processes, "--port", str(port), "--db", str(db))
    assert second.read_exports(3) == exports
    listed = httpx.get(f"{exports['OPENPANEL_API_URL']}/manage/projects", headers=headers)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["data"]] == [project_id]
    assert second.stop(signal.SIGTERM) == 0


def test_second_organization_and_options(processes: list[EmulatorProcess]) -> None:
    process = _start(processes, "--port", "0", "--seed-second-org", "--no-rate-limit", "--root-path", "/api")
    exports = process.read_exports(5)
    api_url = exports["OPENPANEL_API_URL"]
    assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/api")
    main = _headers(exports["OPENPANEL_CLIENT_ID"], exports["OPENPANEL_CLIENT_SECRET"])
    other = _headers(exports["OTHER_ORG_CLIENT_ID"], exports["OTHER_ORG_CLIENT_SECRET"])
    assert exports["OTHER_ORG_CLIENT_ID"] != exports["OPENPANEL_CLIENT_ID"]
    project = httpx.post(f"{api_url}/manage/projects", json={"name": "Mine"}, headers=main)
    assert "x-ratelimit-limit" not in project.headers
    foreign = httpx.get(f"{api_url}/manage/projects/{project.json()['data']['id']}", headers=other)
    assert foreign.status_code == 404
    assert process.stop() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_exits_0_and_frees_the_port(processes: list[EmulatorProcess], sig: signal.Signals) -> None:
    process = _start(processes, "--port", "0", command=_COMMAND)
    port = _port_of(process.read_exports(3)["OPENPANEL_API_URL"])
    assert process.stop(sig, timeout=_STOP_DEADLINE) == 0
    assert process.stderr().count("\n") == 1, process.stderr()  # the banner, and no traceback after it
    _assert_port_free(port)


_BURST_ROUNDS = 8
_BURST = 20


def test_bursts_of_stop_signals_exit_0_every_time(processes: list[EmulatorProcess]) -> None:
    """Issue 13: a signal landing inside the handler of another one hung the emulator for good.

    The race needs a signal to arrive while a handler runs, so each round sends a burst of
    SIGTERM and SIGINT back to back, then keeps sending them until the process is gone: they
    land before, during and after the shutdown, nested handlers included. On the old handler
    (``threading.Event.set``) nearly every round ended by signal (-2 or -15, once the handlers
    were restored mid-flood) and about one in sixty hung in ``Event.set``.
    """
    for round_number in range(_BURST_ROUNDS):
        process = _start(processes, "--port", "0")
        port = _port_of(process.read_exports(3)["OPENPANEL_API_URL"])
        kinds = (signal.SIGTERM, signal.SIGINT)
        for sent in range(_BURST):
            process.process.send_signal(kinds[sent % 2])
        deadline = time.monotonic() + _STOP_DEADLINE
        sent = _BURST
        # send_signal() reaps first, so a finished process (whose pid may be reused) is never signalled.
        while process.process.poll() is None and time.monotonic() < deadline:
            process.process.send_signal(kinds[sent % 2])
            sent += 1
        status = process.wait(timeout=max(0.0, deadline - time.monotonic()))
        assert status == 0, f"round {round_number} ({sent} signals): status {status}; stderr: {process.stderr()}"
        assert "Traceback" not in process.stderr()
        process.close()
        _assert_port_free(port)


def test_stop_signals_report_the_first_and_absorb_the_rest() -> None:
    previous_handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    previous_wakeup_fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(previous_wakeup_fd)
    with StopSignals() as stop_signals:
        assert stop_signals.wait(timeout=0) is None
        for _ in range(50):
            os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt with Python's own handler
            os.kill(os.getpid(), signal.SIGTERM)  # would end the test run with the default one
        assert stop_signals.wait(timeout=_READ_TIMEOUT) is signal.SIGINT
        assert stop_signals.wait(timeout=0) is signal.SIGINT
    assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == previous_handlers
    assert signal.set_wakeup_fd(previous_wakeup_fd) == previous_wakeup_fd


def _hold_a_request(port: int) -> socket.socket:
    """A connection whose request is inside the emulator, waiting for a body that never comes.

    ``Expect: 100-continue`` makes the server say when the application starts reading the body,
    so the test knows the request is in flight without sleeping on it.
    """
    held = socket.create_connection(("127.0.0.1", port), timeout=_READ_TIMEOUT)
    held.sendall(
        b"POST /manage/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 20\r\nExpect: 100-continue\r\n\r\n"
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = held.recv(1024)
        assert chunk, f"the emulator closed the connection: {answer!r}"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 100 "), answer
    return held


def test_a_stop_that_hangs_is_cut_short_with_status_1(processes: list[EmulatorProcess]) -> None:
    process = _start(processes, "--port", "0", "--stop-timeout", "0.5")
    port = _port_of(process.read_exports(3)["OPENPANEL_API_URL"])
    with _hold_a_request(port):
        started = time.monotonic()
        # 0.5 s of grace, then the time the cancelled requests get before the process leaves without them
        # (taken in full on Python 3.12+, where asyncio waits for the held connection to close).
        status = process.stop(signal.SIGTERM, timeout=0.5 + _FORCED_STOP_TIMEOUT + _STOP_DEADLINE)
        elapsed = time.monotonic() - started
    assert status == 1
    assert elapsed >= 0.5
    stderr = process.stderr()
    assert "requests still running after 0.5 s" in stderr
    assert "Traceback" not in stderr
    _assert_port_free(port, after_connections=True)


def test_busy_port_is_reported_in_two_lines(processes: list[EmulatorProcess]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        process = _start(processes, "--port", str(port), command=_COMMAND)
        assert process.wait(_EXIT_TIMEOUT) == 1
        stderr = process.stderr()
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert f"port {port} is already in use" in lines[0]
    assert "--port N" in lines[1] and "--port 0" in lines[1]


def test_port_0_picks_a_free_port_and_prints_it(processes: list[EmulatorProcess]) -> None:
    process = _start(processes, "--port", "0", command=_COMMAND)
    exports = process.read_exports(3)
    api_url = exports["OPENPANEL_API_URL"]
    port = _port_of(api_url)
    assert api_url == f"http://127.0.0.1:{port}"
    assert f"at {api_url} " in process.read_stderr_line()
    headers = _headers(exports["OPENPANEL_CLIENT_ID"], exports["OPENPANEL_CLIENT_SECRET"])
    assert httpx.get(f"{api_url}/manage/projects", headers=headers).status_code == 200
    assert process.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        # Out of range, bind() would raise OverflowError: a traceback instead of a usage line.
        ("--port", "70000", "port number from 0 to 65535"),
        ("--port", "-1", "port number from 0 to 65535"),
        ("--port", "http", "port number from 0 to 65535"),
        ("--stop-timeout", "0", "positive number of seconds"),
        ("--stop-timeout", "nan", "positive number of seconds"),
        ("--stop-timeout", "inf", "positive number of seconds"),
        ("--stop-timeout", "soon", "a number of seconds"),
    ],
)
def test_bad_port_or_stop_timeout_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], option: str, value: str, expected: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pulumi_openpanel_main(["emulator", option, value])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_bad_rate_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pulumi_openpanel_main(["emulator", "--rate-limit", "fast"])
    assert exit_info.value.code == 2
    assert "REQUESTS/SECONDS" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["20/10", " 5 / 2.5 ", "off", "OFF"])
def test_rate_limit_reads_like_the_providers_setting(text: str) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--rate-limit", text]).rate_limit == parse_rate_limit(text, "openpanel:rateLimit")


def test_rate_limit_default_is_openpanels() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).rate_limit == DEFAULT_RATE_LIMIT


def test_help_through_the_main_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pulumi_openpanel_main(["emulator", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--port", "--db", "--no-rate-limit", "--rate-limit", "--seed-second-org", "--stop-timeout"):
        assert option in help_text


def test_command_module_does_not_load_the_web_stack() -> None:
    loaded = modules_loaded_by("pulumi_openpanel.emulator.cli", "pulumi_openpanel.emulator",
                               prefixes=("starlette", "uvicorn"))
    assert loaded == []
