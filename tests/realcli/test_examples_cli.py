"""Every example under the real Pulumi engine: preview, up, a silent up, refresh and destroy.

The same examples run through the engine driver in tests/examples; here the CLI built from Pulumi's own
Go modules plans and applies the steps, and the real plugin process talks to the API through the proxy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pulumi import automation as auto

from pulumi_openpanel.api import ApiSettings, ManageApi
from pulumi_openpanel.config import Credentials
from pulumi_openpanel.errors import NotFoundError
from tests.realcli.checks import destroy_everything, preview_up_again_refresh, requests
from tests.realcli.conftest import StackFactory
from tests.realcli.harness import EXAMPLES, REPO_ROOT, directory_program, project_settings, stack_file_config
from tests.support.engine_fixtures import CREDENTIAL_VARIABLES
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

QUICKSTART = {"web", "reader", "launch"}


def test_quickstart_from_the_repository_root(make_stack: StackFactory, proxy: RecordingProxy, api: ManageApi,
                                             uid: str) -> None:
    settings = project_settings(REPO_ROOT / "Pulumi.yaml")
    assert settings.main is not None
    stack = make_stack(settings=settings, project_dir=REPO_ROOT, program=directory_program(REPO_ROOT / settings.main))
    stack.set_config({f"{settings.name}:projectName": f"Quickstart {uid}"})

    first = preview_up_again_refresh(stack, proxy, QUICKSTART, openpanel=3)

    outputs = first.outputs
    assert outputs["write_client_secret"].secret and outputs["write_client_secret"].value.startswith("sec_")
    assert outputs["reader_secret"].secret and outputs["reader_secret"].value.startswith("sec_")
    assert outputs["launch_at"].value == "2026-12-01T10:00:00.000Z"
    project_id = outputs["project_id"].value
    assert api.get_project(project_id).name == f"Quickstart {uid}"
    reader = api.get_client(outputs["reader_client_id"].value)
    assert (reader.type, reader.project_id) == ("read", project_id)

    destroy_everything(stack, proxy, QUICKSTART, openpanel=3)
    assert api.get_project(project_id).deleted
    with pytest.raises(NotFoundError):
        api.get_client(outputs["reader_client_id"].value)


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_per_environment(make_stack: StackFactory, proxy: RecordingProxy, api: ManageApi, tmp_path: Path,
                         stack_name: str) -> None:
    example = EXAMPLES / "per-environment"
    settings = project_settings(example / "Pulumi.yaml")
    stack = make_stack(settings=settings, project_dir=example, program=directory_program(example),
                       stack_name=stack_name)
    app_config = tmp_path / "app.json"
    file_config = stack_file_config(example, stack_name)
    stack.set_config({**file_config, f"{settings.name}:appConfigPath": str(app_config)})
    readers = json.loads(file_config[f"{settings.name}:readers"])
    openpanel = 2 + len(readers)
    managed = {"analytics", "environment-created", "app-config"} | {f"reader-{i}" for i in range(len(readers))}

    outputs = preview_up_again_refresh(stack, proxy, managed, openpanel=openpanel).outputs

    written = json.loads(app_config.read_text())
    assert written["OPENPANEL_PROJECT_ID"] == outputs["project_id"].value
    assert written["OPENPANEL_CLIENT_SECRET"] == outputs["write_client_secret"].value
    assert oct(os.stat(app_config).st_mode & 0o777) == "0o600"
    dashboards = outputs["dashboard_client_ids"].value
    assert len(dashboards) == len(readers)
    for client_id in dashboards:
        assert api.get_client(client_id).project_id == outputs["project_id"].value
    protected = {name for name, r in stack.openpanel_resources().items() if r.get("protect")}

    if stack_name == "prod":
        assert protected == managed - {"app-config"}
        proxy.reset()
        with pytest.raises(auto.CommandError) as refused:
            stack.destroy()
        assert "protected" in str(refused.value)
        assert not any(method == "DELETE" for method, _ in requests(proxy))
        assert set(stack.openpanel_resources()) == managed - {"app-config"}
        assert not api.get_project(outputs["project_id"].value).deleted
        stack.set_config({f"{settings.name}:protect": "false"})
        proxy.reset()
        _, unprotect = stack.up()
        # Lifting protect changes nothing in OpenPanel; the refused destroy may have taken the
        # unprotected app config file, which this up writes again.
        assert {name: ops for name, ops in unprotect.ops_by_name().items()} == {
            name: ["same"] for name in managed - {"app-config"}}
        assert requests(proxy) == []
        assert not any(r.get("protect") for r in stack.openpanel_resources().values())
    else:
        assert protected == set()

    destroy_everything(stack, proxy, managed, openpanel=openpanel)
    assert not app_config.exists()
    assert api.get_project(outputs["project_id"].value).deleted
    for client_id in dashboards:
        with pytest.raises(NotFoundError):
            api.get_client(client_id)


def test_multi_org_with_credentials_in_stack_config(make_stack: StackFactory, proxy: RecordingProxy,
                                                    api: ManageApi, openpanel: OpenPanelTarget) -> None:
    other_id, other_secret = openpanel.other_org()
    example = EXAMPLES / "multi-org"
    settings = project_settings(example / "Pulumi.yaml")
    # Empty variables: the provider must find every credential in the stack config.
    stack = make_stack(settings=settings, project_dir=example, program=directory_program(example),
                       env=dict.fromkeys(CREDENTIAL_VARIABLES, ""))
    config = {
        "openpanel:apiUrl": proxy.url,
        "openpanel:clientId": openpanel.client_id,
        "openpanel:clientSecret": openpanel.client_secret,
        f"{settings.name}:customerApiUrl": proxy.url,
        f"{settings.name}:customerClientId": other_id,
        f"{settings.name}:customerClientSecret": other_secret,
    }
    if openpanel.emulator is not None and openpanel.emulator.rate_limiter is None:
        config["openpanel:rateLimit"] = "off"
    stack.set_config(config, secret_keys=frozenset({"openpanel:clientSecret",
                                                    f"{settings.name}:customerClientSecret"}))
    stack_file = (stack.work_dir / "Pulumi.dev.yaml").read_text()
    assert openpanel.client_secret not in stack_file and other_secret not in stack_file
    managed = {"agency-site", "customer-shop", "customer-reporting"}

    outputs = preview_up_again_refresh(stack, proxy, managed, openpanel=3).outputs

    assert outputs["agency_organization"].value != outputs["customer_organization"].value
    with pytest.raises(NotFoundError):  # the customer's project is invisible to the agency's credentials
        api.get_project(outputs["customer_project"].value)
    assert outputs["customer_reporting_secret"].secret
    state_text = json.dumps(stack.resources())
    assert other_secret not in state_text and openpanel.client_secret not in state_text

    destroy_everything(stack, proxy, managed, openpanel=3)
    customer_api = ManageApi(Credentials(openpanel.api_url, other_id, other_secret),
                             ApiSettings(rate_limit=None if "openpanel:rateLimit" in config else (20, 10.0)))
    assert customer_api.get_project(outputs["customer_project"].value).deleted
    assert api.get_project(outputs["agency_project"].value).deleted
