"""The code generator: writes the typed parts of the package from pulumi_openpanel/core/schema.py.

``.venv/bin/python scripts/generate.py`` (which runs :func:`main`) rewrites every region between a
``BEGIN GENERATED <key>`` line and its ``END GENERATED <key>`` line (Python comments; HTML comments in
Markdown) and leaves the rest of each file alone. The regions (:func:`regions`): the ``XxxArgs`` and
resource classes in the root resource modules (typed overloads, output annotations, a docstring for every
input and output), the input fields of the wire models and the request bodies in api/models.py, and the
inputs tables of the resources' pages in docs/resources/. ``--check`` writes nothing and exits 1 naming
the files that are out of date; tests/resources/test_codegen.py fails in that case, so the checked-in code
always matches the schema. .gitattributes marks the files holding regions (``generated-regions``); the
same test holds its list to :func:`regions`.

Static code is what IDEs and type checkers read, which is why these parts are generated and checked in
rather than built at import time; what only runs (check, diff, outputs, adopt) reads the schema directly.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import re
import sys
import textwrap
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pulumi_openpanel.core import schema
from pulumi_openpanel.core.schema import DYNAMIC_MODULE, Out, Prop, Resource, camel
from pulumi_openpanel.plugin import package

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "pulumi_openpanel"
WIDTH = 116  # ruff's line length is 120; a margin keeps generated lines clear of it
COMMAND = ".venv/bin/python scripts/generate.py"

_BEGIN = re.compile(r"^(?P<indent>\s*)(?:#|<!--) BEGIN GENERATED (?P<key>[\w-]+)")
_END = "END GENERATED"

# -- types ------------------------------------------------------------------------------------------------


def _alias(value_type: Any) -> str:
    """The name schema.py gives a Literal; the resource's module imports it from there."""
    for name, value in vars(schema).items():
        if typing.get_origin(value) is Literal and value == value_type:
            return name
    raise TypeError(f"declare {value_type!r} as a named Literal in schema.py, so generated code can name it")


def _plain(value_type: Any, *, literals: bool = True) -> str:
    """The type as Python source: ``str``, ``list[ProjectType]``; Literals as str when not ``literals``."""
    if typing.get_origin(value_type) is list:
        return f"list[{_plain(typing.get_args(value_type)[0], literals=literals)}]"
    if typing.get_origin(value_type) is Literal:
        return _alias(value_type) if literals else "str"
    return str(value_type.__name__)


def _input(value_type: Any) -> str:
    """The type a program may pass: every value, and every list item, may be an Output."""
    if typing.get_origin(value_type) is list:
        return f"pulumi.Input[list[pulumi.Input[{_plain(typing.get_args(value_type)[0])}]]]"
    return f"pulumi.Input[{_plain(value_type)}]"


def _value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


# -- words ------------------------------------------------------------------------------------------------


def _choices(prop: Prop) -> str:
    names = [f"`{choice}`" for choice in prop.choices]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def rules(prop: Prop) -> str:
    """The docs' "rules" cell: what the value may be."""
    return ("required, " if prop.required else "") + prop.doc.replace("{choices}", _choices(prop))


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def prop_doc(prop: Prop, resource: Resource) -> str:
    """What an IDE shows for an input (and its output): the docs' rules, the default, what a change does."""
    parts = [_sentence(rules(prop))]
    if prop.default not in (None, []):
        parts.append(f"Default: `{_value(prop.default)}`.")
    if prop.replaces:
        parts.append(f"Changing it replaces the {resource.kind}: the API cannot change it in place.")
    else:
        parts.append(f"Changing it updates the {resource.kind} in place.")
    return " ".join(parts)


def out_doc(out: Out) -> str:
    return _sentence(out.doc) + " Output only."


def _common(resource: Resource) -> dict[str, str]:
    return {
        "resource_name": "The name of the resource in the Pulumi program, unique in the stack.",
        "args": f"The {resource.kind}'s inputs.",
        "opts": "Options of the resource: `protect`, `depends_on`, `ignore_changes`, `retain_on_delete`...",
        "adopt": f"The id of an existing {resource.kind} to bring under management instead of creating one "
        "(docs: Import and adopt); only read at creation.",
        "connection": "Credentials of another organization than the stack's; see `Connection`.",
    }


