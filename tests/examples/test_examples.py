"""Every example runs end to end through the engine driver: up, a silent second up, destroy.

Examples can never rot: each is executed from its directory exactly as `pulumi up` would run it, with the
stack config of its Pulumi.<stack>.yaml, against the API under test through the recording proxy.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.errors import NotFoundError
from tests.engine.driver import Engine, ProtectedResourceError
from tests.support.engine_fixtures import CREDENTIAL_VARIABLES
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def project_name(example: Path) -> str:
    return str(yaml.safe_load((example / "Pulumi.yaml").read_text())["name"])


def stack_config(example: Path, stack: str) -> dict[str, Any]:
    path = example / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return {}
    values = yaml.safe_load(path.read_text()).get("config", {})
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}


def example_engine(make_engine: Callable[..., Engine], example: Path, stack: str = "dev",
                   config: dict[str, Any] | None = None, **kwargs: Any) -> Engine:
    return make_engine(project=project_name(example), stack=stack,
                       config={**stack_config(example, stack), **(config or {})}, **kwargs)


def up_twice_then_destroy(engine: Engine, example: Path, proxy: RecordingProxy) -> dict[str, Any]:
    first = engine.up(example)
    assert first.steps and all(step.op == "create" for step in first.steps), first.ops_by_urn
    exports = engine.exports
    proxy.reset()
    second = engine.up(example)
    assert not second.changed, second.ops_by_urn
    assert len(proxy.requests) == 0
    return exports


def test_quickstart(make_engine: Callable[..., Engine], proxy: RecordingProxy, api: ManageApi) -> None:
    example = EXAMPLES / "quickstart"
    engine = example_engine(make_engine, example, config={"openpanel-quickstart:projectName": "Quickstart"})
    exports = up_twice_then_destroy(engine, example, proxy)

    assert exports["write_client_secret"].startswith("sec_")
    assert exports["launch_at"] == "2026-12-01T10:00:00.000Z"
    project_id = exports["project_id"]
    assert api.get_project(project_id).name == "Quickstart"
    engine.destroy()
    assert engine.state == {}
    assert api.get_project(project_id).deleted


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_per_environment(make_engine: Callable[..., Engine], proxy: RecordingProxy, api: ManageApi,
                         tmp_path: Path, stack: str) -> None:
    example = EXAMPLES / "per-environment"
    app_config = tmp_path / "app.json"
    engine = example_engine(make_engine, example, stack,
                            config={"openpanel-per-environment:appConfigPath": str(app_config)})
    exports = up_twice_then_destroy(engine, example, proxy)

    written = json.loads(app_config.read_text())
    assert written["OPENPANEL_PROJECT_ID"] == exports["project_id"]
    assert written["OPENPANEL_CLIENT_SECRET"] == exports["write_client_secret"]
    assert oct(os.stat(app_config).st_mode & 0o777) == "0o600"
    readers = json.loads(stack_config(example, stack)["openpanel-per-environment:readers"])
    assert len(exports["dashboard_client_ids"]) == len(readers)
    for client_id in exports["dashboard_client_ids"]:
        assert api.get_client(client_id).project_id == exports["project_id"]
    app_config_urn = next(urn for urn in engine.state if urn.endswith("::app-config"))
    assert "content" in engine.state[app_config_urn].secret_outputs
    assert exports["write_client_secret"] not in json.dumps(engine.export_state())

    if stack == "prod":
        with pytest.raises(ProtectedResourceError):
            engine.destroy()
        assert any("openpanel:Project" in urn for urn in engine.state)  # the protected project survived
        engine.config["openpanel-per-environment:protect"] = "false"
        unprotect = engine.up(example)
        # Lifting protect changes nothing in OpenPanel; the destroy attempt may have taken the unprotected
        # app config file, which this up writes again.
        assert {step.op for step in unprotect.steps if "openpanel:" in step.urn} == {"same"}
    engine.destroy()
    assert engine.state == {} and not app_config.exists()
    for client_id in exports["dashboard_client_ids"]:
        with pytest.raises(NotFoundError):
            api.get_client(client_id)


def test_multi_org(make_engine: Callable[..., Engine], proxy: RecordingProxy, api: ManageApi,
                   openpanel: OpenPanelTarget) -> None:
    other_id, other_secret = openpanel.other_org()
    example = EXAMPLES / "multi-org"
    engine = example_engine(
        make_engine, example,
        config={"openpanel-multi-org:customerClientId": other_id,
                "openpanel-multi-org:customerClientSecret": other_secret,
                "openpanel-multi-org:customerApiUrl": proxy.url},
        secret_config_keys=["openpanel-multi-org:customerClientSecret"],
    )
    exports = up_twice_then_destroy(engine, example, proxy)

    assert exports["agency_organization"] != exports["customer_organization"]
    with pytest.raises(NotFoundError):  # the customer's project is invisible to the agency's credentials
        api.get_project(exports["customer_project"])
    state_text = json.dumps(engine.export_state())
    assert other_secret not in state_text
    shop = next(view for urn, view in engine.state.items() if urn.endswith("::customer-shop"))
    assert "connection" in shop.secret_outputs
    engine.destroy()
    assert engine.state == {}


def test_examples_need_no_credentials_to_preview(make_engine: Callable[..., Engine], proxy: RecordingProxy) -> None:
    for example, config in (
        (EXAMPLES / "quickstart", {}),
        (EXAMPLES / "per-environment", {}),
        (EXAMPLES / "multi-org", {"openpanel-multi-org:customerClientId": "0f1e2d3c-4b5a-4697-8877-665544332211",
                                  "openpanel-multi-org:customerClientSecret": "sec_00000000000000000000"}),
    ):
        engine = example_engine(make_engine, example, config=config, extra_env={}, remove_env=CREDENTIAL_VARIABLES)
        plan = engine.preview(example)
        assert plan.steps and {step.op for step in plan.steps} == {"create"}
    assert len(proxy.requests) == 0
