"""The ``Client`` resource: an API client (credentials) of an organization or of one project."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel import normalize, reconcile
from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.config import Connection
from pulumi_openpanel.models import CLIENT_TYPES, ClientCreate, ClientUpdate, CreatedClient
from pulumi_openpanel.models import Client as ClientModel
from pulumi_openpanel.provider import OpenPanelProvider, OpenPanelResource, Prop, ResourceArgs


def _optional_project_id(value: Any) -> str | None:
    return None if value is None else normalize.text(value)


def _client_type(value: Any) -> str:
    return "write" if value is None else str(normalize.choices(value, CLIENT_TYPES, many=False))


class ClientProvider(OpenPanelProvider):
    """Only ``name`` can change in place; ``type`` and ``project_id`` replace the client (new secret)."""

    kind = "client"

    props = (
        Prop("name", normalize.text, required=True),
        Prop("project_id", _optional_project_id, replaces=True),
        Prop("type", _client_type, replaces=True),
    )
    carried = ("secret",)
    computed = ("organization_id",)

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        body = ClientCreate(name=inputs["name"], project_id=inputs.get("project_id"), type=inputs["type"])
        created = create_client_reconciled(api, body)
        outs = client_outputs(created.client)
        outs["secret"] = created.secret.get_secret_value()
        return created.client.id, outs

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        return client_outputs(api.get_client(object_id))

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        return client_outputs(api.update_client(object_id, ClientUpdate(**changed)))

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


def client_outputs(client: ClientModel) -> dict[str, Any]:
    return {
        "name": client.name,
        "project_id": client.project_id,
        "type": client.type,
        "organization_id": client.organization_id,
    }


class ClientArgs(ResourceArgs):
    """The inputs of a :class:`Client`. Without ``project_id`` the client is organization-wide."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str],
        project_id: pulumi.Input[str] | None = None,
        type: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        self.adopt = adopt
        self.name = name
        self.project_id = project_id
        self.type = type


class Client(OpenPanelResource, module="openpanel", name="Client"):
    """An OpenPanel API client. ``secret`` is known only at creation and is a Pulumi secret; a client
    read or adopted from elsewhere has no secret in state."""

    _provider_class = ClientProvider
    _args_class = ClientArgs
    _output_names = ("organization_id", "secret")
    _secret_outputs = ("secret",)

    name: pulumi.Output[str]
    project_id: pulumi.Output[str | None]
    type: pulumi.Output[str]
    organization_id: pulumi.Output[str]
    secret: pulumi.Output[str | None]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ClientArgs,
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
        name: pulumi.Input[str],
        project_id: pulumi.Input[str] | None = None,
        type: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(resource_name, *args, **kwargs)
