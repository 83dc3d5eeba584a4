"""Adoption under the real engine: `adopt=` takes over existing objects with reads only, while Pulumi's
own `import_` option fails for dynamic resources (pulumi/pulumi#16175), as README's Adoption section says."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

import pulumi_openpanel as op
from pulumi_openpanel import models
from pulumi_openpanel.api import ManageApi
from tests.realcli.checks import requests
from tests.realcli.conftest import StackFactory
from tests.support.proxy import RecordingProxy

pytestmark = pytest.mark.cli

SETTINGS = auto.ProjectSettings(name="adoption", runtime="python")


def test_adopt_takes_over_existing_objects_with_reads_only(make_stack: StackFactory, proxy: RecordingProxy,
                                                           api: ManageApi, tmp_path: Path, uid: str) -> None:
    project = api.create_project(models.ProjectCreate(name=f"Legacy {uid}", types=["website"],
                                                      domain="https://legacy.example.com")).project
    client = api.create_client(models.ClientCreate(name="Legacy reader", project_id=project.id, type="read")).client
    reference = api.create_reference(models.ReferenceCreate(project_id=project.id, title="Old launch",
                                                            datetime="2025-05-05T05:05:05Z"))

    def program() -> None:
        web = op.Project("web", name=f"Legacy {uid}", types=["website"], domain="https://legacy.example.com",
                         adopt=project.id)
        op.Client("reader", name="Legacy reader", project_id=web.id, type="read", adopt=client.id)
        op.Reference("launch", project_id=web.id, title="Old launch", datetime="2025-05-05T05:05:05Z",
                     adopt=reference.id)

    stack = make_stack(settings=SETTINGS, project_dir=tmp_path, program=program)
    proxy.reset()

    _, log = stack.up()

    assert log.ops_by_name() == {"web": ["create"], "reader": ["create"], "launch": ["create"]}
    assert sorted(requests(proxy)) == sorted([
        ("GET", f"projects/{project.id}"), ("GET", f"clients/{client.id}"), ("GET", f"references/{reference.id}"),
    ])
    assert {name: r["id"] for name, r in stack.openpanel_resources().items()} == {
        "web": project.id, "reader": client.id, "launch": reference.id}
    assert api.get_project(project.id).name == f"Legacy {uid}"

    proxy.reset()
    _, log = stack.up(expect_no_changes=True)
    assert log.ops_by_name() == {"web": ["same"], "reader": ["same"], "launch": ["same"]}
    assert requests(proxy) == []

    stack.destroy()
    assert api.get_project(project.id).deleted


def test_import_option_fails_under_the_real_engine(make_stack: StackFactory, proxy: RecordingProxy,
                                                   api: ManageApi, tmp_path: Path, uid: str) -> None:
    project = api.create_project(models.ProjectCreate(name=f"Imported {uid}")).project

    def program() -> None:
        op.Project("web", name=f"Imported {uid}", opts=pulumi.ResourceOptions(import_=project.id))

    stack = make_stack(settings=SETTINGS, project_dir=tmp_path, program=program)
    proxy.reset()
    try:
        with pytest.raises(auto.CommandError) as failed:
            stack.up()
        message = str(failed.value)
        assert "__provider" in message  # KeyError: '__provider' (SDKs before 3.260 show only the key)
        assert requests(proxy) == []
        assert stack.openpanel_resources() == {}
        assert not api.get_project(project.id).deleted
    finally:
        api.delete_project(project.id)
