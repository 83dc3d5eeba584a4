"""Every program in the documentation runs: written as a project's `__main__.py`, `pulumi up` against the
API under test (through the recording proxy), then `pulumi destroy`, by the real CLI and language host.

A program is a ```` ```python ```` block whose first line is `import pulumi` (see tests/docs/pages.py). It
must create every resource it declares, with no error, and the objects must be on the server; its
destroy must delete them all again.
"""

from __future__ import annotations

import re

import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.docs.pages import Block, programs
from tests.support.fixtures import ProjectFactory
from tests.support.proxy import RecordingProxy

pytestmark = pytest.mark.cli

DECLARED = re.compile(r"""openpanel\.(Project|Client|Reference)\(\s*["']([^"']+)["']""")


def declared(program: Block) -> dict[str, str]:
    """Resource name -> kind, for every resource the program declares with a literal name."""
    return {name: kind for kind, name in DECLARED.findall(program.source)}


def exists(api: ManageApi, kind: str, object_id: str) -> bool:
    """Whether the object is live on the server (a soft-deleted project is not)."""
    try:
        if kind == "Project":
            return not api.get_project(object_id).deleted
        if kind == "Client":
            api.get_client(object_id)
        else:
            api.get_reference(object_id)
    except NotFoundError:
        return False
    return True


@pytest.mark.parametrize("program", programs(), ids=lambda program: program.where)
def test_program_creates_what_it_declares_and_destroys_it(program: Block, make_project: ProjectFactory,
                                                          proxy: RecordingProxy, api: ManageApi) -> None:
    wanted = declared(program)
    assert wanted, f"{program.where} declares no openpanel.Project/Client/Reference with a literal name"
    stack = make_project(program.source)

    up = stack.up(check=False)
    assert up.returncode == 0 and up.diagnostics() == [], up.output[-4000:]
    steps = up.ops_by_name()
    assert steps == {name: ["create"] for name in wanted}, steps
    assert any(request.method == "POST" for request in proxy.requests)
    state = stack.resources()
    assert {name: resource["type"].rsplit(":", 1)[-1] for name, resource in state.items()} == wanted
    objects = {name: (wanted[name], resource["id"]) for name, resource in state.items()}
    for name, (kind, object_id) in objects.items():
        assert exists(api, kind, object_id), f"{kind} {name} ({object_id}) is not on the server after up"

    down = stack.destroy(check=False)
    assert down.returncode == 0 and down.diagnostics() == [], down.output[-4000:]
    assert down.ops_by_name() == {name: ["delete"] for name in wanted}
    assert stack.resources() == {}
    for name, (kind, object_id) in objects.items():
        assert not exists(api, kind, object_id), f"{kind} {name} ({object_id}) is still there after destroy"
