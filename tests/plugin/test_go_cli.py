"""A Go program manages a project and a client through the plugin and its generated Go SDK, under the real CLI
and its Go language host: up, then destroy."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.plugin.programs import Program, go_source
from tests.support.fixtures import provider_env
from tests.support.polyglot import Plugin, PolyglotProject
from tests.support.proxy import RecordingProxy, requests
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli


def test_a_go_program_goes_up_and_is_destroyed(hosts: Path, plugin: Plugin, tmp_path: Path, polyglot_cache: Path,
                                               go_programs: dict[str, str], openpanel: OpenPanelTarget,
                                               proxy: RecordingProxy, api: ManageApi, uid: str) -> None:
    project = PolyglotProject.go(plugin, go_source(Program(uid)), hosts, tmp_path, polyglot_cache,
                                 env=provider_env(openpanel, proxy.url))
    try:
        proxy.reset()
        up = project.up()
        assert up.ops_by_name() == {"web": ["create"], "reader": ["create"]}
        assert [method for method, _ in requests(proxy)] == ["POST", "POST"]
        outputs = project.outputs()
        assert outputs["readerSecret"] == "[secret]"
        web_id = outputs["projectId"]
        reader_id = project.state_ids()["reader"]
        assert api.get_client(reader_id).project_id == web_id

        project.destroy()
        assert api.get_project(web_id).deleted
        with pytest.raises(NotFoundError):
            api.get_client(reader_id)
    finally:
        if project.has_resources():
            project.destroy(check=False)
