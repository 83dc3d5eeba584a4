"""The dynamic door: a Pulumi dynamic provider (``pulumi.dynamic.ResourceProvider``) per resource, each a thin
wrapper around its :class:`~pulumi_openpanel.core.resource.ResourceCore`.

What belongs to this door and not to the core: the stack config the engine sends to ``configure``, the
credentials resolved from it at call time (never earlier: previews need none, rotations apply at once),
Pulumi's unknown values in a preview, the SDK's result types, and the naming of the stack config recorded
in the state in the calls ``pulumi refresh`` and ``pulumi destroy`` drive (read, delete).

A provider instance is pickled into every resource's ``__provider`` input by reference to its class, so
it must hold nothing but what ``configure`` sets inside the plugin process; the module path and name of
each subclass (``pulumi_openpanel.project.ProjectProvider``...) are part of the state format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

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

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.settings import SETTINGS_KEYS
from pulumi_openpanel.api.sources import Sources, explaining_recorded
from pulumi_openpanel.api.watchdog import start_in_plugin as _end_with_the_engine
from pulumi_openpanel.core.resource import CONNECTION, ResourceCore
from pulumi_openpanel.dynamic.plugin_errors import install as _message_first_in_the_plugin
from pulumi_openpanel.dynamic.unknown import is_unknown

# Loaded by the dynamic-provider plugin to unpickle a provider: from then on, our errors reach the user as
# their message rather than a traceback (plugin_errors.py says why), and the plugin ends itself once its
# engine is gone (watchdog.py says why). Both do nothing in any other process.
_message_first_in_the_plugin()
_end_with_the_engine()

# The input this door adds to every resource: the pickled provider (pulumi-dynamic-engine.md).
PROVIDER_KEY = "__provider"


class OpenPanelProvider(ResourceProvider):
    """Base of the Project, Client and Reference providers: a subclass names its ``core``."""

    serialize_as_secret_always = False

    core: ClassVar[ResourceCore]

    def configure(self, req: ConfigureRequest) -> None:
        self._stack_config = {key: req.config.get(key) for key in SETTINGS_KEYS}

    # -- offline ----------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # The pickled provider travels among the inputs; the SDK puts it back into the checked ones.
        checked = self.core.check({key: value for key, value in news.items() if key != PROVIDER_KEY}, is_unknown)
        return CheckResult(checked.inputs, [CheckFailure(f.property, f.reason) for f in checked.failures])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diffed = self.core.diff(olds, news, is_unknown)
        return DiffResult(changes=bool(diffed.changes), replaces=diffed.replaces, delete_before_replace=False)

    # -- online -----------------------------------------------------------------------------------

    def api(self, props: Mapping[str, Any], *, recorded: bool = False) -> ManageApi:
        """Credentials resolved now, never earlier: previews need none and rotations apply at once.

        ``recorded``: the call is a read or a delete, which ``pulumi refresh`` and ``pulumi destroy`` drive
        with the stack config the state recorded at the last ``pulumi up``; errors name it so.
        """
        sources = Sources(props.get(CONNECTION), getattr(self, "_stack_config", {}), recorded=recorded)
        return manage_api(sources=sources)

    def create(self, props: dict[str, Any]) -> CreateResult:
        object_id, outs = self.core.create(self.api(props), props)
        return CreateResult(object_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with explaining_recorded():
            found = self.core.read(self.api(props, recorded=True), id_, props)
        return ReadResult(None, {}) if found is None else ReadResult(found.id, found.outputs, found.inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.core.update(self.api(news), id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with explaining_recorded():
            self.core.delete(self.api(props, recorded=True), id_, props)
