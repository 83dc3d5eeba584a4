"""The ``Project`` resource: an OpenPanel project, whose id is a slug of its name."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any, overload

import pulumi

from pulumi_openpanel import reconcile
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.client import create_client_reconciled
from pulumi_openpanel.config import Connection
from pulumi_openpanel.errors import ApiError, NotFoundError, OpenPanelError, ProjectDeleteError
from pulumi_openpanel.models import ClientCreate, CreatedProject, ProjectCreate, ProjectUpdate
from pulumi_openpanel.provider import OpenPanelProvider, OpenPanelResource, ResourceArgs
from pulumi_openpanel.schema import PROJECT, ProjectType

log = logging.getLogger("pulumi_openpanel.project")

# The name OpenPanel gives the write client it creates with every project.
FIRST_CLIENT_NAME = "First client"


class ProjectProvider(OpenPanelProvider):
    """Creates a project with its first write client, and deletes that client with it (see :meth:`delete`)."""

    schema = PROJECT

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs["name"]
        started = reconcile.now()
        body = ProjectCreate(**self.schema.create_body(inputs))
        outcome = reconcile.create_reconciled(
            lambda: api.create_project(body),
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
            late = self.schema.after_create(inputs)
            if late:
                # What the API ignores at creation (allow_unsafe_revenue_tracking) a follow-up PATCH sets.
                project = api.update_project(project.id, ProjectUpdate(**late))
        except OpenPanelError:
            with contextlib.suppress(ApiError):
                api.delete_project(project.id)
            raise
        outs = self.schema.outputs_of(project)
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
        return self.schema.outputs_of(live[0]) if live else None

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return self.schema.outputs_of(api.update_project(object_id, ProjectUpdate(**changed)))

    def delete_with(self, api: ManageApi, id_: str, props: dict[str, Any]) -> None:
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


# BEGIN GENERATED project-classes: from schema.PROJECT by scripts/generate.py; do not edit
class ProjectArgs(ResourceArgs):
    """The inputs of a :class:`Project`, for passing them as one object."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str],
        domain: pulumi.Input[str] | None = None,
        cors: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        cross_domain: pulumi.Input[bool] | None = None,
        types: pulumi.Input[list[pulumi.Input[ProjectType]]] | None = None,
        allow_unsafe_revenue_tracking: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        """The inputs of a project.

        :param name: Required, not empty; refused only when its slug is empty. OpenPanel derives the id from the
            name: it keeps A-Z and 0-9, spells out accented Latin, Greek, Cyrillic and other letters and some
            symbols, and drops the rest, so `Проект` gives `proekt`, `€` `euro`, `R&D` `randd`, `web_app` `webapp`,
            while `🚀!!` and `日本語` would get an empty, unreachable id and are refused. Changing it updates the
            project in place.
        :param domain: An absolute `http(s)://` URL; trailing slashes dropped; `""` means none. Changing it updates
            the project in place.
        :param cors: List of origins: `*`, `*.example.com`, `example.org`, `https://x.example.com`; no empty
            entries. Changing it updates the project in place.
        :param cross_domain: Bool, OpenPanel's *cross domain* setting. Default: `False`. Changing it updates the
            project in place.
        :param types: Subset of `website`, `app` or `backend`. Changing it replaces the project: the API cannot
            change it in place.
        :param allow_unsafe_revenue_tracking: Bool, OpenPanel's *allow unsafe revenue tracking* setting; the API
            ignores it at creation, so the provider sets it with a follow-up request (and deletes the project again
            if that fails). Default: `False`. Changing it updates the project in place.
        :param adopt: The id of an existing project to bring under management instead of creating one (docs: Import
            and adopt); only read at creation.
        """
        self.name = name
        self.domain = domain
        self.cors = cors
        self.cross_domain = cross_domain
        self.types = types
        self.allow_unsafe_revenue_tracking = allow_unsafe_revenue_tracking
        self.adopt = adopt


