"""What `pulumi-openpanel recover` decides, checked without the Pulumi CLI: a deployment as `pulumi stack
export` shows it after a cut-short run, the server as it is, and the plan (then its execution).

The rule under test: an object is taken for one a pending create made only when its creation inputs match
exactly, it is younger than the cut-short run (less the clock skew), this stack does not manage it, and
there are no more such objects than pending creates that could have made them. Anything else is left
alone, and an excess of matches stops everything.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate, ProjectCreate, ReferenceCreate
from pulumi_openpanel.api.settings import ApiSettings, Credentials, RetryPolicy
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.cli.recover import (
    _api_factory,
    earliest_start,
    execute,
    managed_ids,
    pending_operations,
    plan_recovery,
)
from pulumi_openpanel.cli.stack import StackLock, parse_time, reveal
from pulumi_openpanel.core.schema import RESOURCES, camel
from pulumi_openpanel.errors import NotFoundError
from tests.support.target import OpenPanelTarget

TYPES = {resource.kind: resource.dynamic_type for resource in RESOURCES}
DATETIME = "2026-12-01T10:00:00.000Z"


def an_hour_ago() -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=1)


def project_inputs(name: str, **extra: Any) -> dict[str, Any]:
    """A Project's inputs as Check leaves them in a pending operation."""
    return {"__provider": "gASV", "name": name, "domain": None, "cors": [], "cross_domain": False,
            "types": ["website"], "allow_unsafe_revenue_tracking": False, **extra}


def client_inputs(name: str, project_id: str | None, client_type: str = "read") -> dict[str, Any]:
    return {"__provider": "gASV", "name": name, "project_id": project_id, "type": client_type}


def reference_inputs(project_id: str, title: str, when: str = DATETIME) -> dict[str, Any]:
    return {"__provider": "gASV", "project_id": project_id, "title": title, "description": None, "datetime": when}


def resource(kind: str, name: str, object_id: str, inputs: Mapping[str, Any],
             outputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::test::{TYPES[kind]}::{name}", "type": TYPES[kind], "id": object_id,
            "custom": True, "inputs": dict(inputs), "outputs": dict(outputs or inputs)}


def pending(kind: str, name: str, inputs: Mapping[str, Any], op: str = "creating",
            type_token: str | None = None, **extra: Any) -> dict[str, Any]:
    token = type_token or TYPES[kind]
    return {"type": op, "resource": {"urn": f"urn:pulumi:dev::test::{token}::{name}", "type": token,
                                     "custom": True, "inputs": dict(inputs), **extra}}


def stamp(moment: datetime) -> str:
    """A time as the engine writes `created`/`modified` (nanoseconds, Z)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def deployment(resources: Sequence[dict[str, Any]] = (), operations: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"resources": list(resources), "pending_operations": list(operations)}


def plan(state: dict[str, Any], api: ManageApi, since: datetime | None = None) -> Any:
    return plan_recovery(state, since or an_hour_ago(), "test", lambda _inputs: api)


@pytest.fixture
def own_api(openpanel: OpenPanelTarget) -> ManageApi:
    return ManageApi(Credentials(openpanel.api_url, openpanel.client_id, openpanel.client_secret),
                     ApiSettings(rate_limit=None))


def test_an_unrecorded_project_goes_with_its_clients_and_references_client_first(own_api: ManageApi,
                                                                                 uid: str) -> None:
    created = own_api.create_project(ProjectCreate(name=f"Cut {uid}", types=["website"]))
    project_id, write_client = created.project.id, created.write_client_id
    reference = own_api.create_reference(ReferenceCreate(project_id=project_id, title="Launch", datetime=DATETIME))
    state = deployment(operations=[pending("project", "web", project_inputs(f"Cut {uid}"))])

    found = plan(state, own_api)

    assert not found.blocked
    [finding] = found.findings
    assert finding.outcome == "found"
    assert [(d.kind, d.object_id) for d in finding.deletions] == [
        ("client", write_client), ("reference", reference.id), ("project", project_id)]
    assert execute(found, lambda _inputs: own_api)
    with pytest.raises(NotFoundError):
        own_api.get_client(str(write_client))
    with pytest.raises(NotFoundError):
        own_api.get_reference(reference.id)
    assert own_api.get_project(project_id).deleted


def answered(kind: str, name: str, inputs: Mapping[str, Any], object_id: str,
             outputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pending create whose create had answered: the engine had filled in its id and outputs, but not yet
    marked it done, when the run was killed (how the engine writes such a checkpoint: pulumi-dynamic-engine.md)."""
    return pending(kind, name, inputs, id=object_id, outputs=dict(outputs or inputs))


