"""The ``Client`` resource's logic: an API client (credentials) of an organization or of one project."""

from __future__ import annotations

from typing import Any

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate, ClientUpdate, CreatedClient
from pulumi_openpanel.core import reconcile
from pulumi_openpanel.core.resource import ResourceCore
from pulumi_openpanel.core.schema import CLIENT


class ClientCore(ResourceCore):
    """A client's secret exists only in its create answer, so a lost one means a new client."""

    schema = CLIENT

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        created = create_client_reconciled(api, ClientCreate(**self.schema.create_body(inputs)))
        outs = self.schema.outputs_of(created.client)
        outs["secret"] = created.secret.get_secret_value()
        return created.client.id, outs

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        return self.schema.outputs_of(api.get_client(object_id))

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return self.schema.outputs_of(api.update_client(object_id, ClientUpdate(**changed)))

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        api.delete_client(object_id)


def create_client_reconciled(api: ManageApi, body: ClientCreate) -> CreatedClient:
    """Create a client without duplicates. A client found after an unknown outcome is deleted and created
    again: its secret was only in the lost answer."""
    started = reconcile.now()
    created = reconcile.create_reconciled(
        lambda: api.create_client(body),
        lambda: [
            client
            for client in api.list_clients(body.project_id)
            if (client.name, client.project_id, client.type) == (body.name, body.project_id, body.type)
            and reconcile.created_since(client.created_at, started)
        ],
        describe=f"client {body.name!r}",
        discard=lambda client: api.delete_client(client.id),
    )
    assert isinstance(created, CreatedClient)  # found clients are discarded, never returned
    return created
