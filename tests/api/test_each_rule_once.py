"""Each rule written once: the type tokens and the creation fields come from schema.py, the setting names of
the hints and the wire keys of a connection from settings.py's table, the sources of the settings are one
object, and the hints and parsers that ``doctor`` shares with the client are the client's."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
from pathlib import Path

import httpx
import pytest

import pulumi_openpanel
from pulumi_openpanel import errors
from pulumi_openpanel.api import settings
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.settings import (
    CONNECTION_KEYS,
    CREDENTIALS,
    SETTINGS_KEYS,
    TUNING,
    Credentials,
    no_manage_routes,
)
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.cli import doctor, recover
from pulumi_openpanel.client import Client
from pulumi_openpanel.core.schema import BY_RECORDED_TYPE, CLIENT, PROJECT, REFERENCE, RESOURCES, Resource, in_state
from pulumi_openpanel.errors import ApiRootError, AuthenticationError, NotFoundError, RateLimitedError, TransportError
from pulumi_openpanel.plugin import package
from pulumi_openpanel.policy import checks
from pulumi_openpanel.project import Project
from pulumi_openpanel.reference import Reference

from .fakes import CLIENT_ID, SECRET, FakeClock, FakeServer, fail, make_api, respond

PACKAGE = Path(inspect.getfile(pulumi_openpanel)).parent


def _modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if "emulator" not in path.relative_to(PACKAGE).parts]


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


# -- type tokens ----------------------------------------------------------------------------------------


def test_each_resource_type_token_is_declared_once_in_the_schema() -> None:
    for cls, resource in ((Project, PROJECT), (Client, CLIENT), (Reference, REFERENCE)):
        # What the Pulumi SDK makes of the class statement is what the schema says states record.
        assert f"pulumi-python:{cls._resource_type_name}" == resource.dynamic_type
    tokens = {resource.kind: resource.dynamic_type for resource in RESOURCES}
    for token, recorded in BY_RECORDED_TYPE.items():  # recover knows each door's token from the one table
        assert recover.Pending("creating", f"urn:pulumi:dev::p::{token}::x", token, {}).kind == recorded.resource.kind
    assert list(tokens.values()) == [checks.PROJECT_TYPE, checks.CLIENT_TYPE, checks.REFERENCE_TYPE]
    spelled = [path.relative_to(PACKAGE).as_posix() for path in _modules()
               if "pulumi-python:dynamic" in path.read_text(encoding="utf-8")]
    assert spelled == ["core/schema.py"]


def test_every_type_token_a_state_records_leads_to_its_resource_and_its_spelling() -> None:
    """Both doors' tokens, from one table: the plugin's are those of its generated schema, whose property names
    are what the lookup spells; the plugin's own table of tokens is that one."""
    plugin_schema = json.loads((PACKAGE.parent / "provider" / "schema.json").read_text(encoding="utf-8"))["resources"]
    for resource in RESOURCES:
        dynamic, plugin = in_state(resource.dynamic_type), in_state(resource.plugin_type)
        assert dynamic is not None and dynamic.resource is resource and not dynamic.plugin
        assert plugin is not None and plugin.resource is resource and plugin.plugin
        assert {plugin.spell(name) for name in resource.names} == set(plugin_schema[resource.plugin_type]["properties"])
        assert {dynamic.spell(name) for name in resource.names} == set(resource.names)
    plugin_tokens = {token: recorded.resource for token, recorded in BY_RECORDED_TYPE.items() if recorded.plugin}
    assert set(plugin_schema) == set(plugin_tokens)
    assert plugin_tokens == package.BY_TOKEN
    assert package.token("getProject") == "openpanel:index:getProject"
    for other in ("pulumi:providers:openpanel", "pulumi:pulumi:Stack", "aws:s3/bucket:Bucket", "", None):
        assert in_state(other) is None


def test_a_recorded_dict_reads_as_the_declared_names() -> None:
    recorded = {"projectId": "web", "organizationId": "org", "type": "write", "__provider": "x", "adopt": "c-1"}
    client = in_state("openpanel:index:Client")
    assert client is not None
    assert client.declared(recorded) == {"project_id": "web", "organization_id": "org", "type": "write",
                                         "__provider": "x", "adopt": "c-1"}
    project = in_state("openpanel:index:Project")
    assert project is not None
    assert project.declared({"clientId": "c", "clientSecret": "s", "allowUnsafeRevenueTracking": True}) == {
        "client_id": "c", "client_secret": "s", "allow_unsafe_revenue_tracking": True}
    # The dynamic door's state is already declared names; a camelCase name there is not one of them.
    dynamic = in_state(CLIENT.dynamic_type)
    assert dynamic is not None and dynamic.declared({"project_id": "web", "projectId": "x"}) == {
        "project_id": "web", "projectId": "x"}


# -- creation fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.name)
def test_recover_matches_what_a_create_sends(resource: Resource) -> None:
    schema = recover.SCHEMAS[resource.kind]
    assert schema is resource
    every_input = {prop.name: f"value of {prop.name}" for prop in schema.props}
    assert list(schema.create_body(every_input)) == [prop.name for prop in schema.at_creation]
    key = recover._match_key(schema.kind, every_input)
    sent = [f"value of {prop.name}" for prop in schema.at_creation]
    assert key == recover._match_key(schema.kind, schema.create_body(every_input))
    assert all(value in key for value in sent)
    assert not any(f"value of {prop.name}" in key for prop in schema.props if not prop.at_create)


