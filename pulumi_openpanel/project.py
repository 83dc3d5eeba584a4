"""The ``Project`` resource of the dynamic door: its generated class and ``ProjectArgs``, and
``ProjectProvider``, whose module path and name stacks record in every resource's ``__provider``
input (keep both: tests/fixtures/old_state)."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel.core.project import ProjectCore
from pulumi_openpanel.core.schema import ProjectType
from pulumi_openpanel.dynamic.connection import Connection
from pulumi_openpanel.dynamic.provider import OpenPanelProvider
from pulumi_openpanel.dynamic.resource import OpenPanelResource, ResourceArgs


class ProjectProvider(OpenPanelProvider):
    """The dynamic door to :class:`~pulumi_openpanel.core.project.ProjectCore`."""

    core = ProjectCore()


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
