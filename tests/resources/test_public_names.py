"""The package's public names: all there, each from its home, and loaded only when asked for (PEP 562), so
that importing a submodule (``pulumi_openpanel.cli`` for ``--help``) does not import Pulumi's SDK."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import pulumi_openpanel
from tests.support.imports import modules_loaded_by

INIT = Path(pulumi_openpanel.__file__)


def test_importing_the_package_loads_no_pulumi_or_grpc() -> None:
    assert modules_loaded_by("pulumi_openpanel", prefixes=("pulumi.", "grpc")) == []
    assert "pulumi" not in modules_loaded_by("pulumi_openpanel", prefixes=("pulumi",))


def test_asking_for_a_resource_loads_it_and_pulumi() -> None:
    code = ("import sys, pulumi_openpanel as po\n"
            "before = 'pulumi_openpanel.project' in sys.modules\n"
            "po.Project\n"
            "print(before, 'pulumi_openpanel.project' in sys.modules, 'pulumi.dynamic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True", "True"]


@pytest.mark.parametrize("name", pulumi_openpanel.__all__)
def test_each_public_name_is_the_object_its_home_defines(name: str) -> None:
    value = getattr(pulumi_openpanel, name)
    if name == "__version__":
        assert isinstance(value, str)
        return
    home = importlib.import_module(pulumi_openpanel._HOME_OF[name])
    assert value is getattr(home, name)
    assert name in dir(pulumi_openpanel)


def test_a_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from pulumi_openpanel import *", namespace)
    assert set(pulumi_openpanel.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Dashboard'"):
        pulumi_openpanel.Dashboard  # noqa: B018


def test_the_type_checkers_view_the_lazy_table_and_all_agree() -> None:
    """Three lists name the public names (for type checkers, for the lazy loading, for ``import *``): they
    must say the same thing."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    [guard] = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    typed = {(node.module, alias.name) for node in guard.body if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    lazy = {(module, name) for module, names in pulumi_openpanel._HOMES.items() for name in names}
    assert typed == lazy
    assert set(pulumi_openpanel.__all__) == {name for _, name in lazy} | {"__version__"}
    assert len(pulumi_openpanel.__all__) == len(set(pulumi_openpanel.__all__))


def test_no_two_modules_give_one_constant_name_two_meanings() -> None:
    """A constant's name means one thing across the package: a module that needs another module's
    ``CREDENTIALS`` must not have to import it under an alias because its own ``CREDENTIALS`` is something
    else (doctor's check label once was)."""
    meanings: dict[str, dict[str, object]] = {}
    for info in pkgutil.walk_packages(pulumi_openpanel.__path__, "pulumi_openpanel."):
        if info.name.endswith("__main__"):
            continue  # it runs its command when imported
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.isupper() and not name.startswith("_"):
                meanings.setdefault(name, {})[info.name] = value
    clashes = {name: sorted(modules) for name, modules in meanings.items()
               if any(value != next(iter(modules.values())) for value in modules.values())}
    assert clashes == {}
