"""Every Manage API route: what goes on the wire, and what the answers become."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import (
    ClientCreate,
    ClientUpdate,
    ProjectCreate,
    ProjectUpdate,
    ReferenceCreate,
    ReferenceUpdate,
)
from pulumi_openpanel.api.settings import normalize_api_url
from pulumi_openpanel.errors import NotFoundError

from .fakes import (
    CLIENT_ID,
    CLOUD_ROOT,
    CREATED_SECRET,
    HASH,
    ORG,
    OTHER_UUID,
    REFERENCE_UUID,
    SECRET,
    FakeClock,
    FakeServer,
    Seen,
    client_json,
    make_api,
    project_json,
    reference_json,
    respond,
)


def serve(
    *replies: Callable[[httpx.Request], httpx.Response], api_url: str = CLOUD_ROOT
) -> tuple[ManageApi, FakeServer]:
    server = FakeServer(FakeClock(), *replies)
    return make_api(server, api_url=api_url), server


def assert_authenticated(seen: Seen) -> None:
    assert seen.headers["openpanel-client-id"] == CLIENT_ID
    assert seen.headers["openpanel-client-secret"] == SECRET


def assert_no_body(seen: Seen) -> None:
    assert seen.content == b""
    assert "content-type" not in seen.headers


def assert_json_body(seen: Seen, expected: dict[str, Any]) -> None:
    assert seen.headers["content-type"] == "application/json"
    assert seen.json() == expected


# -- URL building -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("https://api.openpanel.dev", "https://api.openpanel.dev/manage/projects"),
        ("https://api.openpanel.dev/", "https://api.openpanel.dev/manage/projects"),
        ("https://host/api", "https://host/api/manage/projects"),
        ("https://host/api/", "https://host/api/manage/projects"),
        ("http://127.0.0.1:3333/api//", "http://127.0.0.1:3333/api/manage/projects"),
    ],
)
def test_manage_routes_are_appended_to_the_api_root(root: str, expected: str) -> None:
    api, server = serve(respond(200, {"data": []}), api_url=normalize_api_url(root))
    api.list_projects()
    assert str(server.last.url) == expected


# -- projects -----------------------------------------------------------------------------------------


def test_list_projects() -> None:
    api, server = serve(respond(200, {"data": [project_json("b"), project_json("a")]}))
    projects = api.list_projects()
    seen = server.last
    assert (seen.method, seen.url.path, seen.url.query) == ("GET", "/manage/projects", b"")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert [p.id for p in projects] == ["b", "a"]
    assert projects[0].organization_id == ORG
    assert projects[0].cors == ["*.example.com"]


def test_get_project_parses_every_field() -> None:
    api, server = serve(respond(200, {"data": project_json("probe-project", eventsCount=12)}))
    project = api.get_project("probe-project")
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", "/manage/projects/probe-project")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert project.id == "probe-project"
    assert project.name == "Probe Project"
    assert project.types == ["website"]
    assert project.domain == "https://example.com"
    assert project.cross_domain is False
    assert project.allow_unsafe_revenue_tracking is False
    assert project.events_count == 12
    assert project.created_at == "2026-11-28T00:06:19.471Z"
    assert project.deleted is False


def test_soft_deleted_project_is_marked_deleted() -> None:
    api, _ = serve(respond(200, {"data": project_json(deleteAt="2026-11-29T00:06:19.471Z")}))
    project = api.get_project("probe-project")
    assert project.deleted is True
    assert project.delete_at == "2026-11-29T00:06:19.471Z"


def test_project_id_is_escaped_in_the_path() -> None:
    api, server = serve(respond(200, {"data": project_json("a b/c")}))
    api.get_project("a b/c")
    assert server.last.url.raw_path == b"/manage/projects/a%20b%2Fc"


def test_create_project_sends_every_given_field_and_returns_the_write_client() -> None:
    answer = {
        **project_json("probe-project"),
        "clients": [{"id": OTHER_UUID}],
        "client": {"id": OTHER_UUID, "secret": CREATED_SECRET},
    }
    api, server = serve(respond(200, {"data": answer}))
    created = api.create_project(
        ProjectCreate(
            name="Probe Project",
            domain="https://example.com",
            cors=["*", "example.org"],
            cross_domain=True,
            types=["website", "backend"],
        )
    )
    seen = server.last
    assert (seen.method, seen.url.path) == ("POST", "/manage/projects")
    assert_authenticated(seen)
    assert_json_body(
        seen,
        {
            "name": "Probe Project",
            "domain": "https://example.com",
            "cors": ["*", "example.org"],
            "crossDomain": True,
            "types": ["website", "backend"],
        },
    )
    assert created.project.id == "probe-project"
    assert created.write_client_id == OTHER_UUID
    assert isinstance(created.write_client_secret, SecretStr)
    assert created.write_client_secret.get_secret_value() == CREATED_SECRET


def test_create_project_with_a_name_only_sends_nothing_else() -> None:
    api, server = serve(respond(200, {"data": {**project_json(), "client": {"id": OTHER_UUID, "secret": SECRET}}}))
    api.create_project(ProjectCreate(name="Probe Project"))
    body = server.last.json()
    assert body["name"] == "Probe Project"
    assert "allowUnsafeRevenueTracking" not in body
    assert set(body) <= {"name", "domain", "cors", "crossDomain", "types"}


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (ProjectUpdate(name="Renamed"), {"name": "Renamed"}),
        (ProjectUpdate(domain=None), {"domain": None}),
        (ProjectUpdate(cors=[]), {"cors": []}),
        (
            ProjectUpdate(cross_domain=True, allow_unsafe_revenue_tracking=True),
            {"crossDomain": True, "allowUnsafeRevenueTracking": True},
        ),
        (
            ProjectUpdate(domain="http://localhost:3000", cors=["https://x.example.com"]),
            {"domain": "http://localhost:3000", "cors": ["https://x.example.com"]},
        ),
    ],
)
def test_update_project_sends_only_the_fields_set(update: ProjectUpdate, expected: dict[str, Any]) -> None:
    api, server = serve(respond(200, {"data": project_json(name="Renamed")}))
    project = api.update_project("probe-project", update)
    seen = server.last
    assert (seen.method, seen.url.path) == ("PATCH", "/manage/projects/probe-project")
    assert_authenticated(seen)
    assert_json_body(seen, expected)
    assert project.name == "Renamed"


@pytest.mark.parametrize(
    ("delete", "object_id", "path"),
    [
        (ManageApi.delete_project, "probe-project", "/manage/projects/probe-project"),
        (ManageApi.delete_client, OTHER_UUID, f"/manage/clients/{OTHER_UUID}"),
        (ManageApi.delete_reference, REFERENCE_UUID, f"/manage/references/{REFERENCE_UUID}"),
    ],
    ids=["project", "client", "reference"],
)
def test_a_delete_sends_no_body(delete: Callable[[ManageApi, str], None], object_id: str, path: str) -> None:
    api, server = serve(respond(200, {"success": True}))
    delete(api, object_id)
    seen = server.last
    assert (seen.method, seen.url.path) == ("DELETE", path)
    assert_authenticated(seen)
    assert_no_body(seen)


# -- clients ------------------------------------------------------------------------------------------


def assert_no_hash(model: Any) -> None:
    for rendering in (repr(model), str(model), str(model.model_dump()), model.model_dump_json()):
        assert HASH not in rendering
        assert HASH.split(".")[0] not in rendering
        assert HASH.split(".")[1] not in rendering
    assert "secret" not in model.model_dump(by_alias=True)


def test_list_clients_without_project() -> None:
    api, server = serve(respond(200, {"data": [client_json(), client_json(CLIENT_ID, type="root", projectId=None)]}))
    clients = api.list_clients()
    seen = server.last
    assert (seen.method, seen.url.path, seen.url.query) == ("GET", "/manage/clients", b"")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert [c.id for c in clients] == [OTHER_UUID, CLIENT_ID]
    assert clients[1].type == "root"
    assert clients[1].project_id is None
    for client in clients:
        assert_no_hash(client)


def test_list_clients_of_a_project() -> None:
    api, server = serve(respond(200, {"data": [client_json()]}))
    api.list_clients("probe-project")
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", "/manage/clients")
    assert dict(seen.url.params) == {"projectId": "probe-project"}


def test_get_client() -> None:
    api, server = serve(respond(200, {"data": client_json()}))
    client = api.get_client(OTHER_UUID)
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", f"/manage/clients/{OTHER_UUID}")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert (client.id, client.name, client.type, client.project_id, client.organization_id) == (
        OTHER_UUID,
        "CI",
        "write",
        "probe-project",
        ORG,
    )
    assert client.ignore_cors_and_secret is False
    assert_no_hash(client)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            ClientCreate(name="CI", project_id="probe-project", type="read"),
            {"name": "CI", "projectId": "probe-project", "type": "read"},
        ),
        (ClientCreate(name="Org wide", type="root"), {"name": "Org wide", "type": "root"}),
    ],
)
def test_create_client_returns_the_plain_secret_once(body: ClientCreate, expected: dict[str, Any]) -> None:
    answer = {**client_json(), "secret": CREATED_SECRET}
    api, server = serve(respond(200, {"data": answer}))
    created = api.create_client(body)
    seen = server.last
    assert (seen.method, seen.url.path) == ("POST", "/manage/clients")
    assert_authenticated(seen)
    assert_json_body(seen, expected)
    assert isinstance(created.secret, SecretStr)
    assert created.secret.get_secret_value() == CREATED_SECRET
    assert created.client.id == OTHER_UUID
    assert CREATED_SECRET not in repr(created.client) + created.client.model_dump_json()


def test_update_client_sends_the_name_only() -> None:
    api, server = serve(respond(200, {"data": client_json(name="Renamed")}))
    client = api.update_client(OTHER_UUID, ClientUpdate(name="Renamed"))
    seen = server.last
    assert (seen.method, seen.url.path) == ("PATCH", f"/manage/clients/{OTHER_UUID}")
    assert_authenticated(seen)
    assert_json_body(seen, {"name": "Renamed"})
    assert client.name == "Renamed"
    assert_no_hash(client)


# -- references ---------------------------------------------------------------------------------------


def test_list_references_without_project() -> None:
    api, server = serve(respond(200, {"data": [reference_json(), reference_json(OTHER_UUID, description="x")]}))
    references = api.list_references()
    seen = server.last
    assert (seen.method, seen.url.path, seen.url.query) == ("GET", "/manage/references", b"")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert [(r.id, r.description) for r in references] == [(REFERENCE_UUID, None), (OTHER_UUID, "x")]


def test_list_references_of_a_project() -> None:
    api, server = serve(respond(200, {"data": []}))
    assert api.list_references("probe-project") == []
    assert dict(server.last.url.params) == {"projectId": "probe-project"}
    assert server.last.url.path == "/manage/references"


def test_get_reference_lifts_the_organization() -> None:
    answer = {**reference_json(), "project": {"organizationId": ORG}}
    api, server = serve(respond(200, {"data": answer}))
    reference = api.get_reference(REFERENCE_UUID)
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", f"/manage/references/{REFERENCE_UUID}")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert reference.organization_id == ORG
    assert (reference.title, reference.date, reference.project_id) == (
        "Launch",
        "2026-01-02T03:04:05.000Z",
        "probe-project",
    )


def test_create_reference_sends_datetime() -> None:
    api, server = serve(respond(200, {"data": reference_json(description="Big day")}))
    reference = api.create_reference(
        ReferenceCreate(
            project_id="probe-project", title="Launch", description="Big day", datetime="2026-01-02T03:04:05Z"
        )
    )
    seen = server.last
    assert (seen.method, seen.url.path) == ("POST", "/manage/references")
    assert_authenticated(seen)
    assert_json_body(
        seen,
        {"projectId": "probe-project", "title": "Launch", "description": "Big day", "datetime": "2026-01-02T03:04:05Z"},
    )
    assert reference.date == "2026-01-02T03:04:05.000Z"


def test_create_reference_without_description_omits_it() -> None:
    api, server = serve(respond(200, {"data": reference_json()}))
    api.create_reference(ReferenceCreate(project_id="probe-project", title="Launch", datetime="2026-01-01"))
    assert server.last.json() == {"projectId": "probe-project", "title": "Launch", "datetime": "2026-01-01"}


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (ReferenceUpdate(title="Relaunch"), {"title": "Relaunch"}),
        (ReferenceUpdate(datetime="2026-02-01T00:00:00+02:00"), {"datetime": "2026-02-01T00:00:00+02:00"}),
        (ReferenceUpdate(description=""), {"description": ""}),
        (ReferenceUpdate(title="T", description="D"), {"title": "T", "description": "D"}),
    ],
)
def test_update_reference_sends_only_the_fields_set(update: ReferenceUpdate, expected: dict[str, Any]) -> None:
    api, server = serve(respond(200, {"data": reference_json()}))
    api.update_reference(REFERENCE_UUID, update)
    seen = server.last
    assert (seen.method, seen.url.path) == ("PATCH", f"/manage/references/{REFERENCE_UUID}")
    assert_authenticated(seen)
    assert_json_body(seen, expected)


def test_clearing_a_reference_description_never_sends_null() -> None:
    """The server refuses ``description: null`` on PATCH; clearing must go out as ``""``."""
    api, server = serve(respond(200, {"data": reference_json(description="")}))
    api.update_reference(REFERENCE_UUID, ReferenceUpdate(description=None))
    assert server.last.json() == {"description": ""}


# -- dashboards and reports ---------------------------------------------------------------------------


def test_list_dashboards_reads_a_bare_array() -> None:
    api, server = serve(respond(200, [{"id": "d1", "name": "Main", "projectId": "probe-project", "extra": 1}]))
    dashboards = api.list_dashboards("probe-project")
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", "/manage/projects/probe-project/dashboards")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert [(d.id, d.name, d.project_id) for d in dashboards] == [("d1", "Main", "probe-project")]


def test_list_dashboards_empty() -> None:
    api, _ = serve(respond(200, []))
    assert api.list_dashboards("probe-project") == []


def test_list_reports_reads_a_bare_array() -> None:
    api, server = serve(respond(200, [{"id": "r1", "name": "Visitors"}, {"id": "r2"}]))
    reports = api.list_reports("probe-project", "d1")
    seen = server.last
    assert (seen.method, seen.url.path) == ("GET", "/manage/projects/probe-project/dashboards/d1/reports")
    assert_authenticated(seen)
    assert_no_body(seen)
    assert [(r.id, r.name) for r in reports] == [("r1", "Visitors"), ("r2", None)]


# -- ids the server would choke on --------------------------------------------------------------------

NOT_UUIDS = [
    "",
    "abc",
    "123",
    "not-a-uuid",
    OTHER_UUID + "0",
    OTHER_UUID[:-1],
    " " + OTHER_UUID[1:],
    "urn:" + OTHER_UUID.replace("-", ""),
    "../projects",
]

ID_CALLS: dict[str, Callable[[ManageApi, str], object]] = {
    "get_client": lambda api, i: api.get_client(i),
    "update_client": lambda api, i: api.update_client(i, ClientUpdate(name="x")),
    "delete_client": lambda api, i: api.delete_client(i),
    "get_reference": lambda api, i: api.get_reference(i),
    "update_reference": lambda api, i: api.update_reference(i, ReferenceUpdate(title="x")),
    "delete_reference": lambda api, i: api.delete_reference(i),
}

PROJECT_CALLS: dict[str, Callable[[ManageApi, str], object]] = {
    "get_project": lambda api, i: api.get_project(i),
    "update_project": lambda api, i: api.update_project(i, ProjectUpdate(name="x")),
    "delete_project": lambda api, i: api.delete_project(i),
    "list_dashboards": lambda api, i: api.list_dashboards(i),
    "list_reports": lambda api, i: api.list_reports(i, "d1"),
}


@pytest.mark.parametrize("bad_id", NOT_UUIDS)
@pytest.mark.parametrize("call", sorted(ID_CALLS))
def test_non_uuid_client_and_reference_ids_are_not_found_without_a_request(call: str, bad_id: str) -> None:
    api, server = serve(respond(200, {"data": client_json()}))
    with pytest.raises(NotFoundError):
        ID_CALLS[call](api, bad_id)
    assert server.requests == []


@pytest.mark.parametrize("call", sorted(PROJECT_CALLS))
def test_empty_project_id_is_not_found_without_a_request(call: str) -> None:
    api, server = serve(respond(200, {"data": project_json()}))
    with pytest.raises(NotFoundError):
        PROJECT_CALLS[call](api, "")
    assert server.requests == []


@pytest.mark.parametrize(
    ("call", "method"),
    [
        ("get_client", "GET"),
        ("update_client", "PATCH"),
        ("delete_client", "DELETE"),
        ("update_reference", "PATCH"),
        ("delete_reference", "DELETE"),
    ],
)
def test_invalid_id_error_names_the_method_that_was_asked_for(call: str, method: str) -> None:
    api, _ = serve(respond(200, {}))
    with pytest.raises(NotFoundError) as caught:
        ID_CALLS[call](api, "not-a-uuid")
    assert caught.value.method == method
    assert f"{method} /manage/" in str(caught.value)
    assert "not-a-uuid" in str(caught.value)


def test_uuid_in_upper_case_is_sent() -> None:
    api, server = serve(respond(200, {"data": client_json(OTHER_UUID.upper())}))
    api.get_client(OTHER_UUID.upper())
    assert server.last.url.path == f"/manage/clients/{OTHER_UUID.upper()}"
