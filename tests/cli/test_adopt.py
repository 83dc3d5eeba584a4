"""The adopt round trip: adopt, run the generated program with the real `pulumi` CLI in the directory adopt
wrote, nothing changes on the server, no diff after."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_openpanel import cli
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate, ProjectCreate, ProjectUpdate, ReferenceCreate
from pulumi_openpanel.emulator import EmulatorServer
from tests.support.fixtures import ProjectFactory, credentials_env, direct_api, unpaced
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import CREDENTIAL_VARIABLES, OpenPanelTarget


@pytest.fixture(autouse=True)
def outside_any_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """adopt reads the stack config of the Pulumi project it runs in (the repository root is one): these
    tests run where there is none, unless they say otherwise with --cwd."""
    monkeypatch.chdir(tmp_path)


def seed(api: ManageApi, uid: str) -> dict[str, list[str]]:
    """A little of everything: a project with cors and revenue tracking, clients of each kind, references."""
    project = api.create_project(ProjectCreate(name=f"Legacy {uid}", domain="https://legacy.example.com",
                                               cors=["*.legacy.example.com", "legacy.example.org"],
                                               types=["website", "backend"])).project
    api.update_project(project.id, ProjectUpdate(allow_unsafe_revenue_tracking=True))
    reader = api.create_client(ClientCreate(name="Dashboards", project_id=project.id, type="read")).client
    references = [
        api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", description="Big day",
                                             datetime="2025-01-02T03:04:05Z")),
        api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", datetime="2025-02-03")),
    ]
    return {"projects": [project.id], "clients": [reader.id], "references": [r.id for r in references]}


def snapshot(api: ManageApi, project_id: str) -> str:
    """Everything the server holds for the project, as comparable text."""
    return json.dumps({
        "project": api.get_project(project_id).model_dump(),
        "clients": sorted((c.model_dump() for c in api.list_clients(project_id)), key=lambda c: c["id"]),
        "references": sorted((r.model_dump() for r in api.list_references(project_id)), key=lambda r: r["id"]),
    }, sort_keys=True)


def adopt(monkeypatch: pytest.MonkeyPatch, api_url: str, client_id: str, secret: str, *args: str) -> None:
    for name, value in credentials_env(api_url, client_id, secret).items():
        monkeypatch.setenv(name, value)
    assert cli.main(["adopt", *args]) == 0


@pytest.mark.cli
def test_adopting_one_project_round_trips_without_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          openpanel: OpenPanelTarget, api: ManageApi,
                                                          proxy: RecordingProxy, make_project: ProjectFactory,
                                                          uid: str, capsys: pytest.CaptureFixture[str]) -> None:
    seeded = seed(api, uid)
    project_id = seeded["projects"][0]
    before = snapshot(api, project_id)

    adopt(monkeypatch, openpanel.api_url, openpanel.client_id, openpanel.client_secret,
          "--project", project_id, "--output", str(tmp_path / "adopted"))
    assert "pulumi up" in capsys.readouterr().out
    program = (tmp_path / "adopted" / "__main__.py").read_text()
    assert "secret unknown" in program and openpanel.client_secret not in program
    assert program.count("    adopt=") == 1 + 2 + 2  # the project, its write client and reader, two references

    stack = make_project(directory=tmp_path / "adopted", copy=False)
    proxy.reset()
    first = stack.up()
    assert {step.op for step in first.openpanel_steps()} == {"create"}
    assert {r.method for r in proxy.requests} == {"GET"}
    assert len(proxy.requests) == len(first.openpanel_steps())
    assert snapshot(api, project_id) == before

    proxy.reset()
    second = stack.up("--expect-no-changes")
    assert not second.changed and len(proxy.requests) == 0
    assert snapshot(api, project_id) == before


@pytest.mark.cli
def test_adopting_a_whole_organization(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       make_project: ProjectFactory, fresh_emulator: Callable[..., EmulatorServer],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    server = fresh_emulator(rate_limit=None)
    org = server.seed_organization("Agency")
    api = direct_api(server.api_url, org.client_id, org.client_secret, paced=False)
    seed(api, "one")
    seed(api, "two")
    api.create_client(ClientCreate(name="Org-wide exporter", type="read"))
    gone = api.create_project(ProjectCreate(name="Gone")).project
    api.delete_project(gone.id)
    capsys.readouterr()

    adopt(monkeypatch, server.api_url, org.client_id, org.client_secret, "--json", "--output", str(tmp_path / "org"))
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"] == {"projects": 2, "clients": 5, "references": 4}
    assert summary["skipped_clients"] == [org.client_id]
    assert "gone" not in (tmp_path / "org" / "__main__.py").read_text()

    stack = make_project(directory=tmp_path / "org", copy=False,
                         env=credentials_env(server.api_url, org.client_id, org.client_secret, paced=False))
    server.reset_requests()
    first = stack.up()
    assert len(first.openpanel_steps()) == 2 + 5 + 4
    assert {record.method for record in server.requests} == {"GET"}
    server.reset_requests()
    assert not stack.up("--expect-no-changes").changed
    assert len(server.requests) == 0
    stack.destroy()


def test_adopt_prints_a_block_to_paste(monkeypatch: pytest.MonkeyPatch, openpanel: OpenPanelTarget, api: ManageApi,
                                       uid: str, capsys: pytest.CaptureFixture[str]) -> None:
    project_id = seed(api, uid)["projects"][0]
    capsys.readouterr()
    adopt(monkeypatch, openpanel.api_url, openpanel.client_id, openpanel.client_secret, "--project", project_id)
    out = capsys.readouterr().out
    assert f"adopt={project_id!r}" in out
    compile(out, "adopted.py", "exec")
    api.delete_project(project_id)


def test_adopt_without_credentials_says_how_to_give_them(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["adopt"]) == 1
    err = capsys.readouterr().err
    assert "OPENPANEL_CLIENT_ID" in err and "OPENPANEL_CLIENT_SECRET" in err


@pytest.mark.cli
def test_adopt_reads_the_stack_config_and_names_where_each_value_came_from(
        pulumi_bin: Path, tmp_path: Path, openpanel: OpenPanelTarget, api: ManageApi, uid: str) -> None:
    """Credentials in the stack config only (the secret with --secret), none in the environment: adopt reads
    them as doctor and the provider do, and says so in one line on stderr, the secret named, never shown."""
    project_id = seed(api, uid)["projects"][0]
    home = tmp_path / "home"
    home.mkdir()
    project = PulumiProject.from_source("import pulumi\n", pulumi_bin, tmp_path / "scratch", stack="dev",
                                        env={"HOME": str(home)})
    project.set_config({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                        "openpanel:clientSecret": openpanel.client_secret,
                        **({"openpanel:rateLimit": "off"} if unpaced(openpanel) else {})},
                       secret=["openpanel:clientSecret"])
    assert not any(project.env.get(name) for name in CREDENTIAL_VARIABLES)

    done = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "adopt", "--project", project_id, "--json"],
                          cwd=project.directory, env=project.env, capture_output=True, text=True, timeout=180,
                          check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["counts"] == {"projects": 1, "clients": 2, "references": 2}
    [line] = done.stderr.splitlines()
    assert line == (f"pulumi-openpanel adopt: settings from stack config of stack dev (pulumi config in "
                    f"{project.directory.resolve()}), then the environment: API root {openpanel.api_url} (from stack "
                    f"config openpanel:apiUrl of stack dev), client id {openpanel.client_id} (from stack config "
                    "openpanel:clientId of stack dev), client secret from stack config openpanel:clientSecret of "
                    "stack dev")
    assert openpanel.client_secret not in done.stdout + done.stderr
    api.delete_project(project_id)
