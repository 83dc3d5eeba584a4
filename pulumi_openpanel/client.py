"""The ``Client`` resource of the dynamic door: its generated class and ``ClientArgs``, and
``ClientProvider``, whose module path and name stacks record in every resource's ``__provider``
input (keep both: tests/fixtures/old_state)."""

from __future__ import annotations

from typing import Any, overload

import pulumi

from pulumi_openpanel.core.client import ClientCore
from pulumi_openpanel.core.schema import ClientType
from pulumi_openpanel.dynamic.connection import Connection
from pulumi_openpanel.dynamic.provider import OpenPanelProvider
from pulumi_openpanel.dynamic.resource import OpenPanelResource, ResourceArgs


class ClientProvider(OpenPanelProvider):
    """The dynamic door to :class:`~pulumi_openpanel.core.client.ClientCore`."""

    core = ClientCore()


# BEGIN GENERATED client-classes: from schema.CLIENT by scripts/generate.py; do not edit
class ClientArgs(ResourceArgs):
    """The inputs of a :class:`Client`, for passing them as one object."""

    def __init__(
        self,
        *,
        name: pulumi.Input[str],
        project_id: pulumi.Input[str] | None = None,
        type: pulumi.Input[ClientType] | None = None,
        adopt: pulumi.Input[str] | None = None,
    ) -> None:
        """The inputs of a client.

        :param name: Required, not empty. Changing it updates the client in place.
        :param project_id: A project id; omit for an organization-wide client. Changing it replaces the client: the
            API cannot change it in place.
        :param type: `read`, `write` or `root`. Default: `"write"`. Changing it replaces the client: the API cannot
            change it in place.
        :param adopt: The id of an existing client to bring under management instead of creating one (docs: Import
            and adopt); only read at creation.
        """
        self.name = name
        self.project_id = project_id
        self.type = type
        self.adopt = adopt


class Client(OpenPanelResource, module="openpanel", name="Client"):
    """An OpenPanel API client. ``secret`` is known only at creation and is a Pulumi secret; a client read or
    adopted from elsewhere has no secret in state.

    Inputs: ``name`` (required), ``project_id``, ``type``, each described with the constructor below; they may also
    come as one ``ClientArgs``. Changing ``project_id`` or ``type`` replaces the client: a new one is created, then
    the old one deleted. Any other input is updated in place.

    Outputs: ``id`` and every input as OpenPanel stores it, plus:

    - ``organization_id``: The id of the organization the client belongs to, set by OpenPanel.
    - ``secret``: The client's secret: a Pulumi secret, known only at creation (a replaced client gets a new one;
      OpenPanel never shows it again).
    """

    _provider_class = ClientProvider
    _args_class = ClientArgs

    name: pulumi.Output[str]
    """Required, not empty. Changing it updates the client in place."""
    project_id: pulumi.Output[str | None]
    """A project id; omit for an organization-wide client. Changing it replaces the client: the API cannot change it
    in place.
    """
    type: pulumi.Output[ClientType]
    """`read`, `write` or `root`. Default: `"write"`. Changing it replaces the client: the API cannot change it in
    place.
    """
    organization_id: pulumi.Output[str]
    """The id of the organization the client belongs to, set by OpenPanel. Output only."""
    secret: pulumi.Output[str | None]
    """The client's secret: a Pulumi secret, known only at creation (a replaced client gets a new one; OpenPanel
    never shows it again). Output only.
    """

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ClientArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> None:
        """Declare a client whose inputs are in a :class:`ClientArgs`.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param args: The client's inputs.
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
        project_id: pulumi.Input[str] | None = None,
        type: pulumi.Input[ClientType] | None = None,
        adopt: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> None:
        """Declare a client.

        :param resource_name: The name of the resource in the Pulumi program, unique in the stack.
        :param opts: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        :param name: Required, not empty. Changing it updates the client in place.
        :param project_id: A project id; omit for an organization-wide client. Changing it replaces the client: the
            API cannot change it in place.
        :param type: `read`, `write` or `root`. Default: `"write"`. Changing it replaces the client: the API cannot
            change it in place.
        :param adopt: The id of an existing client to bring under management instead of creating one (docs: Import
            and adopt); only read at creation.
        :param connection: Credentials of another organization than the stack's; see `Connection`.
        """

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Declare a client: keyword arguments as below, or ``Client(resource_name, ClientArgs(...), opts)`` with
        the same inputs in a ``ClientArgs``.

        - ``resource_name``: The name of the resource in the Pulumi program, unique in the stack.
        - ``opts``: Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...
        - ``name``: Required, not empty. Changing it updates the client in place.
        - ``project_id``: A project id; omit for an organization-wide client. Changing it replaces the client: the
          API cannot change it in place.
        - ``type``: `read`, `write` or `root`. Default: `"write"`. Changing it replaces the client: the API cannot
          change it in place.
        - ``adopt``: The id of an existing client to bring under management instead of creating one (docs: Import
          and adopt); only read at creation.
        - ``connection``: Credentials of another organization than the stack's; see `Connection`.
        """
        super().__init__(resource_name, *args, **kwargs)
# END GENERATED client-classes
