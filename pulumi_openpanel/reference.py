"""The ``Reference`` resource of the dynamic door: its generated class and ``ReferenceArgs``, and
``ReferenceProvider``, whose module path and name stacks record in every resource's ``__provider``
input (keep both: tests/fixtures/old_state)."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel.core.reference import ReferenceCore
from pulumi_openpanel.dynamic.connection import Connection
from pulumi_openpanel.dynamic.provider import OpenPanelProvider
from pulumi_openpanel.dynamic.resource import OpenPanelResource, ResourceArgs


class ReferenceProvider(OpenPanelProvider):
    """The dynamic door to :class:`~pulumi_openpanel.core.reference.ReferenceCore`."""

    core = ReferenceCore()


# BEGIN GENERATED reference-classes: from schema.REFERENCE by scripts/generate.py; do not edit
class ReferenceArgs(ResourceArgs):
    """The inputs of a :class:`Reference`, for passing them as one object."""

    def __init__(
        self,
        *,
        project_id: pulumi.Input[str],
        title: pulumi.Input[str],
        datetime: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        """The inputs of a reference.

        :param project_id: Required, the id of the project whose timeline it marks. Changing it replaces the
            reference: the API cannot change it in place.
        :param title: Required, not empty. Changing it updates the reference in place.
        :param datetime: Required, ISO 8601 date (`2026-12-01`, midnight UTC) or date-time, with or without offset
            (none means UTC); stored and output as UTC `2026-12-01T10:00:00.000Z`. Changing it updates the reference
            in place.
        :param description: Text; `""` and none are the same. Changing it updates the reference in place.
        :param adopt: The id of an existing reference to bring under management instead of creating one (docs:
            Import and adopt); only read at creation.
        """
        self.project_id = project_id
        self.title = title
        self.datetime = datetime
        self.description = description
        self.adopt = adopt


class Reference(OpenPanelResource, module="openpanel", name="Reference"):
    """A reference on a project's timeline. ``datetime`` is stored as UTC ``YYYY-MM-DDTHH:MM:SS.sssZ``.

    Inputs: ``project_id`` (required), ``title`` (required), ``datetime`` (required), ``description``, each
    described with the constructor below; they may also come as one ``ReferenceArgs``. Changing ``project_id``
    replaces the reference: a new one is created, then the old one deleted. Any other input is updated in place.

    Outputs: ``id`` and every input as OpenPanel stores it.
    """

    _provider_class = ReferenceProvider
    _args_class = ReferenceArgs

    project_id: pulumi.Output[str]
    """Required, the id of the project whose timeline it marks. Changing it replaces the reference: the API cannot
    change it in place.
    """
    title: pulumi.Output[str]
    """Required, not empty. Changing it updates the reference in place."""
    description: pulumi.Output[str | None]
    """Text; `""` and none are the same. Changing it updates the reference in place."""
    datetime: pulumi.Output[str]
    """Required, ISO 8601 date (`2026-12-01`, midnight UTC) or date-time, with or without offset (none means UTC);
    stored and output as UTC `2026-12-01T10:00:00.000Z`. Changing it updates the reference in place.
    """

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ReferenceArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> None:
        """Declare a reference whose inputs are in a :class:`ReferenceArgs`.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param args: The reference's inputs.
        :param opts: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        :param connection: Credentials of another organization than the stack's; see `Connection`.
        """

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        project_id: pulumi.Input[str],
        title: pulumi.Input[str],
        datetime: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> None:
        """Declare a reference.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param opts: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        :param project_id: Required, the id of the project whose timeline it marks. Changing it replaces the
            reference: the API cannot change it in place.
        :param title: Required, not empty. Changing it updates the reference in place.
        :param datetime: Required, ISO 8601 date (`2026-12-01`, midnight UTC) or date-time, with or without offset
            (none means UTC); stored and output as UTC `2026-12-01T10:00:00.000Z`. Changing it updates the reference
            in place.
        :param description: Text; `""` and none are the same. Changing it updates the reference in place.
        :param adopt: The id of an existing reference to bring under management instead of creating one (docs:
            Import and adopt); only read at creation.
        :param connection: Credentials of another organization than the stack's; see `Connection`.
        """

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Declare a reference: keyword arguments as below, or ``Reference(resource_name, ReferenceArgs(...),
        opts)`` with the same inputs in a ``ReferenceArgs``.

        - ``resource_name``: The name of the resource in the Pulumi program, unique in the stack.
        - ``opts``: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        - ``project_id``: Required, the id of the project whose timeline it marks. Changing it replaces the
          reference: the API cannot change it in place.
        - ``title``: Required, not empty. Changing it updates the reference in place.
        - ``datetime``: Required, ISO 8601 date (`2026-12-01`, midnight UTC) or date-time, with or without offset
          (none means UTC); stored and output as UTC `2026-12-01T10:00:00.000Z`. Changing it updates the reference
          in place.
        - ``description``: Text; `""` and none are the same. Changing it updates the reference in place.
        - ``adopt``: The id of an existing reference to bring under management instead of creating one (docs: Import
          and adopt); only read at creation.
        - ``connection``: Credentials of another organization than the stack's; see `Connection`.
        """
        super().__init__(resource_name, *args, **kwargs)
# END GENERATED reference-classes
