"""The emulator itself: rate limit, seeding, request log, persistence, root prefix, and the
details it derives from the server's source rather than from the observed contract.

Every test here starts its own emulator (``fresh_emulator``), so they run against an
emulator even in acceptance mode.
"""

from __future__ import annotations

import http.client
import json
import select
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_openpanel.emulator import EmulatorServer, SeededOrganization
from tests.support.manage import PLAIN_SECRET, SECRET_HASH
from tests.support.proxy import RecordingProxy
from tests.support.slugs import ACCEPTED, REFUSED

StartEmulator = Callable[..., EmulatorServer]


def _headers(seed: SeededOrganization) -> dict[str, str]:
    return {"openpanel-client-id": seed.client_id, "openpanel-client-secret": seed.client_secret}


def _client(server: EmulatorServer, seed: SeededOrganization) -> httpx.Client:
    return httpx.Client(base_url=server.api_url, headers=_headers(seed), timeout=10)


# Rate limit ---------------------------------------------------------------------------------


def test_rate_limit_with_the_real_numbers(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator()
    seed = server.seed_organization()
    with _client(server, seed) as http:
        answers = [http.get("/manage/projects") for _ in range(20)]
        assert [a.status_code for a in answers] == [200] * 20
        assert [int(a.headers["x-ratelimit-remaining"]) for a in answers] == list(range(19, -1, -1))
        assert {a.headers["x-ratelimit-limit"] for a in answers} == {"20"}
        assert all(1 <= int(a.headers["x-ratelimit-reset"]) <= 10 for a in answers)
        assert all("retry-after" not in a.headers for a in answers)

        refused = http.get("/manage/projects")
        assert refused.status_code == 429
        assert refused.json() == {
            "status": 429,
            "error": "Too Many Requests",
            "message": "You have exceeded the rate limit for this endpoint.",
        }
        assert 1 <= int(refused.headers["retry-after"]) <= 10
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-limit"] == "20"

        # Another client id has a window of its own, and failed requests count in it too.
        stranger = http.get("/manage/projects", headers={"openpanel-client-id": str(uuid.uuid4())})
        assert stranger.status_code == 401
        assert stranger.headers["x-ratelimit-remaining"] == "19"


def test_rate_limit_window_is_fixed_and_resets(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=(2, 0.4))
    seed = server.seed_organization()
    with _client(server, seed) as http:
        assert [http.get("/manage/projects").status_code for _ in range(3)] == [200, 200, 429]
        threading.Event().wait(0.45)
        again = http.get("/manage/projects")
        assert again.status_code == 200
        assert again.headers["x-ratelimit-remaining"] == "1"


def test_unknown_routes_are_not_rate_limited(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=(1, 60))
    seed = server.seed_organization()
    with _client(server, seed) as http:
        for _ in range(3):
            response = http.get("/manage/nope")
            assert response.status_code == 404
            assert "x-ratelimit-limit" not in response.headers
        assert http.get("/manage/projects").status_code == 200


def test_without_rate_limit(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        answers = [http.get("/manage/projects") for _ in range(30)]
    assert {a.status_code for a in answers} == {200}
    assert not any(name.startswith("x-ratelimit") for a in answers for name in a.headers)


# Seeding and the request log ----------------------------------------------------------------


def test_seeded_organizations(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    first = server.seed_organization()
    second = server.seed_organization()
    assert first.organization_id != second.organization_id
    assert PLAIN_SECRET.fullmatch(first.client_secret)
    assert first.client_secret not in repr(first)
    assert first.client_id in repr(first)
    with _client(server, first) as http:
        me = http.get(f"/manage/clients/{first.client_id}").json()["data"]
    assert me["type"] == "root"
    assert me["organizationId"] == first.organization_id
    assert SECRET_HASH.fullmatch(me["secret"])


def test_request_log(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        http.get("/manage/projects")
        http.post("/manage/projects", json={})
        http.get("/manage/nope", params={"q": "1"})
    assert server.requests.snapshot() == [
        ("GET", "/manage/projects", 200),
        ("POST", "/manage/projects", 400),
        ("GET", "/manage/nope", 404),
    ]
    assert server.requests.count(method="GET") == 2
    assert server.requests.count(status=400) == 1
    server.reset_requests()
    assert len(server.requests) == 0


def test_idle_connections_outlast_a_clients_keep_alive(fresh_emulator: StartEmulator) -> None:
    # httpx reuses an idle connection for 5 s; a server that closes it after the same 5 s closes it under
    # a request now and then (a 502 from the proxy, a GET read twice). The emulator and the recording
    # proxy (both served by ServerThread) must keep it open past the client's time, and still answer on it.
    server = fresh_emulator(rate_limit=None)
    client_keeps = httpx.Limits().keepalive_expiry
    assert client_keeps is not None
    with RecordingProxy(server.api_url) as proxy:
        connections = {
            "emulator": http.client.HTTPConnection("127.0.0.1", server.port, timeout=30),
            "proxy": http.client.HTTPConnection("127.0.0.1", int(httpx.URL(proxy.url).port or 0), timeout=30),
        }
        try:
            for connection in connections.values():
                connection.request("GET", "/manage/projects")
                answer = connection.getresponse()
                answer.read()
                assert answer.status == 401 and not answer.will_close
            idle_from = time.monotonic()
            deadline = idle_from + client_keeps + 2.0
            while (left := deadline - time.monotonic()) > 0:
                readable, _, _ = select.select([c.sock for c in connections.values()], [], [], left)
                closed = [name for name, c in connections.items() if c.sock in readable]
                assert not closed, (f"{closed} closed an idle connection after {time.monotonic() - idle_from:.1f} s, "
                                    f"before a client stops reusing it ({client_keeps:g} s)")
            for connection in connections.values():
                connection.request("GET", "/manage/projects")
                again = connection.getresponse()
                again.read()
                assert again.status == 401
        finally:
            for connection in connections.values():
                connection.close()
    assert [r.status for r in proxy.requests.snapshot()] == [401, 401]


def test_seeded_dashboards_and_reports(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    other = server.seed_organization()
    with _client(server, seed) as http:
        project = http.post("/manage/projects", json={"name": "With dashboards"}).json()["data"]
        sibling = http.post("/manage/projects", json={"name": "Sibling"}).json()["data"]
        older = server.seed_dashboard(project["id"], "Overview")
        newer = server.seed_dashboard(project["id"], "Funnels")
        report = server.seed_report(project["id"], older["id"], "Page views", chart_type="bar")
        dashboards = http.get(f"/manage/projects/{project['id']}/dashboards").json()
        assert dashboards == [newer, older]
        assert newer == {"id": "funnels", "name": "Funnels", "projectId": project["id"]}
        reports = http.get(f"/manage/projects/{project['id']}/dashboards/{older['id']}/reports").json()
        assert reports == [report]
        assert set(report) == {"id", "name", "chartType", "range", "interval", "metric", "series", "breakdowns"}
        assert report["chartType"] == "bar"
        # A dashboard is only found under its own project.
        elsewhere = http.get(f"/manage/projects/{sibling['id']}/dashboards/{older['id']}/reports")
        assert elsewhere.json() == []
    with _client(server, other) as http:
        forbidden = http.get(f"/manage/projects/{project['id']}/dashboards")
    assert forbidden.status_code == 403


# Setup: root prefix, file database, concurrency ---------------------------------------------


def test_root_path_prefix(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None, root_path="/api")
    seed = server.seed_organization()
    assert server.api_url == f"http://127.0.0.1:{server.port}/api"
    with _client(server, seed) as http:
        assert http.get("/manage/projects").status_code == 200
        nope = http.get("/manage/nope")
        assert nope.json()["message"] == "Route GET:/manage/nope not found"
    outside = httpx.get(f"{server.base_url}/manage/projects", headers=_headers(seed))
    assert outside.status_code == 404
    assert outside.json()["message"] == "Route GET:/manage/projects not found"
    with pytest.raises(ValueError):
        EmulatorServer(root_path="api/")


def test_file_database_survives_restart(fresh_emulator: StartEmulator, tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite3")
    first = fresh_emulator(db_path=db, rate_limit=None)
    seed = first.seed_organization()
    with _client(first, seed) as http:
        project = http.post("/manage/projects", json={"name": "Kept"}).json()["data"]
    first.stop()
    second = fresh_emulator(db_path=db, rate_limit=None)
    with _client(second, seed) as http:
        listed = http.get("/manage/projects")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["data"]] == [project["id"]]


def test_ensure_seed_reuses_and_repairs(fresh_emulator: StartEmulator, tmp_path: Path) -> None:
    db = str(tmp_path / "seeds.sqlite3")
    server = fresh_emulator(db_path=db, rate_limit=None)
    seed = server.ensure_seed("primary", "Emulator")
    assert server.ensure_seed("primary", "Emulator") == seed
    with _client(server, seed) as http:
        assert http.delete(f"/manage/clients/{seed.client_id}").status_code == 200
    repaired = server.ensure_seed("primary", "Emulator")
    assert repaired.organization_id == seed.organization_id
    assert repaired.client_id != seed.client_id
    with _client(server, repaired) as http:
        assert http.get("/manage/projects").status_code == 200


def test_a_snapshot_restores_the_same_objects_in_another_emulator(fresh_emulator: StartEmulator) -> None:
    first = fresh_emulator(rate_limit=None)
    seed = first.seed_organization()
    first.store.save_seed("primary", seed)
    with _client(first, seed) as http:
        project = http.post("/manage/projects", json={"name": "Kept", "cors": ["example.com"]}).json()["data"]
        client = http.post("/manage/clients", json={"name": "Reader", "projectId": project["id"],
                                                    "type": "read"}).json()["data"]
        reference = http.post("/manage/references", json={"projectId": project["id"], "title": "Launch",
                                                          "datetime": "2026-12-01T10:00:00Z"}).json()["data"]
        paths = [f"/manage/projects/{project['id']}", f"/manage/clients/{client['id']}",
                 f"/manage/references/{reference['id']}", "/manage/projects", "/manage/clients"]
        before = [http.get(path).json() for path in paths]
    snapshot = first.store.snapshot()
    json.loads(json.dumps(snapshot))  # plain JSON values, as a fixture file keeps them

    second = fresh_emulator(rate_limit=None)
    second.store.restore(snapshot)

    assert second.store.load_seed("primary") == seed
    with _client(second, seed) as http:  # the seeded secret authenticates against the restored hash
        assert [http.get(path).json() for path in paths] == before
    assert second.store.snapshot() == snapshot


def test_a_snapshot_that_does_not_fit_is_refused_whole(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    snapshot = server.store.snapshot()
    with pytest.raises(ValueError, match="tables the store does not: widgets"):
        server.store.restore({**snapshot, "widgets": []})
    coloured = [{**row, "colour": "red"} for row in snapshot["organizations"]]
    other = fresh_emulator(rate_limit=None)
    with pytest.raises(ValueError, match="unknown columns: colour"):
        other.store.restore({"organizations": coloured})
    assert other.store.snapshot()["organizations"] == []
    new_org = {"id": "new-org", "name": "New", "created_at": 0}
    with pytest.raises(sqlite3.IntegrityError):  # the clients' ids are taken: the new organization goes too
        server.store.restore({"organizations": [new_org], "clients": snapshot["clients"]})
    assert not server.store.organization_exists("new-org")
    assert server.store.snapshot() == snapshot and server.store.find_client(seed.client_id) is not None


def test_concurrent_creations_get_distinct_ids(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    results: list[Any] = []
    lock = threading.Lock()

    def create() -> None:
        with _client(server, seed) as http:
            response = http.post("/manage/projects", json={"name": "Same Name"})
        with lock:
            results.append(response)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 8
    ids = [r.json()["data"]["id"] for r in results]
    assert len(set(ids)) == 8
    assert "same-name" in ids


# Behaviour taken from the server's source (not in the observed contract) --------------------


def test_project_ids_are_the_servers_slugs(fresh_emulator: StartEmulator) -> None:
    """Each name the provider accepts gets exactly the id the real server gives it (a fresh emulator, so
    none of these ids is taken yet and no random suffix hides a wrong slug)."""
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        created = {name: http.post("/manage/projects", json={"name": name}).json()["data"] for name, _ in ACCEPTED}
        assert {name: project["id"] for name, project in created.items()} == dict(ACCEPTED)
        for name, project_id in ACCEPTED:
            assert http.get(f"/manage/projects/{project_id}").json()["data"]["name"] == name


@pytest.mark.parametrize("name", REFUSED)
def test_names_without_letters_or_digits(fresh_emulator: StartEmulator, name: str) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        first = http.post("/manage/projects", json={"name": name}).json()["data"]
        assert first["id"] == ""
        # The retry appends "-NNNN" to the name, which then slugifies to the digits alone.
        second = http.post("/manage/projects", json={"name": name}).json()["data"]
        assert len(second["id"]) == 4 and second["id"].isdigit()
        assert http.get("/manage/projects/").status_code == 404
        assert "" in [p["id"] for p in http.get("/manage/projects").json()["data"]]


def test_body_problems_come_before_credentials(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    response = httpx.post(f"{server.api_url}/manage/projects", json={"name": ""})
    assert response.status_code == 400
    assert response.json()["message"] == "body/name Too small: expected string to have >=1 characters"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"", "application/json", 400, "Body cannot be empty when content-type is set to 'application/json'"),
        (b"{nope", "application/json", 400, "Body is not valid JSON but content-type is set to 'application/json'"),
        (b"name=x", "application/x-www-form-urlencoded", 415, "Unsupported Media Type"),
    ],
)
def test_unreadable_bodies(
    fresh_emulator: StartEmulator, content: bytes, content_type: str, status: int, message: str
) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        response = http.post("/manage/projects", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.json() == {"status": status, "error": "FastifyError", "message": message}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "body/ Invalid input: expected object, received undefined"),
        ({"json": [1]}, "body/ Invalid input: expected object, received array"),
        ({"content": b"hi", "headers": {"content-type": "text/plain"}},
         "body/ Invalid input: expected object, received string"),
        ({"json": {"name": "x", "domain": 5}}, "body/domain Invalid input"),
        ({"json": {"name": 1, "cors": ["a", 2], "crossDomain": "yes"}},
         "body/name Invalid input: expected string, received number, "
         "body/cors/1 Invalid input: expected string, received number, "
         "body/crossDomain Invalid input: expected boolean, received string"),
        ({"json": {"name": "x", "types": ["app", "tv"]}},
         'body/types/1 Invalid option: expected one of "website"|"app"|"backend"'),
    ],
)  # fmt: skip
def test_derived_validation_messages(fresh_emulator: StartEmulator, kwargs: dict[str, Any], message: str) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        response = http.post("/manage/projects", **kwargs)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Error", "message": message}


def test_uuid_ids_in_other_spellings_are_found(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        for spelling in (seed.client_id.upper(), seed.client_id.replace("-", ""), f"{{{seed.client_id}}}"):
            assert http.get(f"/manage/clients/{spelling}").json()["data"]["id"] == seed.client_id
        assert http.get(f"/manage/clients/{seed.client_id}x").status_code == 500


# Ingestion authentication (POST /track) -----------------------------------------------------


def _track(server: EmulatorServer, client_id: str | None, secret: str | None) -> httpx.Response:
    headers = {"openpanel-client-id": client_id, "openpanel-client-secret": secret}
    return httpx.post(
        f"{server.api_url}/track",
        json={"type": "track", "payload": {"name": "probe"}},
        headers={name: value for name, value in headers.items() if value is not None},
    )


def test_track_refusals_are_the_servers_plain_text_messages(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=None)
    seed = server.seed_organization()
    with _client(server, seed) as http:
        created = http.post("/manage/projects", json={"name": "Ingest"}).json()["data"]
    first = created["client"]
    organization_wide = seed  # a root client without a project
    cases = [
        ((None, first["secret"]), "Ingestion: Missing client id"),
        (("not-a-uuid", first["secret"]), "Ingestion: Client ID must be a valid UUIDv4"),
        ((str(uuid.uuid4()), first["secret"]), "Ingestion: Invalid client id"),
        ((organization_wide.client_id, organization_wide.client_secret), "Ingestion: Client has no project"),
        ((first["id"], "sec_00000000000000000000"), "Ingestion: Invalid cors or secret"),
        ((first["id"], None), "Ingestion: Invalid cors or secret"),
    ]
    for (client_id, secret), message in cases:
        refused = _track(server, client_id, secret)
        assert (refused.status_code, refused.text) == (401, message)
        assert refused.headers["content-type"].startswith("text/plain")
    accepted = _track(server, first["id"], first["secret"])
    assert (accepted.status_code, accepted.content) == (200, b"")


def test_track_is_outside_the_manage_rate_limit(fresh_emulator: StartEmulator) -> None:
    server = fresh_emulator(rate_limit=(1, 60))
    seed = server.seed_organization()
    with _client(server, seed) as http:
        created = http.post("/manage/projects", json={"name": "Ingest"}).json()["data"]
        first = created["client"]
        answers = [_track(server, first["id"], first["secret"]) for _ in range(3)]
        assert {a.status_code for a in answers} == {200}
        assert not any(name.startswith("x-ratelimit") for a in answers for name in a.headers)
        assert http.get("/manage/projects").status_code == 429  # the one Manage request was the POST
