"""The ``Reference`` resource: a dated marker on a project's timeline (a launch, a campaign)."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel import normalize, reconcile
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.config import Connection
from pulumi_openpanel.models import Reference as ReferenceModel
from pulumi_openpanel.models import ReferenceCreate, ReferenceUpdate
from pulumi_openpanel.provider import OpenPanelProvider, OpenPanelResource, Prop, ResourceArgs


class ReferenceProvider(OpenPanelProvider):
    """``project_id`` cannot change (replace); title, description and datetime are patched."""

    kind = "reference"

    props = (
        Prop("project_id", normalize.text, required=True, replaces=True),
        Prop("title", normalize.text, required=True),
        Prop("description", normalize.optional_text),
        Prop("datetime", normalize.iso_datetime, required=True),
    )

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        body = ReferenceCreate(
            project_id=inputs["project_id"],
            title=inputs["title"],
            description=inputs.get("description"),
            datetime=inputs["datetime"],
        )
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
        return reference.id, reference_outputs(reference)

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        return reference_outputs(api.get_reference(object_id))

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return reference_outputs(api.update_reference(object_id, ReferenceUpdate(**changed)))

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        api.delete_reference(object_id)


def reference_outputs(reference: ReferenceModel) -> dict[str, Any]:
    return {
        "project_id": reference.project_id,
        "title": reference.title,
        "description": reference.description or None,
        "datetime": normalize.iso_datetime(reference.date),
    }


class ReferenceArgs(ResourceArgs):
    """The inputs of a :class:`Reference`. ``datetime`` is an ISO 8601 date or date-time."""

    def __init__(
        self,
        *,
        project_id: pulumi.Input[str],
        title: pulumi.Input[str],
        datetime: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        self.adopt = adopt
        self.project_id = project_id
        self.title = title
        self.description = description
        self.datetime = datetime


class Reference(OpenPanelResource, module="openpanel", name="Reference"):
    """A reference on a project's timeline. ``datetime`` is stored as UTC ``YYYY-MM-DDTHH:MM:SS.sssZ``."""

    _provider_class = ReferenceProvider
    _args_class = ReferenceArgs

    project_id: pulumi.Output[str]
    title: pulumi.Output[str]
    description: pulumi.Output[str | None]
    datetime: pulumi.Output[str]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ReferenceArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> None: ...

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
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(resource_name, *args, **kwargs)
