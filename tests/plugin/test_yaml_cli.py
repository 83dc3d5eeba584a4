"""A Pulumi YAML program manages projects, clients and references through the plugin, under the real CLI and its
YAML language host (see lifecycle.py for the steps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.plugin.lifecycle import full_lifecycle
from tests.plugin.programs import Program, write_yaml
from tests.support.fixtures import provider_env, session_api, unpaced
from tests.support.polyglot import Plugin
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import NO_CREDENTIALS, PulumiProject
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


def test_explicit_providers_manage_two_organizations_from_one_program(
        hosts: Path, plugin: Plugin, tmp_path: Path, openpanel: OpenPanelTarget, proxy: RecordingProxy,
        api: ManageApi, uid: str) -> None:
    """Two `pulumi:providers:openpanel` resources, one per organization, their secrets given in plain text in the
    program: each project lands in its provider's organization, and neither secret is in the state in clear
    (the schema declares clientSecret secret, and the config check marks it so too). No environment variable
    holds any credential."""
    other_id, other_secret = openpanel.other_org()
    pacing = {"rateLimit": "off"} if unpaced(openpanel) else {}
    directory = tmp_path / "project"
    directory.mkdir()
    document = {
        "name": "two-organizations",
        "runtime": "yaml",
        "packages": {"openpanel": str(plugin.directory)},
        "resources": {
            "agency": {"type": "pulumi:providers:openpanel", "properties": {
                "apiUrl": proxy.url, "clientId": openpanel.client_id, "clientSecret": openpanel.client_secret,
                **pacing}},
            "customer": {"type": "pulumi:providers:openpanel", "properties": {
                "apiUrl": proxy.url, "clientId": other_id, "clientSecret": other_secret, **pacing}},
            "site": {"type": "openpanel:index:Project", "properties": {"name": f"Agency {uid}"},
                     "options": {"provider": "${agency}"}},
            "shop": {"type": "openpanel:index:Project", "properties": {"name": f"Customer {uid}"},
                     "options": {"provider": "${customer}"}},
        },
        "outputs": {"site": "${site.id}", "shop": "${shop.id}", "siteOrganization": "${site.organizationId}",
                    "shopOrganization": "${shop.organizationId}"},
    }
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    project = PulumiProject(directory, hosts, tmp_path, env=NO_CREDENTIALS)
    project.init_stack()
    try:
        project.up()
        outputs = project.outputs()
        assert outputs["siteOrganization"] != outputs["shopOrganization"]
        assert api.get_project(outputs["site"]).name == f"Agency {uid}"
        with pytest.raises(NotFoundError):  # the customer's project is not the agency's to see
            api.get_project(outputs["shop"])
        customer = session_api(openpanel, other_id, other_secret)
        assert customer.get_project(outputs["shop"]).name == f"Customer {uid}"
        state = json.dumps(project.export())
        assert openpanel.client_secret not in state and other_secret not in state

        project.destroy()
        assert api.get_project(outputs["site"]).deleted and customer.get_project(outputs["shop"]).deleted
    finally:
        if project.has_resources():
            project.destroy(check=False)