class Project(OpenPanelResource, module="openpanel", name="Project"):
    """An OpenPanel project. Its id is the slug OpenPanel derives from the name (``web``, ``web-4821``).

    ``client_id`` and ``client_secret`` are the project's first write client, created with it; the secret is known
    only at creation and is a Pulumi secret.

    Inputs: ``name`` (required), ``domain``, ``cors``, ``cross_domain``, ``types``,
    ``allow_unsafe_revenue_tracking``, each described with the constructor below; they may also come as one
    ``ProjectArgs``. Changing ``types`` replaces the project: a new one is created, then the old one deleted. Any
    other input is updated in place.

    Outputs: ``id`` and every input as OpenPanel stores it, plus:

    - ``organization_id``: The id of the organization the project belongs to, set by OpenPanel.
    - ``client_id``: The id of the project's first write client, which OpenPanel creates with it (none for an
      adopted project); destroying the project deletes that client too.
    - ``client_secret``: The secret of that write client: a Pulumi secret, known only at creation.
    """

    _provider_class = ProjectProvider
    _args_class = ProjectArgs

    name: pulumi.Output[str]
    """Required, not empty; refused only when its slug is empty. OpenPanel derives the id from the name: it keeps
    A-Z and 0-9, spells out accented Latin, Greek, Cyrillic and other letters and some symbols, and drops the rest,
    so `Проект` gives `proekt`, `€` `euro`, `R&D` `randd`, `web_app` `webapp`, while `🚀!!` and `日本語` would get an
    empty, unreachable id and are refused. Changing it updates the project in place.
    """
    domain: pulumi.Output[str | None]
    """An absolute `http(s)://` URL; trailing slashes dropped; `""` means none. Changing it updates the project in
    place.
    """
    cors: pulumi.Output[list[str]]
    """List of origins: `*`, `*.example.com`, `example.org`, `https://x.example.com`; no empty entries. Changing it
    updates the project in place.
    """
    cross_domain: pulumi.Output[bool]
    """Bool, OpenPanel's *cross domain* setting. Default: `False`. Changing it updates the project in place."""
    types: pulumi.Output[list[ProjectType]]
    """Subset of `website`, `app` or `backend`. Changing it replaces the project: the API cannot change it in place.
    """
    allow_unsafe_revenue_tracking: pulumi.Output[bool]
    """Bool, OpenPanel's *allow unsafe revenue tracking* setting; the API ignores it at creation, so the provider
    sets it with a follow-up request (and deletes the project again if that fails). Default: `False`. Changing it
    updates the project in place.
    """
    organization_id: pulumi.Output[str]
    """The id of the organization the project belongs to, set by OpenPanel. Output only."""
    client_id: pulumi.Output[str | None]
    """The id of the project's first write client, which OpenPanel creates with it (none for an adopted project);
    destroying the project deletes that client too. Output only.
    """
    client_secret: pulumi.Output[str | None]
    """The secret of that write client: a Pulumi secret, known only at creation. Output only."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ProjectArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> None:
        """Declare a project whose inputs are in a :class:`ProjectArgs`.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param args: The project's inputs.
        :param opts: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        :param connection: Credentials of another organization than the stack's; see `Connection`.
        """

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
        types: pulumi.Input[list[pulumi.Input[ProjectType]]] | None = None,
        allow_unsafe_revenue_tracking: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> None:
        """Declare a project.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param opts: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        :param name: Required, not empty; refused only when its slug is empty. OpenPanel derives the id from the
            name: it keeps A-Z and 0-9, spells out accented Latin, Greek, Cyrillic and other letters and some
            symbols, and drops the rest, so `Проект` gives `proekt`, `€` `euro`, `R&D` `randd`, `web_app` `webapp`,
            while `🚀!!` and `日本語` would get an empty, unreachable id and are refused. Changing it updates the
            project in place.
        :param domain: An absolute `http(s)://` URL; trailing slashes dropped; `""` means none. Changing it updates
            the project in place.
        :param cors: List of origins: `*`, `*.example.com`, `example.org`, `https://x.example.com`; no empty
            entries. Changing it updates the project in place.
        :param cross_domain: Bool, OpenPanel's *cross domain* setting. Default: `False`. Changing it updates the
            project in place.
        :param types: Subset of `website`, `app` or `backend`. Changing it replaces the project: the API cannot
            change it in place.
        :param allow_unsafe_revenue_tracking: Bool, OpenPanel's *allow unsafe revenue tracking* setting; the API
            ignores it at creation, so the provider sets it with a follow-up request (and deletes the project again
            if that fails). Default: `False`. Changing it updates the project in place.
        :param adopt: The id of an existing project to bring under management instead of creating one (docs: Import
            and adopt); only read at creation.
        :param connection: Credentials of another organization than the stack's; see `Connection`.
        """

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Declare a project: keyword arguments as below, or ``Project(resource_name, ProjectArgs(...), opts)`` with
        the same inputs in a ``ProjectArgs``.

        - ``resource_name``: The name of the resource in the Pulumi program, unique in the stack.
        - ``opts``: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        - ``name``: Required, not empty; refused only when its slug is empty. OpenPanel derives the id from the
          name: it keeps A-Z and 0-9, spells out accented Latin, Greek, Cyrillic and other letters and some symbols,
          and drops the rest, so `Проект` gives `proekt`, `€` `euro`, `R&D` `randd`, `web_app` `webapp`, while `🚀!!`
          and `日本語` would get an empty, unreachable id and are refused. Changing it updates the project in place.
        - ``domain``: An absolute `http(s)://` URL; trailing slashes dropped; `""` means none. Changing it updates
          the project in place.
        - ``cors``: List of origins: `*`, `*.example.com`, `example.org`, `https://x.example.com`; no empty entries.
          Changing it updates the project in place.
        - ``cross_domain``: Bool, OpenPanel's *cross domain* setting. Default: `False`. Changing it updates the
          project in place.
        - ``types``: Subset of `website`, `app` or `backend`. Changing it replaces the project: the API cannot
          change it in place.
        - ``allow_unsafe_revenue_tracking``: Bool, OpenPanel's *allow unsafe revenue tracking* setting; the API
          ignores it at creation, so the provider sets it with a follow-up request (and deletes the project again if
          that fails). Default: `False`. Changing it updates the project in place.
        - ``adopt``: The id of an existing project to bring under management instead of creating one (docs: Import
          and adopt); only read at creation.
        - ``connection``: Credentials of another organization than the stack's; see `Connection`.
        """
        super().__init__(resource_name, *args, **kwargs)
# END GENERATED project-classes
