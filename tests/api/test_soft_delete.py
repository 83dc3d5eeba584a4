"""A soft-deleted project is gone: decided once, in ManageApi.live_projects, for every caller."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import pulumi_openpanel
from pulumi_openpanel.errors import NotFoundError

from .fakes import FakeClock, FakeServer, make_api, project_json, respond

DELETED = project_json("old", deleteAt="2026-11-29T00:00:00.000Z")
LIVE = project_json("web")


def test_a_list_keeps_only_the_live_projects() -> None:
    api = make_api(FakeServer(FakeClock(), respond(200, {"data": [LIVE, DELETED]})))
    assert [project.id for project in api.live_projects()] == ["web"]


def test_one_project_is_gone_once_soft_deleted_but_get_project_still_shows_it() -> None:
    api = make_api(FakeServer(FakeClock(), respond(200, {"data": DELETED})))
    assert api.live_projects("old") == []
    assert api.get_project("old").deleted


def test_a_live_project_is_returned_and_a_missing_one_raises() -> None:
    api = make_api(FakeServer(FakeClock(), respond(200, {"data": LIVE})))
    assert [project.id for project in api.live_projects("web")] == ["web"]
    missing = make_api(FakeServer(FakeClock(), respond(404, {"statusCode": 404, "message": "Project not found"})))
    with pytest.raises(NotFoundError):
        missing.live_projects("nope")


def test_only_live_projects_reads_the_deleted_flag() -> None:
    """Provider, lookups and adopt ask live_projects; none of them decides on .deleted itself."""
    package = Path(inspect.getfile(pulumi_openpanel)).parent
    readers = set()
    for path in package.rglob("*.py"):
        if "emulator" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("deleted", "delete_at"):
                readers.add(path.relative_to(package).as_posix())
    assert readers == {"api/client.py", "api/models.py"}  # models.py: the flag itself, from deleteAt
