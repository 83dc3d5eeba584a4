"""Every install hint works today: until the first release pulumi-openpanel is on no package index, so a
hint that offers only `pip install "pulumi-openpanel[...]"` (the name alone) sends a user into "No matching
distribution found".

The docs, the README and the requirements files are read as text: a paragraph (or code block, or table
row) that names the package by name alone must also offer a form that installs now (a clone's path, a git
URL) or say that the name works once released. The command's own hints are not written out at all: they
come from pulumi_openpanel.install_source, which knows how the running copy was installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from pulumi_openpanel import cli
from pulumi_openpanel.install_source import install_command
from tests.docs.pages import DOCS, REPO_ROOT
from tests.support.imports import command_without

PACKAGE = REPO_ROOT / "pulumi_openpanel"
# The package by its name alone, as pip would look it up on an index (not a path ending in the name, not
# `name @ URL`).
_BY_NAME = r"(?<![\w/.@+-])pulumi-openpanel(?:\[[\w,]+\])?(?![\w/-])(?!\s*@)(?![^\n`\"']*@ )"
PIP_BY_NAME = re.compile(rf"pip install [^\n`|]*?{_BY_NAME}")
QUOTED_BY_NAME = re.compile(rf"\"{_BY_NAME}\"")
# What makes such a unit true today: a form that installs now, or the condition under which the name does.
WORKS_NOW = re.compile(r"git\+|/path/to/pulumi-openpanel|-e \.\.?/|\brelease")


def text_files() -> list[Path]:
    """The README, the docs pages, and every requirements file of the repository's projects."""
    requirements = [path for path in REPO_ROOT.rglob("requirements*.txt")
                    if not {".venv", "venv", "site", ".git"} & set(path.relative_to(REPO_ROOT).parts)]
    return [REPO_ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted(requirements)]


def units(text: str, *, lines_only: bool = False) -> list[str]:
    """Paragraphs, code blocks and table rows: the stretches a reader takes in as one hint (in a
    requirements file, each line: its comments are read on their own)."""
    if lines_only:
        return text.split("\n")
    found: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        lines = paragraph.split("\n")
        if all(line.lstrip().startswith("|") for line in lines if line.strip()):
            found.extend(lines)
        else:
            found.append(paragraph)
    return found


def hints_by_name_only(text: str, *, lines_only: bool = False) -> list[str]:
    return [unit for unit in units(text, lines_only=lines_only)
            if (PIP_BY_NAME.search(unit) or QUOTED_BY_NAME.search(unit)) and not WORKS_NOW.search(unit)]


@pytest.mark.parametrize("path", text_files(), ids=lambda path: path.relative_to(REPO_ROOT).as_posix())
def test_no_doc_offers_only_the_unpublished_name(path: Path) -> None:
    assert hints_by_name_only(path.read_text(encoding="utf-8"), lines_only=path.suffix == ".txt") == []


def test_the_check_itself_tells_the_two_apart() -> None:
    # What the old policy page and the examples' requirements said, and what they say now.
    assert hints_by_name_only('```sh\nvenv/bin/pip install "pulumi-openpanel[policy]"   # into your venv\n```')
    assert hints_by_name_only('# elsewhere, list "pulumi-openpanel" instead.\n-e ../..', lines_only=True)
    assert hints_by_name_only("| missing | the extra | `pip install pulumi-openpanel[emulator]` |")
    assert not hints_by_name_only('pip install "pulumi-openpanel[emulator] @ git+<clone URL>@<tag>"')
    assert not hints_by_name_only('pip install "/path/to/pulumi-openpanel[emulator]"')
    assert not hints_by_name_only("Once released, `pip install pulumi-openpanel` is all it takes.")


def test_the_package_writes_no_install_command_of_its_own() -> None:
    # One place knows how the package was installed; every hint asks it.
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "install_source.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "pip install" not in text and "pulumi-openpanel[" not in text, path.relative_to(REPO_ROOT)


def test_this_checkout_is_told_to_install_its_extras_from_itself() -> None:
    assert install_command("emulator") == f'pip install -e "{REPO_ROOT}[emulator]"'


def test_the_emulator_without_its_extra_names_a_command_that_works() -> None:
    # The web stack cannot be imported (as without the extra): the command stops before serving.
    done = command_without("starlette", "emulator", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("pulumi-openpanel emulator: a dependency is missing (starlette"), done.stderr
    assert done.stderr.rstrip().endswith(f"Install the emulator extra: {install_command('emulator')}"), done.stderr


def test_a_module_of_the_package_itself_missing_asks_for_the_package_again(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The subcommand's module itself cannot be imported: no extra brings it, installing the package does.
    monkeypatch.setitem(sys.modules, "pulumi_openpanel.emulator.cli", None)
    assert cli.main(["emulator"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pulumi-openpanel emulator: a dependency is missing (pulumi_openpanel.emulator.cli)"), err
    assert err.rstrip().endswith(f"Install the package again: {install_command()}"), err
