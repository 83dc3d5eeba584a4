"""The ``Reference`` resource: a dated marker on a project's timeline (a launch, a campaign)."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel import normalize, reconcile
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.config import Connection
from pulumi_openpanel.models import ReferenceCreate, ReferenceUpdate
from pulumi_openpanel.provider import OpenPanelProvider, OpenPanelResource, ResourceArgs
from pulumi_openpanel.schema import REFERENCE


class ReferenceProvider(OpenPanelProvider):
    """A reference found after an unknown create outcome (same title and instant) is adopted."""

    schema = REFERENCE

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        body = ReferenceCreate(**self.schema.create_body(inputs))
        started = reconcile.now()
        reference = reconcile.create_reconciled(
            lambda: api.create_reference(body),
            lambda: [
                found
                for found in api.list_references(body.project_id)
                if found.title == body.title
                and normalize.iso_datetime(found.date) == body.datetime
                and reconcile.created_since(found.created_at, started)
            ],
            describe=f"reference {body.title!r}",
        )
        return reference.id, self.schema.outputs_of(reference)

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        return self.schema.outputs_of(api.get_reference(object_id))

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return self.schema.outputs_of(api.update_reference(object_id, ReferenceUpdate(**changed)))

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        api.delete_reference(object_id)


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
