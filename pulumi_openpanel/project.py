"""The ``Project`` resource: an OpenPanel project, whose id is a slug of its name."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any, overload

import pulumi

from pulumi_openpanel import normalize, reconcile
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.client import create_client_reconciled
from pulumi_openpanel.config import Connection
from pulumi_openpanel.errors import ApiError, NotFoundError, OpenPanelError, ProjectDeleteError
from pulumi_openpanel.models import PROJECT_TYPES, ClientCreate, CreatedProject, ProjectCreate, ProjectUpdate
from pulumi_openpanel.models import Project as ProjectModel
from pulumi_openpanel.provider import OpenPanelProvider, OpenPanelResource, Prop, ResourceArgs

log = logging.getLogger("pulumi_openpanel.project")

# The name OpenPanel gives the write client it creates with every project.
FIRST_CLIENT_NAME = "First client"


class ProjectProvider(OpenPanelProvider):
    """``types`` cannot change after creation (replace); every other input is patched in place."""

    kind = "project"

    props = (
        Prop("name", normalize.project_name, required=True),
        Prop("domain", normalize.domain),
        Prop("cors", normalize.cors),
        Prop("cross_domain", lambda value: False if value is None else normalize.boolean(value)),
        Prop("types", lambda value: normalize.choices(value, PROJECT_TYPES, many=True), replaces=True),
        Prop(
            "allow_unsafe_revenue_tracking",
            lambda value: False if value is None else normalize.boolean(value),
        ),
    )
    carried = ("client_id", "client_secret")
    computed = ("organization_id",)

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs["name"]
        started = reconcile.now()
        outcome = reconcile.create_reconciled(
            lambda: api.create_project(
                ProjectCreate(
                    name=name,
                    domain=inputs.get("domain"),
                    cors=inputs.get("cors") or [],
                    cross_domain=bool(inputs.get("cross_domain")),
                    types=inputs.get("types") or [],
                )
            ),
            lambda: [
                project
                for project in api.list_projects()
                if project.name == name and reconcile.created_since(project.created_at, started)
            ],
            describe=f"project {name!r}",
        )
        project = outcome.project if isinstance(outcome, CreatedProject) else outcome
        # Whatever follows the POST may fail; the project must then go again, or Pulumi would not know of it.
        try:
            if isinstance(outcome, CreatedProject):
                client_id = outcome.write_client_id
                secret = outcome.write_client_secret.get_secret_value() if outcome.write_client_secret else None
            else:
                client_id, secret = self._renew_write_client(api, project.id, started)
            if inputs.get("allow_unsafe_revenue_tracking"):
                # The API ignores this flag at creation: a follow-up PATCH sets it.
                project = api.update_project(project.id, ProjectUpdate(allow_unsafe_revenue_tracking=True))
        except OpenPanelError:
            with contextlib.suppress(ApiError):
                api.delete_project(project.id)
            raise
        outs = project_outputs(project)
        outs["client_id"] = client_id
        outs["client_secret"] = secret
        return project.id, outs

    @staticmethod
    def _renew_write_client(api: ManageApi, project_id: str, started: datetime) -> tuple[str, str]:
        """The first write client's secret was in a lost answer: replace that client by one we know."""
        for client in api.list_clients(project_id):
            if client.type == "write" and reconcile.created_since(client.created_at, started):
                api.delete_client(client.id)
        created = create_client_reconciled(
            api, ClientCreate(name=FIRST_CLIENT_NAME, project_id=project_id, type="write")
        )
        return created.client.id, created.secret.get_secret_value()

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        live = api.live_projects(object_id)
        return project_outputs(live[0]) if live else None

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return project_outputs(api.update_project(object_id, ProjectUpdate(**changed)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the project's write client, then the project: a destroy must close the door at once.

        OpenPanel only soft-deletes a project and keeps its clients, which go on authenticating (ingestion
        included) until the purge 24 h later. So the write client created with the project, the one whose
        id the outputs hold as ``client_id`` (its secret is the ``client_secret`` output), is deleted
        first; that is a hard delete, and its secret stops working at once. One DELETE each, no lookup.

        Order: client first, project last. If the client delete fails, the project is not touched and
        the next destroy starts over (a client that did go meanwhile answers 404). If the project delete
        fails, this raises, the resource stays in the stack with the same outputs, and the next destroy
        finds the client gone (404 counts as done) and deletes the project. The other order would be
        worse: once the project is soft-deleted, a ``pulumi refresh`` reads it as gone and drops the
        resource, and with it the only record of a client left alive.

        Only that one client: other clients of the project (made by a person, another stack, or a
        ``Client`` resource, which deletes its own) are left alone. An adopted project has no
        ``client_id`` (the stack never created or held its write client, whose secret it cannot know),
        so its destroy deletes no client: its clients lapse with the project after 24 h, or can be
        adopted as ``Client`` resources to go at once. No client is looked up by name or type to guess.
        """
        api = self.api(props)
        write_client_id = props.get("client_id")
        if isinstance(write_client_id, str) and write_client_id:
            try:
                api.delete_client(write_client_id)
                log.info("deleted write client %s of project %s", write_client_id, id_)
            except NotFoundError:
                log.info("write client %s of project %s is already gone", write_client_id, id_)
            except OpenPanelError as exc:
                raise ProjectDeleteError(
                    f"project {id_!r} was not deleted: its write client {write_client_id} is deleted first, so "
                    f"that its secret stops working at once, and that failed: {exc}. The project stays in the "
                    "stack; run the destroy again"
                ) from exc
        try:
            api.delete_project(id_)
        except NotFoundError:
            pass
        except OpenPanelError as exc:
            if not write_client_id:
                raise
            raise ProjectDeleteError(
                f"the write client of project {id_!r} is deleted, but the project itself could not be: {exc}. "
                "The project stays in the stack; run the destroy again to finish"
            ) from exc

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        """The project alone (soft delete); :meth:`delete` is what a destroy runs."""
        api.delete_project(object_id)


def project_outputs(project: ProjectModel) -> dict[str, Any]:
    return {
        "name": project.name,
        "domain": project.domain or None,
        "cors": list(project.cors),
        "cross_domain": project.cross_domain,
        "types": list(project.types),
        "allow_unsafe_revenue_tracking": project.allow_unsafe_revenue_tracking,
        "organization_id": project.organization_id,
    }


class ProjectArgs(ResourceArgs):
    """The inputs of a :class:`Project`."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str],
        domain: pulumi.Input[str] | None = None,
        cors: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        cross_domain: pulumi.Input[bool] | None = None,
        types: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        allow_unsafe_revenue_tracking: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        self.adopt = adopt
        self.name = name
        self.domain = domain
        self.cors = cors
        self.cross_domain = cross_domain
        self.types = types
        self.allow_unsafe_revenue_tracking = allow_unsafe_revenue_tracking


class Project(OpenPanelResource, module="openpanel", name="Project"):
    """An OpenPanel project. Its id is the slug OpenPanel derives from the name (``web``, ``web-4821``).

    ``client_id`` and ``client_secret`` are the project's first write client, created with it; the secret
    is known only at creation and is a Pulumi secret.
    """

    _provider_class = ProjectProvider
    _args_class = ProjectArgs
    _output_names = ("organization_id", "client_id", "client_secret")
    _secret_outputs = ("client_secret",)

    name: pulumi.Output[str]
    domain: pulumi.Output[str | None]
    cors: pulumi.Output[list[str]]
    cross_domain: pulumi.Output[bool]
    types: pulumi.Output[list[str]]
    allow_unsafe_revenue_tracking: pulumi.Output[bool]
    organization_id: pulumi.Output[str]
    client_id: pulumi.Output[str | None]
    client_secret: pulumi.Output[str | None]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ProjectArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        name: pulumi.Input[str],
        domain: pulumi.Input[str] | None = None,
        cors: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        cross_domain: pulumi.Input[bool] | None = None,
        types: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        allow_unsafe_revenue_tracking: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(resource_name, *args, **kwargs)