def _docstring(text: str, indent: str, params: Sequence[tuple[str, str]] = ()) -> list[str]:
    """A docstring at ``indent``: each paragraph of ``text`` wrapped, then a ``:param name:`` entry per parameter."""
    width = WIDTH - len(indent)
    lines: list[str] = []
    for paragraph in inspect.cleandoc(text).split("\n\n") if text else []:
        lines += [""] if lines else []
        # A list ("- " items) keeps one item a line; any other paragraph is rewrapped as one.
        items = re.split(r"\n(?=- )", paragraph) if paragraph.startswith("- ") else [paragraph]
        for item in items:
            lines += textwrap.wrap(" ".join(item.split()), width, initial_indent='"""' if not lines else "",
                                   subsequent_indent="  " if item.startswith("- ") else "")
    if params:
        lines += [""] if lines else []
        for name, doc in params:
            lines += textwrap.wrap(f":param {name}: {doc}", width, subsequent_indent="    ")
    if lines[0].startswith('"""'):
        lines[0] = lines[0][3:]
    if len(lines) == 1 and len(lines[0]) + 6 <= width:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(f"{indent}{line}" if line else "" for line in lines[1:]), f'{indent}"""']


def _ordered(resource: Resource) -> list[Prop]:
    return list(resource.in_call_order)


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def class_doc(resource: Resource) -> str:
    """The resource class's docstring, the first thing ``help()`` and an IDE show: what it is, its inputs,
    what a change of each does, and its outputs (``help()`` shows no attribute docstrings, so the outputs
    are listed here too)."""
    inputs = ", ".join(f"``{prop.name}``" + (" (required)" if prop.required else "") for prop in _ordered(resource))
    replaced = [f"``{prop.name}``" for prop in resource.props if prop.replaces]
    change = (
        f"Changing {_listed(replaced)} replaces the {resource.kind}: a new one is created, then the old one "
        "deleted. Any other input is updated in place."
        if replaced
        else f"Every input is updated in place; none replaces the {resource.kind}."
    )
    parts = [
        inspect.cleandoc(resource.doc),
        f"Inputs: {inputs}, each described with the constructor below; they may also come as one "
        f"``{resource.name}Args``. {change}",
        "Outputs: ``id`` and every input as OpenPanel stores it" + (", plus:" if resource.outs else "."),
    ]
    if resource.outs:
        parts.append("\n".join(f"- ``{out.name}``: {_sentence(out.doc)}" for out in resource.outs))
    return "\n\n".join(parts)


def _parameters(resource: Resource, indent: str) -> list[str]:
    lines = []
    for prop in _ordered(resource):
        default = "" if prop.required else " | None = None"
        lines.append(f"{indent}{prop.name}: {_input(prop.type)}{default},")
    lines.append(f"{indent}adopt: pulumi.Input[str] | None = None,")
    return lines


# -- regions ------------------------------------------------------------------------------------------------


def resource_classes(resource: Resource) -> list[str]:
    """``XxxArgs`` and the resource class, for the bottom of the resource's module."""
    name, common = resource.name, _common(resource)
    params = [(prop.name, prop_doc(prop, resource)) for prop in _ordered(resource)]
    params.append(("adopt", common["adopt"]))
    keywords = [("resource_name", common["resource_name"]), ("opts", common["opts"]), *params,
                ("connection", common["connection"])]
    lines = [
        f"class {name}Args(ResourceArgs):",
        *_docstring(f"The inputs of a :class:`{name}`, for passing them as one object.", "    "),
        "",
        "    def __init__(",
        "        self,",
        "        *,",
        *_parameters(resource, "        "),
        "    ) -> None:",
        *_docstring(f"The inputs of a {resource.kind}.", "        ", params),
        *(f"        self.{prop.name} = {prop.name}" for prop in _ordered(resource)),
        "        self.adopt = adopt",
        "",
        "",
        f'class {name}(OpenPanelResource, module="{DYNAMIC_MODULE}", name="{name}"):',
        *_docstring(class_doc(resource), "    "),
        "",
        f"    _provider_class = {name}Provider",
        f"    _args_class = {name}Args",
        "",
    ]
    for prop in resource.props:
        wrapped = _plain(prop.type) + (" | None" if prop.optional else "")
        lines += [f"    {prop.name}: pulumi.Output[{wrapped}]", *_docstring(prop_doc(prop, resource), "    ")]
    for out in resource.outs:
        wrapped = _plain(out.type) + (" | None" if out.optional else "")
        lines += [f"    {out.name}: pulumi.Output[{wrapped}]", *_docstring(out_doc(out), "    ")]
    lines += [
        "",
        "    @overload",
        "    def __init__(",
        "        self,",
        "        resource_name: str,",
        f"        args: {name}Args,",
        "        opts: pulumi.ResourceOptions | None = None,",
        "        *,",
        "        connection: Connection | None = None,",
        "    ) -> None:",
        *_docstring(
            f"Declare a {resource.kind} whose inputs are in a :class:`{name}Args`.",
            "        ",
            [(key, common[key]) for key in ("resource_name", "args", "opts", "connection")],
        ),
        "",
        "    @overload",
        "    def __init__(",
        "        self,",
        "        resource_name: str,",
        "        opts: pulumi.ResourceOptions | None = None,",
        "        *,",
        *_parameters(resource, "        "),
        "        connection: Connection | None = None,",
        "    ) -> None:",
        *_docstring(f"Declare a {resource.kind}.", "        ", keywords),
        "",
        "    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:",
        # What runs: help() shows this docstring, and the class's signature is the keyword form, set from
        # the schema by OpenPanelResource.__init_subclass__ (the overloads above exist only for IDEs). A list,
        # not :param fields, which the docs site would check against this (*args, **kwargs) signature.
        *_docstring(
            f"Declare a {resource.kind}: keyword arguments as below, or "
            f"``{name}(resource_name, {name}Args(...), opts)`` with the same inputs in a ``{name}Args``.\n\n"
            + "\n".join(f"- ``{key}``: {doc}" for key, doc in keywords),
            "        ",
        ),
        "        super().__init__(resource_name, *args, **kwargs)",
    ]
    return lines


