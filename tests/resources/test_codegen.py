"""One declaration per resource (schema.py): the generated code matches it, every input and output has a
docstring, and what runs (check, diff, outputs, create bodies, adopt) reads the same declaration."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import pydoc
import re
import subprocess
from pathlib import Path

import pytest

from pulumi_openpanel.api import models
from pulumi_openpanel.cli import adopt
from pulumi_openpanel.client import Client, ClientArgs, ClientProvider
from pulumi_openpanel.core import schema
from pulumi_openpanel.core.schema import Prop
from pulumi_openpanel.project import Project, ProjectArgs, ProjectProvider
from pulumi_openpanel.reference import Reference, ReferenceArgs, ReferenceProvider
from scripts import codegen as _codegen

CLASSES = [
    (schema.PROJECT, Project, ProjectArgs, ProjectProvider),
    (schema.CLIENT, Client, ClientArgs, ClientProvider),
    (schema.REFERENCE, Reference, ReferenceArgs, ReferenceProvider),
]


def test_the_checked_in_generated_code_is_what_the_schema_gives() -> None:
    stale = [str(path.relative_to(_codegen.REPOSITORY)) for path in _codegen.stale()]
    assert stale == [], f"out of date: {stale}; run {_codegen.COMMAND}"


def test_a_new_field_reaches_every_generated_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """What adding one optional input changes: the resource's module, the wire models, its docs page and the
    provider plugin's schema (from which every other language's SDK is generated)."""
    extra = Prop("timezone", str, "an IANA time zone such as `Europe/Paris`")
    grown = dataclasses.replace(schema.PROJECT, props=(*schema.PROJECT.props, extra))
    monkeypatch.setattr(schema, "RESOURCES", (grown, schema.CLIENT, schema.REFERENCE))
    changed = {path.name: text for path, text in _codegen.stale().items()}
    assert sorted(changed) == ["models.py", "project.md", "project.py", "schema.json"]
    plugin_schema = json.loads(changed["schema.json"])["resources"]["openpanel:index:Project"]
    assert plugin_schema["inputProperties"]["timezone"]["description"].startswith("An IANA time zone such as")
    assert plugin_schema["properties"]["timezone"]["type"] == "string"
    assert "timezone" not in plugin_schema["requiredInputs"] + plugin_schema["required"]
    assert "timezone: pulumi.Input[str] | None = None," in changed["project.py"]
    assert "timezone: pulumi.Output[str | None]" in changed["project.py"]
    assert ":param timezone: An IANA time zone such as `Europe/Paris`. Changing it updates" in changed["project.py"]
    assert "| `timezone` | an IANA time zone such as `Europe/Paris` | update |" in changed["project.md"]
    assert changed["models.py"].count("timezone: str | None = None") == 3  # answer, create and update


def test_a_region_without_its_end_is_refused() -> None:
    with pytest.raises(ValueError, match="no 'END GENERATED requests' line"):
        _codegen.render("# BEGIN GENERATED requests\nclass X: ...\n", {"requests": _codegen.request_models}, "x")


def _marked_generated_regions() -> set[str]:
    """The files git gives the ``generated-regions`` attribute (.gitattributes), among every file it tracks and
    every file the generator writes: asked of git itself, so a glob or a typo counts as git reads it."""
    root = _codegen.REPOSITORY
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    written = [path.relative_to(root).as_posix() for path in _codegen.regions()]
    candidates = sorted({*tracked.decode().split("\0"), *written} - {""})
    answer = subprocess.run(["git", "check-attr", "-z", "--stdin", "generated-regions"], cwd=root,
                            input="\0".join(candidates).encode(), capture_output=True, check=True).stdout
    fields = answer.decode().removesuffix("\0").split("\0")  # path, attribute, value; each ends with NUL
    return {path for path, _, value in zip(fields[0::3], fields[1::3], fields[2::3], strict=True) if value == "set"}


def test_gitattributes_marks_exactly_the_files_the_generator_writes() -> None:
    """A reader (and a merge) learns from .gitattributes which files hold generated regions: it must name
    every file the generator writes and no other."""
    written = {path.relative_to(_codegen.REPOSITORY).as_posix() for path in _codegen.regions()}
    assert {"pulumi_openpanel/project.py", "pulumi_openpanel/api/models.py", "docs/resources/project.md"} <= written
    assert _marked_generated_regions() == written


def _class(module_path: str, name: str) -> ast.ClassDef:
    tree = ast.parse(Path(module_path).read_text())
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)


def _attribute_docs(node: ast.ClassDef) -> dict[str, str]:
    """Annotated class attributes and the string literal right after each (an attribute docstring)."""
    docs = {}
    for current, following in zip(node.body, [*node.body[1:], None], strict=True):
        if (isinstance(current, ast.AnnAssign) and isinstance(current.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)):
            docs[current.target.id] = inspect.cleandoc(str(following.value.value))
    return docs


@pytest.mark.parametrize(("declared", "resource", "args", "provider"), CLASSES)
def test_every_input_and_output_has_a_docstring(declared: schema.Resource, resource: type, args: type,
                                                provider: type) -> None:
    node = _class(inspect.getfile(resource), resource.__name__)
    outputs = _attribute_docs(node)
    names = [prop.name for prop in declared.props] + [out.name for out in declared.outs]
    assert list(outputs) == names
    for prop in declared.props:
        assert outputs[prop.name].startswith(_codegen.prop_doc(prop, declared)[:40])
        assert ("replaces the" in outputs[prop.name]) == prop.replaces
        for documented in (args.__init__, *_overloads(node)):
            assert f":param {prop.name}: " in (documented if isinstance(documented, str) else documented.__doc__)
    assert all(outputs[out.name].endswith("Output only.") for out in declared.outs)


def _overloads(node: ast.ClassDef) -> list[str]:
    return [
        ast.get_docstring(item) or ""
        for item in node.body
        if isinstance(item, ast.FunctionDef) and item.name == "__init__" and item.decorator_list
    ][1:]  # the keyword form; the first takes an XxxArgs


@pytest.mark.parametrize(("declared", "resource", "args", "provider"), CLASSES)
def test_what_runs_reads_the_same_declaration(declared: schema.Resource, resource: type, args: type,
                                              provider: type) -> None:
    assert provider.core.schema is declared and resource._provider_class is provider and resource._args_class is args
    assert provider.core.props == declared.props
    required_first = sorted(declared.props, key=lambda prop: not prop.required)
    assert list(inspect.signature(args.__init__).parameters)[1:] == [*(prop.name for prop in required_first), "adopt"]
    answer = getattr(models, declared.name)
    assert {prop.wire or prop.name for prop in declared.props} <= set(answer.model_fields)


def test_outputs_and_adopt_code_come_from_the_declaration() -> None:
    project = models.Project.model_validate({
        "id": "web", "name": "Web", "organizationId": "org", "domain": "", "cors": ["*"], "types": ["app"],
        "crossDomain": True, "allowUnsafeRevenueTracking": False, "deleteAt": None,
    })
    assert schema.PROJECT.outputs_of(project) == {
        "name": "Web", "domain": None, "cors": ["*"], "cross_domain": True, "types": ["app"],
        "allow_unsafe_revenue_tracking": False, "organization_id": "org",
    }
    reference = models.Reference.model_validate({"id": "r", "projectId": "web", "title": "Launch", "description": "",
                                                 "date": "2026-12-01T10:00:00+02:00"})
    assert schema.REFERENCE.outputs_of(reference) == {
        "project_id": "web", "title": "Launch", "description": None, "datetime": "2026-12-01T08:00:00.000Z",
    }
    program = adopt.render_program(adopt.Inventory(projects=[project], references=[reference]), "https://x")
    assert "    cross_domain=True,\n    types=['app'],\n" in program
    assert "    project_id=web.id,\n    title='Launch',\n    description=None,\n" in program


def test_create_bodies_and_late_fields_follow_the_declaration() -> None:
    inputs = {"name": "Web", "domain": None, "cors": [], "cross_domain": False, "types": ["website"],
              "allow_unsafe_revenue_tracking": True}
    assert schema.PROJECT.create_body(inputs) == {k: v for k, v in inputs.items()
                                                  if k != "allow_unsafe_revenue_tracking"}
    assert models.ProjectCreate(**schema.PROJECT.create_body(inputs)).wire() == {
        "name": "Web", "domain": None, "cors": [], "crossDomain": False, "types": ["website"],
    }
    assert schema.PROJECT.after_create(inputs) == {"allow_unsafe_revenue_tracking": True}
    assert schema.PROJECT.after_create({**inputs, "allow_unsafe_revenue_tracking": False}) == {}
    assert models.ReferenceUpdate(description=None).wire() == {"description": ""}
    assert models.ReferenceCreate(project_id="p", title="t", datetime="d", description=None).wire() == {
        "projectId": "p", "title": "t", "datetime": "d",
    }


@pytest.mark.parametrize(("declared", "resource", "args", "provider"), CLASSES)
def test_help_shows_the_resource_its_inputs_outputs_and_what_replaces(declared: schema.Resource, resource: type,
                                                                      args: type, provider: type) -> None:
    """help() and inspect show the keyword form and the resource's own words, not the `*args, **kwargs` of
    the constructor that runs nor the docstring it would inherit from Pulumi's dynamic Resource."""
    signature = inspect.signature(resource)
    required_first = sorted(declared.props, key=lambda prop: not prop.required)
    names = ["resource_name", "opts", *(prop.name for prop in required_first), "adopt", "connection"]
    assert list(signature.parameters) == names
    for prop in declared.props:
        parameter = signature.parameters[prop.name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        assert (parameter.default is inspect.Parameter.empty) == prop.required, prop.name
    assert signature.parameters["opts"].default is None

    text = pydoc.render_doc(resource, renderer=pydoc.plaintext)
    flat = " ".join(text.replace(" |", " ").split())
    assert f"{resource.__name__}{signature}" in flat
    assert "__provider" not in text and ":param str provider" not in text
    for prop in declared.props:
        assert f"- ``{prop.name}``: {_codegen.prop_doc(prop, declared)[:30]}" in flat, prop.name
    for out in declared.outs:
        assert f"- ``{out.name}``: {out.doc[:1].upper()}{out.doc[1:30]}" in flat, out.name
    replaced = re.search(rf"Changing (.*?) replaces the {declared.kind}", flat)
    assert replaced is not None, flat
    assert sorted(re.findall(r"``(\w+)``", replaced.group(1))) == sorted(p.name for p in declared.props if p.replaces)
