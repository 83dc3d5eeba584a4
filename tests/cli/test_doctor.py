"""``pulumi-openpanel doctor``: a healthy setup passes, and every broken one fails with a fix line.

Healthy runs use the session's server (emulator or real) and compare the counts with what ManageApi
lists. Broken setups are built locally: unknown or wrong credentials, a non-root client, a closed port,
an emulator under ``/api`` asked without it, and small 127.0.0.1 servers that are not the API. No run
may print a client secret, in text or JSON.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pulumi_openpanel import cli
from pulumi_openpanel.api.models import ClientCreate
from pulumi_openpanel.cli.doctor import diagnose, render_text
from tests.support.fixtures import credentials_env, direct_api, provider_env, session_api
from tests.support.manage import unique_name
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.acceptance

REPOSITORY = Path(__file__).resolve().parents[2]
DOCTOR_VARIABLES = (
    "OPENPANEL_API_URL",
    "OPENPANEL_CLIENT_ID",
    "OPENPANEL_CLIENT_SECRET",
    "OPENPANEL_RATE_LIMIT",
    "OPENPANEL_REQUEST_TIMEOUT",
    "OPENPANEL_MAX_RETRIES",
    "OPENPANEL_RATE_LIMIT_WAIT",
)
WRONG_SECRET = "sec_" + "5" * 20


class Doctor:
    """Runs ``pulumi-openpanel doctor`` in-process with exactly the given OPENPANEL_* environment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self._monkeypatch = monkeypatch
        self._capsys = capsys
        self.outputs: list[str] = []

    def run(self, env: dict[str, str], *args: str) -> tuple[int, str]:
        for name in DOCTOR_VARIABLES:
            self._monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            self._monkeypatch.setenv(name, value)
        code = cli.main(["doctor", *args])
        out, err = self._capsys.readouterr()
        self.outputs.append(out + err)
        return code, out

    def run_json(self, env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
        code, out = self.run(env, "--json", *args)
        payload: dict[str, Any] = json.loads(out)
        return code, payload

    def assert_never_printed(self, *secrets: str | None) -> None:
        for output in self.outputs:
            for secret in secrets:
                if secret:
                    assert secret not in output


@pytest.fixture
def doctor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], openpanel: OpenPanelTarget, tmp_path: Path
) -> Iterator[Doctor]:
    # Outside any Pulumi project: doctor then reads the environment alone and never starts `pulumi`
    # (the repository root has a Pulumi.yaml, and `pulumi` would use the developer's ~/.pulumi).
    monkeypatch.chdir(tmp_path)
    runner = Doctor(monkeypatch, capsys)
    yield runner
    runner.assert_never_printed(openpanel.client_secret, openpanel.other_client_secret, WRONG_SECRET)


def _only_failure(payload: dict[str, Any]) -> dict[str, Any]:
    """The one failed check of a failed run; it must carry a fix."""
    assert payload["ok"] is False
    failed = [check for check in payload["checks"] if not check["ok"]]
    assert len(failed) == 1, payload["checks"]
    assert failed[0]["fix"], failed[0]
    return failed[0]


# -- healthy ------------------------------------------------------------------------------------------


def _organization_counts(target: OpenPanelTarget) -> dict[str, int]:
    admin = session_api(target)
    return {
        "projects": len(admin.list_projects()),
        "clients": len(admin.list_clients()),
        "references": len(admin.list_references()),
    }


def test_diagnose_a_working_setup(openpanel: OpenPanelTarget) -> None:
    report = diagnose(timeout=10.0, environ=provider_env(openpanel, openpanel.api_url))

    assert report.ok, render_text(report)
    assert report.api_url == openpanel.api_url
    assert report.counts == _organization_counts(openpanel)
    assert isinstance(report.round_trip_ms, float) and report.round_trip_ms >= 0
    own = session_api(openpanel).get_client(openpanel.client_id)
    assert report.organization_id == own.organization_id
    if openpanel.acceptance:
        assert report.rate_limit is not None  # a real server announces its limit
    assert openpanel.client_secret not in render_text(report)


def test_doctor_json_for_a_working_setup(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url))

    assert code == 0
    assert payload["ok"] is True
    assert all(check["ok"] for check in payload["checks"])
    assert payload["api_url"] == openpanel.api_url
    assert payload["counts"] == _organization_counts(openpanel)
    assert isinstance(payload["round_trip_ms"], (int, float))


