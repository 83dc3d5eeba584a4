"""The base of the user-facing resource classes (``Project``, ``Client``, ``Reference``) and their ``XxxArgs``."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, TypeVar

import pulumi

from pulumi_openpanel.core.resource import ADOPT, CONNECTION
from pulumi_openpanel.core.schema import Resource
from pulumi_openpanel.dynamic.provider import OpenPanelProvider

R = TypeVar("R", bound="OpenPanelResource")


def call_signature(resource: Resource) -> inspect.Signature:
    """``(resource_name, opts=None, *, <inputs, required first>, adopt=None, connection=None)``: the keyword
    form of a resource's constructor, as the generated overload declares it, without the type noise."""
    positional, keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
    inputs = [
        inspect.Parameter(prop.name, keyword, default=inspect.Parameter.empty if prop.required else None)
        for prop in resource.in_call_order
    ]
    return inspect.Signature([
        inspect.Parameter("resource_name", positional),
        inspect.Parameter("opts", positional, default=None),
        *inputs,
        inspect.Parameter(ADOPT, keyword, default=None),
        inspect.Parameter(CONNECTION, keyword, default=None),
    ])


class ResourceArgs:
    """Base of the ``XxxArgs`` classes: their attributes are the resource's inputs."""

    adopt: Any = None

    def to_props(self) -> dict[str, Any]:
        props = dict(vars(self))
        if props.get(ADOPT) is None:
            props.pop(ADOPT, None)
        return props


class OpenPanelResource(pulumi.dynamic.Resource):
    """Shared constructor logic: ``XxxArgs`` or keyword arguments, secret outputs declared here."""

    _provider_class: ClassVar[type[OpenPanelProvider]]
    _args_class: ClassVar[type[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each resource class the signature of its keyword form, from its schema.

        The constructor that runs takes ``*args, **kwargs`` (both calling styles), which is all ``help()``
        and ``inspect.signature`` could show; IDEs read the generated overloads instead, which only exist
        for type checkers. So the readable form is set once here, on the class's ``__init__``.
        """
        super().__init_subclass__(**kwargs)
        provider = cls.__dict__.get("_provider_class")
        if provider is None:
            return
        signature = call_signature(provider.core.schema)
        bound = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        # On the class's own __init__ (inspect reads the class's from it, less self), not on the class,
        # where help() would list it as one more attribute.
        init = cls.__dict__.get("__init__")
        if init is not None:
            init.__signature__ = signature.replace(parameters=[bound, *signature.parameters.values()])

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        props, opts, connection = self._split_args(args, kwargs)
        self._register(resource_name, props, opts, connection)

    @classmethod
    def get(
        cls: type[R],
        resource_name: str,
        id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
        connection: Any = None,
    ) -> R:
        """Read an existing object by id without managing it: Pulumi never changes or deletes it."""
        resource = cls.__new__(cls)
        resource._read_existing(resource_name, id, opts, connection)
        return resource

    def _register(
        self,
        resource_name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None,
        connection: Any,
    ) -> None:
        declared = self._provider_class.core.schema
        for out in declared.outs:
            props.setdefault(out.name, None)
        if connection is not None:
            props[CONNECTION] = connection.to_input()
        secrets = list(declared.secrets)
        if connection is not None:
            secrets.append(CONNECTION)
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
        super().__init__(self._provider_class(), resource_name, props, merged)

    def _split_args(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], pulumi.ResourceOptions | None, Any]:
        """Accept both calling styles of Pulumi's SDKs: ``(name, XxxArgs(...), opts)`` and
        ``(name, opts, **inputs)``, where ``XxxArgs`` is the class's own ``_args_class``."""
        args_class = self._args_class
        positional = list(args)
        connection = kwargs.pop("connection", None)
        opts = kwargs.pop("opts", None)
        resource_args = None
        if positional and isinstance(positional[0], args_class):
            resource_args = positional.pop(0)
        if positional and (positional[0] is None or isinstance(positional[0], pulumi.ResourceOptions)):
            opts = positional.pop(0)
        if positional:
            raise TypeError(
                f"{type(self).__name__}() takes the resource name, then {args_class.__name__} and/or "
                f"ResourceOptions; got {type(positional[0]).__name__}"
            )
        if resource_args is None:
            resource_args = args_class(**kwargs)
        elif kwargs:
            raise TypeError(
                f"pass either {args_class.__name__} or keyword arguments, not both ({', '.join(kwargs)})"
            )
        props: dict[str, Any] = resource_args.to_props()
        return props, opts, connection

    def _read_existing(
        self,
        resource_name: str,
        object_id: Any,
        opts: pulumi.ResourceOptions | None,
        connection: Any,
    ) -> None:
        """Register a read of an existing object (``Xxx.get``): Pulumi reads it and never changes it."""
        props: dict[str, Any] = {prop.name: None for prop in self._provider_class.core.props}
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
        self._register(resource_name, props, merged, connection)
