"""Every example, run as a user runs it: plain `pulumi` commands in a copy of its directory, with the
stack config of its own Pulumi.<stack>.yaml, by the real CLI and language host, against the API under
test through the recording proxy. Each goes through preview (offline), up (one request per object), a
no-change up (no request), refresh (one GET per object) and destroy (one DELETE per object, plus the
write client each project's delete takes along)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.support.fixtures import ProjectFactory, session_api, unpaced
from tests.support.proxy import RecordingProxy, requests
from tests.support.pulumi_cli import NO_CREDENTIALS, REPO_ROOT, PulumiProject
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

EXAMPLES = REPO_ROOT / "examples"
COLLECTIONS = {"Project": "projects", "Client": "clients", "Reference": "references"}


def openpanel_paths(stack: PulumiProject) -> list[str]:
    """The API path of every OpenPanel object in the stack's state."""
    return sorted(f"{COLLECTIONS[r['type'].rsplit(':', 1)[1]]}/{r['id']}" for r in stack.resources().values())


def preview_up_again_refresh(stack: PulumiProject, proxy: RecordingProxy, managed: set[str]) -> dict[str, object]:
    """preview (creates, offline), up (one POST per object), up again (no change, no request), refresh (no
    change, one GET per object). Returns the stack outputs, secrets shown."""
    proxy.reset()
    plan = stack.preview()
    assert set(plan.ops_by_name()) <= managed and {s.op for s in plan.openpanel_steps()} == {"create"}
    assert requests(proxy) == []

    first = stack.up()
    assert {s.op for s in first.openpanel_steps()} == {"create"}
    assert first.summary() == {"create": len(managed) + 1}  # the stack itself too
    created = requests(proxy)
    assert [method for method, _ in created] == ["POST"] * len(stack.resources()), created

    proxy.reset()
    again = stack.up("--expect-no-changes")
    assert again.summary() == {"same": len(managed) + 1}
    assert requests(proxy) == []

    refreshed = stack.refresh("--expect-no-changes")
    assert refreshed.summary() == {"same": len(managed) + 1}
    assert sorted(requests(proxy)) == [("GET", path) for path in openpanel_paths(stack)]
    return stack.outputs(show_secrets=True)


def destroy_everything(stack: PulumiProject, proxy: RecordingProxy, managed: set[str]) -> None:
    paths = openpanel_paths(stack)
    proxy.reset()
    gone = stack.destroy()
    assert gone.summary() == {"delete": len(managed) + 1}
    deleted = [path for method, path in requests(proxy) if method == "DELETE"]
    assert set(paths) <= set(deleted), (paths, deleted)
    assert stack.resources() == {}


def test_quickstart_from_the_repository_root(make_project: ProjectFactory, proxy: RecordingProxy, api: ManageApi,
                                             tmp_path: Path, uid: str) -> None:
    # The root project as a newcomer runs it: its Pulumi.yaml, __main__.py, the quickstart and .venv.
    root = tmp_path / "repository"
    (root / "examples").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO_ROOT / name, root / name)
    shutil.copytree(EXAMPLES / "quickstart", root / "examples" / "quickstart")
    settings = yaml.safe_load((root / "Pulumi.yaml").read_text())
    stack = make_project(directory=root, copy=False)
    stack.set_config({f"{settings['name']}:projectName": f"Quickstart {uid}"})

    outputs = preview_up_again_refresh(stack, proxy, {"web", "reader", "launch"})

    assert str(outputs["write_client_secret"]).startswith("sec_") and str(outputs["reader_secret"]).startswith("sec_")
    assert stack.outputs()["write_client_secret"] == "[secret]"
    assert outputs["launch_at"] == "2026-12-01T10:00:00.000Z"
    project_id = str(outputs["project_id"])
    assert api.get_project(project_id).name == f"Quickstart {uid}"
    reader = api.get_client(str(outputs["reader_client_id"]))
    assert (reader.type, reader.project_id) == ("read", project_id)

    destroy_everything(stack, proxy, {"web", "reader", "launch"})
    assert api.get_project(project_id).deleted
    with pytest.raises(NotFoundError):
        api.get_client(str(outputs["reader_client_id"]))


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_per_environment(make_project: ProjectFactory, proxy: RecordingProxy, api: ManageApi, tmp_path: Path,
                         stack_name: str) -> None:
    stack = make_project(directory=EXAMPLES / "per-environment", stack=stack_name)
    app_config = tmp_path / "app.json"
    stack.set_config({"openpanel-per-environment:appConfigPath": str(app_config)})
    readers = json.loads(stack.pulumi("config", "get", "openpanel-per-environment:readers").stdout)
    managed = {"analytics", "environment-created", "app-config"} | {f"reader-{i}" for i in range(len(readers))}

    outputs = preview_up_again_refresh(stack, proxy, managed)

    written = json.loads(app_config.read_text())
    assert written["OPENPANEL_PROJECT_ID"] == outputs["project_id"]
    assert written["OPENPANEL_CLIENT_SECRET"] == outputs["write_client_secret"]
    assert oct(os.stat(app_config).st_mode & 0o777) == "0o600"
    dashboards = list(outputs["dashboard_client_ids"])  # type: ignore[call-overload]
    assert len(dashboards) == len(readers)
    for client_id in dashboards:
        assert api.get_client(client_id).project_id == outputs["project_id"]
    assert str(outputs["write_client_secret"]) not in json.dumps(stack.export())
    protected = {name for name, r in stack.resources().items() if r.get("protect")}

    if stack_name == "prod":
        assert protected == managed - {"app-config"}  # the file is no OpenPanel object
        proxy.reset()
        refused = stack.destroy(check=False)
        assert refused.returncode != 0 and "protected" in refused.output
        assert not any(method == "DELETE" and path.startswith("projects/") for method, path in requests(proxy))
        assert not api.get_project(str(outputs["project_id"])).deleted
        stack.set_config({"openpanel-per-environment:protect": "false"})
        proxy.reset()
        lifted = stack.up()
        # Lifting protect changes nothing in OpenPanel; the refused destroy may have taken the unprotected
        # app config file, which this up writes again.
        assert {s.op for s in lifted.openpanel_steps()} == {"same"}
        assert requests(proxy) == []
        assert not any(r.get("protect") for r in stack.resources().values())
    else:
        assert protected == set()

    destroy_everything(stack, proxy, managed)
    assert not app_config.exists()
    assert api.get_project(str(outputs["project_id"])).deleted
    for client_id in dashboards:
        with pytest.raises(NotFoundError):
            api.get_client(client_id)


