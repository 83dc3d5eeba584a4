"""``pulumi-openpanel doctor`` inside a Pulumi project: it reads the stack's ``openpanel:*`` config through the
real ``pulumi`` CLI, as the provider receives it, and names where each value came from.

Each test makes a project with a stack of its own (isolated PULUMI_HOME, HOME and file backend under the
test's directory), sets its config with ``pulumi config set`` (the secret with ``--secret``) and runs the
installed command as a user would, in a subprocess. No output may hold a client secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixtures import credentials_env, unpaced
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

WRONG_SECRET = "sec_" + "7" * 20
STACK = "dev"


class DoctorRun:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.code = done.returncode
        self.stdout = done.stdout
        self.stderr = done.stderr

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.stdout)  # the whole stdout: nothing but the JSON object
        return loaded

    def failed(self) -> list[dict[str, Any]]:
        return [check for check in self.payload["checks"] if not check["ok"]]


class DoctorProject:
    """A project directory with stack ``dev`` and the doctor command run in it."""

    def __init__(self, pulumi_bin: Path, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.project = PulumiProject.from_source("import pulumi\n", pulumi_bin, tmp_path / "scratch", stack=STACK,
                                                 env={"HOME": str(self.home)})
        self.runs: list[DoctorRun] = []

    def configure(self, values: Mapping[str, str]) -> None:
        self.project.set_config(values, secret=["openpanel:clientSecret"])

    def doctor(self, *args: str, env: Mapping[str, str] = {}, cwd: Path | None = None) -> DoctorRun:
        # The CLI's isolated environment (no OPENPANEL_* but the pacing directory), plus what the test adds.
        full_env = {**self.project.env, "HOME": str(self.home), **env}
        done = subprocess.run(
            [sys.executable, "-m", "pulumi_openpanel.cli", "doctor", "--timeout", "5", *args],
            cwd=cwd or self.project.directory, env=full_env, capture_output=True, text=True, timeout=180,
            check=False,
        )
        run = DoctorRun(done)
        self.runs.append(run)
        return run

    def assert_never_printed(self, *secrets: str) -> None:
        for run in self.runs:
            for secret in secrets:
                assert secret not in run.stdout + run.stderr


@pytest.fixture
def doctor_project(pulumi_bin: Path, tmp_path: Path, openpanel: OpenPanelTarget) -> Iterator[DoctorProject]:
    made = DoctorProject(pulumi_bin, tmp_path)
    yield made
    made.assert_never_printed(WRONG_SECRET, openpanel.client_secret)


def _pacing(openpanel: OpenPanelTarget) -> dict[str, str]:
    """Stack config that turns pacing off against the session's unlimited emulator (a real server keeps it)."""
    return {"openpanel:rateLimit": "off"} if unpaced(openpanel) else {}


def source(key: str) -> str:
    return f"stack config {key} of stack {STACK}"


def test_a_wrong_secret_in_stack_config_is_a_credentials_failure(
    doctor_project: DoctorProject, openpanel: OpenPanelTarget
) -> None:
    doctor_project.configure({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                              "openpanel:clientSecret": WRONG_SECRET, **_pacing(openpanel)})
    stack_file = (doctor_project.project.directory / f"Pulumi.{STACK}.yaml").read_text()
    assert "openpanel:clientSecret" in stack_file and WRONG_SECRET not in stack_file  # stored encrypted

    run = doctor_project.doctor("--json")

    assert run.code == 1, run.stdout + run.stderr
    payload = run.payload
    assert payload["stack"] == STACK and f"stack config of stack {STACK}" in payload["config"]
    assert payload["settings"]["client_secret"] == {"value": None, "source": source("openpanel:clientSecret"),
                                                    "set": True}
    assert [(check["name"], check["ok"]) for check in payload["checks"]] == [("API root", True),
                                                                             ("credentials", False)]
    failure = run.failed()[0]
    assert "Invalid client secret" in failure["detail"]
    assert f"client secret (from {source('openpanel:clientSecret')})" in failure["fix"]

    text = doctor_project.doctor()
    assert text.code == 1
    assert text.stdout.splitlines()[0] == (f"OpenPanel doctor for {openpanel.api_url} "
                                           f"(from {source('openpanel:apiUrl')})")
    assert f"client secret: set, not shown ({source('openpanel:clientSecret')})" in text.stdout
    assert "[FAIL] credentials: refused: " in text.stdout and "usable: no" in text.stdout


def test_a_right_stack_config_wins_over_the_environment(
    doctor_project: DoctorProject, openpanel: OpenPanelTarget
) -> None:
    """Stack config before environment, as the provider reads them: wrong environment values do not matter."""
    doctor_project.configure({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                              "openpanel:clientSecret": openpanel.client_secret, "openpanel:requestTimeout": "20",
                              **_pacing(openpanel)})
    decoy = credentials_env("http://127.0.0.1:9", str(uuid.uuid4()), WRONG_SECRET, OPENPANEL_MAX_RETRIES="2")

    run = doctor_project.doctor("--json", env=decoy)

    assert run.code == 0, run.stdout + run.stderr
    payload = run.payload
    assert payload["ok"] is True and all(check["ok"] for check in payload["checks"])
    assert payload["api_url"] == openpanel.api_url
    assert payload["api_url_source"] == source("openpanel:apiUrl")
    settings = payload["settings"]
    assert settings["api_url"] == {"value": openpanel.api_url, "source": source("openpanel:apiUrl"), "set": True}
    assert settings["client_id"] == {"value": openpanel.client_id, "source": source("openpanel:clientId"),
                                     "set": True}
    assert settings["client_secret"]["source"] == source("openpanel:clientSecret")
    assert settings["client_secret"]["value"] is None
    assert settings["request_timeout"] == {"value": "20", "source": source("openpanel:requestTimeout"), "set": True}
    assert settings["max_retries"] == {"value": "2", "source": "environment variable OPENPANEL_MAX_RETRIES",
                                       "set": True}
    credentials = next(check for check in payload["checks"] if check["name"] == "credentials")
    assert source("openpanel:clientSecret") in credentials["detail"]

    text = doctor_project.doctor(env=decoy)
    assert text.code == 0 and "usable: yes" in text.stdout and "FAIL" not in text.stdout
    assert "max retries: 2 (environment variable OPENPANEL_MAX_RETRIES)" in text.stdout


