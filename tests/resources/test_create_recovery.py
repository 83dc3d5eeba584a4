"""What a project create does when the write client it has to renew cannot be made: no orphan is left."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from pulumi_openpanel.api.settings import ApiSettings
from pulumi_openpanel.errors import ServerError
from pulumi_openpanel.project import ProjectProvider
from tests.api.fakes import FakeClock, FakeServer, make_api
from tests.support.retries import NO_RETRIES

ORG = "org-1"


def now() -> str:
    """Read when answering: a time taken at import would be older than the create's clock-skew window in a
    long run, and the objects would no longer count as just made."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def project_json() -> dict[str, Any]:
    return {"id": "web", "name": "Web", "organizationId": ORG, "types": [], "cors": [], "domain": None,
            "crossDomain": False, "allowUnsafeRevenueTracking": False, "deleteAt": None, "createdAt": now()}


def write_client_json(client_id: str) -> dict[str, Any]:
    return {"id": client_id, "name": "First client", "type": "write", "projectId": "web", "organizationId": ORG,
            "secret": "ab" * 16 + "." + "cd" * 32, "createdAt": now()}


def test_a_project_whose_write_client_cannot_be_renewed_is_deleted_again() -> None:
    """The project POST's answer is lost (a reset after sending), so the project is found and adopted; its
    write client's secret was in that answer, and creating a new write client keeps failing with 500s.
    The project must then go again rather than stay on the server unknown to Pulumi."""

    def answer(request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if (method, path) == ("POST", "/manage/projects"):
            raise httpx.ReadError("connection reset", request=request)
        if (method, path) == ("GET", "/manage/projects"):
            return httpx.Response(200, json={"data": [project_json()]}, request=request)
        if (method, path) == ("GET", "/manage/clients"):
            first = "0f1e2d3c-4b5a-4697-8877-665544332211"
            listed = [] if any(r.method == "DELETE" and first in r.url.path for r in server.requests) else [first]
            return httpx.Response(200, json={"data": [write_client_json(c) for c in listed]}, request=request)
        if (method, path) == ("POST", "/manage/clients"):
            return httpx.Response(500, text="Internal server error", request=request)
        if method == "DELETE":
            return httpx.Response(200, json={"success": True}, request=request)
        raise AssertionError(f"unexpected {method} {path}")

    server = FakeServer(FakeClock(), answer)
    api = make_api(server, settings=ApiSettings(retry=NO_RETRIES))

    with pytest.raises(ServerError):
        ProjectProvider.core.create_object(api, {"name": "Web", "cors": [], "types": [], "cross_domain": False})

    sent = [(seen.method, seen.url.path) for seen in server.requests]
    assert ("DELETE", "/manage/clients/0f1e2d3c-4b5a-4697-8877-665544332211") in sent
    assert sent.count(("POST", "/manage/clients")) == 5  # the client create is reconciled like any other
    assert sent[-1] == ("DELETE", "/manage/projects/web")
