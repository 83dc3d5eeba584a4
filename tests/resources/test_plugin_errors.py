"""Inside the dynamic-provider plugin, the package's errors are answered with their message alone, while a
bug keeps its traceback; anywhere else nothing changes."""

from __future__ import annotations

import sys
import traceback
import types

import pytest

from pulumi_openpanel.dynamic import plugin_errors
from pulumi_openpanel.errors import AuthenticationError


def fake_plugin() -> types.ModuleType:
    """What matters of `python -m pulumi.dynamic`'s __main__: its servicer class and its traceback module."""
    module = types.ModuleType("__main__")
    module.DynamicResourceProviderServicer = object  # type: ignore[attr-defined]
    module.traceback = traceback  # type: ignore[attr-defined]
    return module


def answer(plugin: types.ModuleType, error: BaseException) -> str:
    try:
        raise error
    except BaseException:
        text: str = plugin.traceback.format_exc()
        return text


def test_our_errors_are_answered_with_their_message_and_bugs_with_their_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = fake_plugin()
    monkeypatch.setitem(sys.modules, "__main__", plugin)

    assert plugin_errors.install() is True
    assert plugin_errors.install() is True  # a second provider class loading it changes nothing more

    ours = answer(plugin, AuthenticationError("POST", "/manage/projects", 401, "Manage: Invalid client secret"))
    assert ours.startswith("AuthenticationError: OpenPanel POST /manage/projects failed (HTTP 401)")
    assert "Traceback" not in ours
    bug = answer(plugin, KeyError("boom"))
    assert bug.startswith("Traceback (most recent call last):") and "KeyError: 'boom'" in bug
    assert plugin.traceback.format_exception is traceback.format_exception  # everything else delegates


def test_outside_the_plugin_nothing_changes() -> None:
    main = sys.modules.get("__main__")
    before = getattr(main, "traceback", None)
    assert plugin_errors.install() is False
    assert getattr(main, "traceback", None) is before
