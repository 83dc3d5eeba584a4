"""``pulumi-openpanel recover``: after a ``pulumi up`` was cut short, leave the server holding exactly what
the state says, so that the next ``pulumi up`` neither duplicates nor orphans anything.

Why it is needed: a ``pulumi up`` killed while a create was in flight leaves a pending "creating"
operation in the state. The object may exist on the server (the POST arrived, the answer was lost with
the process) or not. The next non-interactive ``pulumi up`` creates it again, so an object that did
arrive becomes an orphan and the program's object exists twice; a client orphaned that way keeps a
secret nobody holds. ``pulumi refresh --import-pending-creates URN ID`` does not help with this
provider (in 3.274.1 it turns the pending create into an "importing" operation that the refresh then
drops without reading the object), and a SIGKILLed ``pulumi`` also leaves a file backend's stack locked.

What it does, run in the project directory with the stack selected:

1. reads the pending operations (``pulumi stack export``), the stack's lock (file backends; elsewhere an
   update the history still marks in progress) and when the cut-short run started (the lock's time, else
   the latest update in ``pulumi stack history``, and for each pending create no earlier than its parent's
   and dependencies' times in the state);
2. for each pending create of a Project, Client or Reference: when the state already records the id its
   create answered with (the engine fills the pending resource in before it marks the create done, and a
   kill can fall in between), that object is the one the run made, looked up by that id; otherwise it
   looks on the server for objects that match the creation inputs exactly, were created since that start
   (less 5 minutes of clock skew), and that no resource of this stack manages. One match per pending
   create is the object the run made and never recorded; no match means the POST never arrived;
3. deletes those objects (a project together with its clients and references, all of them younger
   than the project, since nobody else knew of it; a project's write client first, so no secret is left
   working): the next ``pulumi up`` creates them afresh, with secrets the state holds;
4. removes the lock if the process that held it is provably gone (``pulumi cancel``), and drops the pending
   operations (``pulumi refresh --clear-pending-creates``, which also reads every resource afresh).

Resources of both doors are recovered alike, the dynamic door's (inputs named ``project_id``) and the provider
plugin's (named ``projectId``): :func:`~pulumi_openpanel.core.schema.in_state` knows both doors' type tokens.

It never touches an object that another stack or a person owns: matches must be exact, recent and
unmanaged, and when there are more such objects than pending creates that could have made them, it
refuses (naming them) and changes nothing. ``--dry-run`` prints the plan and changes nothing.
Credentials come as the provider's do: a resource's ``connection``, the stack config ``openpanel:*``, or
the ``OPENPANEL_*`` environment variables; for a plugin resource of an explicit provider, that provider's
arguments as the state records them, then the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.models import Client, Project, Reference
from pulumi_openpanel.api.settings import ENV_CLIENT_SECRET, Credentials
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.cli.stack import PulumiStack, StackLock, parse_time
from pulumi_openpanel.core import reconcile
from pulumi_openpanel.core.resource import ADOPT, CONNECTION
from pulumi_openpanel.core.schema import (
    CLIENT,
    PLUGIN_PROVIDER_TYPE,
    PROJECT,
    REFERENCE,
    RESOURCES,
    Recorded,
    in_state,
)
from pulumi_openpanel.errors import ApiError, ConfigurationError, NotFoundError, OpenPanelError, redact

# Each resource by its kind.
SCHEMAS = {resource.kind: resource for resource in RESOURCES}


@dataclass(frozen=True)
class Provider:
    """The explicit provider of a plugin resource, as the state records it: its name and its arguments
    (``apiUrl``, ``clientId``, ...), which are where that resource's credentials come from."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Pending:
    """One operation the cut-short run left pending in the state; ``inputs`` under the declared names
    (``project_id``), whichever door's resource it is."""

    op: str  # creating, updating, deleting, ...
    urn: str
    type: str
    inputs: Mapping[str, Any]
    resource_id: str | None = None
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    provider: Provider | None = None

    @property
    def recorded(self) -> Recorded | None:
        """Which of this package's resources it is, and through which door; None for another provider's."""
        return in_state(self.type)

    @property
    def kind(self) -> str | None:
        """``project``/``client``/``reference``, or None for another provider's resource."""
        recorded = self.recorded
        return recorded.resource.kind if recorded is not None else None

    @property
    def is_provider(self) -> bool:
        """Whether it is a provider of the plugin door: nothing on the server, nothing to recover."""
        return self.type == PLUGIN_PROVIDER_TYPE

    @property
    def connection(self) -> Mapping[str, Any] | None:
        """A dynamic resource's ``connection`` input (the plugin door has none: an explicit provider instead)."""
        connection = self.inputs.get(CONNECTION)
        return connection if isinstance(connection, dict) else None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def describe(self) -> str:
        return f"{self.name} ({self.type.rsplit(':', 1)[-1] if self.kind else self.type})"