def _field(prop: Prop, name: str, *, required: bool) -> str:
    """A pydantic field declaration for a prop (Literals as str: the server may add choices)."""
    plain = _plain(prop.type, literals=False)
    if required:
        return f"{name}: {plain}"
    if prop.is_list and prop.default is not None:
        return f"{name}: {plain} = Field(default_factory=list)"
    if prop.default is not None:
        return f"{name}: {plain} = {_value(prop.default)}"
    return f"{name}: {plain} | None = None"


def answer_fields(resource: Resource) -> list[str]:
    """The inputs as the server's answer holds them, leniently: an optional one may be missing."""
    return [_field(prop, prop.wire or prop.name, required=prop.required) for prop in resource.props]


def request_models() -> list[str]:
    """The create and update bodies of every resource: what the API takes at creation, what it can patch."""
    lines: list[str] = []
    for resource in schema.RESOURCES:
        for suffix, props in (
            ("Create", [prop for prop in resource.props if prop.at_create]),
            ("Update", [prop for prop in resource.props if not prop.replaces]),
        ):
            lines += ["", ""] if lines else []
            lines.append(f"class {resource.name}{suffix}(RequestModel):")
            nullable = sorted(prop.name for prop in props if prop.nullable)
            blank = sorted(prop.name for prop in props if prop.blank_clears) if suffix == "Update" else []
            for attribute, names in (("nullable", nullable), ("blank_clears", blank)):
                if names:
                    lines.append(f"    {attribute} = frozenset({{{', '.join(json.dumps(n) for n in names)}}})")
            for prop in props:
                if suffix == "Create":
                    lines.append("    " + _field(prop, prop.name, required=prop.required))
                else:
                    lines.append(f"    {prop.name}: {_plain(prop.type, literals=False)} | None = None")
    return lines


def inputs_table(resource: Resource) -> list[str]:
    """The signature line and the inputs table of the resource's page in the docs (docs/resources/)."""
    arguments = [prop.name for prop in _ordered(resource) if prop.required]
    arguments += [
        f"{prop.name}={_value(None if prop.is_list else prop.default)}" for prop in _ordered(resource)
        if not prop.required
    ]
    signature = f"`openpanel.{resource.name}(resource_name, *, {', '.join(arguments)}, adopt=None, connection=None, " \
        f"opts=None)`, or `openpanel.{resource.name}(resource_name, openpanel.{resource.name}Args(...), opts)`"
    lines = [signature, "", "| input | rules | change |", "|---|---|---|"]
    for prop in resource.props:
        lines.append(f"| `{prop.name}` | {rules(prop)} | {'**replace**' if prop.replaces else 'update'} |")
    return [*lines, ""]  # a blank line ends the table before the END comment


# -- the provider plugin's Pulumi schema ---------------------------------------------------------------------

PLUGIN_DIR = REPOSITORY / "provider"
SCHEMA_FILE = PLUGIN_DIR / "schema.json"

_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number"}

# What a lookup's result holds beyond the resources' inputs (whose words are the resources').
_RESULT_WORDS = {
    "id": "The object's id.",
    "organizationId": "The id of the organization it belongs to.",
    "eventsCount": "How many events the project has received, when the server says.",
    "deleteAt": "When a soft-deleted project goes for good; none for a live project.",
    "createdAt": "When it was created, as the server answers it.",
    "updatedAt": "When it last changed, as the server answers it.",
    "deleted": "Whether the project is soft-deleted (OpenPanel keeps it for a day).",
    "ignoreCorsAndSecret": "OpenPanel's *ignore CORS and secret* setting of the client.",
    "date": "When it happened, UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.",
    "name": "Its name.",
    "projectId": "The id of the project it belongs to.",
}
# Fields whose general words above fit a lookup's result better than the resources' input rules.
_GENERAL = {"id", "name", "projectId"}