def test_pending_creates_that_carry_their_id_are_those_objects(own_api: ManageApi, uid: str) -> None:
    """The user's report: references whose create had answered came back as 'its create never arrived', and
    the next up made them twice. Beside them, pending creates without an id are matched as before, and an
    object an answered create made is never taken for another pending create's, even with the same inputs."""
    project = own_api.create_project(ProjectCreate(name=f"Posts {uid}", types=["website"])).project
    made = {title: own_api.create_reference(ReferenceCreate(project_id=project.id, title=title, datetime=DATETIME))
            for title in ("Post 20", "Post 23", "Post 27")}
    same = [own_api.create_reference(ReferenceCreate(project_id=project.id, title="Same", datetime=DATETIME))
            for _ in range(2)]
    kept = resource("project", "web", project.id, project_inputs(f"Posts {uid}"))
    state = deployment([kept], [
        answered("reference", "post-20", reference_inputs(project.id, "Post 20"), made["Post 20"].id),
        answered("reference", "post-23", reference_inputs(project.id, "Post 23"), made["Post 23"].id),
        pending("reference", "post-27", reference_inputs(project.id, "Post 27")),
        answered("reference", "same-a", reference_inputs(project.id, "Same"), same[1].id),
        pending("reference", "same-b", reference_inputs(project.id, "Same")),
    ])

    found = plan(state, own_api)

    assert not found.blocked, found.findings
    deleted = {f.pending.name: [d.object_id for d in f.deletions] for f in found.findings}
    assert deleted == {"post-20": [made["Post 20"].id], "post-23": [made["Post 23"].id],
                       "post-27": [made["Post 27"].id], "same-a": [same[1].id], "same-b": [same[0].id]}
    assert all(f.outcome == "found" for f in found.findings)
    assert project.id not in {d.object_id for f in found.findings for d in f.deletions}


def test_an_answered_project_goes_with_its_write_client_and_a_gone_one_is_left(own_api: ManageApi,
                                                                               uid: str) -> None:
    created = own_api.create_project(ProjectCreate(name=f"Answered {uid}", types=["website"]))
    gone = own_api.create_project(ProjectCreate(name=f"Gone {uid}", types=["website"]))
    own_api.delete_project(gone.project.id)
    outputs = {**project_inputs(f"Answered {uid}"), "client_id": created.write_client_id, "client_secret": "[secret]"}
    state = deployment(operations=[
        answered("project", "web", project_inputs(f"Answered {uid}"), created.project.id, outputs),
        answered("project", "old", project_inputs(f"Gone {uid}"), gone.project.id),
    ])

    # No start time is known, and none is needed: the ids say which objects the run made.
    found = plan_recovery(state, None, "", lambda _inputs: own_api)

    assert not found.blocked
    assert [(f.pending.name, f.outcome, [(d.kind, d.object_id) for d in f.deletions]) for f in found.findings] == [
        ("web", "found", [("client", created.write_client_id), ("project", created.project.id)]),
        ("old", "absent", [])]
    assert execute(found, lambda _inputs: own_api)
    with pytest.raises(NotFoundError):
        own_api.get_client(str(created.write_client_id))
    assert own_api.get_project(created.project.id).deleted


