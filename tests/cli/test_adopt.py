"""The adopt round trip: adopt, run the generated program with the real `pulumi` CLI in the directory adopt
wrote, nothing changes on the server, no diff after."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_openpanel import cli
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.emulator import EmulatorServer
from pulumi_openpanel.models import ClientCreate, ProjectCreate, ProjectUpdate, ReferenceCreate
from tests.support.fixtures import ProjectFactory, credentials_env, direct_api
from tests.support.proxy import RecordingProxy
from tests.support.target import CREDENTIAL_VARIABLES, OpenPanelTarget


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
