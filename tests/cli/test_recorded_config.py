"""A failed ``pulumi up`` records its stack config in the state, and ``pulumi refresh`` and ``pulumi destroy``
use that, not today's stack config, until a ``pulumi up`` or a ``--run-program`` records today's.

Under the real CLI: an ``up`` that fails on a client id that is not a UUID, the stack config fixed, then
what the user sees: refresh's error names the recorded configuration and the commands to run, doctor
(run in the project) names the key that differs, and ``refresh --run-program`` works. The credentials are
in the stack config only (the secret with ``--secret``); nothing printed may hold them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_openpanel.api.sources import RECORDED
from tests.docs.pages import DOCS
from tests.support.fixtures import ProjectFactory, unpaced
from tests.support.pulumi_cli import PulumiProject, Run
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

NOT_A_UUID = "my-root-id"  # 10 characters, as in the message docs/troubleshooting.md shows
PROGRAM = """
import pulumi_openpanel as openpanel

openpanel.Project("web", name="Recorded config {uid}", domain="https://{host}.example.com")
"""


def doctor(project: PulumiProject) -> dict[str, Any]:
    """`pulumi-openpanel doctor --json` in the project directory, with the CLI's environment (no OPENPANEL_*)."""
    done = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "doctor", "--json", "--timeout", "10"],
                          cwd=project.directory, env=project.env, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr  # a `pulumi up` works: usable
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


def errors_of(run: Run) -> str:
    return "\n".join(run.diagnostics())


def test_refresh_after_a_failed_up_names_the_recorded_config_and_doctor_the_difference(
        make_project: ProjectFactory, openpanel: OpenPanelTarget, uid: str) -> None:
    project = make_project(PROGRAM.format(uid=uid, host="before"), env={})  # credentials: stack config only
    pacing = {"openpanel:rateLimit": "off"} if unpaced(openpanel) else {}
    project.set_config({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                        "openpanel:clientSecret": openpanel.client_secret, **pacing},
                       secret=["openpanel:clientSecret"])
    assert [step.op for step in project.up().openpanel_steps()] == ["create"]
    assert not any(check.get("warn") for check in doctor(project)["checks"])  # recorded == today's

    project.set_config({"openpanel:clientId": NOT_A_UUID})
    project.write_program(PROGRAM.format(uid=uid, host="after"))  # an update: it needs the credentials
    failed = project.up(check=False)
    assert failed.returncode != 0
    assert "from stack config openpanel:clientId must be a UUID" in errors_of(failed)  # today's, as it is

    project.set_config({"openpanel:clientId": openpanel.client_id})  # fixed: `pulumi config get` is right

    refresh = project.refresh(check=False)
    assert refresh.returncode != 0
    message = errors_of(refresh)
    assert f"from stack config openpanel:clientId {RECORDED} must be a UUID" in message
    assert "run `pulumi up`, or `pulumi refresh --run-program` / `pulumi destroy --run-program`" in message
    page = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    documented = [line.strip().removeprefix("error: ") for line in page.splitlines()
                  if f"openpanel:clientId {RECORDED}" in line]
    assert len(documented) == 1 and documented[0] in [line.strip() for line in refresh.diagnostics()], message
    destroy = project.destroy(check=False)
    assert destroy.returncode != 0 and f"openpanel:clientId {RECORDED}" in errors_of(destroy)

    payload = doctor(project)
    assert payload["ok"] is True
    warnings = [check for check in payload["checks"] if check.get("warn")]
    assert [(check["name"], check["ok"]) for check in warnings] == [("recorded config", True)]
    assert warnings[0]["detail"].endswith("differs from today's for openpanel:clientId")
    assert "pulumi refresh --run-program" in warnings[0]["fix"]

    project.refresh("--run-program")  # records today's stack config, as the message says
    assert not any(check.get("warn") for check in doctor(project)["checks"])
    project.refresh()
    project.destroy()

    for run in (failed, refresh, destroy):
        assert openpanel.client_secret not in run.output and NOT_A_UUID not in run.output


def test_doctor_names_a_recorded_secret_that_differs_without_showing_either(
        make_project: ProjectFactory, openpanel: OpenPanelTarget, uid: str, tmp_path: Path) -> None:
    """The secret rotated in stack config after the last `up`: doctor names the key, never a value."""
    project = make_project(PROGRAM.format(uid=uid, host="before"), env={})
    pacing = {"openpanel:rateLimit": "off"} if unpaced(openpanel) else {}
    old_secret = "sec_" + "3" * 20
    project.set_config({"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                        "openpanel:clientSecret": old_secret, **pacing}, secret=["openpanel:clientSecret"])
    assert project.up(check=False).returncode != 0  # refused (401), recorded all the same
    project.set_config({"openpanel:clientSecret": openpanel.client_secret}, secret=["openpanel:clientSecret"])

    done = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "doctor", "--timeout", "10"],
                          cwd=project.directory, env=project.env, capture_output=True, text=True, timeout=180,
                          check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert ("[warn] recorded config: the stack config recorded in the state at the last `pulumi up` differs from "
            "today's for openpanel:clientSecret") in done.stdout
    assert "usable: yes" in done.stdout
    assert old_secret not in done.stdout + done.stderr and openpanel.client_secret not in done.stdout + done.stderr


def test_a_plugin_stacks_default_provider_records_its_config_too() -> None:
    """A stack of the provider plugin records the stack config as its default provider's inputs, without the
    `openpanel:` namespace: doctor compares those as it compares the dynamic provider's; an explicit plugin
    provider's arguments are no stack config and are left out."""
    from pulumi_openpanel.cli.stack import recorded_configs

    deployment = {"resources": [
        {"urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "type": "pulumi:pulumi:Stack"},
        {"urn": "urn:pulumi:dev::p::pulumi:providers:pulumi-python::default", "type": "pulumi:providers:pulumi-python",
         "inputs": {"openpanel:clientId": NOT_A_UUID, "aws:region": "eu-west-1"}},
        {"urn": "urn:pulumi:dev::p::pulumi:providers:openpanel::default_0_1_0", "type": "pulumi:providers:openpanel",
         "inputs": {"clientId": NOT_A_UUID, "apiUrl": "https://analytics.example.com/api", "version": "0.1.0"}},
        {"urn": "urn:pulumi:dev::p::pulumi:providers:openpanel::eu", "type": "pulumi:providers:openpanel",
         "inputs": {"clientId": "explicit"}},
    ]}

    assert recorded_configs(deployment) == [
        {"openpanel:clientId": NOT_A_UUID, "aws:region": "eu-west-1"},
        {"openpanel:clientId": NOT_A_UUID, "openpanel:apiUrl": "https://analytics.example.com/api",
         "openpanel:version": "0.1.0"}]
