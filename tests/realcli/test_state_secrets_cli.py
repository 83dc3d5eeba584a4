"""Secrets in the real engine's state: after an up of the quickstart, `pulumi stack export` holds the
created client secrets only as ciphertext, and the stack outputs give them back on request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.emulator.credentials import verify_secret
from tests.realcli.conftest import StackFactory
from tests.realcli.harness import REPO_ROOT, directory_program, project_settings

pytestmark = pytest.mark.cli

# Pulumi's marker of a secret in state: {SECRET_SIG: SECRET_SIG_VALUE, "ciphertext": ...}.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def is_envelope(value: Any) -> bool:
    return (isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_SIG_VALUE
            and isinstance(value.get("ciphertext"), str) and "plaintext" not in value)


def stored_hash(api: ManageApi, client_id: str) -> str:
    """The server's hash of a client's secret (GET answers carry it in `secret`)."""
    answer = api.request("GET", f"clients/{client_id}")
    return str(answer["data"]["secret"])


def test_created_secrets_are_ciphertext_in_state_and_plain_on_request(make_stack: StackFactory, api: ManageApi,
                                                                      uid: str) -> None:
    settings = project_settings(REPO_ROOT / "Pulumi.yaml")
    assert settings.main is not None
    stack = make_stack(settings=settings, project_dir=REPO_ROOT, program=directory_program(REPO_ROOT / settings.main))
    stack.set_config({f"{settings.name}:projectName": f"Secrets {uid}"})
    stack.up()

    outputs = stack.stack.outputs()
    write_secret, reader_secret = outputs["write_client_secret"].value, outputs["reader_secret"].value
    assert outputs["write_client_secret"].secret and outputs["reader_secret"].secret
    # The plain values are the real ones: the server's hashes of the two clients match them.
    assert verify_secret(write_secret, stored_hash(api, outputs["write_client_id"].value))
    assert verify_secret(reader_secret, stored_hash(api, outputs["reader_client_id"].value))

    exported = stack.export()
    text = json.dumps(exported)
    assert write_secret not in text and reader_secret not in text
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in exported["deployment"]["resources"]}
    root = next(r for r in resources.values() if r["type"] == "pulumi:pulumi:Stack")
    assert is_envelope(root["outputs"]["write_client_secret"]) and is_envelope(root["outputs"]["reader_secret"])
    assert not is_envelope(root["outputs"]["write_client_id"])
    assert is_envelope(resources["web"]["outputs"]["client_secret"])
    assert is_envelope(resources["reader"]["outputs"]["secret"])
    assert "client_secret" in resources["web"]["additionalSecretOutputs"]

    masked = json.loads(stack.cli("stack", "output", "--json"))
    assert masked["write_client_secret"] == "[secret]" and masked["reader_secret"] == "[secret]"
    shown = json.loads(stack.cli("stack", "output", "--json", "--show-secrets"))
    assert (shown["write_client_secret"], shown["reader_secret"]) == (write_secret, reader_secret)
    assert shown["write_client_id"] == outputs["write_client_id"].value