def _schema_type(value_type: Any) -> dict[str, Any]:
    """A Python type of schema.py (or of a wire model) as a Pulumi schema type; a Literal is a string whose
    choices the description lists (the server may add choices before the schema does)."""
    if typing.get_origin(value_type) is list:
        return {"type": "array", "items": _schema_type(typing.get_args(value_type)[0])}
    if typing.get_origin(value_type) is Literal:
        return {"type": "string"}
    return {"type": _SCALARS[value_type]}


def _markdown(text: str, resource: Resource | None = None) -> str:
    """A docstring of schema.py as schema Markdown: single backticks, names as every other language spells
    them (``client_secret`` -> `clientSecret`)."""
    text = inspect.cleandoc(text)
    return re.sub(r"``([^`]+)``", lambda match: f"`{camel(match[1]) if '_' in match[1] else match[1]}`", text)


def _resource_schema(resource: Resource) -> dict[str, Any]:
    inputs = {camel(prop.name): {**_schema_type(prop.type), "description": prop_doc(prop, resource)}
              for prop in resource.in_call_order}
    outputs = dict(inputs)
    for out in resource.outs:
        outputs[camel(out.name)] = {**_schema_type(out.type), "description": out_doc(out),
                                    **({"secret": True} if out.secret else {})}
    always = [camel(prop.name) for prop in resource.in_call_order if not prop.optional]
    always += [camel(out.name) for out in resource.outs if not out.optional]
    replaced = [f"`{camel(prop.name)}`" for prop in resource.props if prop.replaces]
    change = (f"Changing {_listed(replaced)} replaces the {resource.kind}; any other input is updated in place."
              if replaced else f"Every input is updated in place; none replaces the {resource.kind}.")
    return {
        "description": f"{_markdown(resource.doc)}\n\n{change}\n\n"
                       f"Import an existing one with `pulumi import {package.token(resource.name)} <name> <id>`.",
        "inputProperties": inputs,
        "requiredInputs": [camel(prop.name) for prop in resource.in_call_order if prop.required],
        "properties": outputs,
        "required": always,
    }


def _result_properties(model: Any) -> tuple[dict[str, Any], list[str]]:
    docs = {camel(prop.name): _sentence(rules(prop)) for resource in schema.RESOURCES for prop in resource.props}
    properties = {}
    for field in package.result_fields(model):
        general = field.name in _GENERAL or field.name not in docs
        words = _RESULT_WORDS[field.name] if general else docs[field.name]
        properties[field.name] = {**_schema_type(field.type), "description": words}
    return properties, [field.name for field in package.result_fields(model) if field.required]


def _info_type(model: Any) -> str:
    return package.token(f"{model.__name__}Info")


def _function_schema(function: package.Function) -> dict[str, Any]:
    spec: dict[str, Any] = {"description": function.doc}
    if function.args:
        spec["inputs"] = {
            "properties": {camel(arg.name): {"type": "string", "description": arg.doc} for arg in function.args},
            "required": [camel(arg.name) for arg in function.args if arg.required],
        }
    if function.many is None:
        properties, required = _result_properties(function.result)
        spec["outputs"] = {"properties": properties, "required": required}
    else:
        spec["outputs"] = {
            "properties": {function.many: {"type": "array", "items": {"$ref": f"#/types/{_info_type(function.result)}"},
                                           "description": f"The {function.many}."}},
            "required": [function.many],
        }
    return spec


def _settings_schema() -> dict[str, Any]:
    return {setting.name: {**_schema_type(setting.type), "description": setting.doc,
                           **({"secret": True} if setting.secret else {})} for setting in package.PROVIDER_SETTINGS}