def test_what_the_state_manages_is_never_taken(own_api: ManageApi, uid: str) -> None:
    """A replacement in flight: the old project (in the state) and the new one share the name."""
    old = own_api.create_project(ProjectCreate(name=f"Twice {uid}", types=["website"]))
    new = own_api.create_project(ProjectCreate(name=f"Twice {uid}", types=["website"]))
    managed = resource("project", "web", old.project.id, project_inputs(f"Twice {uid}"),
                       {**project_inputs(f"Twice {uid}"), "client_id": old.write_client_id})
    state = deployment([managed], [pending("project", "web", project_inputs(f"Twice {uid}"))])

    found = plan(state, own_api)

    assert {old.project.id, old.write_client_id} <= managed_ids(state)
    assert [d.object_id for d in found.findings[0].deletions] == [new.write_client_id, new.project.id]


def test_an_object_older_than_the_run_is_left_alone(own_api: ManageApi, uid: str) -> None:
    own_api.create_project(ProjectCreate(name=f"Older {uid}", types=["website"]))
    state = deployment(operations=[pending("project", "web", project_inputs(f"Older {uid}"))])

    found = plan(state, own_api, since=datetime.now(timezone.utc) + timedelta(minutes=30))

    assert [(f.outcome, f.deletions) for f in found.findings] == [("absent", [])]


def test_only_exact_matches_count(own_api: ManageApi, uid: str) -> None:
    project = own_api.create_project(ProjectCreate(name=f"Exact {uid}", types=["website"])).project
    own_api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", datetime="2026-12-02"))
    own_api.create_client(ClientCreate(name="Reader", project_id=project.id, type="write"))
    other_types = project_inputs(f"Exact {uid}", types=["app"])
    state = deployment(operations=[
        pending("reference", "launch", reference_inputs(project.id, "Launch")),  # another datetime
        pending("client", "reader", client_inputs("Reader", project.id, "read")),  # another type
        pending("project", "web", other_types),  # another set of types
    ])

    found = plan(state, own_api)

    assert [f.outcome for f in found.findings] == ["absent", "absent", "absent"]


def test_more_matches_than_pending_creates_is_refused_and_names_them(own_api: ManageApi, uid: str) -> None:
    project = own_api.create_project(ProjectCreate(name=f"Two {uid}", types=["website"])).project
    first = own_api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", datetime=DATETIME))
    second = own_api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", datetime=DATETIME))
    one = deployment(operations=[pending("reference", "launch", reference_inputs(project.id, "Launch"))])

    refused = plan(one, own_api)

    assert refused.blocked
    [finding] = refused.findings
    assert finding.outcome == "ambiguous" and finding.deletions == []
    assert first.id in finding.detail and second.id in finding.detail

    two = deployment(operations=[pending("reference", "a", reference_inputs(project.id, "Launch")),
                                 pending("reference", "b", reference_inputs(project.id, "Launch"))])
    both = plan(two, own_api)
    assert not both.blocked
    assert sorted(d.object_id for f in both.findings for d in f.deletions) == sorted([first.id, second.id])


def test_a_project_the_state_points_at_is_left_alone(own_api: ManageApi, uid: str) -> None:
    created = own_api.create_project(ProjectCreate(name=f"Pointed {uid}", types=["website"]))
    project_id = created.project.id
    hard_coded = resource("reference", "launch", "00000000-0000-4000-8000-000000000000",
                          reference_inputs(project_id, "Launch"))
    state = deployment([hard_coded], [pending("project", "web", project_inputs(f"Pointed {uid}"))])

    found = plan(state, own_api)

    assert found.blocked and found.findings[0].outcome == "unsafe"


def test_the_credentials_own_client_is_never_taken(own_api: ManageApi, openpanel: OpenPanelTarget) -> None:
    own = own_api.get_client(openpanel.client_id)
    state = deployment(operations=[pending("client", "automation", client_inputs(own.name, None, own.type))])

    found = plan(state, own_api, since=datetime(2000, 1, 1, tzinfo=timezone.utc))

    assert openpanel.client_id not in {d.object_id for f in found.findings for d in f.deletions}


def test_adopting_creates_need_no_lookup() -> None:
    state = deployment(operations=[pending("project", "web", project_inputs("Anything", adopt="web-1234"))])

    def no_api(_inputs: Mapping[str, Any]) -> ManageApi:
        raise AssertionError("an adopting create made nothing: nothing to look up")

    found = plan_recovery(state, None, "", no_api)

    assert not found.blocked and [f.outcome for f in found.findings] == ["adopting"]