def test_multi_org_with_credentials_in_stack_config(make_project: ProjectFactory, proxy: RecordingProxy,
                                                    api: ManageApi, openpanel: OpenPanelTarget) -> None:
    other_id, other_secret = openpanel.other_org()
    # Empty variables: the provider must find every credential in the stack config.
    stack = make_project(directory=EXAMPLES / "multi-org", env=NO_CREDENTIALS)
    config = {
        "openpanel:apiUrl": proxy.url,
        "openpanel:clientId": openpanel.client_id,
        "openpanel:clientSecret": openpanel.client_secret,
        "openpanel-multi-org:customerApiUrl": proxy.url,
        "openpanel-multi-org:customerClientId": other_id,
        "openpanel-multi-org:customerClientSecret": other_secret,
    }
    if unpaced(openpanel):
        config["openpanel:rateLimit"] = "off"
    stack.set_config(config, secret=["openpanel:clientSecret", "openpanel-multi-org:customerClientSecret"])
    stack_file = (stack.directory / "Pulumi.dev.yaml").read_text()
    assert openpanel.client_secret not in stack_file and other_secret not in stack_file
    managed = {"agency-site", "customer-shop", "customer-reporting"}

    outputs = preview_up_again_refresh(stack, proxy, managed)

    assert outputs["agency_organization"] != outputs["customer_organization"]
    with pytest.raises(NotFoundError):  # the customer's project is invisible to the agency's credentials
        api.get_project(str(outputs["customer_project"]))
    assert stack.outputs()["customer_reporting_secret"] == "[secret]"
    state_text = json.dumps(stack.export())
    assert other_secret not in state_text and openpanel.client_secret not in state_text

    destroy_everything(stack, proxy, managed)
    customer_api = session_api(openpanel, other_id, other_secret)
    assert customer_api.get_project(str(outputs["customer_project"])).deleted
    assert api.get_project(str(outputs["agency_project"])).deleted


@pytest.mark.parametrize("example", ["quickstart", "per-environment", "multi-org"])
def test_examples_need_no_credentials_to_preview(make_project: ProjectFactory, proxy: RecordingProxy,
                                                 example: str) -> None:
    stack = make_project(directory=EXAMPLES / example, env=NO_CREDENTIALS)
    if example == "multi-org":
        stack.set_config({"openpanel-multi-org:customerClientId": "0f1e2d3c-4b5a-4697-8877-665544332211",
                          "openpanel-multi-org:customerClientSecret": "sec_00000000000000000000"},
                         secret=["openpanel-multi-org:customerClientSecret"])
    plan = stack.preview()
    assert plan.openpanel_steps() and {s.op for s in plan.openpanel_steps()} == {"create"}
    assert requests(proxy) == []
