"""Lookup functions for programs: read what exists in OpenPanel without managing it.

Each comes in the two shapes of Pulumi's generated SDKs: ``get_xxx(...)`` takes plain values and answers
at once; ``get_xxx_output(...)`` takes Inputs (say, a project's id) and returns an Output. Credentials are
resolved like the resources': ``connection=``, then stack config, then environment. Results are the
package's wire models: typed, and without the client secret hash the server sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pulumi
import pulumi.runtime.config as runtime_config

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.models import Client, Dashboard, Project, Reference, Report
from pulumi_openpanel.api.settings import SETTINGS_KEYS
from pulumi_openpanel.core import lookups as read
from pulumi_openpanel.dynamic.connection import Connection

T = TypeVar("T")


def _api(connection: Connection | None) -> ManageApi:
    plain = connection.values() if connection is not None else {}
    for key, value in plain.items():
        if isinstance(value, pulumi.Output):
            raise TypeError(
                f"get_* lookups take plain values; connection.{key} is an Output: "
                "use the get_*_output form of the lookup instead"
            )
    return manage_api(plain, {key: runtime_config.get_config(key) for key in SETTINGS_KEYS})


def get_project(id: str, connection: Connection | None = None) -> Project:
    """One project by id (its slug). A soft-deleted project is returned with ``deleted`` True."""
    return read.project(_api(connection), id)


def get_projects(connection: Connection | None = None) -> list[Project]:
    """Every live project of the organization, newest first (soft-deleted ones are left out)."""
    return read.projects(_api(connection))


def get_client(id: str, connection: Connection | None = None) -> Client:
    """One API client by id. Its secret cannot be read back: OpenPanel keeps only a hash."""
    return read.client(_api(connection), id)


def get_clients(project_id: str | None = None, connection: Connection | None = None) -> list[Client]:
    """The organization's clients, or one project's."""
    return read.clients(_api(connection), project_id)


def get_reference(id: str, connection: Connection | None = None) -> Reference:
    """One timeline reference by id; unlike list items it carries ``organization_id``."""
    return read.reference(_api(connection), id)


def get_references(project_id: str | None = None, connection: Connection | None = None) -> list[Reference]:
    """The organization's references, or one project's."""
    return read.references(_api(connection), project_id)


def get_dashboards(project_id: str, connection: Connection | None = None) -> list[Dashboard]:
    """A project's dashboards (read only: the Manage API cannot create them).

    A project of another organization raises :class:`ForbiddenError` here rather than NotFoundError,
    because that is what the server answers on these routes.
    """
    return read.dashboards(_api(connection), project_id)


def get_reports(project_id: str, dashboard_id: str, connection: Connection | None = None) -> list[Report]:
    """The reports of one dashboard; an unknown dashboard of a visible project gives ``[]``."""
    return read.reports(_api(connection), project_id, dashboard_id)


# -- Output forms ----------------------------------------------------------------------------------


def _lift(function: Callable[..., T], connection: Connection | None, *inputs: Any) -> pulumi.Output[T]:
    """Wait for the inputs (and the connection's), then call the plain form with their values."""
    parts = [] if connection is None else [connection.api_url, connection.client_id, connection.client_secret]

    def call(values: list[Any]) -> T:
        plain = None
        if connection is not None:
            api_url, client_id, client_secret = values[len(inputs) :]
            plain = Connection(api_url=api_url, client_id=client_id, client_secret=client_secret)
        return function(*values[: len(inputs)], connection=plain)

    return pulumi.Output.all(*inputs, *parts).apply(call)


def get_project_output(id: pulumi.Input[str], connection: Connection | None = None) -> pulumi.Output[Project]:
    return _lift(get_project, connection, id)


def get_projects_output(connection: Connection | None = None) -> pulumi.Output[list[Project]]:
    return _lift(get_projects, connection)


def get_client_output(id: pulumi.Input[str], connection: Connection | None = None) -> pulumi.Output[Client]:
    return _lift(get_client, connection, id)


def get_clients_output(
    project_id: pulumi.Input[str | None] = None, connection: Connection | None = None
) -> pulumi.Output[list[Client]]:
    return _lift(get_clients, connection, project_id)


def get_reference_output(
    id: pulumi.Input[str], connection: Connection | None = None
) -> pulumi.Output[Reference]:
    return _lift(get_reference, connection, id)


def get_references_output(
    project_id: pulumi.Input[str | None] = None, connection: Connection | None = None
) -> pulumi.Output[list[Reference]]:
    return _lift(get_references, connection, project_id)


def get_dashboards_output(
    project_id: pulumi.Input[str], connection: Connection | None = None
) -> pulumi.Output[list[Dashboard]]:
    return _lift(get_dashboards, connection, project_id)


def get_reports_output(
    project_id: pulumi.Input[str], dashboard_id: pulumi.Input[str], connection: Connection | None = None
) -> pulumi.Output[list[Report]]:
    return _lift(get_reports, connection, project_id, dashboard_id)
