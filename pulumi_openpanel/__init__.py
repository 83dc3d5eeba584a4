"""Pulumi resources for OpenPanel analytics: projects, API clients and timeline references.

Also public: :class:`ManageApi`, the typed client of OpenPanel's Manage API that the resources, the
lookups and the ``pulumi-openpanel`` command use (for scripts that need what the resources do not
cover), and every exception the package raises on purpose, all under :class:`OpenPanelError`.
"""

from pulumi_openpanel._version import __version__
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.client import Client, ClientArgs
from pulumi_openpanel.dynamic.connection import Connection
from pulumi_openpanel.errors import (
    AdoptionError,
    ApiError,
    ApiRootError,
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    InputError,
    MissingCredentialsError,
    NotFoundError,
    OpenPanelError,
    ProjectDeleteError,
    PulumiCommandError,
    RateLimitedError,
    ReconcileError,
    ReferredNotFoundError,
    RunOverError,
    ServerError,
    TransportError,
    ValidationError,
)
from pulumi_openpanel.lookups import (
    get_client,
    get_client_output,
    get_clients,
    get_clients_output,
    get_dashboards,
    get_dashboards_output,
    get_project,
    get_project_output,
    get_projects,
    get_projects_output,
    get_reference,
    get_reference_output,
    get_references,
    get_references_output,
    get_reports,
    get_reports_output,
)
from pulumi_openpanel.project import Project, ProjectArgs
from pulumi_openpanel.reference import Reference, ReferenceArgs

__all__ = [
    "AdoptionError",
    "ApiError",
    "ApiRootError",
    "AuthenticationError",
    "Client",
    "ClientArgs",
    "ConfigurationError",
    "Connection",
    "ForbiddenError",
    "InputError",
    "ManageApi",
    "MissingCredentialsError",
    "NotFoundError",
    "OpenPanelError",
    "Project",
    "ProjectArgs",
    "ProjectDeleteError",
    "PulumiCommandError",
    "RateLimitedError",
    "ReconcileError",
    "Reference",
    "ReferenceArgs",
    "ReferredNotFoundError",
    "RunOverError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "__version__",
    "get_client",
    "get_client_output",
    "get_clients",
    "get_clients_output",
    "get_dashboards",
    "get_dashboards_output",
    "get_project",
    "get_project_output",
    "get_projects",
    "get_projects_output",
    "get_reference",
    "get_reference_output",
    "get_references",
    "get_references_output",
    "get_reports",
    "get_reports_output",
]
