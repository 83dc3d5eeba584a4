"""The provider plugin's package, as data: its name, the type token of each resource and function, the
provider's configuration and what each lookup takes and gives.

Everything here is derived from the core's declarations (core/schema.py, core/lookups.py, the wire models and
api/settings.py) or written once for the plugin alone (the functions' names and words). The door
(:mod:`pulumi_openpanel.plugin.provider`) serves it; the code generator (``scripts/generate.py``) writes the
Pulumi schema (``provider/schema.json``) from it, from which every language's SDK is generated.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from pulumi_openpanel.api import models
from pulumi_openpanel.api.settings import CREDENTIALS, DEFAULT_API_URL, TUNING
from pulumi_openpanel.core import lookups
from pulumi_openpanel.core.schema import PLUGIN_MODULE, PLUGIN_PACKAGE, PLUGIN_TYPE_PREFIX, RESOURCES, Resource, camel

# The package's name and module, as core/schema.py declares them beside the dynamic door's (what reads a
# stack's resources knows both doors' tokens from there).
NAME = PLUGIN_PACKAGE
MODULE = PLUGIN_MODULE
DISPLAY_NAME = "OpenPanel"
# The Python SDK generated from the schema: the name `pulumi_openpanel` is the dynamic door's.
PYTHON_PACKAGE = "pulumi_openpanel_plugin"
NODE_PACKAGE = "@pulumi-openpanel/openpanel"
REPOSITORY_URL = "https://github.com/pulumi-openpanel/pulumi-openpanel"
GO_IMPORT_BASE = "github.com/pulumi-openpanel/pulumi-openpanel/sdk/go/openpanel"


def token(name: str) -> str:
    """The type token of a resource, type or function of the package: ``openpanel:index:Project``."""
    return PLUGIN_TYPE_PREFIX + name


BY_TOKEN: dict[str, Resource] = {resource.plugin_type: resource for resource in RESOURCES}


@dataclass(frozen=True)
class Setting:
    """One setting of the provider's configuration: the stack config key ``openpanel:<name>`` of the default
    provider, an argument of an explicit one."""

    name: str
    type: Any
    doc: str
    secret: bool = False

    @property
    def key(self) -> str:
        """The stack config key the settings table (api/settings.py) reads it as."""
        return f"{NAME}:{self.name}"


_SETTING_WORDS = {
    "api_url": (str, f"The API root of the OpenPanel server, without `/manage`: `{DEFAULT_API_URL}` (OpenPanel "
                     "Cloud, the default) or a self-hosted server's, such as `https://analytics.example.com/api`."),
    "client_id": (str, "The id (a UUID) of a root client of the organization whose objects the provider manages."),
    "client_secret": (str, "The secret of that root client. Keep it encrypted: "
                           "`pulumi config set --secret openpanel:clientSecret ...`."),
    "request_timeout": (float, "Seconds one request may take, a positive number (default 30)."),
    "max_retries": (int, "Retries after a failed request (5xx, no answer): a whole number, 0 for none (default 4)."),
    "rate_limit": (str, "The provider's pacing, `REQUESTS/SECONDS` (default `20/10`, OpenPanel's limit), or "
                        "`off`."),
    "rate_limit_wait": (float, "Seconds one request may go on being refused with HTTP 429 before it fails, a "
                               "number >= 0 (default 300)."),
}

# Each setting's stack config key, credentials first, in the order of the settings table (api/settings.py).
_KEYS = {**{name: key for name, (_, _, key, _) in CREDENTIALS.items()},
         **{name: key for name, (key, _) in TUNING.items()}}

# Each setting; every one also read from the environment variable the table names, at call time.
PROVIDER_SETTINGS: tuple[Setting, ...] = tuple(
    Setting(key.removeprefix(f"{NAME}:"), *_SETTING_WORDS[name], secret=name == "client_secret")
    for name, key in _KEYS.items()
)


@dataclass(frozen=True)
class Arg:
    """One argument of a lookup: declared snake_case, as the core's function takes it."""

    name: str
    doc: str
    required: bool = True


@dataclass(frozen=True)
class Function:
    """A lookup served as ``openpanel:index:<name>``: ``call`` is the core's, ``result`` the wire model of
    what it answers; ``many`` names the list the result comes in (``projects``), None for one object."""

    name: str
    doc: str
    args: tuple[Arg, ...]
    call: Callable[..., Any]
    result: type[BaseModel]
    many: str | None = None

    @property
    def token(self) -> str:
        return token(self.name)


_PROJECT_ID = Arg("project_id", "The id of a project.")
_SOME_PROJECT = Arg("project_id", "A project's id, to list only its objects; omit for the whole organization's.",
                    required=False)

FUNCTIONS: tuple[Function, ...] = (
    Function("getProject", "One project by id (its slug). A soft-deleted project is returned with `deleted` true.",
             (Arg("id", "The project's id."),), lookups.project, models.Project),
    Function("getProjects", "Every live project of the organization, newest first (soft-deleted ones are left out).",
             (), lookups.projects, models.Project, many="projects"),
    Function("getClient", "One API client by id. Its secret cannot be read back: OpenPanel keeps only a hash.",
             (Arg("id", "The client's id."),), lookups.client, models.Client),
    Function("getClients", "The organization's API clients, or one project's.", (_SOME_PROJECT,), lookups.clients,
             models.Client, many="clients"),
    Function("getReference", "One timeline reference by id.", (Arg("id", "The reference's id."),),
             lookups.reference, models.Reference),
    Function("getReferences", "The organization's timeline references, or one project's.", (_SOME_PROJECT,),
             lookups.references, models.Reference, many="references"),
    Function("getDashboards", "A project's dashboards (read only: the Manage API cannot create them).",
             (_PROJECT_ID,), lookups.dashboards, models.Dashboard, many="dashboards"),
    Function("getReports", "The reports of one of a project's dashboards.",
             (_PROJECT_ID, Arg("dashboard_id", "The id of the dashboard.")), lookups.reports, models.Report,
             many="reports"),
)

BY_FUNCTION_TOKEN: dict[str, Function] = {function.token: function for function in FUNCTIONS}


# -- what a lookup's answer holds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a lookup's result: its schema name (camelCase), its type, whether it is always set."""

    name: str
    type: Any
    required: bool
    attribute: str


def result_fields(model: type[BaseModel]) -> tuple[Field, ...]:
    """The fields of a wire model as a lookup gives them: every declared field, plus ``deleted`` of a project."""
    fields = [
        Field(camel(name), _unoptional(info.annotation), info.is_required() or not _is_optional(info.annotation), name)
        for name, info in model.model_fields.items()
    ]
    if model is models.Project:
        fields.append(Field("deleted", bool, True, "deleted"))
    return tuple(fields)


def result_value(model: BaseModel) -> dict[str, Any]:
    """A lookup's answer as the function returns it: camelCase fields of :func:`result_fields`."""
    return {field.name: getattr(model, field.attribute) for field in result_fields(type(model))}


def _is_optional(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation) and (
        typing.get_origin(annotation) in (typing.Union, types.UnionType))


def _unoptional(annotation: Any) -> Any:
    if _is_optional(annotation):
        return next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation
