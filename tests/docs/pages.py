"""The documentation site's pages and the code blocks in them, as the docs tests read them.

A code block is a fenced block (```` ``` ```` or ``~~~``, possibly indented inside an admonition). A
**program** is a ```` ```python ```` block whose first line imports Pulumi (``import pulumi`` or
``import pulumi_openpanel ...``): a whole ``__main__.py`` that the docs tests run with ``pulumi up``
and ``pulumi destroy``. Every other Python block is a fragment, checked only for syntax; so a fragment
must not start with such an import, and a program must need nothing from outside (no config, no ids).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
MKDOCS_YML = REPO_ROOT / "mkdocs.yml"

_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_PROGRAM_FIRST_LINE = re.compile(r"^import pulumi(_openpanel)?(\s|$)")


@dataclass(frozen=True)
class Block:
    page: str  # relative to docs/, e.g. "resources/project.md"
    line: int  # 1-based line of the opening fence
    language: str
    source: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_program(self) -> bool:
        first = self.source.lstrip("\n").split("\n", 1)[0]
        return self.language in ("python", "py") and bool(_PROGRAM_FIRST_LINE.match(first))


def pages() -> list[str]:
    return sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def blocks(page: str) -> list[Block]:
    """Every fenced code block of a page, dedented to its fence."""
    lines = (DOCS / page).read_text(encoding="utf-8").split("\n")
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _OPENING.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page}:{index + 1}: code block never closed")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in lines[index + 1:end])
        language = opening["info"].split()[0] if opening["info"].split() else ""
        found.append(Block(page, index + 1, language, textwrap.dedent(body) + "\n"))
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in blocks(page)]


def programs() -> list[Block]:
    return [block for block in all_blocks() if block.is_program]


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists, in order."""
    config = yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8"))

    def walk(entry: Any) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, list):
            return [page for item in entry for page in walk(item)]
        if isinstance(entry, dict):
            return [page for value in entry.values() for page in walk(value)]
        raise AssertionError(f"unexpected nav entry {entry!r}")

    return walk(config["nav"])
