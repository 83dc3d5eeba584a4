"""Pulumi resources for OpenPanel analytics: projects, API clients and timeline references."""

from pulumi_openpanel._version import __version__
from pulumi_openpanel.client import Client, ClientArgs
from pulumi_openpanel.config import Connection
from pulumi_openpanel.project import Project, ProjectArgs
from pulumi_openpanel.reference import Reference, ReferenceArgs

__all__ = [
    "Client",
    "ClientArgs",
    "Connection",
    "Project",
    "ProjectArgs",
    "Reference",
    "ReferenceArgs",
    "__version__",
]