@pytest.mark.parametrize(
    ("configured", "expected_detail", "expected_fix"),
    [
        pytest.param("{base}", "HTTP 404", "{base}/api", id="without-its-prefix"),
        pytest.param("{base}/api/manage", "without /manage", "without /manage", id="with-manage"),
        pytest.param("analytics.example.com", "must be an absolute http(s) URL", "API root without /manage",
                     id="not-a-url"),
    ],
)
def test_a_wrong_api_root_in_stack_config_is_an_api_root_failure(
    doctor_project: DoctorProject, fresh_emulator: Callable[..., Any],
    configured: str, expected_detail: str, expected_fix: str,
) -> None:
    server = fresh_emulator(root_path="/api", rate_limit=None)
    seed = server.seed_organization("Doctor stack config")
    doctor_project.configure({"openpanel:apiUrl": configured.format(base=server.base_url),
                              "openpanel:clientId": seed.client_id, "openpanel:clientSecret": seed.client_secret,
                              "openpanel:rateLimit": "off"})

    run = doctor_project.doctor("--json")

    assert run.code == 1, run.stdout + run.stderr
    assert [check["name"] for check in run.failed()] == ["API root"]
    failure = run.failed()[0]
    assert expected_detail in failure["detail"]
    assert expected_fix.format(base=server.base_url) in failure["fix"]
    assert source("openpanel:apiUrl") in failure["detail"] + failure["fix"]
    doctor_project.assert_never_printed(seed.client_secret)


def test_the_environment_alone_and_why(doctor_project: DoctorProject, openpanel: OpenPanelTarget,
                                       tmp_path: Path) -> None:
    """Outside a project, without `pulumi`, or when `pulumi config` fails: the environment, said in one line."""
    doctor_project.configure({"openpanel:clientSecret": WRONG_SECRET})  # would fail, were it read
    env = credentials_env(openpanel.api_url, openpanel.client_id, openpanel.client_secret,
                          paced=not unpaced(openpanel))
    elsewhere = tmp_path / "not-a-project"
    elsewhere.mkdir()
    no_pulumi = tmp_path / "empty-bin"
    no_pulumi.mkdir()
    cases = {
        "no Pulumi.yaml in": doctor_project.doctor("--json", "--cwd", str(elsewhere), env=env),
        "the pulumi command is not on PATH": doctor_project.doctor("--json", env={**env, "PATH": str(no_pulumi)}),
        "could not read the stack config": doctor_project.doctor("--json", "--stack", "nosuch", env=env),
    }

    for reason, run in cases.items():
        assert run.code == 0, (reason, run.stdout + run.stderr)
        payload = run.payload
        assert payload["config"].startswith("the environment only (") and reason in payload["config"]
        assert "\n" not in payload["config"]
        assert payload["stack"] is None
        assert payload["settings"]["client_secret"]["source"] == "environment variable OPENPANEL_CLIENT_SECRET"
    assert "no stack named 'nosuch'" in cases["could not read the stack config"].payload["config"]


@pytest.mark.parametrize("runtime", ["nodejs", "yaml"])
def test_a_project_in_another_language_is_read_the_same(pulumi_bin: Path, tmp_path: Path,
                                                        openpanel: OpenPanelTarget, runtime: str) -> None:
    """A program of the provider plugin (TypeScript, YAML...) has the same `openpanel:*` stack config, which the
    default provider reads: doctor reads it through `pulumi config` alone, with no Python runtime or
    virtualenv in the project."""
    home = tmp_path / "home"
    home.mkdir()
    directory = tmp_path / "scratch" / "project"
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(f"name: openpanel-{runtime}\nruntime: {runtime}\n")
    project = PulumiProject(directory, pulumi_bin, tmp_path / "scratch", stack=STACK, env={"HOME": str(home)})
    project.init_stack()
    project.set_config({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                        "openpanel:clientSecret": openpanel.client_secret, **_pacing(openpanel)},
                       secret=["openpanel:clientSecret"])

    done = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "doctor", "--timeout", "5", "--json"],
                          cwd=directory, env={**project.env, "HOME": str(home)}, capture_output=True, text=True,
                          timeout=180, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    payload = json.loads(done.stdout)
    assert payload["ok"] is True and payload["stack"] == STACK
    assert payload["settings"]["client_id"] == {"value": openpanel.client_id,
                                                "source": source("openpanel:clientId"), "set": True}
    assert payload["settings"]["client_secret"]["source"] == source("openpanel:clientSecret")
    assert openpanel.client_secret not in done.stdout + done.stderr