def test_pending_creates_of_other_providers_stop_everything(own_api: ManageApi, uid: str) -> None:
    state = deployment(operations=[
        pending("project", "web", project_inputs(f"Mixed {uid}")),
        pending("project", "bucket", {}, type_token="aws:s3/bucket:Bucket"),
    ])

    found = plan(state, own_api)

    assert found.blocked and "aws:s3/bucket:Bucket" in found.problems[0]
    assert [f.deletions for f in found.findings] == []


def test_without_a_start_time_nothing_is_guessed(own_api: ManageApi, uid: str) -> None:
    state = deployment(operations=[pending("project", "web", project_inputs(f"When {uid}"))])

    found = plan_recovery(state, None, "", lambda _inputs: own_api)

    assert found.blocked and "--since" in found.problems[0]


def test_the_state_bounds_each_pending_create_by_its_parent_and_dependencies(own_api: ManageApi,
                                                                             uid: str) -> None:
    """No lock and no history (a first up, killed, then `pulumi cancel`): the Stack resource was created by
    that run, and a dependency created later bounds its dependents tighter."""
    stack_created = datetime.now(timezone.utc) - timedelta(hours=2)
    project = own_api.create_project(ProjectCreate(name=f"Bound {uid}", types=["website"])).project
    stack_resource = {"urn": "urn:pulumi:dev::test::pulumi:pulumi:Stack::test-dev", "type": "pulumi:pulumi:Stack",
                      "created": stamp(stack_created), "modified": stamp(stack_created)}
    web = resource("project", "web", project.id, project_inputs(f"Bound {uid}"))
    web["created"] = web["modified"] = stamp(datetime.now(timezone.utc) + timedelta(hours=1))
    reader = pending("client", "reader", client_inputs("Reader", project.id), parent=stack_resource["urn"],
                     dependencies=[web["urn"]])
    state = deployment([stack_resource, web], [
        pending("project", "other", project_inputs(f"Other {uid}"), parent=stack_resource["urn"]), reader])
    own_api.create_client(ClientCreate(name="Reader", project_id=project.id, type="read"))
    first, second = pending_operations(state)

    assert earliest_start(state, first) == stack_created
    assert earliest_start(state, second) == parse_time(web["created"])
    found = plan_recovery(state, None, "", lambda _inputs: own_api)
    assert not found.blocked
    # The reader made now is older than its dependency's creation: not the pending create's doing.
    assert [(f.pending.name, f.outcome) for f in found.findings] == [("other", "absent"), ("reader", "absent")]
    exact = plan_recovery(state, an_hour_ago(), "--since", lambda _inputs: own_api, exact_since=True)
    assert [(f.pending.name, f.outcome) for f in exact.findings] == [("other", "absent"), ("reader", "found")]


def test_a_later_up_that_created_the_resource_again_is_pointed_out(own_api: ManageApi, uid: str) -> None:
    later = resource("project", "web", f"web-{uid}", project_inputs(f"Again {uid}"))
    later["created"] = stamp(datetime.now(timezone.utc))
    state = deployment([later], [pending("project", "web", project_inputs(f"Again {uid}"))])

    found = plan(state, own_api)

    assert not found.blocked and "--since" in found.warnings[0] and "web (Project)" in found.warnings[0]


def test_pending_updates_and_deletes_are_reported_not_acted_on(own_api: ManageApi) -> None:
    state = deployment(operations=[pending("project", "web", project_inputs("x"), op="updating"),
                                   pending("client", "reader", client_inputs("y", "x"), op="deleting")])

    found = plan(state, own_api)

    assert not found.blocked and found.findings == []
    assert [p.op for p in found.other_pending] == ["updating", "deleting"]


