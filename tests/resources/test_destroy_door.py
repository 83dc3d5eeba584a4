"""Deleting a Project closes the door: the write client created with it goes too, so its secret stops
authenticating at once instead of 24 h later, when OpenPanel purges the soft-deleted project.

Provider level: ``ProjectProvider.create`` / ``delete`` called directly, as the plugin calls them, with the
provider's settings in the environment and every request passing through a recording (and, where a test
says so, failing) proxy in front of the API under test. One test at the end runs the same through a plain
``pulumi destroy`` of the real CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate, ProjectCreate
from pulumi_openpanel.errors import NotFoundError, ProjectDeleteError
from pulumi_openpanel.project import ProjectProvider
from tests.support import faults
from tests.support.faults import FaultPlan, once
from tests.support.fixtures import ProjectFactory, provider_env
from tests.support.proxy import NO_ANSWER, Fault, RecordingProxy
from tests.support.target import OpenPanelTarget


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, openpanel: OpenPanelTarget, proxy: RecordingProxy) -> ProjectProvider:
    """A provider whose settings come from the environment, as in the plugin; no retries, so that one
    injected fault is one failed step."""
    for name, value in provider_env(openpanel, proxy.url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENPANEL_MAX_RETRIES", "0")
    return ProjectProvider()


def create(provider: ProjectProvider, name: str) -> tuple[str, dict[str, Any]]:
    checked = provider.check({}, {"name": name, "types": ["website"]})
    assert not checked.failures, checked.failures
    created = provider.create(checked.inputs)
    assert created.id is not None and created.outs is not None
    return created.id, dict(created.outs)


def ingests(openpanel: OpenPanelTarget, client_id: str, secret: str) -> bool:
    """Whether the server's ingestion accepts an event sent with these credentials (the door)."""
    response = httpx.post(
        f"{openpanel.api_url}/track",
        json={"type": "track", "payload": {"name": "door_probe"}},
        headers={"openpanel-client-id": client_id, "openpanel-client-secret": secret},
        timeout=15,
    )
    assert response.status_code in (200, 202, 401), response.text
    return response.status_code != 401


def sent(proxy: RecordingProxy) -> list[tuple[str, str, int]]:
    return [(r.method, r.path.rsplit("/manage", 1)[1], r.status) for r in proxy.requests]


def assert_closed(api: ManageApi, openpanel: OpenPanelTarget, project_id: str, outs: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError):
        api.get_client(outs["client_id"])
    assert not ingests(openpanel, outs["client_id"], outs["client_secret"])
    assert api.get_project(project_id).deleted


@pytest.mark.parametrize("already_gone", [False, True], ids=["client-live", "client-already-gone"])
def test_delete_removes_the_write_client_with_one_delete_each(
    provider: ProjectProvider, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str,
    already_gone: bool,
) -> None:
    """A write client deleted by someone else beforehand answers 404, which counts as done."""
    project_id, outs = create(provider, f"Door {uid}")
    if already_gone:
        api.delete_client(outs["client_id"])
    else:
        assert ingests(openpanel, outs["client_id"], outs["client_secret"])
    proxy.reset()

    provider.delete(project_id, outs)

    assert sent(proxy) == [
        ("DELETE", f"/clients/{outs['client_id']}", 404 if already_gone else 200),
        ("DELETE", f"/projects/{project_id}", 200),
    ]
    assert_closed(api, openpanel, project_id, outs)


def test_other_clients_of_the_project_survive(
    provider: ProjectProvider, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str
) -> None:
    project_id, outs = create(provider, f"Shared {uid}")
    by_hand = api.create_client(ClientCreate(name=f"Made by hand {uid}", project_id=project_id, type="write"))
    reader = api.create_client(ClientCreate(name=f"Reader {uid}", project_id=project_id, type="read"))
    try:
        provider.delete(project_id, outs)

        assert_closed(api, openpanel, project_id, outs)
        remaining = {client.id for client in api.list_clients(project_id)}
        assert remaining == {by_hand.client.id, reader.client.id}
        # Not the provider's to close: the soft-deleted project still lets it in, as the server does.
        assert ingests(openpanel, by_hand.client.id, by_hand.secret.get_secret_value())
    finally:
        api.delete_client(by_hand.client.id)
        api.delete_client(reader.client.id)


PROJECT_DELETE_FAULTS: dict[str, Callable[[], Fault]] = {
    "500": lambda: faults.server_error(500),
    "500-after-commit": lambda: faults.server_error(500, after_commit=True),
    "reset-after-commit": faults.reset_after_commit,
}


