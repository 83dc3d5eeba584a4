"""A local OpenPanel Manage API for tests and trials.

Importing this package stays cheap: the web stack (Starlette, uvicorn) is only imported when
:class:`EmulatorServer` is first used, so ``pulumi-openpanel --help`` does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_openpanel.emulator.app import RequestLog, RequestRecord
    from pulumi_openpanel.emulator.server import EmulatorServer
    from pulumi_openpanel.emulator.store import SeededOrganization

__all__ = ["EmulatorServer", "RequestLog", "RequestRecord", "SeededOrganization"]

_HOMES = {
    "EmulatorServer": "pulumi_openpanel.emulator.server",
    "RequestLog": "pulumi_openpanel.emulator.app",
    "RequestRecord": "pulumi_openpanel.emulator.app",
    "SeededOrganization": "pulumi_openpanel.emulator.store",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
