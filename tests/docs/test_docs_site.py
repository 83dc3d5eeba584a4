"""The documentation site builds, strictly, and its pages and code blocks hold together.

`mkdocs build --strict` with the validation settings of mkdocs.yml fails on a broken link or anchor and on
a page left out of the nav; the build runs here into a temporary directory, as CI does. The code blocks
are checked for syntax; the programs among them run in test_docs_programs.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml

from tests.docs.pages import DOCS, MKDOCS_YML, REPO_ROOT, Block, all_blocks, nav_pages, pages, programs

# The pages that promise a runnable program (their subject is something you declare).
PAGES_WITH_PROGRAMS = {
    "index.md",
    "resources/project.md",
    "resources/client.md",
    "resources/reference.md",
    "lookups.md",
    "configuration.md",
}


def test_the_site_builds_strictly_and_renders_the_api_reference(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(MKDOCS_YML),
         "--site-dir", str(site)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not re.search(r"^WARNING", done.stderr, re.MULTILINE), done.stderr

    for page in nav_pages():
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), f"{page} was not built"
    # mkdocstrings rendered the objects (a `:::` line it did not handle would stay in the page as text).
    reference = (site / "api" / "resources" / "index.html").read_text(encoding="utf-8")
    for name in ("Project", "ProjectArgs", "Client", "ClientArgs", "Reference", "ReferenceArgs"):
        assert f'id="pulumi_openpanel.{name}"' in reference, name
    for html in site.rglob("*.html"):
        assert "::: pulumi_openpanel" not in html.read_text(encoding="utf-8"), html
    assert_signatures_are_formatted(reference)


def signatures(page: str) -> list[str]:
    """The text of every signature block (`separate_signature`) of a rendered API page."""
    found = re.findall(r'<div class="doc-signature[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)
    return [unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in found]


def assert_signatures_are_formatted(page: str) -> None:
    """mkdocstrings lays signatures out only when a formatter (ruff or black) is importable; without one,
    each overload of `Project(...)` is a single line cut off at the page's edge. Formatted, each parameter
    has a line of its own, and none is broken in two (`line_length` fits the longest)."""
    shown = signatures(page)
    overloads = [text for text in shown if text.startswith("Project(") and "name: Input[str]," in text]
    assert overloads, shown[:3]
    lines = overloads[0].splitlines()
    assert lines[0] == "Project(" and lines[-1] == ")", overloads[0]
    assert "    name: Input[str]," in lines and "    connection: Connection | None = None," in lines, lines
    for text in (text for text in shown if re.fullmatch(r"\w+\(", text.splitlines()[0])):
        inner = text.splitlines()[1:-1]
        broken = [line for line in inner if line.startswith("    ") and not line.rstrip().endswith((",", "*"))]
        assert not broken, f"a parameter broken over lines: {text}"


def test_the_docs_extra_brings_a_signature_formatter() -> None:
    # The docs build alone (pip install ".[docs]") must lay the signatures out, not only a dev install.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()  # as text: tomllib needs Python 3.11
    docs_extra = pyproject.split("\ndocs = [", 1)[1].split("\n]", 1)[0]
    assert re.search(r'"(ruff|black)>=', docs_extra), docs_extra
    options = yaml.safe_load(MKDOCS_YML.read_text())["plugins"]
    python = next(p["mkdocstrings"] for p in options if isinstance(p, dict) and "mkdocstrings" in p)
    handler = python["handlers"]["python"]["options"]
    assert handler["separate_signature"] is True and isinstance(handler.get("line_length"), int)


def test_every_page_is_in_the_nav_once() -> None:
    listed = nav_pages()
    assert sorted(listed) == pages()
    assert len(listed) == len(set(listed))


def python_blocks() -> list[Block]:
    return [block for block in all_blocks() if block.language in ("python", "py")]


@pytest.mark.parametrize("block", python_blocks(), ids=lambda block: block.where)
def test_python_blocks_are_valid_python(block: Block) -> None:
    compile(block.source, block.where, "exec")


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.language in ("yaml", "yml")],
                         ids=lambda block: block.where)
def test_yaml_blocks_are_valid_yaml(block: Block) -> None:
    assert yaml.safe_load(block.source) is not None


def test_the_pages_about_declaring_things_carry_programs() -> None:
    with_programs = {block.page for block in programs()}
    assert with_programs >= PAGES_WITH_PROGRAMS, PAGES_WITH_PROGRAMS - with_programs


def test_programs_and_fragments_are_told_apart_by_their_first_line() -> None:
    # A program is a whole __main__.py; a fragment continues one (no imports) and is not run.
    for block in python_blocks():
        declares = "openpanel." in block.source
        if block.is_program:
            assert "import pulumi_openpanel as openpanel" in block.source, block.where
        elif declares:
            assert not re.search(r"^import ", block.source, re.MULTILINE), (
                f"{block.where}: a fragment that imports: make it a program (first line `import pulumi`) or "
                "drop the imports"
            )


def test_code_blocks_are_found_in_every_page_that_has_fences() -> None:
    # The fence parser must not miss blocks: count the opening fences another way.
    for page in pages():
        text = (DOCS / page).read_text(encoding="utf-8")
        fences = len(re.findall(r"^[ \t]*```", text, re.MULTILINE))
        parsed = [block for block in all_blocks() if block.page == page]
        assert fences == 2 * len(parsed), page
