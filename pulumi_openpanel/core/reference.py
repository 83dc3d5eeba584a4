"""The ``Reference`` resource's logic: a timeline reference (a dated note) of a project."""

from __future__ import annotations

from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ReferenceCreate, ReferenceUpdate
from pulumi_openpanel.core import normalize, reconcile
from pulumi_openpanel.core.resource import ResourceCore
from pulumi_openpanel.core.schema import REFERENCE


class ReferenceCore(ResourceCore):
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