def package_schema() -> dict[str, Any]:
    """The Pulumi package schema of the provider plugin: every resource, lookup and setting, from the same
    declarations the dynamic door reads."""
    from pulumi_openpanel._version import __version__

    types: dict[str, Any] = {}
    for function in package.FUNCTIONS:
        if function.many is not None:
            properties, required = _result_properties(function.result)
            types[_info_type(function.result)] = {
                "type": "object", "description": f"One {function.result.__name__.lower()}, as a lookup gives it.",
                "properties": properties, "required": required}
    return {
        "name": package.NAME,
        "displayName": package.DISPLAY_NAME,
        "version": __version__,
        "description": "Declare OpenPanel analytics projects, API clients and timeline references.",
        "keywords": ["pulumi", "openpanel", "analytics", "category/utility", "kind/native"],
        "license": "Apache-2.0",
        "repository": package.REPOSITORY_URL,
        "publisher": package.DISPLAY_NAME,
        "config": {"variables": _settings_schema()},
        "provider": {
            "description": "The openpanel provider: which OpenPanel server and organization to manage. Each setting "
                           "not given falls back to its environment variable (`OPENPANEL_API_URL`, "
                           "`OPENPANEL_CLIENT_ID`, `OPENPANEL_CLIENT_SECRET`, ...), read when a call is made.",
            "inputProperties": _settings_schema(),
        },
        "types": types,
        "resources": {package.token(resource.name): _resource_schema(resource) for resource in schema.RESOURCES},
        "functions": {function.token: _function_schema(function) for function in package.FUNCTIONS},
        "language": {
            "nodejs": {"packageName": package.NODE_PACKAGE, "packageDescription": "OpenPanel resources for Pulumi",
                       "respectSchemaVersion": True},
            "python": {"packageName": package.PYTHON_PACKAGE, "respectSchemaVersion": True,
                       "pyproject": {"enabled": True}},
            "go": {"importBasePath": package.GO_IMPORT_BASE, "respectSchemaVersion": True,
                   "generateResourceContainerTypes": False},
        },
    }


def schema_text() -> str:
    return json.dumps(package_schema(), indent=2, ensure_ascii=False) + "\n"


def plugin_requirements() -> str:
    """The plugin virtualenv's requirements: the package's own dependencies (pyproject.toml), since the plugin
    runs the package from the checkout beside it."""
    import tomllib

    dependencies = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    header = "# Generated from pyproject.toml by scripts/generate.py: the plugin virtualenv (PulumiPlugin.yaml).\n"
    return header + "".join(f"{dependency}\n" for dependency in dependencies)


def files() -> dict[Path, Callable[[], str]]:
    """Every file written whole by the generator."""
    return {SCHEMA_FILE: schema_text, PLUGIN_DIR / "requirements.txt": plugin_requirements}


def regions() -> dict[Path, dict[str, Callable[[], list[str]]]]:
    """Every generated region, by file and key."""
    targets: dict[Path, dict[str, Callable[[], list[str]]]] = {
        PACKAGE / "api" / "models.py": {"requests": request_models},
    }
    for resource in schema.RESOURCES:
        key = resource.kind
        targets[PACKAGE / f"{key}.py"] = {f"{key}-classes": functools.partial(resource_classes, resource)}
        targets[PACKAGE / "api" / "models.py"][f"{key}-answer"] = functools.partial(answer_fields, resource)
        targets[REPOSITORY / "docs" / "resources" / f"{key}.md"] = {
            f"{key}-inputs": functools.partial(inputs_table, resource)}
    return targets


def render(text: str, renderers: dict[str, Callable[[], list[str]]], where: str) -> str:
    """``text`` with each generated region replaced by what its renderer makes now."""
    lines, out, seen = text.split("\n"), [], set()
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        begin = _BEGIN.match(line)
        if begin is None:
            continue
        key, indent = begin["key"], begin["indent"]
        if key not in renderers:
            raise ValueError(f"{where}: no generator for region {key!r}")
        end = next((i for i in range(index, len(lines)) if f"{_END} {key}" in lines[i]), None)
        if end is None:
            raise ValueError(f"{where}: region {key!r} has no '{_END} {key}' line")
        out += [f"{indent}{generated}" if generated else "" for generated in renderers[key]()]
        out.append(lines[end])
        index = end + 1
        seen.add(key)
    missing = set(renderers) - seen
    if missing:
        raise ValueError(f"{where}: missing generated region(s) {', '.join(sorted(missing))}")
    return "\n".join(out)


def stale() -> dict[Path, str]:
    """The files whose generated regions differ from what the schema gives now, with their new text."""
    changed = {}
    for path, make in files().items():
        fresh = make()
        if not path.exists() or path.read_text(encoding="utf-8") != fresh:
            changed[path] = fresh
    for path, renderers in regions().items():
        current = path.read_text(encoding="utf-8")
        fresh = render(current, renderers, str(path))
        if fresh != current:
            changed[path] = fresh
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write the typed parts of the package from schema.py.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file is out of date")
    args = parser.parse_args(argv)
    changed = stale()
    for path, text in changed.items():
        shown = path.relative_to(REPOSITORY)
        if args.check:
            print(f"{shown} is out of date: run {COMMAND}", file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {shown}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
