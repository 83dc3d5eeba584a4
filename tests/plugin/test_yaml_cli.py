"""A Pulumi YAML program manages projects, clients and references through the plugin, under the real CLI and its
YAML language host (see lifecycle.py for the steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from tests.plugin.lifecycle import full_lifecycle
from tests.plugin.programs import Program, write_yaml
from tests.support.fixtures import provider_env
from tests.support.polyglot import Plugin
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli


def test_a_yaml_program_goes_through_the_whole_lifecycle(hosts: Path, plugin: Plugin, tmp_path: Path,
                                                         openpanel: OpenPanelTarget, proxy: RecordingProxy,
                                                         api: ManageApi, uid: str) -> None:
    directory = tmp_path / "project"
    program = Program(uid)
    write_yaml(directory, program, plugin.directory)
    project = PulumiProject(directory, hosts, tmp_path, env=provider_env(openpanel, proxy.url))
    project.init_stack()
    try:
        full_lifecycle(project, lambda changed: write_yaml(directory, changed, plugin.directory), program, proxy,
                       api)
    finally:
        if project.has_resources():
            project.destroy(check=False)
