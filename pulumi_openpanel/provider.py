"""What the three resource providers share: offline check and diff over the resource's declared fields
(schema.py), credential resolution at call time, and the CRUD skeleton that keeps once-only secrets and the
connection in state.

A provider instance is pickled into every resource's ``__provider`` input by reference to its class, so
it must hold nothing but what ``configure`` sets inside the plugin process; its module path and class
name are part of the state format.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.config import CONNECTION_KEYS, SETTINGS_KEYS, explain_recorded, manage_api, normalize_api_url
from pulumi_openpanel.errors import (
    AdoptionError,
    ConfigurationError,
    InputError,
    NotFoundError,
    OpenPanelError,
    ReferredNotFoundError,
)
from pulumi_openpanel.normalize import is_unknown
from pulumi_openpanel.plugin_errors import install as _message_first_in_the_plugin
from pulumi_openpanel.schema import Prop, Resource, kind_of
from pulumi_openpanel.watchdog import start_in_plugin as _end_with_the_engine

R = TypeVar("R", bound="OpenPanelResource")

# Loaded by the dynamic-provider plugin to unpickle a provider: from then on, our errors reach the user as
# their message rather than a traceback (plugin_errors.py says why), and the plugin ends itself once its
# engine is gone (watchdog.py says why). Both do nothing in any other process.
_message_first_in_the_plugin()
_end_with_the_engine()

CONNECTION = "connection"
# The id of an existing object to bring under management instead of creating one (see README: adoption).
ADOPT = "adopt"
PROVIDER_KEY = "__provider"


class OpenPanelProvider(ResourceProvider):
    """Base of the Project, Client and Reference providers."""

    serialize_as_secret_always = False

    # The resource's declared fields; a subclass sets it, and the tables below follow from it.
    schema: ClassVar[Resource]
    props: ClassVar[tuple[Prop, ...]] = ()
    # Outputs only Create can know (once-only secrets): carried from the old state on read and update.
    carried: ClassVar[tuple[str, ...]] = ()
    # Outputs the server computes, carried unchanged through an update that sends nothing.
    computed: ClassVar[tuple[str, ...]] = ()
    kind: ClassVar[str] = "object"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "schema" in cls.__dict__:
            cls.props, cls.carried, cls.computed = cls.schema.props, cls.schema.carried, cls.schema.computed
            cls.kind = cls.schema.kind

    def configure(self, req: ConfigureRequest) -> None:
        self._stack_config = {key: req.config.get(key) for key in SETTINGS_KEYS}

    # -- offline ----------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs: dict[str, Any] = {}
        failures: list[CheckFailure] = []
        known = {prop.name for prop in self.props} | {CONNECTION, ADOPT, PROVIDER_KEY}
        for key in sorted(set(news) - known):
            failures.append(CheckFailure(key, f"{key} is not a property of this resource"))
        for prop in self.props:
            value = news.get(prop.name)
            if is_unknown(value):
                inputs[prop.name] = value
            elif value is None and prop.required:
                failures.append(CheckFailure(prop.name, f"{prop.name} is required"))
            else:
                try:
                    inputs[prop.name] = prop.normalize(value)
                except InputError as exc:
                    failures.append(CheckFailure(prop.name, f"{prop.name} {exc}"))
        adopt = news.get(ADOPT)
        if is_unknown(adopt) or (isinstance(adopt, str) and adopt.strip()):
            inputs[ADOPT] = adopt.strip() if isinstance(adopt, str) else adopt
        elif adopt is not None:
            failures.append(CheckFailure(ADOPT, f"{ADOPT} must be the id of an existing {self.kind}"))
        connection = news.get(CONNECTION)
        if connection:
            try:
                inputs[CONNECTION] = _check_connection(connection)
            except InputError as exc:
                failures.append(CheckFailure(CONNECTION, f"{CONNECTION} {exc}"))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes: list[str] = []
        replaces: list[str] = []
        for prop in self.props:
            new = news.get(prop.name)
            if is_unknown(new) or not prop.same(olds.get(prop.name), new):
                changes.append(prop.name)
                if prop.replaces:
                    replaces.append(prop.name)
        if is_unknown(news.get(CONNECTION)) or (olds.get(CONNECTION) or {}) != (news.get(CONNECTION) or {}):
            changes.append(CONNECTION)
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    # -- online -----------------------------------------------------------------------------------

    def api(self, props: Mapping[str, Any], *, recorded: bool = False) -> ManageApi:
        """Credentials resolved now, never earlier: previews need none and rotations apply at once.

        ``recorded``: the call is a read or a delete, which ``pulumi refresh`` and ``pulumi destroy`` drive
        with the stack config the state recorded at the last ``pulumi up``; errors name it so.
        """
        return manage_api(props.get(CONNECTION), getattr(self, "_stack_config", {}), recorded=recorded)

    def create(self, props: dict[str, Any]) -> CreateResult:
        api = self.api(props)
        adopt_id = props.get(ADOPT)
        with self._naming_the_referring_input(api, props):
            if adopt_id:
                object_id, outs = adopt_id, self._adopt(api, adopt_id, props)
            else:
                object_id, outs = self.create_object(api, props)
        return CreateResult(object_id, self._with_passthrough(outs, props))

    @contextlib.contextmanager
    def _naming_the_referring_input(self, api: ManageApi, inputs: Mapping[str, Any]) -> Iterator[None]:
        """A 404 for an object an input refers to (``Project not found`` for a ``project_id``) becomes a
        :class:`ReferredNotFoundError` naming that input, its value and what must be true of it; which
        inputs refer to what is the schema's ``refers_to``. Any other error passes unchanged."""
        try:
            yield
        except NotFoundError as exc:
            prop = None if isinstance(exc, ReferredNotFoundError) else self.schema.referred_missing(
                exc.server_message, inputs)
            if prop is None or prop.refers_to is None:
                raise
            raise ReferredNotFoundError(
                exc, input=prop.name, value=str(inputs[prop.name]), kind=kind_of(prop.refers_to),
                credentials=api.credentials_in_use(),
            ) from exc

    def _adopt(self, api: ManageApi, object_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Take over an existing object: patch what the program changes, refuse what cannot change."""
        try:
            current = self.read_object(api, object_id)
        except NotFoundError:
            current = None
        if current is None:
            raise AdoptionError(
                f"cannot adopt {self.kind} {object_id!r}: it does not exist, is deleted, or belongs to another "
                "organization than the credentials in use"
            )
        for prop in self.props:
            if prop.replaces and not prop.same(current.get(prop.name), inputs.get(prop.name)):
                raise AdoptionError(
                    f"cannot adopt {self.kind} {object_id!r}: its {prop.name} is {current.get(prop.name)!r} but "
                    f"the program says {inputs.get(prop.name)!r}, and {prop.name} cannot change in place. Set "
                    f"{prop.name} to the existing value, or remove adopt= to create a new {self.kind}"
                )
        changed = self._patchable_changes(current, inputs)
        outs = self.update_object(api, object_id, changed) if changed else current
        for key in self.carried:
            outs[key] = None
        return outs

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            with _recorded_config():
                outs = self.read_object(self.api(props, recorded=True), id_)
        except NotFoundError:
            outs = None
        if outs is None:
            return ReadResult(None, {})
        for key in self.carried:
            outs[key] = props.get(key)
        outs = self._with_passthrough(outs, props)
        inputs = self._with_passthrough({prop.name: outs.get(prop.name) for prop in self.props}, props)
        return ReadResult(id_, outs, inputs)

    def _patchable_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The new values of the inputs that differ and can change in place: what a PATCH sends."""
        return {
            prop.name: news.get(prop.name)
            for prop in self.props
            if not prop.replaces and not prop.same(olds.get(prop.name), news.get(prop.name))
        }

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        changed = self._patchable_changes(olds, news)
        api = self.api(news)
        if changed:
            with self._naming_the_referring_input(api, news):
                outs = self.update_object(api, id_, changed)
        else:
            outs = {prop.name: olds.get(prop.name) for prop in self.props}
            outs.update({key: olds.get(key) for key in self.computed})
        for key in self.carried:
            outs[key] = olds.get(key)
        return UpdateResult(self._with_passthrough(outs, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _recorded_config():
            self.delete_with(self.api(props, recorded=True), id_, props)

    def delete_with(self, api: ManageApi, id_: str, props: dict[str, Any]) -> None:
        """What a destroy does to the object: delete it; one already gone counts as deleted."""
        with contextlib.suppress(NotFoundError):
            self.delete_object(api, id_)

    # -- per resource -----------------------------------------------------------------------------

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        """The outputs of the live object, or None when it is gone (as Pulumi should see it)."""
        raise NotImplementedError

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        raise NotImplementedError

    @staticmethod
    def _with_passthrough(outs: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs that are not API fields travel on in the outputs, as Pulumi expects of outputs."""
        for key in (CONNECTION, ADOPT):
            if props.get(key):
                outs[key] = props[key]
        return outs


@contextlib.contextmanager
def _recorded_config() -> Iterator[None]:
    """Around a read or a delete: an error about a recorded stack config value says how to record today's."""
    try:
        yield
    except OpenPanelError as exc:
        explain_recorded(exc)
        raise


def _check_connection(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("must be a Connection(api_url=..., client_id=..., client_secret=...)")
    checked = {key: value[key] for key in CONNECTION_KEYS if value.get(key) is not None}
    api_url = checked.get("apiUrl")
    if isinstance(api_url, str):
        try:
            checked["apiUrl"] = normalize_api_url(api_url, "api_url")
        except ConfigurationError as exc:
            raise InputError(str(exc).removeprefix("api_url ")) from None
    return checked


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
        signature = call_signature(provider.schema)
        bound = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        # On the class's own __init__ (inspect reads the class's from it, less self), not on the class,
        # where help() would list it as one more attribute.
        init = cls.__dict__.get("__init__")
        if init is not None:
            init.__signature__ = signature.replace(parameters=[bound, *signature.parameters.values()])

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        props, opts, connection = self._split_args(self._args_class, args, kwargs)
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
        declared = self._provider_class.schema
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
        self, args_class: type[Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], pulumi.ResourceOptions | None, Any]:
        """Accept both calling styles of Pulumi's SDKs: ``(name, XxxArgs(...), opts)`` and
        ``(name, opts, **inputs)``."""
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
        props: dict[str, Any] = {prop.name: None for prop in self._provider_class.props}
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
        self._register(resource_name, props, merged, connection)
