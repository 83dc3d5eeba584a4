"""Creating Manage API objects in tests and removing them afterwards.

Tests may run against a shared real server, so every object gets a unique name and is
deleted at the end of the test that made it (projects can only be soft-deleted).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support.http import ManageHttp

ISO_MS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
PLAIN_SECRET = re.compile(r"sec_[0-9a-f]{20}")
SECRET_HASH = re.compile(r"[0-9a-f]{32}\.[0-9a-f]{64}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

PROJECT_FIELDS = {
    "id", "name", "organizationId", "eventsCount", "types", "domain", "cors", "crossDomain",
    "allowUnsafeRevenueTracking", "filters", "deleteAt", "createdAt", "updatedAt",
}  # fmt: skip
CLIENT_FIELDS = {
    "id", "name", "secret", "type", "projectId", "organizationId", "ignoreCorsAndSecret", "createdAt", "updatedAt",
}  # fmt: skip
REFERENCE_FIELDS = {"id", "title", "description", "date", "projectId", "createdAt", "updatedAt"}


def unique_suffix(length: int = 12) -> str:
    """Random hex that keeps a name unique on a shared (real) server."""
    return uuid.uuid4().hex[:length]


def unique_name(prefix: str = "conformance") -> str:
    return f"{prefix} {unique_suffix()}"


class Tracker:
    """Creates objects through one client and deletes them again in :meth:`cleanup`."""

    def __init__(self, http: ManageHttp) -> None:
        self.http = http
        self._projects: list[str] = []
        self._clients: list[str] = []
        self._references: list[str] = []

    def project(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """The whole create answer (project fields, ``clients`` and ``client``)."""
        created: dict[str, Any] = self.http.data(
            "POST", "/manage/projects", json={"name": name or unique_name(), **fields}
        )
        self._projects.append(created["id"])
        self._clients.append(created["client"]["id"])
        return created

    def client(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """The create answer, whose ``secret`` is the plain secret."""
        created: dict[str, Any] = self.http.data(
            "POST", "/manage/clients", json={"name": name or unique_name("client"), **fields}
        )
        self._clients.append(created["id"])
        return created

    def reference(self, project_id: str, **fields: Any) -> dict[str, Any]:
        body = {"projectId": project_id, "title": unique_name("reference"), "datetime": "2026-01-01T00:00:00Z"}
        created: dict[str, Any] = self.http.data("POST", "/manage/references", json={**body, **fields})
        self._references.append(created["id"])
        return created

    def forget_client(self, client_id: str) -> None:
        """For clients a test deleted itself (or that deleted themselves)."""
        if client_id in self._clients:
            self._clients.remove(client_id)

    def cleanup(self) -> None:
        for reference_id in reversed(self._references):
            self.http.delete(f"/manage/references/{reference_id}")
        for client_id in reversed(self._clients):
            self.http.delete(f"/manage/clients/{client_id}")
        for project_id in reversed(self._projects):
            self.http.delete(f"/manage/projects/{project_id}")
        self._references.clear()
        self._clients.clear()
        self._projects.clear()