def test_doctor_text_for_a_working_setup(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, out = doctor.run(provider_env(openpanel, openpanel.api_url))

    assert code == 0
    assert "usable: yes" in out
    assert "FAIL" not in out and "fix:" not in out


def test_doctor_reports_a_long_429_at_once(doctor: Doctor, fresh_emulator: Callable[..., Any]) -> None:
    """A diagnosis stays quick: a 429 that asks for a minute is reported, not waited out for the minutes
    a `pulumi up` would give it (the provider's rate-limit wait); doctor waits --timeout at most."""
    server = fresh_emulator(rate_limit=(1, 60))
    seed = server.seed_organization("Doctor busy")
    direct_api(server.api_url, seed.client_id, seed.client_secret, paced=False).list_projects()  # the window's one

    started = time.monotonic()
    code, payload = doctor.run_json(credentials_env(server.api_url, seed.client_id, seed.client_secret, paced=False),
                                    "--timeout", "2")

    assert time.monotonic() - started < 10
    assert code == 1
    assert any("HTTP 429" in check["detail"] for check in payload["checks"] if not check["ok"]), payload["checks"]
    doctor.assert_never_printed(seed.client_secret)


def test_doctor_reports_rate_limit_headroom(doctor: Doctor, fresh_emulator: Callable[..., Any]) -> None:
    server = fresh_emulator()  # the real 20 requests / 10 s limit
    seed = server.seed_organization("Doctor rate limit")

    code, payload = doctor.run_json(credentials_env(server.api_url, seed.client_id, seed.client_secret))

    assert code == 0 and payload["ok"] is True
    headroom = payload["rate_limit"]
    assert headroom["limit"] == 20
    assert headroom["remaining"] == 20 - server.requests.count()
    assert isinstance(headroom["reset_seconds"], (int, float)) and 0 < headroom["reset_seconds"] <= 10
    doctor.assert_never_printed(seed.client_secret)


def test_doctor_as_a_command(openpanel: OpenPanelTarget, tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("OPENPANEL_")}
    env.update(credentials_env(openpanel.api_url, openpanel.client_id, openpanel.client_secret))

    finished = subprocess.run(
        [sys.executable, "-m", "pulumi_openpanel.cli", "doctor", "--json"],
        env=env,
        cwd=tmp_path,  # not a Pulumi project: the environment alone
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    payload = json.loads(finished.stdout)
    assert payload["ok"] is True
    assert payload["counts"] == _organization_counts(openpanel)
    assert isinstance(payload["round_trip_ms"], (int, float))
    assert payload["config"].startswith("the environment only (no Pulumi.yaml in ")
    assert payload["settings"]["client_secret"] == {"value": None, "source": "environment variable "
                                                    "OPENPANEL_CLIENT_SECRET", "set": True}
    if openpanel.acceptance:
        assert payload["rate_limit"]["remaining"] is not None
    assert openpanel.client_secret not in finished.stdout + finished.stderr


# -- broken credentials -----------------------------------------------------------------------------


def test_no_credentials(doctor: Doctor) -> None:
    code, out = doctor.run({})

    assert code == 1
    assert "usable: no" in out
    fix_lines = [line for line in out.splitlines() if line.strip().startswith("fix:")]
    assert len(fix_lines) == 1
    assert "OPENPANEL_CLIENT_ID" in fix_lines[0] and "OPENPANEL_CLIENT_SECRET" in fix_lines[0]

    code, payload = doctor.run_json({})
    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "credentials"
    assert "OPENPANEL_CLIENT_ID" in failure["detail"] and "OPENPANEL_CLIENT_SECRET" in failure["detail"]


def test_a_wrong_secret(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url, OPENPANEL_CLIENT_SECRET=WRONG_SECRET))

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "credentials"
    assert "Invalid client secret" in failure["detail"]
    assert "client secret (from environment variable OPENPANEL_CLIENT_SECRET)" in failure["fix"]
    assert [check["name"] for check in payload["checks"]] == ["API root", "credentials"]


def test_an_unknown_client_id(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url, OPENPANEL_CLIENT_ID=str(uuid.uuid4())))

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "credentials"
    assert "Invalid client id" in failure["detail"]
    assert "(from environment variable OPENPANEL_CLIENT_ID) is not a client of this server" in failure["fix"]


def test_a_client_id_that_is_not_a_uuid(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url, OPENPANEL_CLIENT_ID="my-root-client"))

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "credentials"
    assert "UUID" in failure["detail"]
    assert "OPENPANEL_CLIENT_ID" in failure["fix"] and "UUID" in failure["fix"]


