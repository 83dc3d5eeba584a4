"""The lookup functions (``get_project`` ... ``get_reports`` and their ``_output`` forms).

Objects are made through :class:`ManageApi` with the session's credentials and compared with what the
lookups answer, so these tests run unchanged against the emulator or a real server (unique names, no
assumption of an empty organization, everything deleted again). Dashboards and reports cannot be made
over HTTP, so their tests seed a private emulator.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
import pytest
from pulumi.runtime import config as runtime_config

from pulumi_openpanel import lookups
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import (
    Client,
    ClientCreate,
    CreatedClient,
    CreatedProject,
    Dashboard,
    Project,
    ProjectCreate,
    Reference,
    ReferenceCreate,
    Report,
)
from pulumi_openpanel.dynamic.connection import Connection
from pulumi_openpanel.errors import (
    AuthenticationError,
    ForbiddenError,
    MissingCredentialsError,
    NotFoundError,
)
from tests.support.fixtures import direct_api, session_api
from tests.support.http import ManageHttp
from tests.support.manage import SECRET_HASH, unique_name, unique_suffix
from tests.support.target import CREDENTIAL_VARIABLES, OpenPanelTarget

pytestmark = pytest.mark.acceptance

T = TypeVar("T")

STACK_KEYS = ("openpanel:apiUrl", "openpanel:clientId", "openpanel:clientSecret")


@dataclass
class World:
    """What the module's tests look up: one project with a client and a reference, made by ``admin``."""

    admin: ManageApi
    project: CreatedProject
    client: CreatedClient
    reference: Reference

    @property
    def project_id(self) -> str:
        return self.project.project.id


@pytest.fixture(scope="module")
def world(openpanel: OpenPanelTarget) -> Iterator[World]:
    admin = session_api(openpanel)
    project = admin.create_project(
        ProjectCreate(
            name=unique_name("lookups"),
            domain="https://lookups.example.com",
            cors=["example.org", "*.example.com"],
            types=["website", "backend"],
        )
    )
    created_clients = [project.write_client_id] if project.write_client_id else []
    created_references: list[str] = []
    try:
        client = admin.create_client(
            ClientCreate(name=unique_name("lookups client"), project_id=project.project.id, type="read")
        )
        created_clients.append(client.client.id)
        reference = admin.create_reference(
            ReferenceCreate(
                project_id=project.project.id,
                title=unique_name("lookups reference"),
                description="released",
                datetime="2026-03-04T05:06:07Z",
            )
        )
        created_references.append(reference.id)
        yield World(admin, project, client, reference)
    finally:
        for reference_id in created_references:
            admin.delete_reference(reference_id)
        for client_id in created_clients:
            admin.delete_client(client_id)
        admin.delete_project(project.project.id)


@pytest.fixture
def connection(openpanel: OpenPanelTarget) -> Connection:
    return Connection(api_url=openpanel.api_url, client_id=openpanel.client_id, client_secret=openpanel.client_secret)


