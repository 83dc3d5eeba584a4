"""The TypeScript and YAML examples, run as a user runs them: plain `pulumi` commands in a copy of the example's
directory (its own Pulumi.yaml and program), by the real CLI and the language host of each, with the plugin, against
the API under test through the recording proxy: preview (offline), up (one request per object), a no-change up (no
request), refresh (one GET per object) and destroy.

What a user's `pulumi install` would do is done here offline: the example's `packages:` entry points at the plugin,
and for TypeScript the SDK generated from the plugin's schema is compiled and linked into node_modules
(tests/support/polyglot.py says why)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.examples.test_examples import EXAMPLES, destroy_everything, preview_up_again_refresh
from tests.support.fixtures import provider_env
from tests.support.polyglot import Plugin, install_nodejs_sdk, link_node_modules, node_modules_cache, npm_env
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

MANAGED = {"web", "reader", "launch"}


def copy_example(name: str, tmp_path: Path, plugin: Plugin) -> Path:
    """The example's directory, copied, its `packages:` entry pointed at the plugin (it names ../../provider)."""
    directory = tmp_path / name
    shutil.copytree(EXAMPLES / name, directory, ignore=shutil.ignore_patterns("node_modules", "sdks"))
    settings_file = directory / "Pulumi.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    assert settings["packages"] == {"openpanel": "../../provider"}, "the example must name the repository's plugin"
    text = settings_file.read_text().replace("openpanel: ../../provider", f"openpanel: {plugin.directory}")
    settings_file.write_text(text)
    return directory


def check_outputs(outputs: dict[str, object], api: ManageApi) -> None:
    assert str(outputs["writeClientSecret"]).startswith("sec_") and str(outputs["readerSecret"]).startswith("sec_")
    assert outputs["launchAt"] == "2026-12-01T10:00:00.000Z"
    reader = api.get_client(str(outputs["readerClientId"]))
    assert (reader.type, reader.project_id) == ("read", outputs["projectId"])


def run_example(stack: PulumiProject, proxy: RecordingProxy, api: ManageApi) -> None:
    outputs = preview_up_again_refresh(stack, proxy, MANAGED)
    check_outputs(outputs, api)
    assert stack.outputs()["writeClientSecret"] == "[secret]"
    assert str(outputs["writeClientSecret"]) not in str(stack.export())
    destroy_everything(stack, proxy, MANAGED)
    assert api.get_project(str(outputs["projectId"])).deleted
    with pytest.raises(NotFoundError):
        api.get_client(str(outputs["writeClientId"]))


def test_the_yaml_example(hosts: Path, plugin: Plugin, tmp_path: Path, openpanel: OpenPanelTarget,
                          proxy: RecordingProxy, api: ManageApi) -> None:
    directory = copy_example("yaml", tmp_path, plugin)
    stack = PulumiProject(directory, hosts, tmp_path, env=provider_env(openpanel, proxy.url))
    stack.init_stack()
    run_example(stack, proxy, api)


def test_the_typescript_example(hosts: Path, plugin: Plugin, tmp_path: Path, polyglot_cache: Path,
                                openpanel: OpenPanelTarget, proxy: RecordingProxy, api: ManageApi) -> None:
    directory = copy_example("typescript", tmp_path, plugin)
    node_modules = link_node_modules(node_modules_cache(polyglot_cache), directory)
    env = {**npm_env(polyglot_cache), **provider_env(openpanel, proxy.url)}
    stack = PulumiProject(directory, hosts, tmp_path, env=env)
    install_nodejs_sdk(plugin, directory, node_modules, stack.env, hosts)
    stack.init_stack()
    run_example(stack, proxy, api)
