"""The TypeScript, Go and YAML snippets of the documentation use only names the provider plugin's schema has.

The Python programs run in test_docs_programs.py; the other languages' snippets are checked here against
provider/schema.json, the source of every SDK: each input a snippet gives a resource, each output it reads
from one, each lookup it calls and each argument it passes must be in the schema, spelt as that language's
SDK spells it (camelCase in TypeScript and YAML, PascalCase for Go fields). A snippet written from memory
(`project_id:` in TypeScript, `CrossDomains` in Go, `${web.secret}` on a project) fails here, offline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml

from tests.docs.pages import REPO_ROOT, Block, all_blocks

SCHEMA = json.loads((REPO_ROOT / "provider" / "schema.json").read_text(encoding="utf-8"))
RESOURCES = {token.rsplit(":", 1)[1]: spec for token, spec in SCHEMA["resources"].items()}
RESOURCES["Provider"] = SCHEMA["provider"]
FUNCTIONS = {token.rsplit(":", 1)[1]: spec for token, spec in SCHEMA["functions"].items()}
LANGUAGES = {"typescript": "ts", "ts": "ts", "go": "go", "yaml": "yaml", "yml": "yaml"}
# What every custom resource has besides its schema properties, as each SDK spells it.
BUILT_IN = {"ts": {"id", "urn"}, "go": {"ID", "URN"}, "yaml": {"id", "urn"}}
# The pages whose subject is declaring resources must show them in every language.
RESOURCE_PAGES = {"resources/project.md": "Project", "resources/client.md": "Client",
                  "resources/reference.md": "Reference"}


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def inputs_of(kind: str) -> set[str]:
    return set(RESOURCES[kind].get("inputProperties", {}))


def outputs_of(kind: str) -> set[str]:
    return set(RESOURCES[kind].get("properties", {}))


def function_inputs(name: str) -> set[str]:
    return set((FUNCTIONS[name].get("inputs") or {}).get("properties", {}))


def code_only(source: str) -> str:
    """The source with the text of string literals and line comments blanked out: a URL's
    ``shop.example.com`` is not an attribute access."""
    return re.sub(r'"[^"\n]*"|`[^`]*`|//[^\n]*', lambda found: found[0][:1] + " " * (len(found[0]) - 1), source)


def top_level_keys(source: str, opening: int) -> tuple[list[str], int]:
    """The keys of the object literal or composite literal whose ``{`` is at ``opening``: every ``name:``
    directly inside it (not in a nested value), and the index after its ``}``."""
    keys: list[str] = []
    depth = 0
    index = opening
    while index < len(source):
        char = source[index]
        if char in "\"'`":
            end = source.index(char, index + 1)
            index = end + 1
            continue
        if source.startswith("//", index):
            index = source.find("\n", index)
            continue
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return keys, index + 1
        elif depth == 1:
            key = re.match(r"(\w+)\s*:(?!=)", source[index:])
            before = source[:index].rstrip()[-1:]
            if key and before in ("{", ","):
                keys.append(key[1])
                index += key.end()
                continue
        index += 1
    raise AssertionError(f"unclosed literal at {opening}")


def problems_ts(source: str) -> Iterator[str]:
    declared: dict[str, str] = {}
    for found in re.finditer(r"(?:const|let)\s+(\w+)\s*=\s*new\s+openpanel\.(\w+)\(", source):
        declared[found[1]] = found[2]
    for found in re.finditer(r"new\s+openpanel\.(\w+)\(\s*\"[^\"]*\"\s*,\s*\{", source):
        kind = found[1]
        if kind not in RESOURCES:
            yield f"openpanel.{kind}: no such resource"
            continue
        keys, _ = top_level_keys(source, found.end() - 1)
        yield from (f"{kind} has no input {key!r}" for key in keys if key not in inputs_of(kind))
    for found in re.finditer(r"openpanel\.(get\w+?)(Output)?\(", source):
        name = found[1]
        if name not in FUNCTIONS:
            yield f"openpanel.{name}: no such lookup"
            continue
        rest = source[found.end():].lstrip()
        if rest.startswith("{"):
            keys, _ = top_level_keys(rest, 0)
            yield from (f"{name} has no argument {key!r}" for key in keys if key not in function_inputs(name))
    for variable, kind in declared.items():
        if kind not in RESOURCES or kind == "Provider":
            continue
        for attribute in re.findall(rf"\b{variable}\.(\w+)", code_only(source)):
            if attribute not in outputs_of(kind) | BUILT_IN["ts"]:
                yield f"{kind} has no output {attribute!r} ({variable}.{attribute})"


def problems_go(source: str) -> Iterator[str]:
    for found in re.finditer(r"openpanel\.(\w+)Args\{", source):
        kind = found[1]
        if kind not in RESOURCES:
            yield f"openpanel.{kind}Args: no such resource"
            continue
        keys, _ = top_level_keys(source, found.end() - 1)
        allowed = {pascal(name) for name in inputs_of(kind)}
        yield from (f"{kind}Args has no field {key!r}" for key in keys if key not in allowed)
    for variable, kind in re.findall(r"(\w+),\s*err\s*:?=\s*openpanel\.New(\w+)\(", source):
        if kind not in RESOURCES:
            yield f"openpanel.New{kind}: no such resource"
            continue
        allowed = {pascal(name) for name in outputs_of(kind)} | BUILT_IN["go"]
        for attribute in re.findall(rf"\b{variable}\.(\w+)", code_only(source)):
            if attribute not in allowed:
                yield f"{kind} has no output {attribute!r} ({variable}.{attribute})"


def problems_yaml(source: str) -> Iterator[str]:
    program = yaml.safe_load(source)
    kinds: dict[str, str] = {}
    for name, resource in (program.get("resources") or {}).items():
        token = resource["type"]
        if token == "pulumi:providers:openpanel":
            kind = "Provider"
        elif token.startswith("openpanel:"):
            kind = token.rsplit(":", 1)[1]
            if not re.fullmatch(r"openpanel:(index:)?\w+", token) or kind not in RESOURCES:
                yield f"{token}: no such resource"
                continue
        else:
            continue
        kinds[name] = kind
        yield from (f"{kind} has no input {key!r}" for key in resource.get("properties") or {}
                    if key not in inputs_of(kind))
    for name, variable in (program.get("variables") or {}).items():
        invoke = variable.get("fn::invoke") if isinstance(variable, dict) else None
        if invoke is None:
            continue
        function = invoke["function"].rsplit(":", 1)[1]
        if function not in FUNCTIONS:
            yield f"{invoke['function']}: no such lookup ({name})"
            continue
        yield from (f"{function} has no argument {key!r}" for key in invoke.get("arguments") or {}
                    if key not in function_inputs(function))
    for name, attribute in re.findall(r"\$\{([\w-]+)\.(\w+)", source):
        kind = kinds.get(name)
        if kind and kind != "Provider" and attribute not in outputs_of(kind) | BUILT_IN["yaml"]:
            yield f"{kind} has no output {attribute!r} ({name}.{attribute})"


CHECKS = {"ts": problems_ts, "go": problems_go, "yaml": problems_yaml}


def problems(block: Block) -> list[str]:
    return list(CHECKS[LANGUAGES[block.language]](block.source))


def plugin_blocks() -> list[Block]:
    """The snippets that use the plugin: TypeScript and Go importing its SDK, YAML naming its types."""
    marks = {"ts": r"openpanel\.", "go": r"openpanel\.",
             "yaml": r"type:\s*(openpanel:|pulumi:providers:openpanel)|openpanel:index:get"}
    return [block for block in all_blocks()
            if block.language in LANGUAGES and re.search(marks[LANGUAGES[block.language]], block.source)]


@pytest.mark.parametrize("block", plugin_blocks(), ids=lambda block: f"{block.where}:{block.language}")
def test_snippets_use_only_names_the_schema_has(block: Block) -> None:
    assert problems(block) == []


@pytest.mark.parametrize(("page", "kind"), sorted(RESOURCE_PAGES.items()))
def test_each_resource_page_declares_its_resource_in_typescript_go_and_yaml(page: str, kind: str) -> None:
    # Without this the check above could pass by finding nothing: a page whose tabs lost a language, or
    # a parser that stopped seeing indented fences.
    shown = {LANGUAGES[block.language] for block in plugin_blocks() if block.page == page
             and re.search(rf"openpanel\.{kind}\(|openpanel\.{kind}Args\{{|openpanel:index:{kind}\b", block.source)}
    assert shown == {"ts", "go", "yaml"}, (page, shown)


WRONG = {
    "ts": 'const web = new openpanel.Project("web", { name: "Web", project_id: "x", crossDomain: true });\n'
          "export const s = web.secret;\n"
          'const c = openpanel.getClientsOutput({ project: web.id });\n',
    "go": 'web, err := openpanel.NewProject(ctx, "web", &openpanel.ProjectArgs{\n'
          '\tName: pulumi.String("Web"),\n\tCrossDomains: pulumi.Bool(true),\n})\nctx.Export("s", web.Secret)\n',
    "yaml": "resources:\n  web:\n    type: openpanel:index:Project\n    properties:\n      name: Web\n"
            "      cross_domain: true\noutputs:\n  s: ${web.secret}\n",
}


@pytest.mark.parametrize("language", sorted(WRONG))
def test_the_check_catches_names_the_schema_lacks(language: str) -> None:
    found = list(CHECKS[language](WRONG[language]))
    expected = {
        "ts": ["Project has no input 'project_id'", "getClients has no argument 'project'",
               "Project has no output 'secret' (web.secret)"],
        "go": ["ProjectArgs has no field 'CrossDomains'", "Project has no output 'Secret' (web.Secret)"],
        "yaml": ["Project has no input 'cross_domain'", "Project has no output 'secret' (web.secret)"],
    }[language]
    assert found == expected


def test_the_check_accepts_every_input_of_the_schema() -> None:
    # The other side: a snippet giving each resource every input it has passes.
    for kind in ("Project", "Client", "Reference"):
        body = ", ".join(f'{name}: "x"' for name in sorted(inputs_of(kind)))
        assert list(problems_ts(f'const r = new openpanel.{kind}("r", {{ {body} }});\n')) == [], kind