@pytest.mark.parametrize("kind", sorted(PROJECT_DELETE_FAULTS))
def test_a_failed_project_delete_is_finished_by_the_next_delete(
    provider: ProjectProvider, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str,
    kind: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    project_id, outs = create(provider, f"Half {uid}")
    proxy.fault = FaultPlan([once(PROJECT_DELETE_FAULTS[kind], kind, method="DELETE", path="^/projects/")])
    proxy.reset()

    with pytest.raises(ProjectDeleteError) as raised:
        provider.delete(project_id, outs)

    first_status = NO_ANSWER if kind.startswith("reset") else 500
    assert sent(proxy) == [
        ("DELETE", f"/clients/{outs['client_id']}", 200),
        ("DELETE", f"/projects/{project_id}", first_status),
    ]
    message = str(raised.value)
    assert project_id in message and "destroy again" in message
    # The door is closed already, whatever became of the project.
    with pytest.raises(NotFoundError):
        api.get_client(outs["client_id"])
    assert not ingests(openpanel, outs["client_id"], outs["client_secret"])
    if kind == "500":
        # The project is still live, so a refresh keeps the resource and the next destroy comes back to it.
        assert provider.read(project_id, outs).id == project_id

    proxy.reset()
    provider.delete(project_id, outs)  # the retried destroy: no error

    assert sent(proxy) == [
        ("DELETE", f"/clients/{outs['client_id']}", 404),
        ("DELETE", f"/projects/{project_id}", 200),
    ]
    assert_closed(api, openpanel, project_id, outs)
    assert api.list_clients(project_id) == []  # no leftover
    for text in (message, repr(raised.value), caplog.text):
        assert outs["client_secret"] not in text and openpanel.client_secret not in text


def test_a_failed_client_delete_leaves_the_project_for_the_next_delete(
    provider: ProjectProvider, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str
) -> None:
    project_id, outs = create(provider, f"Stuck {uid}")
    proxy.fault = FaultPlan([once(lambda: faults.server_error(503), "503", method="DELETE", path="^/clients/")])
    proxy.reset()

    with pytest.raises(ProjectDeleteError) as raised:
        provider.delete(project_id, outs)

    assert sent(proxy) == [("DELETE", f"/clients/{outs['client_id']}", 503)]  # the project was not touched
    assert outs["client_id"] in str(raised.value) and outs["client_secret"] not in str(raised.value)
    assert not api.get_project(project_id).deleted
    assert api.get_client(outs["client_id"]).id == outs["client_id"]

    proxy.reset()
    provider.delete(project_id, outs)

    assert [r[:2] for r in sent(proxy)] == [
        ("DELETE", f"/clients/{outs['client_id']}"),
        ("DELETE", f"/projects/{project_id}"),
    ]
    assert_closed(api, openpanel, project_id, outs)


def test_an_adopted_project_deletes_no_client(
    provider: ProjectProvider, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str
) -> None:
    """The stack never held an adopted project's write client (its secret is unknowable), so it is not
    recorded in the outputs and destroy leaves it alone, like any client the stack did not create."""
    existing = api.create_project(ProjectCreate(name=f"Adopted {uid}", types=["website"]))
    first_id = existing.write_client_id
    assert first_id is not None and existing.write_client_secret is not None
    checked = provider.check({}, {"name": f"Adopted {uid}", "types": ["website"], "adopt": existing.project.id})
    adopted = provider.create(checked.inputs)
    assert adopted.outs is not None
    outs = dict(adopted.outs)
    assert outs["client_id"] is None and outs["client_secret"] is None
    proxy.reset()
    try:
        provider.delete(existing.project.id, outs)

        assert sent(proxy) == [("DELETE", f"/projects/{existing.project.id}", 200)]
        assert api.get_project(existing.project.id).deleted
        assert api.get_client(first_id).id == first_id
    finally:
        api.delete_client(first_id)


@pytest.mark.cli
def test_destroy_through_the_cli_closes_the_door_and_a_retry_finishes(
    make_project: ProjectFactory, proxy: RecordingProxy, api: ManageApi, openpanel: OpenPanelTarget, uid: str
) -> None:
    stack = make_project(f"""
        import pulumi_openpanel as op

        op.Project("web", name={f"Engine door {uid}"!r}, types=["website"])
    """, env=provider_env(openpanel, proxy.url, OPENPANEL_MAX_RETRIES="0"))
    stack.up()
    project = stack.resources(show_secrets=True)["web"]
    outs = dict(project["outputs"])
    proxy.fault = FaultPlan([once(lambda: faults.server_error(500), "500", method="DELETE", path="^/projects/")])

    failed = stack.destroy(check=False)

    assert failed.returncode != 0 and "run the destroy again" in failed.output
    assert outs["client_secret"] not in failed.output
    assert "web" in stack.resources()  # stays, to be finished
    assert not api.get_project(project["id"]).deleted
    proxy.fault = None
    proxy.reset()

    stack.destroy()

    assert stack.resources() == {}
    assert [(r.method, r.status) for r in proxy.requests] == [("DELETE", 404), ("DELETE", 200)]
    assert_closed(api, openpanel, project["id"], outs)
