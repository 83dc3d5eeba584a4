"""What a user reads when an operation fails during `pulumi up`: the message first, and little else.

The SDK's dynamic-provider plugin (`python -m pulumi.dynamic`, the `__main__` module of that process)
answers every failed call with `traceback.format_exc()`: some 25 lines of frames, with the line that
matters last. The package's own errors (:class:`~pulumi_openpanel.errors.OpenPanelError`) are written for
users: what failed, where the offending setting came from, and the fix. For those, and only inside that
plugin process, the answer is the message alone. Any other exception, a bug, keeps its whole traceback.
"""

from __future__ import annotations

import sys
import traceback
from types import ModuleType
from typing import Any

from pulumi_openpanel.errors import OpenPanelError


class _MessageFirst:
    """Stands in for the `traceback` module inside the plugin's `__main__`; delegates everything else."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, OpenPanelError):
            return f"{type(error).__name__}: {error}"
        text: str = self._module.format_exc(*args, **kwargs)
        return text

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def install() -> bool:
    """Shorten the plugin's answers for our errors, when this process is that plugin; whether it did.

    Recognised by what the plugin module defines, so nothing changes in a program, a test or a script.
    """
    plugin = sys.modules.get("__main__")
    if plugin is None or not hasattr(plugin, "DynamicResourceProviderServicer"):
        return False
    if getattr(plugin, "traceback", None) is traceback:
        plugin.traceback = _MessageFirst(traceback)  # type: ignore[attr-defined]
    return isinstance(getattr(plugin, "traceback", None), _MessageFirst)