@pytest.fixture(autouse=True)
def no_ambient_credentials(openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test chooses where the credentials come from: none in the environment or stack config by default."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    if not openpanel.acceptance:
        monkeypatch.setenv("OPENPANEL_RATE_LIMIT", "off")
    saved = runtime_config.CONFIG.get()
    runtime_config.CONFIG.set({key: value for key, value in saved.items() if key not in STACK_KEYS})
    yield
    runtime_config.CONFIG.set(saved)


def _unknown_slug() -> str:
    return f"lookups-missing-{unique_suffix()}"


def _assert_no_secret_hash(value: Any) -> None:
    for text in (repr(value), str(value)):
        assert SECRET_HASH.search(text) is None, text
    dumps = [item.model_dump() for item in value] if isinstance(value, list) else [value.model_dump()]
    for dump in dumps:
        assert "secret" not in dump
        assert SECRET_HASH.search(repr(dump)) is None


# -- plain forms: what they answer ----------------------------------------------------------------


def test_get_project_returns_the_created_project(world: World, connection: Connection) -> None:
    found = lookups.get_project(world.project_id, connection=connection)

    assert isinstance(found, Project)
    assert found == world.project.project
    assert found.types == ["website", "backend"]
    assert found.cors == ["example.org", "*.example.com"]
    assert found.deleted is False


def test_get_projects_lists_live_projects_as_models(world: World, connection: Connection) -> None:
    found = lookups.get_projects(connection=connection)

    assert all(isinstance(project, Project) for project in found)
    assert [project for project in found if project.id == world.project_id] == [world.project.project]
    assert not any(project.deleted for project in found)


def test_get_client_and_get_clients(world: World, connection: Connection, openpanel: OpenPanelTarget) -> None:
    one = lookups.get_client(world.client.client.id, connection=connection)
    of_project = lookups.get_clients(world.project_id, connection=connection)
    everything = lookups.get_clients(connection=connection)

    assert isinstance(one, Client)
    assert one == world.client.client
    assert one.type == "read" and one.project_id == world.project_id
    assert all(isinstance(client, Client) for client in of_project + everything)
    assert {client.id for client in of_project} == {world.project.write_client_id, world.client.client.id}
    everything_ids = {client.id for client in everything}
    assert {openpanel.client_id, world.client.client.id} <= everything_ids


def test_get_reference_and_get_references(world: World, connection: Connection) -> None:
    one = lookups.get_reference(world.reference.id, connection=connection)
    of_project = lookups.get_references(world.project_id, connection=connection)
    everything = lookups.get_references(connection=connection)

    assert isinstance(one, Reference)
    assert one.model_dump(exclude={"organization_id"}) == world.reference.model_dump(exclude={"organization_id"})
    assert one.organization_id == world.project.project.organization_id
    assert one.date == "2026-03-04T05:06:07.000Z"
    assert of_project == [world.reference]
    assert world.reference.id in {reference.id for reference in everything}


def test_no_result_carries_the_client_secret_hash(
    world: World, connection: Connection, openpanel: OpenPanelTarget
) -> None:
    # The premise: the server does send the hash, so leaving it out is the lookups' doing.
    with ManageHttp(openpanel.api_url, openpanel.client_id, openpanel.client_secret) as http:
        raw = http.get(f"/manage/clients/{world.client.client.id}").text
    assert SECRET_HASH.search(raw) is not None

    results: list[Any] = [
        lookups.get_client(world.client.client.id, connection=connection),
        lookups.get_clients(world.project_id, connection=connection),
        lookups.get_clients(connection=connection),
        lookups.get_project(world.project_id, connection=connection),
        lookups.get_projects(connection=connection),
        lookups.get_reference(world.reference.id, connection=connection),
        lookups.get_references(world.project_id, connection=connection),
    ]
    plain_secret = world.client.secret.get_secret_value()
    for result in results:
        _assert_no_secret_hash(result)
        assert plain_secret not in repr(result)


# -- plain forms: where the credentials come from --------------------------------------------------


def test_credentials_from_the_environment(
    world: World, openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPANEL_API_URL", openpanel.api_url)
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", openpanel.client_id)
    monkeypatch.setenv("OPENPANEL_CLIENT_SECRET", openpanel.client_secret)

    assert lookups.get_project(world.project_id) == world.project.project


def test_credentials_from_the_environment_are_really_used(
    world: World, openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPANEL_API_URL", openpanel.api_url)
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", openpanel.client_id)
    monkeypatch.setenv("OPENPANEL_CLIENT_SECRET", "sec_" + "0" * 20)

    with pytest.raises(AuthenticationError):
        lookups.get_project(world.project_id)


def test_credentials_from_stack_config_win_over_the_environment(
    world: World, openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", str(uuid.uuid4()))
    monkeypatch.setenv("OPENPANEL_CLIENT_SECRET", "sec_" + "0" * 20)
    runtime_config.set_config("openpanel:apiUrl", openpanel.api_url)
    runtime_config.set_config("openpanel:clientId", openpanel.client_id)
    runtime_config.set_config("openpanel:clientSecret", openpanel.client_secret)

    assert lookups.get_project(world.project_id) == world.project.project


def test_connection_wins_over_stack_config_and_environment(
    world: World, connection: Connection, openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPANEL_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", str(uuid.uuid4()))
    monkeypatch.setenv("OPENPANEL_CLIENT_SECRET", "sec_" + "1" * 20)
    runtime_config.set_config("openpanel:clientId", str(uuid.uuid4()))
    runtime_config.set_config("openpanel:clientSecret", "sec_" + "2" * 20)

    assert lookups.get_project(world.project_id, connection=connection) == world.project.project


def test_missing_credentials_name_every_place_to_set_them() -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        lookups.get_projects()

    message = str(caught.value)
    for place in ("openpanel:clientId", "openpanel:clientSecret", "OPENPANEL_CLIENT_ID", "OPENPANEL_CLIENT_SECRET"):
        assert place in message


def test_a_missing_secret_alone_is_named(openpanel: OpenPanelTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", openpanel.client_id)

    with pytest.raises(MissingCredentialsError) as caught:
        lookups.get_projects(connection=Connection(api_url=openpanel.api_url))

    message = str(caught.value)
    assert "openpanel:clientSecret" in message and "OPENPANEL_CLIENT_SECRET" in message
    assert "openpanel:clientId" not in message


def test_an_output_in_the_connection_of_a_plain_form_is_refused(world: World, openpanel: OpenPanelTarget) -> None:
    connection = Connection(
        api_url=openpanel.api_url,
        client_id=openpanel.client_id,
        client_secret=pulumi.Output.secret(openpanel.client_secret),
    )

    with pytest.raises(TypeError) as caught:
        lookups.get_project(world.project_id, connection=connection)

    message = str(caught.value)
    assert "client_secret" in message or "clientSecret" in message
    assert "_output" in message
    assert openpanel.client_secret not in message


# -- plain forms: what is missing, deleted or foreign ----------------------------------------------


def test_a_soft_deleted_project_is_flagged_and_left_out_of_the_list(
    openpanel: OpenPanelTarget, connection: Connection
) -> None:
    admin = session_api(openpanel)
    older = admin.create_project(ProjectCreate(name=unique_name("lookups kept")))
    newer = admin.create_project(ProjectCreate(name=unique_name("lookups deleted")))
    try:
        listed = [project.id for project in lookups.get_projects(connection=connection)]
        assert listed.index(newer.project.id) < listed.index(older.project.id)  # newest first

        admin.delete_project(newer.project.id)

        gone = lookups.get_project(newer.project.id, connection=connection)
        assert gone.deleted is True and gone.delete_at is not None
        listed = [project.id for project in lookups.get_projects(connection=connection)]
        assert newer.project.id not in listed
        assert older.project.id in listed
    finally:
        for created in (newer, older):
            if created.write_client_id:
                admin.delete_client(created.write_client_id)
            admin.delete_project(created.project.id)


@pytest.mark.parametrize(
    ("lookup", "kind", "make_id"),
    [
        (lookups.get_project, "project", _unknown_slug),
        (lookups.get_client, "client", lambda: str(uuid.uuid4())),
        (lookups.get_reference, "reference", lambda: str(uuid.uuid4())),
        (lookups.get_clients, "project", _unknown_slug),
        (lookups.get_references, "project", _unknown_slug),
    ],
)
def test_a_missing_id_is_named_in_the_error(
    lookup: Callable[..., Any], kind: str, make_id: Callable[[], str], connection: Connection
) -> None:
    missing = make_id()

    with pytest.raises(NotFoundError) as caught:
        lookup(missing, connection=connection)

    message = str(caught.value)
    assert f"{kind} {missing!r} not found" in message
    assert "another organization" in message


@pytest.mark.parametrize("lookup", [lookups.get_clients, lookups.get_references])
def test_an_empty_project_id_is_not_the_whole_organization(
    lookup: Callable[..., Any], world: World, connection: Connection
) -> None:
    assert lookup(None, connection=connection)  # None is how the whole organization is asked for

    with pytest.raises(NotFoundError) as caught:
        lookup("", connection=connection)

    assert "project '' not found" in str(caught.value)


@pytest.fixture(scope="module")
def foreign_project(openpanel: OpenPanelTarget) -> Iterator[CreatedProject]:
    """A project of the second organization, made with its own root client."""
    other_id, other_secret = openpanel.other_org()
    other = session_api(openpanel, other_id, other_secret)
    project = other.create_project(ProjectCreate(name=unique_name("lookups foreign")))
    try:
        yield project
    finally:
        if project.write_client_id:
            other.delete_client(project.write_client_id)
        other.delete_project(project.project.id)


def test_a_project_of_another_organization_looks_missing(
    foreign_project: CreatedProject, connection: Connection, openpanel: OpenPanelTarget
) -> None:
    other_id, other_secret = openpanel.other_org()
    owner = Connection(api_url=openpanel.api_url, client_id=other_id, client_secret=other_secret)
    assert lookups.get_project(foreign_project.project.id, connection=owner) == foreign_project.project

    for lookup in (lookups.get_project, lookups.get_clients, lookups.get_references):
        with pytest.raises(NotFoundError) as caught:
            lookup(foreign_project.project.id, connection=connection)
        message = str(caught.value)
        assert f"project {foreign_project.project.id!r} not found" in message
        assert "belongs to another organization" in message
    assert foreign_project.project.id not in {p.id for p in lookups.get_projects(connection=connection)}


def test_the_dashboards_of_a_foreign_project_are_forbidden(
    foreign_project: CreatedProject, connection: Connection
) -> None:
    project_id = foreign_project.project.id
    for call in (
        lambda: lookups.get_dashboards(project_id, connection=connection),
        lambda: lookups.get_reports(project_id, "any-dashboard", connection=connection),
    ):
        with pytest.raises(ForbiddenError) as caught:
            call()
        assert caught.value.status == 403
        assert repr(project_id) in str(caught.value)
        assert "another organization" in str(caught.value)


# -- dashboards and reports (seeded: only the emulator can make them) ------------------------------


@dataclass
class Seeded:
    api_url: str
    owner: Connection
    stranger: Connection
    project_id: str
    empty_project_id: str
    dashboards: list[dict[str, Any]]
    reports: list[dict[str, Any]]


@pytest.fixture
def seeded(fresh_emulator: Callable[..., Any]) -> Seeded:
    server = fresh_emulator(rate_limit=None)
    owner = server.seed_organization("Dashboards owner")
    stranger = server.seed_organization("Dashboards stranger")
    admin = direct_api(server.api_url, owner.client_id, owner.client_secret, paced=False)
    project = admin.create_project(ProjectCreate(name="Dashboards"))
    empty = admin.create_project(ProjectCreate(name="No dashboards"))
    overview = server.seed_dashboard(project.project.id, "Overview")
    funnels = server.seed_dashboard(project.project.id, "Funnels")
    reports = [
        server.seed_report(project.project.id, overview["id"], "Visitors"),
        server.seed_report(
            project.project.id,
            overview["id"],
            "Sign-ups by country",
            chart_type="bar",
            breakdowns=[{"id": "A", "name": "country"}],
        ),
    ]
    return Seeded(
        api_url=server.api_url,
        owner=Connection(api_url=server.api_url, client_id=owner.client_id, client_secret=owner.client_secret),
        stranger=Connection(api_url=server.api_url, client_id=stranger.client_id, client_secret=stranger.client_secret),
        project_id=project.project.id,
        empty_project_id=empty.project.id,
        dashboards=[overview, funnels],
        reports=reports,
    )


def test_get_dashboards_returns_the_seeded_dashboards(seeded: Seeded) -> None:
    found = lookups.get_dashboards(seeded.project_id, connection=seeded.owner)

    assert all(isinstance(dashboard, Dashboard) for dashboard in found)
    assert sorted((d.id, d.name, d.project_id) for d in found) == sorted(
        (d["id"], d["name"], d["projectId"]) for d in seeded.dashboards
    )
    assert lookups.get_dashboards(seeded.empty_project_id, connection=seeded.owner) == []


def test_get_reports_returns_the_seeded_reports_whole(seeded: Seeded) -> None:
    overview, funnels = seeded.dashboards

    found = lookups.get_reports(seeded.project_id, overview["id"], connection=seeded.owner)

    assert all(isinstance(report, Report) for report in found)
    assert [report.model_dump(by_alias=True) for report in found] == seeded.reports
    assert lookups.get_reports(seeded.project_id, funnels["id"], connection=seeded.owner) == []
    assert lookups.get_reports(seeded.project_id, "no-such-dashboard", connection=seeded.owner) == []


def test_dashboards_and_reports_of_a_foreign_project_are_forbidden(seeded: Seeded) -> None:
    overview = seeded.dashboards[0]
    for call in (
        lambda: lookups.get_dashboards(seeded.project_id, connection=seeded.stranger),
        lambda: lookups.get_reports(seeded.project_id, overview["id"], connection=seeded.stranger),
    ):
        with pytest.raises(ForbiddenError) as caught:
            call()
        assert caught.value.status == 403
        assert f"project {seeded.project_id!r}" in str(caught.value)
        assert "another organization" in str(caught.value)


# -- Output forms, inside a Pulumi program run with mocks -------------------------------------------


class _NoResources(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass
class Settled:
    value: Any
    secret: bool


def _in_program(build: Callable[[], pulumi.Output[T]], stack_config: dict[str, str] | None = None) -> Settled:
    """Run ``build`` as a Pulumi program with mocks; return what its Output settled to.

    Everything the runtime keeps in context variables (settings, root stack, config) is set in a copy of
    the current context, so nothing leaks into later tests.
    """
    settled: list[Settled] = []

    def run() -> None:
        runtime_config.CONFIG.set(dict(stack_config or {}))
        pulumi.runtime.set_mocks(_NoResources(), preview=False)

        @pulumi.runtime.test
        def program() -> Any:
            output = build()

            async def settle() -> None:
                settled.append(Settled(await output.future(), await output.is_secret()))

            return asyncio.ensure_future(settle())

        program()

    contextvars.copy_context().run(run)
    assert len(settled) == 1
    return settled[0]


def test_get_project_output_resolves_to_the_plain_answer(world: World, connection: Connection) -> None:
    settled = _in_program(
        lambda: lookups.get_project_output(pulumi.Output.from_input(world.project_id), connection=connection)
    )

    assert settled.value == lookups.get_project(world.project_id, connection=connection)
    assert settled.value == world.project.project
    assert settled.secret is False


def test_a_secret_client_secret_in_the_connection_works(world: World, openpanel: OpenPanelTarget) -> None:
    connection = Connection(
        api_url=pulumi.Output.from_input(openpanel.api_url),
        client_id=openpanel.client_id,
        client_secret=pulumi.Output.secret(openpanel.client_secret),
    )

    settled = _in_program(lambda: lookups.get_project_output(world.project_id, connection=connection))

    assert settled.value == world.project.project
    assert settled.secret is True  # derived from a secret, so Pulumi keeps it one


def test_output_forms_read_stack_config(world: World, openpanel: OpenPanelTarget) -> None:
    config = {
        "openpanel:apiUrl": openpanel.api_url,
        "openpanel:clientId": openpanel.client_id,
        "openpanel:clientSecret": openpanel.client_secret,
    }
    project_id = pulumi.Output.from_input(world.project_id)

    settled = _in_program(
        lambda: pulumi.Output.all(
            lookups.get_projects_output(),
            lookups.get_clients_output(project_id),
            lookups.get_references_output(project_id),
            lookups.get_client_output(world.client.client.id),
            lookups.get_reference_output(pulumi.Output.from_input(world.reference.id)),
        ),
        stack_config=config,
    )

    projects, clients, references, client, reference = settled.value
    assert world.project.project in projects
    assert {c.id for c in clients} == {world.project.write_client_id, world.client.client.id}
    assert references == [world.reference]
    assert client == world.client.client
    assert reference.id == world.reference.id


def test_output_forms_fail_the_program_with_the_plain_error(connection: Connection) -> None:
    missing = _unknown_slug()

    with pytest.raises(NotFoundError) as caught:
        _in_program(lambda: lookups.get_project_output(missing, connection=connection))

    assert f"project {missing!r} not found" in str(caught.value)


def test_dashboard_output_forms(seeded: Seeded) -> None:
    overview = seeded.dashboards[0]
    project_id = pulumi.Output.from_input(seeded.project_id)

    settled = _in_program(
        lambda: pulumi.Output.all(
            lookups.get_dashboards_output(project_id, connection=seeded.owner),
            lookups.get_reports_output(project_id, overview["id"], connection=seeded.owner),
        )
    )

    dashboards, reports = settled.value
    assert dashboards == lookups.get_dashboards(seeded.project_id, connection=seeded.owner)
    assert [report.model_dump(by_alias=True) for report in reports] == seeded.reports
