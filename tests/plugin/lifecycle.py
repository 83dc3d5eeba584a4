"""The lifecycle every language's program goes through under the real CLI, against the session's emulator
behind a recording proxy: the steps and their requests, the same for YAML and TypeScript.

A language's test makes the project (``write`` rewrites its program from a :class:`Program`) and calls
:func:`full_lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.errors import NotFoundError
from tests.plugin.programs import Program
from tests.support.proxy import RecordingProxy, requests
from tests.support.pulumi_cli import PulumiProject

Write = Callable[[Program], None]


def no_traceback(output: str) -> None:
    assert "Traceback" not in output and 'File "' not in output, f"a traceback reached the user:\n{output[-3000:]}"


def full_lifecycle(project: PulumiProject, write: Write, program: Program, proxy: RecordingProxy,
                   api: ManageApi) -> None:
    """preview, a refused bad input, up, no-change up, update, replacement, refresh, import, destroy."""
    proxy.reset()
    preview = project.preview()
    assert proxy.count() == 0, f"a preview sent requests: {requests(proxy)}"
    assert preview.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}

    write(program.but(datetime="yesterday"))
    refused = project.preview(check=False)
    assert refused.returncode != 0
    assert "datetime must be an ISO 8601 date or date-time" in refused.output, refused.output[-2000:]
    no_traceback(refused.output)
    assert proxy.count() == 0

    write(program)
    up = project.up()
    assert up.ops_by_name() == {
        "web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert [method for method, _ in requests(proxy)].count("POST") == 3
    outputs = project.outputs()
    assert outputs["writeClientSecret"] == "[secret]" and outputs["readerSecret"] == "[secret]"
    revealed = project.outputs(show_secrets=True)
    assert revealed["writeClientSecret"].startswith("sec_")
    exported = str(project.export())
    assert revealed["writeClientSecret"] not in exported and revealed["readerSecret"] not in exported
    web_id = outputs["projectId"]
    write_client = project.resources(show_secrets=True)["web"]["outputs"]["clientId"]

    proxy.reset()
    same = project.up()
    assert proxy.count() == 0, f"a no-change up sent requests: {requests(proxy)}"
    assert not same.changed

    write(program.but(title="v2 launch, moved"))
    proxy.reset()
    updated = project.up()
    assert updated.ops_by_name().get("launch") == ["update"]
    assert [method for method, _ in requests(proxy)] == ["PATCH"]

    write(program.but(title="v2 launch, moved", client_type="write"))
    proxy.reset()
    replaced = project.up()
    assert "create-replacement" in replaced.ops_by_name()["reader"]
    assert sorted(method for method, _ in requests(proxy)) == ["DELETE", "POST"]

    proxy.reset()
    project.refresh()
    gets = [path for method, path in requests(proxy) if method == "GET"]
    assert len(gets) == 3 and proxy.count() == 3, f"a refresh is one GET per object: {requests(proxy)}"

    outside = api.create_project(ProjectCreate(name=f"Outside {program.uid}")).project
    imported = project.pulumi("import", "openpanel:index:Project", "old", outside.id, "--yes")
    assert "old" in project.state_ids() and project.state_ids()["old"] == outside.id, imported.output[-2000:]
    write(program.but(title="v2 launch, moved", client_type="write", imported=f"Outside {program.uid}"))
    proxy.reset()
    after_import = project.up()
    assert not after_import.changed and proxy.count() == 0, f"the imported project differs: {after_import.output}"

    project.destroy()
    for gone in (web_id, outside.id):
        assert api.get_project(gone).deleted
    try:
        api.get_client(write_client)
    except NotFoundError:
        pass
    else:
        raise AssertionError(f"the project's first write client {write_client} outlived the destroy")
