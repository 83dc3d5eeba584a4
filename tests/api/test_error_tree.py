"""One tree of exceptions: every class the package raises lives in errors.py and is exported, and the
emulator's own names do not shadow the client's."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pulumi_openpanel
from pulumi_openpanel import errors


def package_modules() -> list[str]:
    """Every module of the package proper: not the emulator (a separate program, never imported by it), and
    no `__main__` (a program, such as the policy pack's, which would start serving when imported)."""
    names = [pulumi_openpanel.__name__]
    for info in pkgutil.walk_packages(pulumi_openpanel.__path__, prefix="pulumi_openpanel."):
        if not info.name.startswith("pulumi_openpanel.emulator") and not info.name.endswith(".__main__"):
            names.append(info.name)
    return names


def test_every_exception_class_of_the_package_is_defined_in_errors() -> None:
    defined_elsewhere = []
    for name in package_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                defined_elsewhere.append(f"{name}.{value.__name__}")
    assert {entry.rsplit(".", 1)[0] for entry in defined_elsewhere} == {"pulumi_openpanel.errors"}


def test_every_error_is_one_tree_and_exported() -> None:
    classes = [value for value in vars(errors).values()
               if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__]
    assert len(classes) >= 15
    for cls in classes:
        assert issubclass(cls, errors.OpenPanelError), cls
        assert getattr(pulumi_openpanel, cls.__name__) is cls
        assert cls.__name__ in pulumi_openpanel.__all__


def test_input_errors_stay_value_errors() -> None:
    assert issubclass(errors.InputError, ValueError)


def test_the_emulator_names_its_server_side_apart_from_the_client() -> None:
    from pulumi_openpanel.emulator import handlers, protocol

    for module in (handlers, protocol):
        assert not hasattr(module, "ManageApi") and not hasattr(module, "ApiError")
    assert pulumi_openpanel.ManageApi.__module__ == "pulumi_openpanel.api.client"
