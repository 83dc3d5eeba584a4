"""The opt-in request log (``OPENPANEL_REQUEST_LOG``): one whole line per request, and never a secret.

The lines are checked for what they must say (method, path with query, status, attempt) and for what
they must not: the client secret, the credential headers, any request or answer body.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest

from pulumi_openpanel.api import request_log
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.api.settings import ENV_REQUEST_LOG, ApiSettings, RetryPolicy
from pulumi_openpanel.errors import ServerError, TransportError
from tests.api.fakes import CLIENT_ID, SECRET, FakeClock, FakeServer, fail, make_api, project_json, respond

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid=\d+ (?P<method>[A-Z]+) (?P<path>\S+) (?P<outcome>\S+) "
    r"(?P<ms>\d+\.\d)ms attempt=(?P<attempt>\d+|\?)$"
)
RETRYING = ApiSettings(retry=RetryPolicy(max_attempts=3, base_delay=0.1), rate_limit=None)


def _lines(path: Path) -> list[re.Match[str]]:
    text = path.read_text()
    assert text.endswith("\n")
    matches = [LINE.match(line) for line in text.splitlines()]
    assert all(matches), text
    return [match for match in matches if match]


def _assert_no_secret(text: str) -> None:
    for forbidden in (SECRET, "openpanel-client-secret", "openpanel-client-id", CLIENT_ID, "user-agent"):
        assert forbidden not in text


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "requests.log"
    monkeypatch.setenv(ENV_REQUEST_LOG, str(path))
    return path


def test_each_request_is_one_line_with_its_attempt(log_file: Path) -> None:
    server = FakeServer(
        FakeClock(),
        respond(200, {"data": [project_json()]}),
        respond(503, {"message": "down for a moment"}),
        respond(200, {"data": []}),
        respond(200, {"data": project_json("web", name="Web site")}),
    )
    api = make_api(server, settings=RETRYING, paced=False)

    api.list_projects()
    api.list_clients(project_id="probe project")  # the query is logged, encoded as sent
    api.create_project(ProjectCreate(name="Web site", domain="https://web.example.com"))

    lines = _lines(log_file)
    assert [(m["method"], m["path"], m["outcome"], m["attempt"]) for m in lines] == [
        ("GET", "/manage/projects", "200", "1"),
        ("GET", "/manage/clients?projectId=probe+project", "503", "1"),
        ("GET", "/manage/clients?projectId=probe+project", "200", "2"),
        ("POST", "/manage/projects", "200", "1"),
    ]
    text = log_file.read_text()
    _assert_no_secret(text)
    assert "Web site" not in text and "web.example.com" not in text  # no body, sent or received


def test_a_request_without_an_answer_is_logged(log_file: Path) -> None:
    server = FakeServer(FakeClock(), fail(httpx.ConnectError, f"refused, secret {SECRET}"))
    api = make_api(server, settings=RETRYING, paced=False)

    with pytest.raises(TransportError):
        api.list_references()

    lines = _lines(log_file)
    assert [(m["outcome"], m["attempt"]) for m in lines] == [
        ("no-answer:ConnectError", "1"), ("no-answer:ConnectError", "2"), ("no-answer:ConnectError", "3"),
    ]
    _assert_no_secret(log_file.read_text())


def test_an_error_answer_that_echoes_the_secret_stays_out(log_file: Path) -> None:
    server = FakeServer(FakeClock(), respond(500, text=f"proxy error; openpanel-client-secret: {SECRET}"))
    api = make_api(server, settings=ApiSettings(retry=RetryPolicy(max_attempts=1), rate_limit=None), paced=False)

    with pytest.raises(ServerError):
        api.list_projects()

    assert [m["outcome"] for m in _lines(log_file)] == ["500"]
    _assert_no_secret(log_file.read_text())


def test_off_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_REQUEST_LOG, raising=False)
    monkeypatch.chdir(tmp_path)
    make_api(FakeServer(FakeClock()), paced=False, settings=ApiSettings(rate_limit=None)).list_projects()

    assert list(tmp_path.iterdir()) == []


def test_dash_is_standard_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV_REQUEST_LOG, "-")
    make_api(FakeServer(FakeClock()), paced=False, settings=ApiSettings(rate_limit=None)).list_projects()

    out, err = capsys.readouterr()
    assert out == ""
    assert LINE.match(err.strip()) and " GET /manage/projects 200 " in err
    _assert_no_secret(err)


def test_a_log_that_cannot_be_written_does_not_fail_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(ENV_REQUEST_LOG, str(tmp_path / "no-such-directory" / "requests.log"))

    make_api(FakeServer(FakeClock()), paced=False, settings=ApiSettings(rate_limit=None)).list_projects()

    assert ENV_REQUEST_LOG in caplog.text


def test_threads_and_writers_share_one_file(log_file: Path) -> None:
    """Lines from many threads arrive whole, none lost or interleaved (the provider runs 4 workers)."""
    url = httpx.URL("https://api.openpanel.dev/manage/projects/p-1?x=1")
    # The hook every HTTP client of the package calls with each answer.
    [on_response] = request_log.event_hooks()["response"]

    def write(worker: int) -> None:
        for attempt in range(1, 51):
            request = httpx.Request("PATCH", url, extensions=request_log.extensions(attempt))
            on_response(httpx.Response(200 + worker, request=request))

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = _lines(log_file)
    assert len(lines) == 400
    assert {(m["outcome"], m["attempt"]) for m in lines} == {
        (str(200 + worker), str(attempt)) for worker in range(8) for attempt in range(1, 51)
    }
