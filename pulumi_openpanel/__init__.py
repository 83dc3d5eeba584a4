"""Pulumi resources for OpenPanel analytics: projects, API clients and timeline references.

Also public: :class:`ManageApi`, the typed client of OpenPanel's Manage API that the resources, the
lookups and the ``pulumi-openpanel`` command use (for scripts that need what the resources do not
cover), and every exception the package raises on purpose, all under :class:`OpenPanelError`.

The names are loaded on first use (PEP 562): importing a submodule, such as :mod:`pulumi_openpanel.cli` for
``pulumi-openpanel --help``, runs this file but does not pay for Pulumi's SDK and gRPC until a resource,
a lookup or the client is asked for. Type checkers and editors read the imports below as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pulumi_openpanel._version import __version__

if TYPE_CHECKING:
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

# Where each public name is defined; a name is imported from there when first asked for.
_HOMES: dict[str, tuple[str, ...]] = {
    "pulumi_openpanel.api.client": ("ManageApi",),
    "pulumi_openpanel.client": ("Client", "ClientArgs"),
    "pulumi_openpanel.dynamic.connection": ("Connection",),
    "pulumi_openpanel.errors": (
        "AdoptionError", "ApiError", "ApiRootError", "AuthenticationError", "ConfigurationError", "ForbiddenError",
        "InputError", "MissingCredentialsError", "NotFoundError", "OpenPanelError", "ProjectDeleteError",
        "PulumiCommandError", "RateLimitedError", "ReconcileError", "ReferredNotFoundError", "RunOverError",
        "ServerError", "TransportError", "ValidationError",
    ),
    "pulumi_openpanel.lookups": (
        "get_client", "get_client_output", "get_clients", "get_clients_output", "get_dashboards",
        "get_dashboards_output", "get_project", "get_project_output", "get_projects", "get_projects_output",
        "get_reference", "get_reference_output", "get_references", "get_references_output", "get_reports",
        "get_reports_output",
    ),
    "pulumi_openpanel.project": ("Project", "ProjectArgs"),
    "pulumi_openpanel.reference": ("Reference", "ReferenceArgs"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
