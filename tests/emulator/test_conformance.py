"""The Manage API contract (docs: /work/shared/openpanel-manage-api.md), checked over raw HTTP.

These tests run unchanged against the emulator or, with the acceptance variables set, a real
OpenPanel server: they pace themselves to its rate limit, give every object a unique name,
never assume the organization is empty and delete what they create. Behaviour specific to
the emulator (seeding, request log, the rate limit itself) is in test_emulator_internals.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.http import ManageHttp
from tests.support.manage import (
    CLIENT_FIELDS,
    ISO_MS,
    PLAIN_SECRET,
    PROJECT_FIELDS,
    REFERENCE_FIELDS,
    SECRET_HASH,
    UUID,
    Tracker,
    unique_name,
)
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.acceptance

SERVER_ERROR_TEXT = "Internal server error"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="session")
def api(openpanel: OpenPanelTarget) -> Iterator[ManageHttp]:
    with ManageHttp(openpanel.api_url, openpanel.client_id, openpanel.client_secret) as http:
        yield http


@pytest.fixture(scope="session")
def own_organization_id(api: ManageHttp) -> str:
    me = api.data("GET", f"/manage/clients/{api.client_id}")
    organization_id: str = me["organizationId"]
    return organization_id


@pytest.fixture
def tracker(api: ManageHttp) -> Iterator[Tracker]:
    created = Tracker(api)
    yield created
    created.cleanup()


@pytest.fixture
def other_api(openpanel: OpenPanelTarget) -> Iterator[ManageHttp]:
    client_id, client_secret = openpanel.other_org()
    with ManageHttp(openpanel.api_url, client_id, client_secret) as http:
        yield http


@pytest.fixture
def other_tracker(other_api: ManageHttp) -> Iterator[Tracker]:
    created = Tracker(other_api)
    yield created
    created.cleanup()


@pytest.fixture(scope="module")
def shared_project(openpanel: OpenPanelTarget) -> Iterator[dict[str, Any]]:
    """One project for the many read-mostly reference checks of this module."""
    with ManageHttp(openpanel.api_url, openpanel.client_id, openpanel.client_secret) as http:
        created = Tracker(http)
        yield created.project(unique_name("shared"))
        created.cleanup()


def _error(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "error": "Error", "message": message}


def _not_found(what: str) -> dict[str, Any]:
    return {"status": 404, "message": f"{what} not found"}


def _unauthorized(message: str) -> dict[str, Any]:
    return {"error": "Unauthorized", "message": message}


def _assert_server_error(response: Any) -> None:
    assert response.status_code == 500
    assert response.text == SERVER_ERROR_TEXT
    assert not response.headers.get("content-type", "").startswith("application/json")


# Authentication -----------------------------------------------------------------------------


class TestAuthentication:
    def test_missing_client_id(self, api: ManageHttp) -> None:
        response = api.get("/manage/projects", headers={"openpanel-client-id": None, "openpanel-client-secret": None})
        assert response.status_code == 401
        assert response.json() == _unauthorized("Manage: Client ID must be a valid UUIDv4")

    @pytest.mark.parametrize("client_id", ["not-a-uuid", "12345", "upper"])
    def test_malformed_client_id(self, api: ManageHttp, client_id: str) -> None:
        if client_id == "upper":
            client_id = (api.client_id or "").upper()
        response = api.get("/manage/projects", headers={"openpanel-client-id": client_id})
        assert response.status_code == 401
        assert response.json() == _unauthorized("Manage: Client ID must be a valid UUIDv4")

    def test_unknown_client_id(self, api: ManageHttp) -> None:
        response = api.get("/manage/projects", headers={"openpanel-client-id": str(uuid.uuid4())})
        assert response.status_code == 401
        assert response.json() == _unauthorized("Manage: Invalid client id")

    @pytest.mark.parametrize("secret", ["sec_00000000000000000000", "", None])
    def test_wrong_or_missing_secret(self, api: ManageHttp, secret: str | None) -> None:
        response = api.get("/manage/projects", headers={"openpanel-client-secret": secret})
        assert response.status_code == 401
        assert response.json() == _unauthorized("Manage: Invalid client secret")

    @pytest.mark.parametrize("client_type", ["write", "read"])
    def test_non_root_clients_are_refused(self, openpanel: OpenPanelTarget, tracker: Tracker, client_type: str) -> None:
        created = tracker.client(type=client_type)
        with ManageHttp(openpanel.api_url, created["id"], created["secret"]) as http:
            response = http.get("/manage/projects")
        assert response.status_code == 401
        assert response.json() == _unauthorized("Manage: Only root clients are allowed to manage resources")

    def test_project_first_client_is_refused(self, openpanel: OpenPanelTarget, tracker: Tracker) -> None:
        first = tracker.project()["client"]
        with ManageHttp(openpanel.api_url, first["id"], first["secret"]) as http:
            response = http.get("/manage/projects")
        assert response.status_code == 401
        assert response.json()["message"] == "Manage: Only root clients are allowed to manage resources"

    def test_new_root_client_works_and_can_delete_itself(
        self, openpanel: OpenPanelTarget, tracker: Tracker, own_organization_id: str
    ) -> None:
        root = tracker.client(type="root")
        with ManageHttp(openpanel.api_url, root["id"], root["secret"]) as http:
            listed = http.get("/manage/projects")
            assert listed.status_code == 200
            me = http.data("GET", f"/manage/clients/{root['id']}")
            assert me["organizationId"] == own_organization_id
            deleted = http.delete(f"/manage/clients/{root['id']}")
            assert deleted.status_code == 200
            assert deleted.json() == {"success": True}
            tracker.forget_client(root["id"])
            after = http.get("/manage/projects")
        assert after.status_code == 401
        assert after.json() == _unauthorized("Manage: Invalid client id")


# Projects -----------------------------------------------------------------------------------


class TestProjects:
    def test_create_answer(self, api: ManageHttp, tracker: Tracker, own_organization_id: str) -> None:
        name = unique_name("Shape Probe")
        created = tracker.project(
            name,
            domain="https://example.com/",
            cors=["https://a.example.com/", "*", "*.example.com", "example.org//"],
            crossDomain=True,
            types=["website", "website"],
            allowUnsafeRevenueTracking=True,
            unknownField="dropped",
        )
        assert set(created) == PROJECT_FIELDS | {"clients", "client"}
        assert created["id"] == name.lower().replace(" ", "-")
        assert created["name"] == name
        assert created["organizationId"] == own_organization_id
        assert created["eventsCount"] == 0
        assert created["types"] == ["website", "website"]
        assert created["domain"] == "https://example.com"
        assert created["cors"] == ["https://a.example.com", "*", "*.example.com", "example.org"]
        assert created["crossDomain"] is True
        assert created["allowUnsafeRevenueTracking"] is False
        assert created["filters"] == []
        assert created["deleteAt"] is None
        assert ISO_MS.fullmatch(created["createdAt"]) and ISO_MS.fullmatch(created["updatedAt"])
        client = created["client"]
        assert set(client) == {"id", "secret"}
        assert UUID.fullmatch(client["id"])
        assert PLAIN_SECRET.fullmatch(client["secret"])
        assert created["clients"] == [{"id": client["id"]}]

        fetched = api.data("GET", f"/manage/projects/{created['id']}")
        assert fetched == {key: created[key] for key in PROJECT_FIELDS}

    def test_first_client(self, api: ManageHttp, tracker: Tracker, own_organization_id: str) -> None:
        created = tracker.project()
        first = api.data("GET", f"/manage/clients/{created['client']['id']}")
        assert set(first) == CLIENT_FIELDS
        assert first["name"] == "First client"
        assert first["type"] == "write"
        assert first["projectId"] == created["id"]
        assert first["organizationId"] == own_organization_id
        assert first["ignoreCorsAndSecret"] is False
        assert SECRET_HASH.fullmatch(first["secret"])
        assert first["secret"] != created["client"]["secret"]
        listed = api.data("GET", "/manage/clients", params={"projectId": created["id"]})
        assert [c["id"] for c in listed] == [created["client"]["id"]]

    def test_defaults(self, tracker: Tracker) -> None:
        created = tracker.project()
        assert created["domain"] is None
        assert created["cors"] == []
        assert created["crossDomain"] is False
        assert created["types"] == []
        assert created["allowUnsafeRevenueTracking"] is False

    @pytest.mark.parametrize("domain", ["", None])
    def test_empty_domain_is_null(self, tracker: Tracker, domain: str | None) -> None:
        assert tracker.project(domain=domain)["domain"] is None

    def test_localhost_domain_is_a_url(self, tracker: Tracker) -> None:
        assert tracker.project(domain="http://localhost:3000")["domain"] == "http://localhost:3000"

    @pytest.mark.parametrize("domain", ["not a url", "example.com"])
    def test_domain_must_be_a_url(self, api: ManageHttp, domain: str) -> None:
        response = api.post("/manage/projects", json={"name": unique_name(), "domain": domain})
        assert response.status_code == 400
        assert response.json() == _error(400, "body/domain Invalid URL")

    def test_name_is_required(self, api: ManageHttp) -> None:
        missing = api.post("/manage/projects", json={})
        assert missing.status_code == 400
        assert missing.json() == _error(400, "body/name Invalid input: expected string, received undefined")
        empty = api.post("/manage/projects", json={"name": ""})
        assert empty.status_code == 400
        assert empty.json() == _error(400, "body/name Too small: expected string to have >=1 characters")

    def test_types_are_limited(self, api: ManageHttp) -> None:
        response = api.post("/manage/projects", json={"name": unique_name(), "types": ["website", "desktop"]})
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == 400 and body["error"] == "Error"
        assert body["message"].startswith("body/types")

    def test_slug_transliterates(self, tracker: Tracker) -> None:
        tail = uuid.uuid4().hex[:10]
        created = tracker.project(f"Café Déjà Vu Ünïcode {tail}")
        assert created["id"] == f"cafe-deja-vu-unicode-{tail}"

    def test_taken_slug_gets_a_suffix(self, tracker: Tracker) -> None:
        name = unique_name("Twin")
        first = tracker.project(name)
        second = tracker.project(name)
        assert first["id"] == name.lower().replace(" ", "-")
        assert second["id"].startswith(first["id"] + "-")
        suffix = second["id"][len(first["id"]) + 1 :]
        assert len(suffix) == 4 and suffix.isdigit()

    def test_soft_deleted_project_keeps_its_slug(self, api: ManageHttp, tracker: Tracker) -> None:
        name = unique_name("Reuse")
        first = tracker.project(name)
        assert api.delete(f"/manage/projects/{first['id']}").status_code == 200
        second = tracker.project(name)
        assert second["id"] != first["id"]
        assert second["id"].startswith(first["id"] + "-")

    def test_list_is_newest_first_without_deleted(self, api: ManageHttp, tracker: Tracker) -> None:
        older = tracker.project()
        newer = tracker.project()
        ids = [p["id"] for p in api.data("GET", "/manage/projects")]
        assert ids.index(newer["id"]) < ids.index(older["id"])
        listed = next(p for p in api.data("GET", "/manage/projects") if p["id"] == older["id"])
        assert set(listed) == PROJECT_FIELDS
        api.delete(f"/manage/projects/{newer['id']}")
        ids = [p["id"] for p in api.data("GET", "/manage/projects")]
        assert newer["id"] not in ids
        assert older["id"] in ids

    def test_soft_delete(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project()
        path = f"/manage/projects/{created['id']}"
        first = api.delete(path)
        assert first.status_code == 200
        assert first.json() == {"success": True}
        deleted = api.data("GET", path)
        assert deleted["deleteAt"] is not None and ISO_MS.fullmatch(deleted["deleteAt"])
        # "now + 24 h" on the server: compare with the server's own clock via updatedAt.
        gap = _instant(deleted["deleteAt"]) - _instant(deleted["updatedAt"])
        assert abs(gap - timedelta(hours=24)) < timedelta(minutes=1)
        time.sleep(0.01)
        again = api.delete(path)
        assert again.status_code == 200
        assert again.json() == {"success": True}
        moved = api.data("GET", path)
        assert _instant(moved["deleteAt"]) > _instant(deleted["deleteAt"])

    def test_unknown_project(self, api: ManageHttp) -> None:
        path = f"/manage/projects/{unique_name('missing').replace(' ', '-')}"
        for response in (api.get(path), api.patch(path, json={"name": "x"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Project")

    def test_patch(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project(types=["website"])
        new_name = unique_name("Renamed")
        patched = api.data(
            "PATCH",
            f"/manage/projects/{created['id']}",
            json={
                "name": new_name,
                "domain": "https://patched.example.com///",
                "cors": ["https://one.example.com/", "two.example.com"],
                "crossDomain": True,
                "allowUnsafeRevenueTracking": True,
                "types": ["app"],
                "unknownField": 1,
            },
        )
        assert set(patched) == PROJECT_FIELDS
        assert patched["id"] == created["id"]
        assert patched["name"] == new_name
        assert patched["domain"] == "https://patched.example.com"
        assert patched["cors"] == ["https://one.example.com", "two.example.com"]
        assert patched["crossDomain"] is True
        assert patched["allowUnsafeRevenueTracking"] is True
        assert patched["types"] == ["website"]
        assert api.data("GET", f"/manage/projects/{created['id']}") == patched

    def test_patch_clears_domain_and_cors(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project(domain="https://example.com", cors=["example.com"])
        path = f"/manage/projects/{created['id']}"
        cleared = api.data("PATCH", path, json={"domain": None, "cors": []})
        assert cleared["domain"] is None and cleared["cors"] == []
        api.data("PATCH", path, json={"domain": "https://example.com"})
        assert api.data("PATCH", path, json={"domain": ""})["domain"] is None

    def test_patch_validation(self, api: ManageHttp, tracker: Tracker) -> None:
        path = f"/manage/projects/{tracker.project()['id']}"
        empty_name = api.patch(path, json={"name": ""})
        assert empty_name.status_code == 400
        assert empty_name.json() == _error(400, "body/name Too small: expected string to have >=1 characters")
        bad_domain = api.patch(path, json={"domain": "nope"})
        assert bad_domain.status_code == 400
        assert bad_domain.json() == _error(400, "body/domain Invalid URL")

    def test_clients_and_references_outlive_soft_delete(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project()
        reference = tracker.reference(created["id"])
        api.delete(f"/manage/projects/{created['id']}")
        clients = api.data("GET", "/manage/clients", params={"projectId": created["id"]})
        assert [c["id"] for c in clients] == [created["client"]["id"]]
        assert api.get(f"/manage/clients/{created['client']['id']}").status_code == 200
        assert api.data("GET", f"/manage/references/{reference['id']}")["projectId"] == created["id"]

    def test_a_soft_deleted_project_still_takes_new_clients_and_references(
            self, api: ManageHttp, tracker: Tracker) -> None:
        """So a 404 for a projectId never means "deleted less than 24 h ago": the provider's message for it
        (errors.ReferredNotFoundError) counts only missing, purged and foreign projects among its causes."""
        created = tracker.project()
        assert api.delete(f"/manage/projects/{created['id']}").status_code == 200
        client = tracker.client(projectId=created["id"], type="read")
        reference = tracker.reference(created["id"])
        assert (client["projectId"], reference["projectId"]) == (created["id"], created["id"])


# Ingestion authentication -------------------------------------------------------------------
#
# Not a Manage API route, but what a project's write client is for: whether its secret still opens
# the door after a destroy is the point of deleting that client with the project.

TRACK_EVENT = {"type": "track", "payload": {"name": "conformance_probe"}}


def _track(api: ManageHttp, client_id: str, secret: str) -> Any:
    return api.post(
        "/track", json=TRACK_EVENT, headers={"openpanel-client-id": client_id, "openpanel-client-secret": secret}
    )


class TestIngestionAuth:
    def test_first_client_still_ingests_after_soft_delete(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project()
        first = created["client"]
        before = _track(api, first["id"], first["secret"])
        assert 200 <= before.status_code < 300, before.text
        assert api.delete(f"/manage/projects/{created['id']}").status_code == 200
        after = _track(api, first["id"], first["secret"])
        assert 200 <= after.status_code < 300, after.text

    def test_deleted_client_no_longer_ingests(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.project()
        first = created["client"]
        assert api.delete(f"/manage/clients/{first['id']}").status_code == 200
        tracker.forget_client(first["id"])
        refused = _track(api, first["id"], first["secret"])
        assert refused.status_code == 401
        assert first["secret"] not in refused.text

    def test_wrong_secret_is_refused(self, api: ManageHttp, tracker: Tracker) -> None:
        first = tracker.project()["client"]
        assert _track(api, first["id"], "sec_00000000000000000000").status_code == 401


# Clients ------------------------------------------------------------------------------------


class TestClients:
    def test_create_defaults(self, api: ManageHttp, tracker: Tracker, own_organization_id: str) -> None:
        name = unique_name("client")
        created = tracker.client(name, unknownField=True)
        assert set(created) == CLIENT_FIELDS
        assert UUID.fullmatch(created["id"])
        assert created["name"] == name
        assert created["type"] == "write"
        assert created["projectId"] is None
        assert created["organizationId"] == own_organization_id
        assert created["ignoreCorsAndSecret"] is False
        assert PLAIN_SECRET.fullmatch(created["secret"])
        assert ISO_MS.fullmatch(created["createdAt"]) and ISO_MS.fullmatch(created["updatedAt"])
        fetched = api.data("GET", f"/manage/clients/{created['id']}")
        assert SECRET_HASH.fullmatch(fetched["secret"])
        assert {k: v for k, v in fetched.items() if k != "secret"} == {
            k: v for k, v in created.items() if k != "secret"
        }

    @pytest.mark.parametrize("client_type", ["read", "write", "root"])
    def test_create_in_project(self, api: ManageHttp, tracker: Tracker, client_type: str) -> None:
        project = tracker.project()
        created = tracker.client(projectId=project["id"], type=client_type)
        assert created["type"] == client_type
        assert created["projectId"] == project["id"]
        listed = api.data("GET", "/manage/clients", params={"projectId": project["id"]})
        assert {c["id"] for c in listed} == {created["id"], project["client"]["id"]}

    def test_create_validation(self, api: ManageHttp) -> None:
        missing = api.post("/manage/clients", json={})
        assert missing.json() == _error(400, "body/name Invalid input: expected string, received undefined")
        empty = api.post("/manage/clients", json={"name": ""})
        assert empty.json() == _error(400, "body/name Too small: expected string to have >=1 characters")
        bad_type = api.post("/manage/clients", json={"name": "x", "type": "admin"})
        assert bad_type.status_code == 400
        assert bad_type.json() == _error(400, 'body/type Invalid option: expected one of "read"|"write"|"root"')

    def test_create_in_unknown_project(self, api: ManageHttp) -> None:
        response = api.post(
            "/manage/clients", json={"name": "x", "projectId": unique_name("missing").replace(" ", "-")}
        )
        assert response.status_code == 404
        assert response.json() == _not_found("Project")

    def test_list_includes_own_root_client(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.client()
        listed = api.data("GET", "/manage/clients")
        by_id = {c["id"]: c for c in listed}
        assert api.client_id in by_id
        assert by_id[api.client_id]["type"] == "root"
        assert created["id"] in by_id
        assert all(SECRET_HASH.fullmatch(c["secret"]) for c in listed if c["secret"])
        assert all(set(c) == CLIENT_FIELDS for c in listed)

    def test_list_for_unknown_project(self, api: ManageHttp) -> None:
        response = api.get("/manage/clients", params={"projectId": unique_name("missing").replace(" ", "-")})
        assert response.status_code == 404
        assert response.json() == _not_found("Project")

    def test_patch_changes_only_the_name(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.client()
        new_name = unique_name("renamed")
        patched = api.data(
            "PATCH",
            f"/manage/clients/{created['id']}",
            json={"name": new_name, "type": "root", "projectId": "elsewhere"},
        )
        assert patched["name"] == new_name
        assert patched["type"] == "write"
        assert patched["projectId"] is None
        assert SECRET_HASH.fullmatch(patched["secret"])
        empty = api.patch(f"/manage/clients/{created['id']}", json={"name": ""})
        assert empty.json() == _error(400, "body/name Too small: expected string to have >=1 characters")

    def test_delete_is_hard(self, api: ManageHttp, tracker: Tracker) -> None:
        created = tracker.client()
        path = f"/manage/clients/{created['id']}"
        deleted = api.delete(path)
        assert deleted.status_code == 200 and deleted.json() == {"success": True}
        tracker.forget_client(created["id"])
        for response in (api.get(path), api.patch(path, json={"name": "x"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Client")
        assert created["id"] not in {c["id"] for c in api.data("GET", "/manage/clients")}

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_non_uuid_id_is_a_server_error(self, api: ManageHttp, method: str) -> None:
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        _assert_server_error(api.request(method, "/manage/clients/not-a-uuid", **kwargs))


# References ---------------------------------------------------------------------------------


class TestReferences:
    def test_create_answer(self, api: ManageHttp, tracker: Tracker, shared_project: dict[str, Any]) -> None:
        title = unique_name("Release")
        created = tracker.reference(
            shared_project["id"], title=title, description="Shipped", datetime="2026-01-02T03:04:05Z", extra=1
        )
        assert set(created) == REFERENCE_FIELDS
        assert UUID.fullmatch(created["id"])
        assert created["title"] == title
        assert created["description"] == "Shipped"
        assert created["date"] == "2026-01-02T03:04:05.000Z"
        assert created["projectId"] == shared_project["id"]
        assert ISO_MS.fullmatch(created["createdAt"]) and ISO_MS.fullmatch(created["updatedAt"])
        fetched = api.data("GET", f"/manage/references/{created['id']}")
        assert fetched == {**created, "project": {"organizationId": shared_project["organizationId"]}}

    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("2026-01-01", "2026-01-01T00:00:00.000Z"),
            ("2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05.000Z"),
            ("2026-06-30T23:30:00-01:00", "2026-07-01T00:30:00.000Z"),
            ("2026-01-02T03:04:05.5Z", "2026-01-02T03:04:05.500Z"),
            ("2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123Z"),
        ],
    )
    def test_datetime_is_read_like_javascript(
        self, tracker: Tracker, shared_project: dict[str, Any], given: str, stored: str
    ) -> None:
        assert tracker.reference(shared_project["id"], datetime=given)["date"] == stored

    @pytest.mark.parametrize("given", ["2026-13-45", "1700000000000", "next tuesday"])
    def test_unparseable_datetime_is_a_server_error(
        self, api: ManageHttp, shared_project: dict[str, Any], given: str
    ) -> None:
        response = api.post(
            "/manage/references", json={"projectId": shared_project["id"], "title": "t", "datetime": given}
        )
        _assert_server_error(response)

    @pytest.mark.parametrize("fields", [{"description": ""}, {}])
    def test_no_description_is_null(
        self, tracker: Tracker, shared_project: dict[str, Any], fields: dict[str, str]
    ) -> None:
        assert tracker.reference(shared_project["id"], **fields)["description"] is None

    def test_create_validation(self, api: ManageHttp, shared_project: dict[str, Any]) -> None:
        several = api.post("/manage/references", json={"title": "t"})
        assert several.status_code == 400
        assert several.json() == _error(
            400,
            "body/projectId Invalid input: expected string, received undefined, "
            "body/datetime Invalid input: expected string, received undefined",
        )
        empty_title = api.post(
            "/manage/references",
            json={"projectId": shared_project["id"], "title": "", "datetime": "2026-01-01"},
        )
        assert empty_title.json() == _error(400, "body/title Too small: expected string to have >=1 characters")
        number = api.post(
            "/manage/references", json={"projectId": shared_project["id"], "title": "t", "datetime": 1700000000000}
        )
        assert number.json() == _error(400, "body/datetime Invalid input: expected string, received number")

    def test_create_in_unknown_project(self, api: ManageHttp) -> None:
        response = api.post(
            "/manage/references",
            json={"projectId": unique_name("missing").replace(" ", "-"), "title": "t", "datetime": "2026-01-01"},
        )
        assert response.status_code == 404
        assert response.json() == _not_found("Project")

    def test_lists(self, api: ManageHttp, tracker: Tracker) -> None:
        project = tracker.project()
        older = tracker.reference(project["id"])
        newer = tracker.reference(project["id"])
        in_project = api.data("GET", "/manage/references", params={"projectId": project["id"]})
        assert [r["id"] for r in in_project] == [newer["id"], older["id"]]
        assert all(set(r) == REFERENCE_FIELDS for r in in_project)
        everywhere = {r["id"] for r in api.data("GET", "/manage/references")}
        assert {older["id"], newer["id"]} <= everywhere
        unknown = api.get("/manage/references", params={"projectId": unique_name("missing").replace(" ", "-")})
        assert unknown.status_code == 404
        assert unknown.json() == _not_found("Project")

    def test_patch(self, api: ManageHttp, tracker: Tracker, shared_project: dict[str, Any]) -> None:
        other_project = tracker.project()
        created = tracker.reference(shared_project["id"], description="before")
        path = f"/manage/references/{created['id']}"
        patched = api.data(
            "PATCH",
            path,
            json={
                "title": "after",
                "description": "changed",
                "datetime": "2027-02-03T04:05:06.789+01:00",
                "projectId": other_project["id"],
            },
        )
        assert set(patched) == REFERENCE_FIELDS
        assert patched["title"] == "after"
        assert patched["description"] == "changed"
        assert patched["date"] == "2027-02-03T03:05:06.789Z"
        assert patched["projectId"] == shared_project["id"]
        assert api.data("PATCH", path, json={"description": ""})["description"] == ""
        refused = api.patch(path, json={"description": None})
        assert refused.status_code == 400
        assert refused.json() == _error(400, "body/description Invalid input: expected string, received null")
        empty_title = api.patch(path, json={"title": ""})
        assert empty_title.json() == _error(400, "body/title Too small: expected string to have >=1 characters")
        _assert_server_error(api.patch(path, json={"datetime": "next tuesday"}))

    def test_delete_is_hard(self, api: ManageHttp, shared_project: dict[str, Any]) -> None:
        created = api.data(
            "POST",
            "/manage/references",
            json={"projectId": shared_project["id"], "title": "short-lived", "datetime": "2026-01-01"},
        )
        path = f"/manage/references/{created['id']}"
        deleted = api.delete(path)
        assert deleted.status_code == 200 and deleted.json() == {"success": True}
        for response in (api.get(path), api.patch(path, json={"title": "x"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Reference")

    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_non_uuid_id_is_a_server_error(self, api: ManageHttp, method: str) -> None:
        kwargs: dict[str, Any] = {"json": {"title": "x"}} if method == "PATCH" else {}
        _assert_server_error(api.request(method, "/manage/references/not-a-uuid", **kwargs))


# Dashboards and reports ---------------------------------------------------------------------


class TestDashboards:
    def test_new_project_has_no_dashboards(self, api: ManageHttp, tracker: Tracker) -> None:
        project = tracker.project()
        response = api.get(f"/manage/projects/{project['id']}/dashboards")
        assert response.status_code == 200
        assert response.json() == []

    def test_unknown_dashboard_has_no_reports(self, api: ManageHttp, shared_project: dict[str, Any]) -> None:
        response = api.get(f"/manage/projects/{shared_project['id']}/dashboards/{uuid.uuid4()}/reports")
        assert response.status_code == 200
        assert response.json() == []

    def test_dashboards_cannot_be_created(self, api: ManageHttp, shared_project: dict[str, Any]) -> None:
        response = api.post(f"/manage/projects/{shared_project['id']}/dashboards", json={"name": "x"})
        assert response.status_code == 404
        assert response.json()["error"] == "Not Found"


# Organization isolation ---------------------------------------------------------------------

FORBIDDEN = {"error": "Forbidden", "message": "Project does not belong to your organization"}


class TestIsolation:
    def test_foreign_project_looks_missing(
        self, api: ManageHttp, other_api: ManageHttp, other_tracker: Tracker
    ) -> None:
        foreign = other_tracker.project()
        path = f"/manage/projects/{foreign['id']}"
        for response in (api.get(path), api.patch(path, json={"name": "stolen"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Project")
        for response in (
            api.post("/manage/references", json={"projectId": foreign["id"], "title": "t", "datetime": "2026-01-01"}),
            api.post("/manage/clients", json={"name": "intruder", "projectId": foreign["id"]}),
            api.get("/manage/clients", params={"projectId": foreign["id"]}),
            api.get("/manage/references", params={"projectId": foreign["id"]}),
        ):
            assert response.status_code == 404
            assert response.json() == _not_found("Project")
        assert foreign["id"] not in {p["id"] for p in api.data("GET", "/manage/projects")}
        untouched = other_api.data("GET", path)
        assert untouched["name"] == foreign["name"] and untouched["deleteAt"] is None

    def test_foreign_dashboards_are_forbidden(self, api: ManageHttp, other_tracker: Tracker) -> None:
        foreign = other_tracker.project()
        for path in (
            f"/manage/projects/{foreign['id']}/dashboards",
            f"/manage/projects/{foreign['id']}/dashboards/{uuid.uuid4()}/reports",
        ):
            response = api.get(path)
            assert response.status_code == 403
            assert response.json() == FORBIDDEN

    def test_foreign_client_looks_missing(self, api: ManageHttp, other_api: ManageHttp, other_tracker: Tracker) -> None:
        foreign = other_tracker.client()
        path = f"/manage/clients/{foreign['id']}"
        for response in (api.get(path), api.patch(path, json={"name": "stolen"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Client")
        listed = {c["id"] for c in api.data("GET", "/manage/clients")}
        assert foreign["id"] not in listed
        assert other_api.client_id not in listed
        assert other_api.data("GET", path)["name"] == foreign["name"]

    def test_foreign_reference_looks_missing(
        self, api: ManageHttp, other_api: ManageHttp, other_tracker: Tracker
    ) -> None:
        project = other_tracker.project()
        foreign = other_tracker.reference(project["id"])
        path = f"/manage/references/{foreign['id']}"
        for response in (api.get(path), api.patch(path, json={"title": "stolen"}), api.delete(path)):
            assert response.status_code == 404
            assert response.json() == _not_found("Reference")
        assert foreign["id"] not in {r["id"] for r in api.data("GET", "/manage/references")}
        assert other_api.data("GET", path)["title"] == foreign["title"]

    def test_slugs_are_unique_across_organizations(self, tracker: Tracker, other_tracker: Tracker) -> None:
        name = unique_name("Shared Name")
        mine = tracker.project(name)
        theirs = other_tracker.project(name)
        assert theirs["id"] != mine["id"]
        assert theirs["id"].startswith(mine["id"] + "-")


# Errors -------------------------------------------------------------------------------------


class TestErrors:
    def test_unknown_route(self, api: ManageHttp) -> None:
        response = api.get("/manage/nope")
        assert response.status_code == 404
        assert response.json() == {
            "message": "Route GET:/manage/nope not found",
            "error": "Not Found",
            "statusCode": 404,
        }

    def test_unknown_method(self, api: ManageHttp) -> None:
        response = api.request("PUT", "/manage/projects", json={"name": "x"})
        assert response.status_code == 404
        assert response.json()["message"] == "Route PUT:/manage/projects not found"

    def test_delete_with_json_content_type_and_no_body(self, api: ManageHttp, tracker: Tracker) -> None:
        project = tracker.project()
        path = f"/manage/projects/{project['id']}"
        response = api.delete(path, headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.json()["message"] == "Body cannot be empty when content-type is set to 'application/json'"
        assert api.data("GET", path)["deleteAt"] is None