def test_a_delete_that_finds_nothing_counts_as_done(own_api: ManageApi, uid: str) -> None:
    project = own_api.create_project(ProjectCreate(name=f"Gone {uid}", types=["website"])).project
    reference = own_api.create_reference(ReferenceCreate(project_id=project.id, title="Launch", datetime=DATETIME))
    state = deployment(operations=[pending("reference", "launch", reference_inputs(project.id, "Launch"))])
    found = plan(state, own_api)
    own_api.delete_reference(reference.id)

    assert execute(found, lambda _inputs: own_api)
    assert found.findings[0].done == [f"reference {reference.id} was already gone"]


def test_a_failed_delete_stops_that_project_before_the_project_itself(own_api: ManageApi, uid: str) -> None:
    """The write client must go before its project; if it cannot, the project stays, and so does the plan's
    reason to run again (recover leaves the stack's pending operations in place)."""
    created = own_api.create_project(ProjectCreate(name=f"Stuck {uid}", types=["website"]))
    state = deployment(operations=[pending("project", "web", project_inputs(f"Stuck {uid}"))])
    found = plan(state, own_api)
    seen: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(503, text="Service Unavailable")

    failing = ManageApi(own_api.credentials, ApiSettings(rate_limit=None, retry=RetryPolicy(max_attempts=1)),
                        transport=httpx.MockTransport(refuse))

    assert not execute(found, lambda _inputs: failing)
    assert seen == [f"DELETE /manage/clients/{created.write_client_id}"]
    assert "503" in found.findings[0].failed
    assert not own_api.get_project(created.project.id).deleted


def test_a_connection_input_chooses_the_organization(openpanel: OpenPanelTarget, uid: str) -> None:
    """Credentials come as the provider's do: the resource's connection first, then config, then environment."""
    other_id, other_secret = openpanel.other_org()
    other = ManageApi(Credentials(openpanel.api_url, other_id, other_secret), ApiSettings(rate_limit=None))
    project = other.create_project(ProjectCreate(name=f"Elsewhere {uid}", types=["website"])).project
    connection = {"apiUrl": openpanel.api_url, "clientId": other_id, "clientSecret": other_secret}
    state = deployment(operations=[pending("project", "web", project_inputs(f"Elsewhere {uid}",
                                                                            connection=connection))])
    secrets: list[str] = []
    stack_config = {"openpanel:clientId": openpanel.client_id, "openpanel:clientSecret": openpanel.client_secret,
                    "openpanel:apiUrl": openpanel.api_url, "openpanel:rateLimit": "off"}
    api_for = _api_factory(Sources(stack_config=stack_config, environ={}), secrets)

    found = plan_recovery(state, an_hour_ago(), "test", api_for)

    assert found.findings[0].deletions[-1].object_id == project.id
    [unconnected] = pending_operations(deployment(operations=[pending("project", "web", project_inputs("x"))]))
    assert api_for(unconnected).credentials.client_id == openpanel.client_id  # no connection: the stack config
    assert secrets == [other_secret, openpanel.client_secret]  # known, so that output can redact them


# -- the plugin door's resources ------------------------------------------------------------------------
# The same stack shapes as the plugin records them: `openpanel:index:*` types, camelCase inputs and outputs,
# no `__provider` input but a provider reference (the default provider's, or an explicit one's).