def test_recover_reads_the_core_schema_not_the_dynamic_door() -> None:
    imported = _imported(PACKAGE / "cli" / "recover.py")
    door = {"pulumi_openpanel.project", "pulumi_openpanel.client", "pulumi_openpanel.reference"}
    assert not {name for name in imported if name in door or name.startswith("pulumi_openpanel.dynamic")}


# -- setting names in hints ---------------------------------------------------------------------------------


def test_errors_name_no_setting_and_have_no_hint_that_is_always_replaced() -> None:
    """errors.py is below the settings' table: the hints that name a setting are made where it is known."""
    names = set(SETTINGS_KEYS) | {env for _, env in TUNING.values()} | {env for *_, env in CREDENTIALS.values()}
    text = Path(errors.__file__).read_text(encoding="utf-8")
    assert not [name for name in names if name in text]
    assert "hint" not in vars(AuthenticationError)


def test_the_clients_hints_name_the_settings_from_the_table() -> None:
    transport = make_api(FakeServer(FakeClock(), fail(httpx.ConnectError)))  # no retries
    with pytest.raises(TransportError) as unreachable:
        transport.list_projects()
    _, _, api_url_key, api_url_env = CREDENTIALS["api_url"]
    assert f"({api_url_key} / {api_url_env}) is right and reachable" in str(unreachable.value)

    limited = make_api(FakeServer(FakeClock(), respond(429, {"message": "Rate limit exceeded"})))
    with pytest.raises(RateLimitedError) as refused:
        limited.list_projects()
    assert f"({settings.CONFIG_RATE_LIMIT})" in str(refused.value)


def test_a_credential_of_unknown_source_is_named_by_every_place_of_the_table() -> None:
    api = make_api(FakeServer(FakeClock(), respond(401, {"message": "Manage: Invalid client secret"})),
                   credentials=Credentials("https://api.openpanel.dev", CLIENT_ID, SECRET))
    with pytest.raises(AuthenticationError) as caught:
        api.list_projects()
    for name in ("client_id", "client_secret"):
        _, arg, key, variable = CREDENTIALS[name]
        assert f"connection=Connection({arg}=...), stack config {key}, or environment {variable}" in str(caught.value)


def test_connection_keys_are_the_wire_keys_of_the_table() -> None:
    assert CONNECTION_KEYS == tuple(wire for wire, *_ in CREDENTIALS.values()) == ("apiUrl", "clientId",
                                                                                     "clientSecret")


# -- what doctor shares with the client -----------------------------------------------------------------------


def test_doctor_and_the_client_say_no_manage_routes_alike() -> None:
    root, source = "https://analytics.example.com", "environment variable OPENPANEL_API_URL"
    payload = {"message": "Route GET:/manage/projects not found"}
    api = make_api(FakeServer(FakeClock(), respond(404, payload)),
                   credentials=Credentials(root, CLIENT_ID, SECRET, sources={"api_url": source}))
    with pytest.raises(ApiRootError) as caught:
        api.list_projects()
    assert caught.value.hint == no_manage_routes(root, source)
    html_404 = NotFoundError("GET", "/manage/projects", 404, "<html>Not Found</html>")
    assert doctor._api_root_fix(html_404, root, source) == no_manage_routes(root, source)


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "soon"])
def test_doctor_reads_its_timeout_as_the_provider_reads_one(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="must be a positive number of seconds"):
        doctor._positive_seconds(text)
    assert doctor._positive_seconds("2.5") == 2.5


# -- one object for the sources ----------------------------------------------------------------------------------


def test_no_function_threads_the_sources_one_by_one() -> None:
    """The stack config and the names of its sources travel together, as a Sources."""
    naming = {"stack_name", "given_as", "recorded"}
    threading = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {arg.arg for arg in [*node.args.args, *node.args.kwonlyargs]}
                if "stack_config" in names and names & naming:
                    threading.append(f"{path.relative_to(PACKAGE).as_posix()}:{node.name}")
    assert threading == []


def test_the_factory_takes_the_sources_whole_or_the_usual_three() -> None:
    environ = {"OPENPANEL_CLIENT_ID": CLIENT_ID, "OPENPANEL_CLIENT_SECRET": SECRET, "OPENPANEL_RATE_LIMIT": "off"}
    whole = manage_api(sources=Sources(stack_config={"openpanel:maxRetries": "1"}, environ=environ))
    parts = manage_api(None, {"openpanel:maxRetries": "1"}, environ)
    assert whole.credentials == parts.credentials and whole.settings == parts.settings
    with pytest.raises(TypeError, match="not both"):
        manage_api({"clientId": CLIENT_ID}, sources=Sources(environ=environ))


def test_the_sources_name_a_recorded_stack_config_value() -> None:
    sources = Sources(stack_config={"openpanel:clientId": "not-an-id", "openpanel:clientSecret": SECRET},
                      environ={}, stack_name="dev", recorded=True)
    found = sources.locate()
    assert found["client_id"] == ("not-an-id", "stack config openpanel:clientId of stack dev as recorded in the "
                                               "state at the last `pulumi up`")
    assert set(found) == set(CREDENTIALS) | set(TUNING)
    with pytest.raises(errors.ConfigurationError, match="of stack dev as recorded"):
        sources.credentials()
    assert SECRET not in repr(sources)
