"""What the reliability tests share: a program of N project groups, a provider environment pointing at
a proxy, and the comparison of what the server holds with what the engine's state says it manages.

"Held by the server" means: live projects whose id or name carries the run's suffix, the clients and
references of those projects (and root clients named with the suffix). Comparing those sets with the
state's ids finds both duplicates (on the server, not in state) and losses (in state, not on the server).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi

import pulumi_openpanel as op
from pulumi_openpanel.api import ApiSettings, ManageApi
from pulumi_openpanel.config import Credentials
from tests.engine.driver import Engine

PROJECT_TYPE = "pulumi-python:dynamic/openpanel:Project"
CLIENT_TYPE = "pulumi-python:dynamic/openpanel:Client"
REFERENCE_TYPE = "pulumi-python:dynamic/openpanel:Reference"


def groups_program(uid: str, groups: int, *, root_client: bool = False, revenue: bool = False) -> Callable[[], None]:
    """``groups`` projects, each with a read client and a reference: 3 * groups resources."""

    def program() -> None:
        for index in range(groups):
            project = op.Project(f"web{index}", name=f"Web {uid} {index}", domain="https://example.com/",
                                 cors=["https://example.com"], types=["website"],
                                 allow_unsafe_revenue_tracking=revenue)
            client = op.Client(f"reader{index}", name=f"Reader {uid} {index}", project_id=project.id, type="read")
            op.Reference(f"launch{index}", project_id=project.id, title=f"Launch {uid} {index}",
                         description="New pricing page", datetime="2026-12-01T10:00:00Z")
            pulumi.export(f"reader{index}_secret", client.secret)
        if root_client:
            root = op.Client("automation", name=f"Automation {uid}", type="root")
            pulumi.export("automation_secret", root.secret)

    return program


def provider_env(api_url: str, client_id: str, client_secret: str, *, rate_limit: str = "off",
                 timeout: float | None = None, retries: int | None = None) -> dict[str, str]:
    env = {"OPENPANEL_API_URL": api_url, "OPENPANEL_CLIENT_ID": client_id,
           "OPENPANEL_CLIENT_SECRET": client_secret, "OPENPANEL_RATE_LIMIT": rate_limit}
    if timeout is not None:
        env["OPENPANEL_REQUEST_TIMEOUT"] = str(timeout)
    if retries is not None:
        env["OPENPANEL_MAX_RETRIES"] = str(retries)
    return env


def direct_api(api_url: str, client_id: str, client_secret: str) -> ManageApi:
    """The API seen without the proxy, to look at what the server holds."""
    return ManageApi(Credentials(api_url, client_id, client_secret), ApiSettings(rate_limit=None))


@dataclass(frozen=True)
class Inventory:
    projects: frozenset[str]
    clients: frozenset[str]
    references: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.projects) + len(self.clients) + len(self.references)


def server_inventory(api: ManageApi, uid: str) -> Inventory:
    projects = frozenset(p.id for p in api.list_projects() if uid in p.id or uid in p.name)
    clients = frozenset(
        c.id for c in api.list_clients()
        if (c.project_id in projects) or (c.project_id is None and uid in c.name)
    )
    references = frozenset(r.id for r in api.list_references() if r.project_id in projects or uid in r.title)
    return Inventory(projects, clients, references)


def state_inventory(engine: Engine) -> Inventory:
    """Every server object the state manages, the projects' first write clients included."""
    state = engine.state.values()
    projects = frozenset(r.id for r in state if r.type == PROJECT_TYPE)
    write_clients = {r.outputs.get("client_id") for r in state if r.type == PROJECT_TYPE}
    clients = frozenset({r.id for r in state if r.type == CLIENT_TYPE} | {c for c in write_clients if c})
    references = frozenset(r.id for r in state if r.type == REFERENCE_TYPE)
    return Inventory(projects, clients, references)


def assert_server_matches_state(api: ManageApi, engine: Engine, uid: str) -> Inventory:
    server, state = server_inventory(api, uid), state_inventory(engine)
    assert server.projects == state.projects, ("projects", server.projects ^ state.projects)
    assert server.clients == state.clients, ("clients", server.clients ^ state.clients)
    assert server.references == state.references, ("references", server.references ^ state.references)
    return server
