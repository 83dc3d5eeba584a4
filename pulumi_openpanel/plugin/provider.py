"""The plugin door: a Pulumi provider (``pulumi.provider.experimental``) serving ``openpanel:index:Project``,
``Client`` and ``Reference`` and the lookups to programs in every language, over the same cores as the
dynamic door.

What belongs to this door and not to the core: the provider's configuration (the default provider's stack
config ``openpanel:*``, an explicit provider's arguments), camelCase names and property values
(values.py), previews (the engine calls create and update with ``preview=True``: answered offline), the
``pulumi import`` of an object (a read with no state), and running the core's blocking calls on threads so
that the engine's parallel operations stay parallel.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.run import ENGINE_CANCELLED, this_run
from pulumi_openpanel.api.settings import check_client_id, normalize_api_url, setting_text
from pulumi_openpanel.api.sources import Sources, explaining_recorded
from pulumi_openpanel.core.client import ClientCore
from pulumi_openpanel.core.project import ProjectCore
from pulumi_openpanel.core.reference import ReferenceCore
from pulumi_openpanel.core.resource import ResourceCore
from pulumi_openpanel.core.schema import Resource, camel
from pulumi_openpanel.errors import ConfigurationError
from pulumi_openpanel.plugin.package import (
    BY_FUNCTION_TOKEN,
    BY_TOKEN,
    PROVIDER_SETTINGS,
    Function,
    result_value,
    token,
)
from pulumi_openpanel.plugin.values import UNKNOWN_VALUE, Names, is_unknown, plain, property_value, secret_keys

Result = TypeVar("Result")

# Operations the engine runs at once (its default parallelism is far above the cores of a CI machine); each
# mostly waits on the network or on the pacer.
WORKERS = 32

_CORES: dict[str, type[ResourceCore]] = {"Project": ProjectCore, "Client": ClientCore, "Reference": ReferenceCore}

# Names the engine itself adds to a provider's inputs; not settings.
_ENGINE_KEYS = frozenset({"version", "pluginDownloadURL"})

_BY_SETTING = {setting.name: setting for setting in PROVIDER_SETTINGS}


class OpenPanelProvider(Provider):
    """One provider instance: the engine starts a plugin process per provider (the default one of a stack,
    or each explicit ``openpanel.Provider``), and configures it once."""

    def __init__(self, schema: str) -> None:
        self._schema = schema
        self._settings: dict[str, str] = {}  # each setting given, by its name (apiUrl)
        self._explicit: str | None = None
        self._cores = {token(name): core(spell=camel) for name, core in _CORES.items()}
        self._names = {tok: Names(BY_TOKEN[tok].names) for tok in self._cores}
        self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="openpanel")

    # -- the package and its configuration ---------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(self._schema)

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Each setting that is set, checked offline with the rules the API client applies at call time."""
        if not request.name.startswith("default"):
            self._explicit = request.name
        failures = [failure for key, value in request.new_inputs.items() for failure in _check_setting(key, value)]
        inputs = {
            key: value.with_secret(True) if key in _BY_SETTING and _BY_SETTING[key].secret else value
            for key, value in request.new_inputs.items()
        }
        return CheckResponse(inputs=inputs, failures=failures)

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        """A changed setting updates the provider in place: a new API root or credentials never replace the
        objects. (No detailed diff: the SDK's DiffConfig cannot pass one on.)"""
        olds = {key: plain(value) for key, value in request.old_state.items()}
        news = {key: plain(value) for key, value in request.new_inputs.items()}
        changed = sorted(key for key in (set(olds) | set(news)) - _ENGINE_KEYS if olds.get(key) != news.get(key))
        return DiffResponse(changes=bool(changed), diffs=changed)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        self._settings = {
            key: str(plain(value))
            for key, value in request.args.items()
            if key in _BY_SETTING and plain(value) not in (None, UNKNOWN_VALUE)
        }
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def cancel(self) -> None:
        this_run().cancel(ENGINE_CANCELLED)

    def _sources(self, *, recorded: bool) -> Sources:
        """Where the settings come from: an explicit provider's arguments (then the environment), or the default
        provider's stack config (then the environment), as the dynamic door reads them."""
        if self._explicit is None:
            return Sources(None, {_BY_SETTING[name].key: value for name, value in self._settings.items()},
                           recorded=recorded)
        return Sources.of_provider(self._settings, self._explicit)

    def _api(self, *, recorded: bool = False) -> ManageApi:
        return manage_api(sources=self._sources(recorded=recorded))

    async def _off_the_loop(self, call: Callable[[], Result]) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # -- offline -------------------------------------------------------------------------------------------

    def _door(self, type_token: str) -> tuple[ResourceCore, Names, Resource]:
        if type_token not in self._cores:
            raise ValueError(f"unknown resource type {type_token!r}: this provider serves {', '.join(self._cores)}")
        return self._cores[type_token], self._names[type_token], BY_TOKEN[type_token]

    async def check(self, request: CheckRequest) -> CheckResponse:
        core, names, _ = self._door(request.type)
        checked = core.check(names.declared(request.new_inputs), is_unknown)
        # An input left unset stays unset (the core's None): a preview then shows only what the program says.
        inputs = {name: value for name, value in checked.inputs.items() if value is not None}
        return CheckResponse(
            inputs=names.wire(inputs, secret_keys(request.new_inputs)),
            failures=[CheckFailure(failure.property, failure.reason) for failure in checked.failures],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """The core's diff: only inputs, each an update or a replacement."""
        core, names, _ = self._door(request.type)
        diffed = core.diff(names.declared(request.old_state), names.declared(request.new_inputs), is_unknown)
        detailed = {
            names.spell(name): PropertyDiff(
                PropertyDiffKind.UPDATE_REPLACE if name in diffed.replaces else PropertyDiffKind.UPDATE, True)
            for name in diffed.changes
        }
        return DiffResponse(
            changes=bool(diffed.changes),
            replaces=[names.spell(name) for name in diffed.replaces],
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    # -- online --------------------------------------------------------------------------------------------

    def _outputs(self, names: Names, resource: Resource, outs: Mapping[str, Any],
                 inputs: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
        """Outputs for the engine: the schema's secrets secret, and so is any output whose input was."""
        return names.wire(outs, set(resource.secrets) | secret_keys(inputs))

    def _preview(self, names: Names, resource: Resource, inputs: Mapping[str, PropertyValue],
                 olds: Mapping[str, Any] | None) -> dict[str, PropertyValue]:
        """What a preview shows: the inputs, and the outputs only the server knows as unknown, or as the old
        state has them for an update (an update never changes them)."""
        outs = names.declared(inputs)
        for out in resource.outs:
            outs[out.name] = UNKNOWN_VALUE if olds is None else olds.get(out.name)
        return self._outputs(names, resource, outs, inputs)

    async def create(self, request: CreateRequest) -> CreateResponse:
        core, names, resource = self._door(request.type)
        if request.preview:
            return CreateResponse(None, self._preview(names, resource, request.properties, None))
        props = names.declared(request.properties)
        object_id, outs = await self._off_the_loop(lambda: core.create(self._api(), props))
        return CreateResponse(object_id, self._outputs(names, resource, outs, request.properties))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """A refresh, or a ``pulumi import`` (no state yet): the live object, or no id when it is gone."""
        core, names, resource = self._door(request.type)
        props = names.declared(request.properties)
        with explaining_recorded():
            found = await self._off_the_loop(lambda: core.read(self._api(recorded=True), request.resource_id, props))
        if found is None:
            return ReadResponse(None)
        return ReadResponse(
            found.id,
            self._outputs(names, resource, found.outputs, request.properties),
            names.wire(found.inputs, secret_keys(request.inputs)),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        core, names, resource = self._door(request.type)
        olds = names.declared(request.olds)
        if request.preview:
            return UpdateResponse(self._preview(names, resource, request.news, olds))
        news = names.declared(request.news)
        outs = await self._off_the_loop(lambda: core.update(self._api(), request.resource_id, olds, news))
        return UpdateResponse(self._outputs(names, resource, outs, request.news))

    async def delete(self, request: DeleteRequest) -> None:
        core, names, _ = self._door(request.type)
        props = names.declared(request.properties)
        with explaining_recorded():
            await self._off_the_loop(lambda: core.delete(self._api(recorded=True), request.resource_id, props))

    # -- lookups -------------------------------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        function = BY_FUNCTION_TOKEN.get(request.tok)
        if function is None:
            raise ValueError(f"unknown function {request.tok!r}: this provider serves {', '.join(BY_FUNCTION_TOKEN)}")
        args = {key: plain(value) for key, value in request.args.items()}
        failures = _check_args(function, args)
        if failures:
            return InvokeResponse(failures=failures)
        values = {arg.name: args.get(camel(arg.name)) for arg in function.args}
        answer = await self._off_the_loop(functools.partial(_lookup, function, self._api(), values))
        return InvokeResponse(return_value={key: property_value(value) for key, value in answer.items()})


def _lookup(function: Function, api: ManageApi, values: Mapping[str, Any]) -> dict[str, Any]:
    found = function.call(api, **values)
    if function.many is None:
        return result_value(found)
    return {function.many: [result_value(item) for item in found]}


def _check_args(function: Function, args: Mapping[str, Any]) -> list[CheckFailure]:
    allowed = {camel(arg.name): arg for arg in function.args}
    failures = [CheckFailure(key, f"{key} is not an argument of {function.name}; it takes "
                                  f"{', '.join(allowed) or 'none'}") for key in sorted(set(args) - set(allowed))]
    for name, arg in allowed.items():
        value = args.get(name)
        if arg.required and (value is None or value == ""):
            failures.append(CheckFailure(name, f"{name} is required: {arg.doc[:1].lower()}{arg.doc[1:]}"))
        elif value is not None and not isinstance(value, str):
            failures.append(CheckFailure(name, f"{name} must be text, got a {type(value).__name__}"))
    return failures


def _check_setting(key: str, value: PropertyValue) -> list[CheckFailure]:
    """The failures of one provider input, offline: an unknown name, or a value its parser refuses."""
    if key in _ENGINE_KEYS or key.startswith("__"):
        return []
    setting = _BY_SETTING.get(key)
    if setting is None:
        return [CheckFailure(key, f"{key} is not a setting of the openpanel provider; its settings are "
                                  f"{', '.join(_BY_SETTING)}")]
    known = plain(value)
    text = None if known is UNKNOWN_VALUE else setting_text(known)
    if text is None:
        return []
    try:
        if setting.name == "apiUrl":
            normalize_api_url(text, setting.key)
        elif setting.name == "clientId":
            check_client_id(text, setting.key)
        elif not setting.secret:
            Sources(None, {setting.key: text}, environ={}).settings()
    except ConfigurationError as exc:
        return [CheckFailure(key, str(exc))]
    return []