def test_a_client_that_is_not_root(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    admin = session_api(openpanel)
    writer = admin.create_client(ClientCreate(name=unique_name("doctor writer"), type="write"))
    try:
        env = provider_env(
            openpanel,
            openpanel.api_url,
            OPENPANEL_CLIENT_ID=writer.client.id,
            OPENPANEL_CLIENT_SECRET=writer.secret.get_secret_value(),
        )
        code, payload = doctor.run_json(env)
    finally:
        admin.delete_client(writer.client.id)

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "credentials"
    assert "Only root clients" in failure["detail"]
    assert "type root" in failure["fix"]
    doctor.assert_never_printed(writer.secret.get_secret_value())


def test_an_api_url_that_is_not_a_url(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url), "--api-url", "analytics.example.com")

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "API root"
    assert "--api-url" in failure["detail"] and "set --api-url to the API root" in failure["fix"]


def test_a_timeout_must_be_positive(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    with pytest.raises(SystemExit) as exited:
        doctor.run(provider_env(openpanel, openpanel.api_url), "--timeout", "0")

    assert exited.value.code == 2


# -- broken API roots ---------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_api_root(doctor: Doctor, openpanel: OpenPanelTarget) -> None:
    nowhere = f"http://127.0.0.1:{_closed_port()}"

    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url), "--api-url", nowhere, "--timeout", "2")

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "API root"
    assert "no answer" in failure["detail"]
    assert nowhere in failure["fix"] and "reachable" in failure["fix"]


def test_an_api_root_without_its_prefix(doctor: Doctor, fresh_emulator: Callable[..., Any]) -> None:
    server = fresh_emulator(root_path="/api", rate_limit=None)
    seed = server.seed_organization("Doctor self-hosted")
    env = credentials_env(server.base_url, seed.client_id, seed.client_secret, paced=False)

    code, payload = doctor.run_json(env)

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "API root"
    assert "no /manage routes" in failure["fix"]
    assert f"{server.base_url}/api" in failure["fix"]
    assert "(from environment variable OPENPANEL_API_URL)" in failure["fix"]

    # The suggested root is the right one.
    code, payload = doctor.run_json(env, "--api-url", f"{server.base_url}/api")
    assert code == 0 and payload["ok"] is True
    doctor.assert_never_printed(seed.client_secret)


Answer = tuple[int, dict[str, str], bytes]


@pytest.fixture
def local_site() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], Answer]], str]]:
    """A factory: ``local_site(answer)`` serves ``answer(request) -> (status, headers, body)`` on 127.0.0.1."""
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(answer: Callable[[BaseHTTPRequestHandler], Answer]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="doctor-local-site", daemon=True
        )
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


HTML = {"content-type": "text/html; charset=utf-8"}
PAGE = b"<!doctype html><html><head><title>Analytics</title></head><body>Welcome</body></html>"


@pytest.mark.parametrize(
    ("answer", "expected_fix"),
    [
        pytest.param(lambda request: (200, HTML, PAGE), "not the OpenPanel API", id="html-page"),
        pytest.param(
            lambda request: (200, {"content-type": "application/json"}, b'{"status":"healthy"}'),
            "not the OpenPanel API",
            id="other-json-service",
        ),
        pytest.param(lambda request: (404, HTML, PAGE), "no /manage routes", id="html-not-found"),
        pytest.param(
            lambda request: (301, {"location": "https://analytics.example.com/manage/projects"}, b""),
            "redirects",
            id="redirect",
        ),
    ],
)
def test_something_that_is_not_the_api(
    doctor: Doctor,
    openpanel: OpenPanelTarget,
    local_site: Callable[[Callable[[BaseHTTPRequestHandler], Answer]], str],
    answer: Callable[[BaseHTTPRequestHandler], Answer],
    expected_fix: str,
) -> None:
    site = local_site(answer)

    code, payload = doctor.run_json(provider_env(openpanel, openpanel.api_url), "--api-url", site, "--timeout", "5")

    assert code == 1
    failure = _only_failure(payload)
    assert failure["name"] == "API root"
    assert expected_fix in failure["fix"]
    assert site in failure["fix"]


def test_a_server_that_echoes_the_secret_back(
    doctor: Doctor,
    openpanel: OpenPanelTarget,
    local_site: Callable[[Callable[[BaseHTTPRequestHandler], Answer]], str],
) -> None:
    """A misconfigured proxy that dumps the request into its error page must not leak the secret."""

    def echo(request: BaseHTTPRequestHandler) -> Answer:
        dump = "".join(f"{name}: {value}\n" for name, value in request.headers.items())
        return 502, {"content-type": "text/plain"}, f"Bad gateway\n{dump}".encode()

    site = local_site(echo)
    for args in (("--json",), ()):
        code, out = doctor.run(provider_env(openpanel, openpanel.api_url), "--api-url", site, "--timeout", "5", *args)
        assert code == 1
        assert "Bad gateway" in out
        # The echo did reach the output; only the secret's value is hidden.
        assert "openpanel-client-secret: [redacted]" in out
