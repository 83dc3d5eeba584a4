"""adopt's requirements.txt installs the package the way the running copy was installed (PEP 610)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_openpanel._version import __version__
from pulumi_openpanel.install_source import installed_requirement, requirement_for

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
    from pulumi_openpanel.adopt import write_project

    write_project(tmp_path, "import pulumi_openpanel\n", "adopted")
    requirements = (tmp_path / "requirements.txt").read_text().splitlines()
    assert requirements == ["pulumi>=3.271,<4", f"-e {REPO_ROOT}"]
