"""Each rule written once: the type tokens and the creation fields come from schema.py."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import pulumi_openpanel
from pulumi_openpanel.cli import recover
from pulumi_openpanel.client import Client
from pulumi_openpanel.core.schema import CLIENT, PROJECT, REFERENCE, RESOURCES, Resource
from pulumi_openpanel.policy import checks
from pulumi_openpanel.project import Project
from pulumi_openpanel.reference import Reference

PACKAGE = Path(inspect.getfile(pulumi_openpanel)).parent


def _modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if "emulator" not in path.relative_to(PACKAGE).parts]


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


# -- type tokens ----------------------------------------------------------------------------------------


def test_each_resource_type_token_is_declared_once_in_the_schema() -> None:
    for cls, resource in ((Project, PROJECT), (Client, CLIENT), (Reference, REFERENCE)):
        # What the Pulumi SDK makes of the class statement is what the schema says states record.
        assert f"pulumi-python:{cls._resource_type_name}" == resource.dynamic_type
    tokens = {resource.kind: resource.dynamic_type for resource in RESOURCES}
    assert {token: kind for kind, token in tokens.items()} == recover.KINDS
    assert list(tokens.values()) == [checks.PROJECT_TYPE, checks.CLIENT_TYPE, checks.REFERENCE_TYPE]
    spelled = [path.relative_to(PACKAGE).as_posix() for path in _modules()
               if "pulumi-python:dynamic" in path.read_text(encoding="utf-8")]
    assert spelled == ["core/schema.py"]


# -- creation fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.name)
def test_recover_matches_what_a_create_sends(resource: Resource) -> None:
    schema = recover.SCHEMAS[resource.kind]
    assert schema is resource
    every_input = {prop.name: f"value of {prop.name}" for prop in schema.props}
    assert list(schema.create_body(every_input)) == [prop.name for prop in schema.at_creation]
    key = recover._match_key(schema.kind, every_input)
    sent = [f"value of {prop.name}" for prop in schema.at_creation]
    assert key == recover._match_key(schema.kind, schema.create_body(every_input))
    assert all(value in key for value in sent)
    assert not any(f"value of {prop.name}" in key for prop in schema.props if not prop.at_create)


def test_recover_reads_the_core_schema_not_the_dynamic_door() -> None:
    imported = _imported(PACKAGE / "cli" / "recover.py")
    door = {"pulumi_openpanel.project", "pulumi_openpanel.client", "pulumi_openpanel.reference"}
    assert not {name for name in imported if name in door or name.startswith("pulumi_openpanel.dynamic")}
