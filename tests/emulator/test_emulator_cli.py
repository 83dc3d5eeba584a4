"""``python -m pulumi_openpanel.emulator`` as a user runs it: a real process, real signals."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pulumi_openpanel.cli import main as pulumi_openpanel_main
from tests.support.imports import modules_loaded_by

_READ_TIMEOUT = 20.0
_EXIT_TIMEOUT = 15.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmulatorProcess:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_openpanel.emulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        # A thread drains stdout, so reading can time out instead of blocking forever.
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put("")

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

    def _stderr_so_far(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=_EXIT_TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=_EXIT_TIMEOUT)
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def processes() -> Iterator[list[EmulatorProcess]]:
    started: list[EmulatorProcess] = []
    yield started
    for process in started:
        process.stop(signal.SIGKILL)


def _start(processes: list[EmulatorProcess], *args: str) -> EmulatorProcess:
    process = EmulatorProcess(*args)
    processes.append(process)
    return process


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


def test_busy_port_is_reported(processes: list[EmulatorProcess]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        process = _start(processes, "--port", str(busy.getsockname()[1]))
        assert process.process.wait(timeout=_EXIT_TIMEOUT) == 1
        assert process.process.stderr is not None
        assert "cannot listen" in process.process.stderr.read()


def test_bad_rate_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pulumi_openpanel_main(["emulator", "--rate-limit", "fast"])
    assert exit_info.value.code == 2
    assert "REQUESTS/SECONDS" in capsys.readouterr().err


def test_help_through_the_main_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pulumi_openpanel_main(["emulator", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--port", "--db", "--no-rate-limit", "--rate-limit", "--seed-second-org"):
        assert option in help_text


def test_command_module_does_not_load_the_web_stack() -> None:
    loaded = modules_loaded_by("pulumi_openpanel.emulator.cli", "pulumi_openpanel.emulator",
                               prefixes=("starlette", "uvicorn"))
    assert loaded == []
