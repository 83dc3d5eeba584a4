"""The plugin door in this process: the provider the plugin serves, called as the engine calls it, against the
session's emulator through a recording proxy. What the real CLI adds (the gRPC server, the SDKs, the engine's
steps) is tested in test_plugin_cli.py; here, each rule of the door at unit speed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    InvokeRequest,
    PropertyDiffKind,
    ReadRequest,
    UpdateRequest,
)
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.errors import ApiError, MissingCredentialsError, OpenPanelError
from pulumi_openpanel.plugin import values
from pulumi_openpanel.plugin.provider import OpenPanelProvider
from pulumi_openpanel.plugin.server import ours
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

SCHEMA = (Path(__file__).resolve().parents[2] / "provider" / "schema.json").read_text(encoding="utf-8")
PROJECT = "openpanel:index:Project"
CLIENT = "openpanel:index:Client"
REFERENCE = "openpanel:index:Reference"
Result = TypeVar("Result")


def run(call: Coroutine[Any, Any, Result]) -> Result:
    return asyncio.run(call)


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::app::{type_token}::{name}"


def pv(**items: Any) -> dict[str, PropertyValue]:
    return {key: values.property_value(value) for key, value in items.items()}


def configured(api_url: str, client_id: str, client_secret: str) -> OpenPanelProvider:
    """A default provider configured as the engine does it from the stack config."""
    provider = OpenPanelProvider(SCHEMA)
    args = {"apiUrl": PropertyValue(api_url), "clientId": PropertyValue(client_id),
            "clientSecret": PropertyValue(client_secret, is_secret=True), "rateLimit": PropertyValue("off")}
    run(provider.configure(ConfigureRequest({}, args, True, True)))
    return provider


@pytest.fixture
def door(openpanel: OpenPanelTarget, proxy: RecordingProxy) -> Iterator[OpenPanelProvider]:
    yield configured(proxy.url, openpanel.client_id, openpanel.client_secret)


@pytest.fixture
def offline() -> OpenPanelProvider:
    """A provider with no settings at all, and none in the environment: any request would fail."""
    return OpenPanelProvider(SCHEMA)


@pytest.fixture(autouse=True)
def _no_environment_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENPANEL_API_URL", "OPENPANEL_CLIENT_ID", "OPENPANEL_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


# -- values ----------------------------------------------------------------------------------------------


def test_whole_numbers_come_back_as_int_and_unknowns_either_way() -> None:
    assert values.plain(PropertyValue(3.0)) == 3 and isinstance(values.plain(PropertyValue(3.0)), int)
    assert values.plain(PropertyValue(2.5)) == 2.5
    assert values.plain(PropertyValue(Computed())) is values.UNKNOWN_VALUE
    assert values.plain(PropertyValue(WIRE_UNKNOWN)) is values.UNKNOWN_VALUE
    nested = values.property_value({"a": [1, "x", None, values.UNKNOWN_VALUE]})
    assert values.plain(nested) == {"a": [1, "x", None, values.UNKNOWN_VALUE]}
    assert nested.value["a"].value[3].value == WIRE_UNKNOWN  # the SDK can marshal only the sentinel


# -- offline: check and diff -------------------------------------------------------------------------------


def test_check_names_properties_as_programs_write_them(offline: OpenPanelProvider) -> None:
    checked = run(offline.check(CheckRequest(urn(REFERENCE, "r"), {}, pv(title="t", datetime="yesterday",
                                                                           colour="red"), b"")))
    reasons = {failure.property: failure.reason for failure in checked.failures or []}
    assert set(reasons) == {"projectId", "datetime", "colour"}
    assert reasons["projectId"] == "projectId is required"
    assert reasons["datetime"].startswith("datetime must be an ISO 8601 date")
    assert reasons["colour"] == "colour is not a property of this resource"


def test_check_normalises_as_the_server_and_keeps_secret_inputs_secret(offline: OpenPanelProvider) -> None:
    news = {**pv(datetime="2026-12-01", projectId="web"), "title": PropertyValue("launch", is_secret=True)}
    checked = run(offline.check(CheckRequest(urn(REFERENCE, "r"), {}, news, b"")))
    assert not checked.failures
    assert checked.inputs is not None
    assert checked.inputs["datetime"].value == "2026-12-01T00:00:00.000Z"
    assert checked.inputs["title"].is_secret and not checked.inputs["projectId"].is_secret
    assert "description" not in checked.inputs  # unset stays unset


def test_check_passes_unknowns_through(offline: OpenPanelProvider) -> None:
    news = {**pv(name="Readers", type="read"), "projectId": PropertyValue(WIRE_UNKNOWN)}
    checked = run(offline.check(CheckRequest(urn(CLIENT, "c"), {}, news, b"")))
    assert not checked.failures and checked.inputs is not None
    assert checked.inputs["projectId"].value == WIRE_UNKNOWN


def test_diff_shows_inputs_only_and_what_replaces(offline: OpenPanelProvider) -> None:
    olds = pv(name="Readers", projectId="web", type="read", organizationId="org", secret="sec_x")
    same = run(offline.diff(DiffRequest(urn(CLIENT, "c"), "id", olds, pv(name="Readers", projectId="web",
                                                                           type="read"), [])))
    assert same.changes is False and not same.detailed_diff
    moved = run(offline.diff(DiffRequest(urn(CLIENT, "c"), "id", olds, pv(name="Writers", projectId="app",
                                                                            type="read"), [])))
    assert moved.changes is True
    assert moved.replaces == ["projectId"]
    assert {key: diff.kind for key, diff in moved.detailed_diff.items()} == {
        "name": PropertyDiffKind.UPDATE, "projectId": PropertyDiffKind.UPDATE_REPLACE}
    assert all(diff.input_diff for diff in moved.detailed_diff.values())


def test_previews_send_nothing_and_need_no_credentials(offline: OpenPanelProvider) -> None:
    inputs = pv(name="Web", cors=[], crossDomain=False, types=[], allowUnsafeRevenueTracking=False)
    created = run(offline.create(CreateRequest(urn(PROJECT, "web"), inputs, 60, True)))
    assert created.properties["name"].value == "Web"
    assert created.properties["clientSecret"].value == WIRE_UNKNOWN and created.properties["clientSecret"].is_secret
    olds = {**inputs, **pv(organizationId="org", clientId="c1"), "clientSecret": PropertyValue("s", is_secret=True)}
    updated = run(offline.update(UpdateRequest(urn(PROJECT, "web"), "web", olds, pv(name="Web 2"), 60, [], True)))
    assert updated.properties["name"].value == "Web 2"
    assert updated.properties["clientId"].value == "c1" and updated.properties["clientSecret"].is_secret
    with pytest.raises(MissingCredentialsError):
        run(offline.create(CreateRequest(urn(PROJECT, "web"), inputs, 60, False)))


# -- the provider's configuration --------------------------------------------------------------------------


def test_check_config_refuses_bad_settings_by_name_and_keeps_the_secret_secret(offline: OpenPanelProvider) -> None:
    news = {"apiUrl": PropertyValue("https://x.example.com/manage"), "rateLimit": PropertyValue("fast"),
            "clientId": PropertyValue("not-a-uuid"), "clientSecret": PropertyValue("sec_plain"),
            "requestTimeout": PropertyValue(30.0), "clientSecrte": PropertyValue("typo"),
            "version": PropertyValue("0.1.0")}
    checked = run(offline.check_config(CheckRequest("urn:pulumi:dev::app::pulumi:providers:openpanel::default",
                                                    {}, news, b"")))
    reasons = {failure.property: failure.reason for failure in checked.failures or []}
    assert set(reasons) == {"apiUrl", "rateLimit", "clientId", "clientSecrte"}
    assert "without /manage" in reasons["apiUrl"]
    assert "REQUESTS/SECONDS" in reasons["rateLimit"]
    assert "not-a-uuid" not in reasons["clientId"]  # never echoed: it may be a secret in the wrong place
    assert checked.inputs is not None and checked.inputs["clientSecret"].is_secret


def test_an_explicit_providers_settings_are_named_as_its_arguments(openpanel: OpenPanelTarget,
                                                                    proxy: RecordingProxy) -> None:
    provider = OpenPanelProvider(SCHEMA)
    run(provider.check_config(CheckRequest("urn:pulumi:dev::app::pulumi:providers:openpanel::customer", {},
                                           {}, b"")))
    args = {"apiUrl": PropertyValue(proxy.url), "clientId": PropertyValue(openpanel.client_id),
            "clientSecret": PropertyValue("sec_wrong_one", is_secret=True)}
    run(provider.configure(ConfigureRequest({}, args, True, True)))
    with pytest.raises(ApiError) as failed:
        run(provider.create(CreateRequest(urn(CLIENT, "c"), pv(name="Readers", type="read"), 60, False)))
    message = str(failed.value)
    assert "argument clientSecret of provider 'customer'" in message
    assert "sec_wrong_one" not in message and openpanel.client_secret not in message


# -- online ----------------------------------------------------------------------------------------------


def test_a_project_lives_and_dies_with_its_first_write_client(door: OpenPanelProvider, proxy: RecordingProxy,
                                                             uid: str) -> None:
    inputs = run(door.check(CheckRequest(urn(PROJECT, "web"), {}, pv(name=f"Door {uid}", cors=["*.example.com"]),
                                         b""))).inputs
    assert inputs is not None
    created = run(door.create(CreateRequest(urn(PROJECT, "web"), inputs, 60, False)))
    assert created.resource_id and created.properties["clientSecret"].is_secret
    assert not created.properties["clientId"].is_secret and created.properties["organizationId"].value
    assert "client_secret" not in created.properties  # every name camelCase
    write_client = created.properties["clientId"].value

    proxy.reset()
    read = run(door.read(ReadRequest(urn(PROJECT, "web"), created.resource_id, created.properties, inputs)))
    assert proxy.count() == 1
    assert read.resource_id == created.resource_id
    assert read.properties["clientSecret"].is_secret and read.properties["clientSecret"] == \
        created.properties["clientSecret"]
    assert read.inputs["cors"] == inputs["cors"]

    run(door.delete(DeleteRequest(urn(PROJECT, "web"), created.resource_id, created.properties, 60)))
    gone = run(door.invoke(InvokeRequest("openpanel:index:getClients", pv(projectId=created.resource_id))))
    assert write_client not in [client.value["id"].value for client in
                                (gone.return_value or {})["clients"].value]


def test_import_reads_an_object_made_elsewhere(door: OpenPanelProvider, api: ManageApi, uid: str) -> None:
    project = api.create_project(ProjectCreate(name=f"Imported {uid}")).project
    read = run(door.read(ReadRequest(urn(PROJECT, "imported"), project.id, {}, {})))
    assert read.resource_id == project.id
    assert read.inputs["name"].value == f"Imported {uid}"
    assert "clientSecret" not in read.inputs
    checked = run(door.check(CheckRequest(urn(PROJECT, "imported"), {}, pv(name=f"Imported {uid}"), b"")))
    assert checked.inputs is not None
    diffed = run(door.diff(DiffRequest(urn(PROJECT, "imported"), project.id, read.properties, checked.inputs, [])))
    assert diffed.changes is False, "an import of a program that says what exists must show no change"
    api.delete_project(project.id)


def test_a_gone_object_reads_as_gone(door: OpenPanelProvider) -> None:
    read = run(door.read(ReadRequest(urn(REFERENCE, "r"), "00000000-0000-4000-8000-000000000000",
                                     pv(projectId="web", title="t", datetime="2026-12-01T00:00:00.000Z"), {})))
    assert not read.resource_id


def test_lookups_answer_camel_case_and_refuse_bad_arguments(door: OpenPanelProvider, api: ManageApi,
                                                           uid: str) -> None:
    project = api.create_project(ProjectCreate(name=f"Looked up {uid}")).project
    found = run(door.invoke(InvokeRequest("openpanel:index:getProject", pv(id=project.id))))
    assert found.return_value is not None
    assert found.return_value["organizationId"].value == project.organization_id
    assert found.return_value["deleted"].value is False
    listed = run(door.invoke(InvokeRequest("openpanel:index:getProjects", {})))
    assert project.id in [item.value["id"].value for item in (listed.return_value or {})["projects"].value]
    refused = run(door.invoke(InvokeRequest("openpanel:index:getProject", pv(projectId="x"))))
    assert {failure.property for failure in refused.failures} == {"projectId", "id"}
    api.delete_project(project.id)
    with pytest.raises(OpenPanelError, match="not found"):
        run(door.invoke(InvokeRequest("openpanel:index:getReference",
                                      pv(id="00000000-0000-4000-8000-000000000000"))))


def test_our_error_is_found_behind_the_sdks_wrapping() -> None:
    try:
        try:
            raise MissingCredentialsError("OpenPanel credentials are missing")
        except Exception as exc:
            raise Exception(f"{exc}:\n  File ...traceback") from None
    except Exception as wrapped:
        assert ours(wrapped) is None  # `from None` hides the context: nothing of ours to show
    try:
        try:
            raise MissingCredentialsError("OpenPanel credentials are missing")
        except Exception as exc:
            raise Exception(f"{exc}:\n  File ...traceback")  # noqa: B904 - the SDK's own way
    except Exception as wrapped:
        found = ours(wrapped)
        assert isinstance(found, MissingCredentialsError) and "File" not in str(found)


def test_the_checked_in_schema_is_the_one_the_plugin_serves(offline: OpenPanelProvider) -> None:
    from pulumi.provider.experimental.provider import GetSchemaRequest

    served = json.loads(run(offline.get_schema(GetSchemaRequest(0))).schema or "{}")
    assert served["name"] == "openpanel"
    assert set(served["resources"]) == {PROJECT, CLIENT, REFERENCE}
    assert served["resources"][PROJECT]["properties"]["clientSecret"]["secret"] is True
    assert served["config"]["variables"]["clientSecret"]["secret"] is True
