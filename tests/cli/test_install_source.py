"""adopt's requirements.txt, and the command's install hints, install the package the way the running copy was
installed (PEP 610)."""

from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

import pytest

from pulumi_openpanel._version import __version__
from pulumi_openpanel.install_source import (
    EXTRA_OF_MODULE,
    install_command,
    install_command_for,
    installed_requirement,
    requirement_for,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("direct_url", "expected"), [
    (None, f"pulumi-openpanel>={__version__}"),
    ({"url": "file:///src/pulumi-openpanel", "dir_info": {"editable": True}}, "-e /src/pulumi-openpanel"),
    ({"url": "file:///src/pulumi-openpanel", "dir_info": {}}, "/src/pulumi-openpanel"),
    ({"url": "file:///src/my%20copy", "dir_info": {}}, "/src/my copy"),
    ({"url": "file:///tmp/dist/pulumi_openpanel-0.1.0-py3-none-any.whl", "archive_info": {}},
     "pulumi-openpanel @ file:///tmp/dist/pulumi_openpanel-0.1.0-py3-none-any.whl"),
    ({"url": "https://git.example.com/team/pulumi-openpanel.git",
      "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "v0.1.0"}},
     "pulumi-openpanel @ git+https://git.example.com/team/pulumi-openpanel.git@v0.1.0"),
    ({"url": "https://git.example.com/team/pulumi-openpanel.git", "vcs_info": {"vcs": "git", "commit_id": "0123abc"}},
     "pulumi-openpanel @ git+https://git.example.com/team/pulumi-openpanel.git@0123abc"),
])
def test_each_recorded_origin_gives_a_requirement_that_installs_it(direct_url: dict[str, object] | None,
                                                                   expected: str) -> None:
    assert requirement_for(direct_url) == expected


def test_this_editable_checkout_is_named_by_its_path() -> None:
    assert installed_requirement() == f"-e {REPO_ROOT}"


def test_adopt_writes_that_requirement(tmp_path: Path) -> None:
    from pulumi_openpanel.cli.adopt import write_project

    write_project(tmp_path, "import pulumi_openpanel\n", "adopted")
    requirements = (tmp_path / "requirements.txt").read_text().splitlines()
    assert requirements == ["pulumi>=3.271,<4", f"-e {REPO_ROOT}"]


@pytest.mark.parametrize(("direct_url", "expected"), [
    (None, f'pip install "pulumi-openpanel[emulator]>={__version__}"'),
    ({"url": "file:///src/pulumi-openpanel", "dir_info": {"editable": True}},
     'pip install -e "/src/pulumi-openpanel[emulator]"'),
    ({"url": "file:///src/my%20copy", "dir_info": {}}, 'pip install "/src/my copy[emulator]"'),
    ({"url": "file:///src/%24HOME", "dir_info": {}}, "pip install '/src/$HOME[emulator]'"),
    ({"url": "file:///tmp/dist/pulumi_openpanel-0.1.0-py3-none-any.whl", "archive_info": {}},
     'pip install "pulumi-openpanel[emulator] @ file:///tmp/dist/pulumi_openpanel-0.1.0-py3-none-any.whl"'),
    ({"url": "https://git.example.com/team/pulumi-openpanel.git",
      "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "v0.1.0"}},
     'pip install "pulumi-openpanel[emulator] @ git+https://git.example.com/team/pulumi-openpanel.git@v0.1.0"'),
])
def test_the_install_hint_adds_the_extra_to_the_same_origin(direct_url: dict[str, object] | None,
                                                            expected: str) -> None:
    assert install_command_for(direct_url, "emulator") == expected


def test_a_checkout_that_is_not_installed_is_named_by_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from a clone on PYTHONPATH: no distribution is recorded, and the index does not have it yet.
    def not_installed(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", not_installed)
    assert installed_requirement() == f"-e {REPO_ROOT}"
    assert install_command("policy") == f'pip install -e "{REPO_ROOT}[policy]"'


@pytest.mark.parametrize("extra", ["emulator", "policy"])
def test_the_modules_that_ask_for_an_extra_are_the_ones_it_installs(extra: str) -> None:
    # The package's metadata (from pyproject.toml) says what each extra installs; EXTRA_OF_MODULE must agree.
    requirements = metadata.requires("pulumi-openpanel") or []
    installs = {re.match(r"[A-Za-z0-9._-]+", line)[0].lower().replace("-", "_")
                for line in requirements if re.search(rf"""extra\s*==\s*["']{extra}["']""", line)}
    asked_for = {module for module, wanted in EXTRA_OF_MODULE.items() if wanted == extra}
    assert installs and asked_for == installs
    for module in asked_for:  # each is the name its distribution is imported by (the dev install has them)
        assert importlib.util.find_spec(module) is not None, module