def _declared(resource: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A state record's ``inputs`` or ``outputs`` under the declared names; {} for another provider's."""
    recorded = in_state(resource.get("type"))
    values = resource.get(key)
    return recorded.declared(values) if recorded is not None and isinstance(values, Mapping) else {}


@dataclass(frozen=True)
class Deletion:
    kind: str  # project, client, reference
    object_id: str
    label: str
    reason: str

    def describe(self) -> str:
        return f"delete {self.kind} {self.object_id} {self.label}: {self.reason}"


@dataclass
class Finding:
    """What recover found for one pending create, and what it will do about it."""

    pending: Pending
    outcome: str  # found, absent, adopting, ambiguous, unsafe
    detail: str
    since: datetime | None = None
    deletions: list[Deletion] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    failed: str = ""

    BLOCKING: ClassVar[frozenset[str]] = frozenset({"ambiguous", "unsafe"})


@dataclass
class Plan:
    findings: list[Finding] = field(default_factory=list)
    other_pending: list[Pending] = field(default_factory=list)  # updating/deleting/... of OpenPanel resources
    foreign_creates: list[Pending] = field(default_factory=list)  # pending creates of other providers
    locks: list[StackLock] | None = None
    since: datetime | None = None
    since_source: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.problems) or any(f.outcome in Finding.BLOCKING for f in self.findings)


# -- reading the state ----------------------------------------------------------------------------


def pending_operations(deployment: Mapping[str, Any]) -> list[Pending]:
    found = []
    for operation in deployment.get("pending_operations") or []:
        resource = operation.get("resource") or {}
        inputs = _declared(resource, "inputs") if in_state(resource.get("type")) else resource.get("inputs") or {}
        found.append(Pending(op=str(operation.get("type", "")), urn=str(resource.get("urn", "")),
                             type=str(resource.get("type", "")), inputs=inputs,
                             resource_id=resource.get("id") or None, parent=resource.get("parent") or None,
                             dependencies=tuple(resource.get("dependencies") or ()),
                             provider=explicit_provider(deployment, resource)))
    return found


def explicit_provider(deployment: Mapping[str, Any], resource: Mapping[str, Any]) -> Provider | None:
    """The explicit provider of a plugin resource, with its arguments as the state records them; None for the
    default provider (whose settings are the stack config, as the dynamic door's are) and for other resources.

    A resource records its provider as ``<provider URN>::<provider id>``; the engine names a default provider
    ``default`` or ``default_<version>``, as the plugin door tells them apart."""
    recorded = in_state(resource.get("type"))
    reference = resource.get("provider")
    if recorded is None or not recorded.plugin or not isinstance(reference, str) or "::" not in reference:
        return None
    urn = reference.rsplit("::", 1)[0]
    name = urn.rsplit("::", 1)[-1]
    if name.startswith("default"):
        return None
    found = next((r for r in deployment.get("resources") or []
                  if r.get("urn") == urn and r.get("type") == PLUGIN_PROVIDER_TYPE), None)
    args = (found or {}).get("inputs")
    return Provider(name, args if isinstance(args, Mapping) else {})


def earliest_start(deployment: Mapping[str, Any], pending: Pending) -> datetime | None:
    """A moment the pending create cannot have started before, from the state's own timestamps: the engine
    registers a resource after its parent exists and creates it after its dependencies are done, so the
    parent's ``created`` and the dependencies' ``created``/``modified`` times all precede it. The first run
    of a stack creates its Stack resource, so even a first ``pulumi up`` cut short has a bound."""
    by_urn = {resource.get("urn"): resource for resource in deployment.get("resources") or []}
    moments = []
    if pending.parent in by_urn:
        moments.append(parse_time(by_urn[pending.parent].get("created")))
    for urn in pending.dependencies:
        if urn in by_urn:
            moments += [parse_time(by_urn[urn].get("created")), parse_time(by_urn[urn].get("modified"))]
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def managed_ids(deployment: Mapping[str, Any]) -> set[str]:
    """Every server object this stack's state stands for: resources, projects' write clients, and the
    objects of pending updates and deletes (which the state still holds).

    Not the objects of pending creates: an id there is what a create answered before the kill, an object
    no resource holds, and exactly what recover is for (counting it as managed hid it: the cut-short run's
    objects were then reported as never made, and the next up made them twice)."""
    ids: set[str] = set()
    records = list(deployment.get("resources") or [])
    records += [op.get("resource") or {} for op in deployment.get("pending_operations") or []
                if op.get("type") != "creating"]
    for resource in records:
        if in_state(resource.get("type")) is None:
            continue
        if resource.get("id"):
            ids.add(str(resource["id"]))
        write_client = _declared(resource, "outputs").get("client_id")
        if isinstance(write_client, str) and write_client:
            ids.add(write_client)
    return ids


def referenced_projects(deployment: Mapping[str, Any]) -> set[str]:
    """Project ids that resources in the state point at (e.g. a hard-coded ``project_id``)."""
    found = set()
    for resource in deployment.get("resources") or []:
        for values in (_declared(resource, "inputs"), _declared(resource, "outputs")):
            if isinstance(values.get("project_id"), str):
                found.add(values["project_id"])
    return found


# -- looking on the server ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A server object that a pending create may have made."""

    kind: str
    object_id: str
    label: str
    created_at: str | None


class ServerView:
    """The listings of one organization, each fetched once per run."""

    def __init__(self, api: ManageApi) -> None:
        self.api = api
        self._projects: list[Project] | None = None
        self._clients: dict[str | None, list[Client]] = {}
        self._references: dict[str, list[Reference]] = {}

    def projects(self) -> list[Project]:
        if self._projects is None:
            self._projects = self.api.list_projects()
        return self._projects

    def clients(self, project_id: str | None) -> list[Client]:
        if project_id not in self._clients:
            try:
                found = self.api.list_clients(project_id)
            except NotFoundError:
                found = []
            self._clients[project_id] = [c for c in found if c.project_id == project_id]
        return self._clients[project_id]

    def references(self, project_id: str) -> list[Reference]:
        if project_id not in self._references:
            try:
                self._references[project_id] = self.api.list_references(project_id)
            except NotFoundError:
                self._references[project_id] = []
        return self._references[project_id]

    def by_id(self, kind: str, object_id: str) -> Candidate | None:
        """The live object of that kind and id, or None when it is gone (a soft-deleted project is gone)."""
        try:
            if kind == "project":
                live = self.api.live_projects(object_id)
                return Candidate(kind, object_id, repr(live[0].name), live[0].created_at) if live else None
            if kind == "client":
                client = self.api.get_client(object_id)
                return Candidate(kind, object_id, repr(client.name), client.created_at)
            reference = self.api.get_reference(object_id)
            return Candidate(kind, object_id, repr(reference.title), reference.created_at)
        except NotFoundError:
            return None


def _matches(kind: str, outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """Whether an object echoes every input a create sends (:attr:`Resource.at_creation`): only then may it
    be the one a pending create made."""
    return all(prop.same(outputs.get(prop.name), inputs.get(prop.name)) for prop in SCHEMAS[kind].at_creation)


def _match_key(kind: str, inputs: Mapping[str, Any]) -> str:
    fields = [inputs.get(prop.name) for prop in SCHEMAS[kind].at_creation]
    return json.dumps([kind, fields], sort_keys=True, default=str)


def candidates(view: ServerView, pending: Pending, since: datetime, exclude: set[str]) -> list[Candidate]:
    """Objects that match the pending create's inputs exactly, are recent enough, and nobody here manages."""
    kind, inputs = pending.kind, pending.inputs
    found: list[Candidate] = []

    def keep(object_id: str, created_at: str | None) -> bool:
        return object_id not in exclude and reconcile.created_since(created_at, since)

    if kind == "project":
        found = [Candidate("project", p.id, f"{p.name!r}", p.created_at) for p in view.projects()
                 if _matches(kind, PROJECT.outputs_of(p), inputs) and keep(p.id, p.created_at)]
    elif kind == "client":
        found = [Candidate("client", c.id, f"{c.name!r}", c.created_at)
                 for c in view.clients(inputs.get("project_id"))
                 if _matches(kind, CLIENT.outputs_of(c), inputs) and keep(c.id, c.created_at)]
    elif kind == "reference" and isinstance(inputs.get("project_id"), str):
        found = [Candidate("reference", r.id, f"{r.title!r}", r.created_at)
                 for r in view.references(inputs["project_id"])
                 if _matches(kind, REFERENCE.outputs_of(r), inputs) and keep(r.id, r.created_at)]
    return found


def _project_deletions(view: ServerView, project: Candidate, since: datetime,
                       exclude: set[str]) -> tuple[list[Deletion], str]:
    """A project nobody recorded goes with everything on it: its clients first (their secrets stop working
    at once; the project itself is only soft-deleted), then its references, then the project."""
    deletions: list[Deletion] = []
    for client in view.clients(project.object_id):
        if client.id in exclude or not reconcile.created_since(client.created_at, since):
            return [], f"its client {client.id} ({client.name!r}) is older than the cut-short run or managed here"
        deletions.append(Deletion("client", client.id, f"{client.name!r} of project {project.object_id}",
                                  "its secret was only in the lost answer"))
    for reference in view.references(project.object_id):
        if reference.id in exclude or not reconcile.created_since(reference.created_at, since):
            return [], f"its reference {reference.id} is older than the cut-short run or managed here"
        deletions.append(Deletion("reference", reference.id, f"{reference.title!r} of project {project.object_id}",
                                  "it belongs to the unrecorded project"))
    deletions.append(Deletion("project", project.object_id, project.label,
                              "created by the cut-short run and never recorded"))
    return deletions, ""


def plan_recovery(deployment: Mapping[str, Any], since: datetime | None, since_source: str,
                  api_for: Callable[[Pending], ManageApi], *, exact_since: bool = False,
                  locks: list[StackLock] | None = None) -> Plan:
    """Everything recover would do, found without changing anything.

    ``since`` is when the cut-short run started, as far as is known. Each pending create's window starts
    at the latest of ``since`` and :func:`earliest_start` (both are moments it cannot precede, so the
    later is the tighter), unless ``exact_since`` (the user's ``--since``) says to use ``since`` as given.
    """
    plan = Plan(locks=locks, since=since, since_source=since_source)
    managed = managed_ids(deployment)
    pointed_at = referenced_projects(deployment)
    creates: list[Pending] = []
    for pending in pending_operations(deployment):
        if pending.op != "creating":
            if pending.kind is not None:
                plan.other_pending.append(pending)
        elif pending.is_provider:
            plan.other_pending.append(pending)  # made in the engine, nothing on the server
        elif pending.kind is None:
            plan.foreign_creates.append(pending)
        else:
            creates.append(pending)
    if plan.foreign_creates:
        plan.problems.append(
            "pending creates of other providers are in the state ("
            + ", ".join(p.describe() for p in plan.foreign_creates)
            + "); recover only knows OpenPanel objects, and clearing pending creates would drop those too. "
            "Resolve them first with an interactive `pulumi refresh` (import or clear each of them, skip the "
            "OpenPanel ones), then run recover again"
        )
    views: dict[Credentials, ServerView] = {}
    groups: dict[str, list[Pending]] = {}
    windows: dict[str, datetime] = {}
    recorded = {r.get("urn"): parse_time(r.get("created")) for r in deployment.get("resources") or []}
    answered: list[Pending] = []  # pending creates whose create answered: the state records their id
    for pending in creates:
        if pending.inputs.get(ADOPT):
            plan.findings.append(Finding(pending, "adopting", f"it adopts {pending.inputs[ADOPT]}: nothing was "
                                         "created, the next pulumi up adopts it again"))
            continue
        if pending.resource_id:
            answered.append(pending)
            continue
        bounds = [since] if exact_since else [since, earliest_start(deployment, pending)]
        known = [bound for bound in bounds if bound is not None]
        if not known:
            plan.problems.append(
                f"cannot tell when the cut-short run started for {pending.describe()} (no stack lock, no update "
                "in `pulumi stack history`): pass --since with that time, e.g. --since 2026-11-30T07:35:00Z")
            continue
        windows[pending.urn] = max(known)
        again = recorded.get(pending.urn)
        if again is not None and again >= windows[pending.urn]:
            plan.warnings.append(
                f"the state already holds {pending.describe()}, created {again:%Y-%m-%dT%H:%M:%SZ}: a pulumi up "
                "ran after the cut-short one and created it again. What the cut-short run left, if anything, is "
                "older than the window; if you know when that run started, run recover with --since TIME")
        api = api_for(pending)
        groups.setdefault(f"{api.credentials.api_url}|{api.credentials.client_id}|"
                          f"{_match_key(pending.kind or '', pending.inputs)}", []).append(pending)
        views.setdefault(api.credentials, ServerView(api))
    if plan.problems:
        return plan
    # What the answered creates made is theirs: never a match for another pending create.
    made = {str(pending.resource_id) for pending in answered}
    for pending in answered:
        api = api_for(pending)
        view = views.setdefault(api.credentials, ServerView(api))
        plan.findings.append(_answered_finding(view, pending, managed | {api.credentials.client_id}, pointed_at))
    for group in groups.values():
        api = api_for(group[0])
        view = views[api.credentials]
        since = min(windows[pending.urn] for pending in group)  # any of the group may have made any match
        # The credentials' own client is never a candidate: recover must not lock itself out.
        exclude = managed | made | {api.credentials.client_id}
        found = candidates(view, group[0], since, exclude)
        if len(found) > len(group):
            listing = ", ".join(f"{c.kind} {c.object_id} {c.label} created {c.created_at}" for c in found)
            for pending in group:
                plan.findings.append(Finding(
                    pending, "ambiguous", since=since, detail=
                    f"{len(found)} unmanaged objects match and only {len(group)} pending create(s) could have made "
                    f"them: {listing}. Delete the ones that are not yours (or narrow the window with --since), "
                    "then run recover again"))
            continue
        for index, pending in enumerate(group):
            if index >= len(found):
                plan.findings.append(Finding(pending, "absent", "nothing on the server: its create never arrived",
                                             since))
                continue
            match = found[index]
            plan.findings.append(_deleting(view, Finding(
                pending, "found", f"found {match.kind} {match.object_id} {match.label}, created {match.created_at}, "
                                  "which the state does not hold", since), match, exclude, pointed_at, since))
    return plan


def _answered_finding(view: ServerView, pending: Pending, exclude: set[str], pointed_at: set[str]) -> Finding:
    """A pending create that carries an id: its create answered, and the kill came before the engine marked
    it done. That id names the object the run made, so it is looked up by id (no window, no matching: a
    person's object cannot have this id), and deleted like a match unless a resource of the state holds it."""
    kind, object_id = str(pending.kind), str(pending.resource_id)
    match = view.by_id(kind, object_id)
    if match is None:
        return Finding(pending, "absent", f"its create answered with {kind} {object_id}, which is gone already")
    finding = Finding(pending, "found", f"its create answered with {kind} {object_id} {match.label} (created "
                                        f"{match.created_at}) just before the kill, and no resource holds it")
    if object_id in exclude:
        finding.outcome = "unsafe"
        finding.detail += "; but the state manages it under another name, so it is left alone"
        return finding
    # Its clients and references can be no older than itself.
    since = parse_time(match.created_at) or reconcile.now()
    return _deleting(view, finding, match, exclude, pointed_at, since)


def _deleting(view: ServerView, finding: Finding, match: Candidate, exclude: set[str], pointed_at: set[str],
              since: datetime) -> Finding:
    """``finding`` with the deletions that undo ``match``: a project with its clients and references (unless
    the state points at it, or something on it is older than ``since`` or managed here), any other object
    alone."""
    if match.kind != "project":
        why = ("its secret was only in the lost answer" if match.kind == "client"
               else "created by the cut-short run and never recorded")
        finding.deletions = [Deletion(match.kind, match.object_id, match.label, why)]
    elif match.object_id in pointed_at:
        finding.outcome = "unsafe"
        finding.detail += "; but resources in the state point at it, so it is left alone"
    else:
        deletions, reason = _project_deletions(view, match, since, exclude)
        if reason:
            finding.outcome, finding.detail = "unsafe", finding.detail + f"; left alone: {reason}"
        finding.deletions = deletions
    return finding


# -- acting ---------------------------------------------------------------------------------------


def execute(plan: Plan, api_for: Callable[[Pending], ManageApi]) -> bool:
    """Delete what the plan says, each object once; a 404 counts as done. Stops a project's deletions at the
    first failure (its client must go before the project). Returns whether everything went."""
    ok = True
    for finding in plan.findings:
        if finding.outcome != "found":
            continue
        api = api_for(finding.pending)
        for deletion in finding.deletions:
            delete = {"project": api.delete_project, "client": api.delete_client,
                      "reference": api.delete_reference}[deletion.kind]
            try:
                delete(deletion.object_id)
                finding.done.append(f"deleted {deletion.kind} {deletion.object_id}")
            except NotFoundError:
                finding.done.append(f"{deletion.kind} {deletion.object_id} was already gone")
            except ApiError as exc:
                finding.failed = f"deleting {deletion.kind} {deletion.object_id} failed: {exc}"
                ok = False
                break
    return ok


# -- the command ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    parser.add_argument("--stack", metavar="NAME", help="the stack to recover (default: the selected one)")
    parser.add_argument("--cwd", metavar="DIR", type=Path, help="the Pulumi project directory (default: here)")
    parser.add_argument(
        "--since", metavar="TIME",
        help="when the cut-short run started (RFC 3339, e.g. 2026-11-30T07:35:00Z); default: the time of the "
             "stack's lock, else of the latest update in `pulumi stack history`",
    )
    parser.add_argument(
        "--unlock", action="store_true",
        help="also remove a lock taken on another host (only when you know that run is dead, e.g. a cancelled "
             "CI job)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


@dataclass
class _Output:
    """Collects what recover says, so the same run prints as text or as one JSON object."""

    lines: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(redact(text, self.secrets))


def _choose_since(args: argparse.Namespace, stack: PulumiStack,
                  locks: list[StackLock] | None) -> tuple[datetime | None, str]:
    if args.since:
        moment = parse_time(args.since)
        if moment is None:
            raise ConfigurationError(f"--since must be a time such as 2026-11-30T07:35:00Z, got {args.since!r}")
        return moment, "--since"
    taken = [lock.taken for lock in locks or [] if lock.taken is not None]
    if taken:
        return min(taken), "the stack's lock, taken when the cut-short run started"
    start = stack.latest_update_start()
    if start is not None:
        return start, "the latest update in `pulumi stack history` (a killed run is not recorded there)"
    return None, ""


def _api_factory(sources: Sources, secrets: list[str]) -> Callable[[Pending], ManageApi]:
    """Credentials resolved as the resource's provider resolves them: a dynamic resource's connection, then
    ``sources`` (the stack config, then the environment); a plugin resource's explicit provider's arguments,
    then the environment; a plugin resource of the default provider, ``sources``."""
    cache: dict[Credentials, ManageApi] = {}

    def api_for(pending: Pending) -> ManageApi:
        if pending.provider is not None:
            chosen = Sources.of_provider(pending.provider.args, pending.provider.name, sources.environ)
        else:
            chosen = sources.with_connection(pending.connection)
        api = manage_api(sources=chosen)
        if api.credentials not in cache:
            secrets.append(api.credentials.client_secret)
            cache[api.credentials] = api
        return cache[api.credentials]

    return api_for


def recover(args: argparse.Namespace, out: _Output, stack: PulumiStack | None = None) -> tuple[int, dict[str, Any]]:
    """The whole command; returns the exit status and the JSON summary."""
    stack = stack or PulumiStack(args.cwd, args.stack)
    summary: dict[str, Any] = {"dry_run": bool(args.dry_run), "actions": [], "ok": False}
    deployment = stack.deployment(show_secrets=True)
    pending = pending_operations(deployment)
    locks = stack.locks()
    summary["pending"] = [{"op": p.op, "urn": p.urn} for p in pending]
    summary["locks"] = [{"pid": lock.pid, "hostname": lock.hostname, "status": lock.status} for lock in locks or []]
    blocking_locks = [lock for lock in locks or [] if lock.status == "running"
                      or (lock.status == "elsewhere" and not args.unlock)]
    for lock in blocking_locks:
        if lock.status == "running":
            out.say(f"The stack is {lock.describe()}, and that pulumi is still running: let it finish (or stop "
                    "it), then run recover. Nothing was changed.")
        else:
            out.say(f"The stack is {lock.describe()}: recover cannot tell whether that run is still going. If it "
                    "is not (e.g. a cancelled CI job), run `pulumi-openpanel recover --unlock`. Nothing was changed.")
    if blocking_locks:
        summary["problems"] = ["locked"]
        return 1, summary
    stale = [lock for lock in locks or [] if lock.status != "running"]
    # Without lock files to read (not a file backend), a service backend's history still tells of an update
    # that never finished: running now, or killed. Only the user can tell which.
    unfinished = stack.unfinished_update() if locks is None else None
    if unfinished is not None and not args.unlock:
        out.say(f"The latest update of the stack, started {_when(unfinished)}, is still marked in progress: it is "
                "running, or it was killed. If it is not running (e.g. a cancelled CI job), run "
                "`pulumi-openpanel recover --unlock` (it runs pulumi cancel). Nothing was changed.")
        summary["problems"] = ["update in progress"]
        return 1, summary
    if not pending and not stale and unfinished is None:
        out.say("Nothing to recover: no pending operations and no stale lock. Run pulumi up as usual.")
        summary["ok"] = True
        return 0, summary

    api_for = _api_factory(Sources(stack_config=stack.config(), environ=os.environ), out.secrets)
    since, since_source = _choose_since(args, stack, locks)
    plan = plan_recovery(deployment, since, since_source, api_for, exact_since=bool(args.since), locks=locks)
    summary["since"] = since.isoformat() if since else None
    _describe_plan(plan, stale, out)
    if plan.blocked:
        for problem in plan.problems:
            out.say(f"Refused: {problem}.")
        for lock in stale:
            out.say(f"The stack is still {lock.describe()}, a run that is gone: `pulumi cancel` removes that lock "
                    "if you need to run pulumi before recover.")
        out.say("Nothing was changed.")
        summary["problems"] = plan.problems + [f.detail for f in plan.findings if f.outcome in Finding.BLOCKING]
        return 1, summary
    summary["actions"] = [{"urn": f.pending.urn, "outcome": f.outcome,
                           "delete": [{"kind": d.kind, "id": d.object_id} for d in f.deletions]}
                          for f in plan.findings]
    if args.dry_run:
        out.say("Dry run: nothing was changed.")
        summary["ok"] = True
        return 0, summary

    if not execute(plan, api_for):
        for finding in plan.findings:
            for line in finding.done:
                out.say(f"  {line}")
            if finding.failed:
                out.say(f"  {finding.pending.describe()}: {finding.failed}")
        out.say("Recovery stopped: the stack (its lock and pending operations) is unchanged, so run recover again "
                "once the error above is fixed; what is already deleted will not be found again.")
        return 1, summary
    for finding in plan.findings:
        for line in finding.done:
            out.say(f"  {line}")
    if stale or unfinished is not None:
        stack.cancel()
        out.say("  removed the stale lock (pulumi cancel)" if stale else
                "  ended the update still marked in progress (pulumi cancel)")
    if pending:
        stack.refresh_clearing_pending_creates()
        out.say(f"  dropped {len(pending)} pending operation(s) and refreshed the state "
                "(pulumi refresh --clear-pending-creates)")
    out.say("Recovered. Next: pulumi up")
    summary["ok"] = True
    return 0, summary


def _describe_plan(plan: Plan, stale: list[StackLock], out: _Output) -> None:
    skew = f"less {int(reconcile.CLOCK_SKEW.total_seconds() // 60)} minutes of clock skew"
    if plan.since is not None:
        out.say(f"The cut-short run started after {_when(plan.since)} (from {plan.since_source}); only objects "
                f"created since then ({skew}) are considered.")
    elif plan.findings:
        out.say("No stack lock and no update in `pulumi stack history`: each pending create is bounded by the "
                f"creation of its parent and dependencies in the state ({skew}).")
    for warning in plan.warnings:
        out.say(f"Warning: {warning}.")
    for lock in stale:
        reason = "its process is gone" if lock.status == "stale" else "--unlock"
        out.say(f"Lock: the stack is {lock.describe()}; it will be removed ({reason}).")
    for finding in plan.findings:
        window = f" [objects since {_when(finding.since)}]" if finding.since and finding.since != plan.since else ""
        out.say(f"Pending create of {finding.pending.describe()}: {finding.detail}{window}")
        for deletion in finding.deletions if finding.outcome == "found" else []:
            out.say(f"  {deletion.describe()}")
    for pending in plan.other_pending:
        what = {
            "updating": "the next pulumi up sends the same PATCH again (safe to repeat)",
            "deleting": "the next pulumi up or destroy deletes it again (an object already gone counts as deleted)",
            "creating": "a provider is made by the engine, nothing on the server; the next pulumi up makes it again",
        }.get(pending.op, "dropped with the others")
        noun = {"updating": "update", "deleting": "delete", "creating": "create"}.get(pending.op, pending.op)
        out.say(f"Pending {noun} of {pending.describe()}: {what}; "
                "the refresh below reads it afresh.")


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(args: argparse.Namespace) -> int:
    out = _Output(secrets=[os.environ.get(ENV_CLIENT_SECRET) or ""])
    try:
        status, summary = recover(args, out)
    except OpenPanelError as exc:
        out.say(f"pulumi-openpanel recover: {exc}")
        status, summary = (2 if isinstance(exc, ConfigurationError) else 1), {"ok": False, "error": str(exc)}
    if args.json:
        summary["messages"] = out.lines
        print(redact(json.dumps(summary, indent=2), out.secrets))
    else:
        stream = sys.stdout if status == 0 else sys.stderr
        for line in out.lines:
            print(line, file=stream)
    sys.stdout.flush()
    return status

