"""The ``Project`` resource's logic: an OpenPanel project, whose id is a slug of its name, created with its first
write client and deleted with it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate, CreatedProject, ProjectCreate, ProjectUpdate
from pulumi_openpanel.core import reconcile
from pulumi_openpanel.core.client import create_client_reconciled
from pulumi_openpanel.core.resource import ResourceCore
from pulumi_openpanel.core.schema import PROJECT
from pulumi_openpanel.errors import ApiError, NotFoundError, OpenPanelError, ProjectDeleteError

log = logging.getLogger(__name__)


# The name OpenPanel gives the write client it creates with every project.
FIRST_CLIENT_NAME = "First client"


class ProjectCore(ResourceCore):
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

    def delete(self, api: ManageApi, id_: str, props: Mapping[str, Any]) -> None:
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
