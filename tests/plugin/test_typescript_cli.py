"""A TypeScript program manages projects, clients and references through the plugin and its generated
TypeScript SDK, under the real CLI and its Node.js language host (see lifecycle.py for the steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from tests.plugin.lifecycle import full_lifecycle
from tests.plugin.programs import Program, typescript_source
from tests.support.fixtures import provider_env
from tests.support.polyglot import Plugin, PolyglotProject
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli


def test_a_typescript_program_goes_through_the_whole_lifecycle(hosts: Path, plugin: Plugin, tmp_path: Path,
                                                               polyglot_cache: Path, openpanel: OpenPanelTarget,
                                                               proxy: RecordingProxy, api: ManageApi,
                                                               uid: str) -> None:
    program = Program(uid)
    project = PolyglotProject.typescript(plugin, typescript_source(program), hosts, tmp_path, polyglot_cache,
                                         env=provider_env(openpanel, proxy.url))
    try:
        full_lifecycle(project, lambda changed: project.write_program(typescript_source(changed)), program, proxy,
                       api)
    finally:
        if project.has_resources():
            project.destroy(check=False)