PLUGIN_TYPES = {resource.kind: resource.plugin_type for resource in RESOURCES}
DEFAULT_PROVIDER = "urn:pulumi:dev::test::pulumi:providers:openpanel::default_0_1_0"
PROVIDER_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def plugin_values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Declared inputs (the helpers above) as the plugin door records them: camelCase, no ``__provider``."""
    return {camel(key): value for key, value in inputs.items() if key != "__provider"}


def plugin_resource(kind: str, name: str, object_id: str, inputs: Mapping[str, Any],
                    outputs: Mapping[str, Any] | None = None, provider: str = DEFAULT_PROVIDER) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::test::{PLUGIN_TYPES[kind]}::{name}", "type": PLUGIN_TYPES[kind],
            "id": object_id, "custom": True, "inputs": plugin_values(inputs),
            "outputs": plugin_values(outputs or inputs), "provider": f"{provider}::{PROVIDER_ID}"}


def plugin_pending(kind: str, name: str, inputs: Mapping[str, Any], provider: str = DEFAULT_PROVIDER,
                   **extra: Any) -> dict[str, Any]:
    return pending(kind, name, plugin_values(inputs), type_token=PLUGIN_TYPES[kind],
                   provider=f"{provider}::{PROVIDER_ID}", **extra)


def provider_resource(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::test::pulumi:providers:openpanel::{name}", "type": "pulumi:providers:openpanel",
            "id": PROVIDER_ID, "custom": True, "inputs": dict(inputs), "outputs": dict(inputs)}


def test_an_answered_plugin_client_create_is_deleted_as_an_orphan(own_api: ManageApi, uid: str) -> None:
    """A pending create of an `openpanel:index:Client` that carries its id: that client is the cut-short run's,
    and its secret was only in the lost answer. Beside it, an unanswered one is matched on camelCase inputs."""
    project = own_api.create_project(ProjectCreate(name=f"Plugin {uid}", types=["backend"])).project
    answered_client = own_api.create_client(ClientCreate(name="Ingest", project_id=project.id, type="write")).client
    unanswered = own_api.create_client(ClientCreate(name="Reader", project_id=project.id, type="read")).client
    kept = plugin_resource("project", "api", project.id, project_inputs(f"Plugin {uid}", types=["backend"]))
    state = deployment([kept], [
        plugin_pending("client", "ingest", client_inputs("Ingest", project.id, "write"), id=answered_client.id,
                       outputs=plugin_values(client_inputs("Ingest", project.id, "write"))),
        plugin_pending("client", "reader", client_inputs("Reader", project.id, "read")),
    ])

    found = plan(state, own_api)

    assert not found.blocked, (found.problems, found.findings)
    assert [(f.pending.name, f.outcome, [(d.kind, d.object_id) for d in f.deletions]) for f in found.findings] == [
        ("ingest", "found", [("client", answered_client.id)]), ("reader", "found", [("client", unanswered.id)])]
    assert found.findings[0].pending.describe() == "ingest (Client)"
    assert execute(found, lambda _pending: own_api)
    for client_id in (answered_client.id, unanswered.id):
        with pytest.raises(NotFoundError):
            own_api.get_client(client_id)


def test_a_plugin_projects_write_client_counts_as_managed(own_api: ManageApi, uid: str) -> None:
    """The state records a plugin project's first write client as `clientId`: that client is the stack's, so a
    pending create of a client just like it (OpenPanel names it `First client`) never takes it."""
    created = own_api.create_project(ProjectCreate(name=f"Owned {uid}", types=["website"]))
    inputs = project_inputs(f"Owned {uid}")
    managed = plugin_resource("project", "web", created.project.id, inputs,
                              {**inputs, "client_id": created.write_client_id, "client_secret": "s3cr3t",
                               "organization_id": "org"})
    state = deployment([managed], [plugin_pending("client", "first", client_inputs("First client", created.project.id,
                                                                                   "write"))])

    assert {created.project.id, created.write_client_id} <= managed_ids(state)
    found = plan(state, own_api)
    assert [(f.outcome, f.deletions) for f in found.findings] == [("absent", [])]


def test_a_plugin_resource_pointing_at_a_project_keeps_it(own_api: ManageApi, uid: str) -> None:
    created = own_api.create_project(ProjectCreate(name=f"Pinned {uid}", types=["website"]))
    hard_coded = plugin_resource("reference", "launch", "00000000-0000-4000-8000-000000000000",
                                 reference_inputs(created.project.id, "Launch"))
    state = deployment([hard_coded], [plugin_pending("project", "web", project_inputs(f"Pinned {uid}"))])

    found = plan(state, own_api)

    assert found.blocked and found.findings[0].outcome == "unsafe"


def test_a_stack_of_both_doors_is_recovered_as_one(own_api: ManageApi, uid: str) -> None:
    """Dynamic and plugin resources side by side (a program moving from one door to the other): each door's
    pending creates are found, each door's managed objects are left, and neither door's provider resources
    (nor the plugin provider's own pending create) count as another provider's."""
    dynamic_kept = own_api.create_project(ProjectCreate(name=f"Kept dynamic {uid}", types=["website"]))
    plugin_kept = own_api.create_project(ProjectCreate(name=f"Kept plugin {uid}", types=["website"]))
    orphan = own_api.create_project(ProjectCreate(name=f"New plugin {uid}", types=["website"]))
    reader = own_api.create_client(ClientCreate(name="Reader", project_id=dynamic_kept.project.id, type="read")).client
    reference = own_api.create_reference(ReferenceCreate(project_id=plugin_kept.project.id, title="Launch",
                                                         datetime=DATETIME))
    dynamic_inputs, plugin_inputs = project_inputs(f"Kept dynamic {uid}"), project_inputs(f"Kept plugin {uid}")
    state = deployment(
        [{"urn": "urn:pulumi:dev::test::pulumi:providers:pulumi-python::default", "type":
          "pulumi:providers:pulumi-python", "id": PROVIDER_ID, "custom": True, "inputs": {}, "outputs": {}},
         provider_resource("default_0_1_0", {"version": "0.1.0"}),
         resource("project", "site", dynamic_kept.project.id, dynamic_inputs,
                  {**dynamic_inputs, "client_id": dynamic_kept.write_client_id}),
         plugin_resource("project", "app", plugin_kept.project.id, plugin_inputs,
                         {**plugin_inputs, "client_id": plugin_kept.write_client_id})],
        [pending("client", "reader", client_inputs("Reader", dynamic_kept.project.id, "read")),
         plugin_pending("project", "new", project_inputs(f"New plugin {uid}")),
         plugin_pending("reference", "launch", reference_inputs(plugin_kept.project.id, "Launch"), id=reference.id),
         {"type": "creating", "resource": {"urn": "urn:pulumi:dev::test::pulumi:providers:openpanel::eu",
                                           "type": "pulumi:providers:openpanel", "custom": True, "inputs": {}}}])

    found = plan(state, own_api)

    assert not found.blocked, (found.problems, found.findings)
    assert {f.pending.name: (f.outcome, [(d.kind, d.object_id) for d in f.deletions]) for f in found.findings} == {
        "reader": ("found", [("client", reader.id)]),
        "new": ("found", [("client", orphan.write_client_id), ("project", orphan.project.id)]),
        "launch": ("found", [("reference", reference.id)]),
    }
    assert [p.name for p in found.other_pending] == ["eu"]
    kept = {dynamic_kept.project.id, dynamic_kept.write_client_id, plugin_kept.project.id, plugin_kept.write_client_id}
    assert kept <= managed_ids(state)


def test_an_explicit_plugin_provider_chooses_the_organization(openpanel: OpenPanelTarget, uid: str) -> None:
    """A plugin resource's credentials are its explicit provider's arguments as the state records them (then
    the environment, never the stack config); the default provider's are the stack config, as for the
    dynamic door."""
    other_id, other_secret = openpanel.other_org()
    other = ManageApi(Credentials(openpanel.api_url, other_id, other_secret), ApiSettings(rate_limit=None))
    project = other.create_project(ProjectCreate(name=f"Abroad {uid}", types=["website"])).project
    eu = "urn:pulumi:dev::test::pulumi:providers:openpanel::eu"
    state = deployment([provider_resource("eu", {"apiUrl": openpanel.api_url, "clientId": other_id,
                                                 "clientSecret": other_secret, "rateLimit": "off",
                                                 "version": "0.1.0"})],
                       [plugin_pending("project", "abroad", project_inputs(f"Abroad {uid}"), provider=eu),
                        plugin_pending("project", "home", project_inputs(f"Home {uid}"))])
    secrets: list[str] = []
    stack_config = {"openpanel:clientId": openpanel.client_id, "openpanel:clientSecret": openpanel.client_secret,
                    "openpanel:apiUrl": openpanel.api_url, "openpanel:rateLimit": "off"}
    api_for = _api_factory(Sources(stack_config=stack_config, environ={}), secrets)

    found = plan_recovery(state, an_hour_ago(), "test", api_for)

    assert not found.blocked, (found.problems, found.findings)
    abroad, home = found.findings
    assert abroad.deletions[-1].object_id == project.id and home.outcome == "absent"
    assert api_for(abroad.pending).credentials.client_id == other_id
    assert api_for(home.pending).credentials.client_id == openpanel.client_id
    assert secrets == [other_secret, openpanel.client_secret]


def test_an_explicit_providers_arguments_are_read_as_the_plugin_reads_them() -> None:
    environ = {"OPENPANEL_CLIENT_SECRET": "from-env", "OPENPANEL_RATE_LIMIT": "5/1"}
    sources = Sources.of_provider({"clientId": "0f1e2d3c-4b5a-4697-8877-665544332211", "maxRetries": 2,
                                   "version": "0.1.0"}, "eu", environ)
    assert sources.locate_credentials() == {
        "api_url": (None, ""),
        "client_id": ("0f1e2d3c-4b5a-4697-8877-665544332211", "argument clientId of provider 'eu'"),
        "client_secret": ("from-env", "environment variable OPENPANEL_CLIENT_SECRET")}
    assert sources.settings().retry.max_attempts == 3 and sources.settings().rate_limit is not None
    assert "from-env" not in repr(sources)


def test_recover_reads_an_explicit_provider_as_the_plugin_door_does() -> None:
    """The plugin door's provider, configured with the arguments the state records, takes its settings from the
    same places, named the same, as recover does from that record."""
    from pulumi.provider.experimental.property_value import PropertyValue
    from pulumi.provider.experimental.provider import CheckRequest, ConfigureRequest

    from pulumi_openpanel.plugin.provider import OpenPanelProvider

    args = {"apiUrl": "https://analytics.example.com/api", "clientId": "0f1e2d3c-4b5a-4697-8877-665544332211",
            "rateLimit": "off", "requestTimeout": 12}
    values = {key: PropertyValue(float(value) if isinstance(value, int) else value) for key, value in args.items()}
    door = OpenPanelProvider("{}")
    checked = asyncio.run(door.check_config(CheckRequest("urn:pulumi:dev::test::pulumi:providers:openpanel::eu",
                                                         {}, values, b"")))
    asyncio.run(door.configure(ConfigureRequest({}, checked.inputs or values, True, True)))
    [record] = pending_operations(deployment([provider_resource("eu", args)], [plugin_pending(
        "client", "c", client_inputs("C", None), provider="urn:pulumi:dev::test::pulumi:providers:openpanel::eu")]))

    assert record.provider is not None
    assert door._sources(recorded=False).locate() == Sources.of_provider(record.provider.args, "eu").locate()


def test_times_as_pulumi_and_openpanel_write_them() -> None:
    assert parse_time("2026-11-30T07:35:25.821361327Z") == datetime(2026, 11, 30, 7, 35, 25, 821361,
                                                                     tzinfo=timezone.utc)
    assert parse_time("2026-11-30T07:34:42.000Z") == datetime(2026, 11, 30, 7, 34, 42, tzinfo=timezone.utc)
    assert parse_time("2026-11-30T09:35+02:00") == datetime(2026, 11, 30, 7, 35, tzinfo=timezone.utc)
    assert parse_time("yesterday") is None and parse_time(None) is None


def test_secrets_of_an_export_are_unwrapped() -> None:
    sig = "4dabf18193072939515e22adb298388d"
    wrapped = {"connection": {sig: "1b47061264138c4ac30d75fd1eb44270", "plaintext": '{"clientId": "x"}'}}
    assert reveal(wrapped) == {"connection": {"clientId": "x"}}


def test_a_lock_is_stale_only_when_its_process_is_provably_gone(pulumi_named_process: subprocess.Popen[bytes]) -> None:
    import socket

    here = socket.gethostname()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    gone = int(finished.stdout)
    lock = Path("lock.json")
    assert StackLock(lock, gone, here, None).status == "stale"
    assert StackLock(lock, pulumi_named_process.pid, here, None).status == "running"
    assert StackLock(lock, os.getpid(), here, None).status == "stale"  # alive, but not a pulumi: a recycled pid
    assert StackLock(lock, gone, "ci-runner-7", None).status == "elsewhere"
