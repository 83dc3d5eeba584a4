"""What the reliability tests and the benchmark share: a program of N project groups, and the comparison
of what the server holds with what the stack's state says it manages.

"Held by the server" means: live projects whose id or name carries the run's suffix, the clients and
references of those projects (and root clients named with the suffix). Comparing those sets with the
state's ids finds both duplicates (on the server, not in state) and losses (in state, not on the server).

It lives in tests/support rather than tests/reliability because benchmarks/ uses it too, and benchmarks
may import from tests/support only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.core.schema import CLIENT, PROJECT, REFERENCE
from pulumi_openpanel.emulator import EmulatorServer
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import OpenPanelTarget

PROJECT_TYPE = PROJECT.dynamic_type
CLIENT_TYPE = CLIENT.dynamic_type
REFERENCE_TYPE = REFERENCE.dynamic_type


def groups_program(uid: str, groups: int, *, root_client: bool = False, revenue: bool = False) -> str:
    """The source of a program of ``groups`` projects, each with a read client and a reference
    (3 * groups resources), plus a root client with ``root_client``. Names carry ``uid``."""
    return f"""
        import pulumi
        import pulumi_openpanel as op

        for index in range({groups}):
            project = op.Project(f"web{{index}}", name=f"Web {uid} {{index}}", domain="https://example.com/",
                                 cors=["https://example.com"], types=["website"],
                                 allow_unsafe_revenue_tracking={revenue!r})
            client = op.Client(f"reader{{index}}", name=f"Reader {uid} {{index}}", project_id=project.id,
                               type="read")
            op.Reference(f"launch{{index}}", project_id=project.id, title=f"Launch {uid} {{index}}",
                         description="New pricing page", datetime="2026-12-01T10:00:00Z")
            pulumi.export(f"reader{{index}}_secret", client.secret)
        if {root_client!r}:
            root = op.Client("automation", name="Automation {uid}", type="root")
            pulumi.export("automation_secret", root.secret)
    """


def emulator_target(server: EmulatorServer, organization: str) -> OpenPanelTarget:
    """A private emulator as a test target: a new organization's root client holds the credentials."""
    seeded = server.seed_organization(organization)
    return OpenPanelTarget(api_url=server.api_url, client_id=seeded.client_id, client_secret=seeded.client_secret,
                           emulator=server)


@dataclass(frozen=True)
class Inventory:
    projects: frozenset[str]
    clients: frozenset[str]
    references: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.projects) + len(self.clients) + len(self.references)

    def mismatch(self, other: Inventory) -> int:
        """Objects in one inventory and not in the other: duplicates and losses together."""
        return sum(len(a ^ b) for a, b in ((self.projects, other.projects), (self.clients, other.clients),
                                           (self.references, other.references)))


def server_inventory(api: ManageApi, uid: str) -> Inventory:
    projects = frozenset(p.id for p in api.list_projects() if uid in p.id or uid in p.name)
    clients = frozenset(
        c.id for c in api.list_clients()
        if (c.project_id in projects) or (c.project_id is None and uid in c.name)
    )
    references = frozenset(r.id for r in api.list_references() if r.project_id in projects or uid in r.title)
    return Inventory(projects, clients, references)


def state_inventory(project: PulumiProject) -> Inventory:
    """Every server object the stack's state manages, the projects' first write clients included."""
    state = project.resources(show_secrets=True).values()
    projects = frozenset(r["id"] for r in state if r["type"] == PROJECT_TYPE)
    write_clients = {r.get("outputs", {}).get("client_id") for r in state if r["type"] == PROJECT_TYPE}
    clients = frozenset({r["id"] for r in state if r["type"] == CLIENT_TYPE} | {c for c in write_clients if c})
    references = frozenset(r["id"] for r in state if r["type"] == REFERENCE_TYPE)
    return Inventory(projects, clients, references)


def assert_server_matches_state(api: ManageApi, project: PulumiProject, uid: str) -> Inventory:
    server, state = server_inventory(api, uid), state_inventory(project)
    assert server.projects == state.projects, ("projects", server.projects ^ state.projects)
    assert server.clients == state.clients, ("clients", server.clients ^ state.clients)
    assert server.references == state.references, ("references", server.references ^ state.references)
    return server
