"""What each lookup reads, over a :class:`ManageApi`, whichever door asks: the dynamic door's ``get_*``
functions (:mod:`pulumi_openpanel.lookups`) and the provider plugin's ``openpanel:index:get*`` functions.

The server's own 404 and 403 texts say little ("Project not found"); here they say which object and why it
may not be visible to the credentials in use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import Client, Dashboard, Project, Reference, Report
from pulumi_openpanel.errors import ForbiddenError, NotFoundError

Answer = TypeVar("Answer")


def _explain_not_found(kind: str, object_id: str, call: Callable[[], Answer]) -> Answer:
    try:
        return call()
    except NotFoundError as exc:
        raise NotFoundError(
            exc.method,
            exc.path,
            exc.status,
            f"{kind} {object_id!r} not found: it does not exist, or it belongs to another organization than "
            "the credentials in use",
        ) from None


def _explain_forbidden(project_id: str, call: Callable[[], Answer]) -> Answer:
    """The dashboard routes answer 403, not 404, for a project the credentials cannot see: say which one."""
    try:
        return call()
    except ForbiddenError as exc:
        raise ForbiddenError(
            exc.method,
            exc.path,
            exc.status,
            f"project {project_id!r} is not visible to the credentials in use: it belongs to another "
            "organization, or it does not exist",
            hint="",
        ) from None


def project(api: ManageApi, id: str) -> Project:
    """One project by id (its slug). A soft-deleted project is returned with ``deleted`` True."""
    return _explain_not_found("project", id, lambda: api.get_project(id))


def projects(api: ManageApi) -> list[Project]:
    """Every live project of the organization, newest first (soft-deleted ones are left out)."""
    return api.live_projects()


def client(api: ManageApi, id: str) -> Client:
    """One API client by id. Its secret cannot be read back: OpenPanel keeps only a hash."""
    return _explain_not_found("client", id, lambda: api.get_client(id))


def clients(api: ManageApi, project_id: str | None = None) -> list[Client]:
    """The organization's clients, or one project's."""
    if project_id is None:
        return api.list_clients()
    return _explain_not_found("project", project_id, lambda: api.list_clients(project_id))


def reference(api: ManageApi, id: str) -> Reference:
    """One timeline reference by id; unlike list items it carries ``organization_id``."""
    return _explain_not_found("reference", id, lambda: api.get_reference(id))


def references(api: ManageApi, project_id: str | None = None) -> list[Reference]:
    """The organization's references, or one project's."""
    if project_id is None:
        return api.list_references()
    return _explain_not_found("project", project_id, lambda: api.list_references(project_id))


def dashboards(api: ManageApi, project_id: str) -> list[Dashboard]:
    """A project's dashboards (read only: the Manage API cannot create them).

    A project of another organization raises :class:`ForbiddenError` here rather than NotFoundError,
    because that is what the server answers on these routes.
    """
    return _explain_not_found(
        "project", project_id, lambda: _explain_forbidden(project_id, lambda: api.list_dashboards(project_id))
    )


def reports(api: ManageApi, project_id: str, dashboard_id: str) -> list[Report]:
    """The reports of one dashboard; an unknown dashboard of a visible project gives ``[]``."""
    return _explain_not_found(
        "project",
        project_id,
        lambda: _explain_forbidden(project_id, lambda: api.list_reports(project_id, dashboard_id)),
    )
