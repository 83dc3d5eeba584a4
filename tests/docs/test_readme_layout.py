"""The README's layout table is the package's tree: every module and subpackage, each with its role, and
nothing that is not there. It is the first map a newcomer reads, so it must not lag a move (issue 21: it
called the run-over detection a rate limiter and left five modules out).

The table is the first code block under "## Layout": ``pulumi_openpanel/`` at the margin, then one entry a
line, indented two spaces a level: a name (``x.py``, or ``folder/`` opening a level) and its role."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.pages import REPO_ROOT

PACKAGE = REPO_ROOT / "pulumi_openpanel"
_ENTRY = re.compile(r"^(?P<indent>(?:  )*)(?P<name>[\w.]+/?)(?: {2,}(?P<role>\S.*))?$")


def layout_block() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1]
    block = section.split("```\n", 2)[1]
    return block.splitlines()


def named_in_layout() -> dict[str, str]:
    """``{path relative to the package: role}`` for every entry under ``pulumi_openpanel/`` (folders end
    with ``/``)."""
    lines = layout_block()
    assert lines[0].startswith("pulumi_openpanel/"), lines[0]
    named: dict[str, str] = {}
    folders: list[str] = []
    for line in lines[1:]:
        if not line.startswith("  "):
            break  # the package's block ends at the next line at the margin (scripts/, examples/ ...)
        entry = _ENTRY.match(line)
        assert entry is not None, f"not 'name  role': {line!r}"
        depth = len(entry["indent"]) // 2
        assert 1 <= depth <= len(folders) + 1, f"indented past its folder: {line!r}"
        del folders[depth - 1:]
        path = "".join(folders) + entry["name"]
        assert entry["role"], f"{path} has no role"
        assert path not in named, f"{path} named twice"
        named[path] = entry["role"]
        if entry["name"].endswith("/"):
            folders.append(entry["name"])
    return named


def in_tree() -> set[str]:
    """Every module and every package folder of the package, relative to it; a package's ``__init__.py``
    is its folder's line (named on its own only where it holds more than the folder says)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py":
            if relative.parent != Path("."):
                found.add(relative.parent.as_posix() + "/")
        else:
            found.add(relative.as_posix())
    return found


def test_the_layout_table_names_every_module_and_subpackage_and_nothing_else() -> None:
    named = named_in_layout()
    tree = in_tree()
    inits = {path for path in named if path.endswith("__init__.py")}
    assert tree - set(named) == set(), "modules the README's layout table omits"
    assert set(named) - inits - tree == set(), "entries in the README's layout table that the tree lacks"
    assert {path for path in inits if not (PACKAGE / path).is_file()} == set()


def test_the_layout_table_keeps_the_resource_modules_stacks_record_at_the_root() -> None:
    # The state-format rule: Pulumi pickles each provider by its class's module path; the README says so.
    named = named_in_layout()
    for module in ("project.py", "client.py", "reference.py"):
        assert "the path stacks record" in named[module], module
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for provider in ("project.ProjectProvider", "client.ClientProvider", "reference.ReferenceProvider"):
        assert f"`pulumi_openpanel.{provider}`" in readme, provider
    assert "tests/fixtures/old_state/" in readme
