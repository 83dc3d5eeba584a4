"""An input that names another object (``refers_to`` in schema.py: ``project_id``) and names none the
credentials can see fails naming that input, its value and what must be true of it, not with the bare
``HTTP 404: Project not found`` of the request.

Provider level: the providers' ``check`` then ``create`` / ``update`` called directly, as the plugin calls
them, with the provider's settings in the environment and every request passing through a recording proxy
in front of the API under test. The run under the real CLI is in tests/lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.client import ClientProvider
from pulumi_openpanel.core import schema
from pulumi_openpanel.dynamic.provider import OpenPanelProvider
from pulumi_openpanel.errors import AdoptionError, NotFoundError, ReferredNotFoundError
from pulumi_openpanel.project import ProjectProvider
from pulumi_openpanel.reference import ReferenceProvider
from tests.support.fixtures import provider_env, session_api
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

PROVIDERS: dict[str, type[OpenPanelProvider]] = {
    "Project": ProjectProvider, "Client": ClientProvider, "Reference": ReferenceProvider,
}
# Valid inputs of each resource that has an input referring to another object, but for that input.
OTHER_INPUTS: dict[str, dict[str, Any]] = {
    "Client": {"name": "Reader", "type": "read"},
    "Reference": {"title": "Launch", "datetime": "2026-12-01T10:00:00Z"},
}
# Every input that refers to another object, from the schema: a new one is covered without a new test.
REFERRING = [(resource, prop) for resource in schema.RESOURCES for prop in resource.referring]
IDS = [f"{resource.name}.{prop.name}" for resource, prop in REFERRING]
MISSING = "no-such-project"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, openpanel: OpenPanelTarget, proxy: RecordingProxy) -> None:
    """The provider's settings from the environment, as in the plugin, pointed at the proxy."""
    for name, value in provider_env(openpanel, proxy.url).items():
        monkeypatch.setenv(name, value)


def checked(resource: schema.Resource, **inputs: Any) -> tuple[OpenPanelProvider, dict[str, Any]]:
    provider = PROVIDERS[resource.name]()
    result = provider.check({}, {**OTHER_INPUTS[resource.name], **inputs})
    assert not result.failures, result.failures
    return provider, dict(result.inputs)


def assert_names_the_input(error: ReferredNotFoundError, prop: schema.Prop, value: str,
                           openpanel: OpenPanelTarget) -> None:
    text = str(error)
    assert isinstance(error, NotFoundError) and error.status == 404  # `except NotFoundError` still catches it
    assert (error.input, error.value) == (prop.name, value)
    assert text.startswith(f"{prop.name} {value!r}: OpenPanel POST /manage/"), text
    kind = schema.kind_of(prop.refers_to or "")
    assert f"{prop.name} must be the id of a {kind} that exists, is not deleted, and belongs to the organization of " \
           "the credentials in use (client id from environment variable OPENPANEL_CLIENT_ID" in text, text
    assert openpanel.client_secret not in text and openpanel.client_id not in text
    assert len(text) < 400, text


def test_the_schema_declares_referring_inputs_and_each_is_covered_here() -> None:
    assert IDS == ["Client.project_id", "Reference.project_id"]
    assert {resource.name for resource, _ in REFERRING} <= set(OTHER_INPUTS)


@pytest.mark.parametrize(("resource", "prop"), REFERRING, ids=IDS)
def test_a_create_naming_no_object_says_which_input_and_what_must_be_true(
        resource: schema.Resource, prop: schema.Prop, proxy: RecordingProxy, openpanel: OpenPanelTarget) -> None:
    provider, inputs = checked(resource, **{prop.name: MISSING})
    with pytest.raises(ReferredNotFoundError) as raised:
        provider.create(inputs)
    assert_names_the_input(raised.value, prop, MISSING, openpanel)
    assert [(request.method, request.status) for request in proxy.requests] == [("POST", 404)]


@pytest.mark.parametrize(("resource", "prop"), REFERRING, ids=IDS)
def test_a_project_of_another_organization_is_named_the_same_way(
        resource: schema.Resource, prop: schema.Prop, openpanel: OpenPanelTarget, uid: str) -> None:
    """OpenPanel answers for another organization's project as for a missing one: the message says both."""
    other = session_api(openpanel, openpanel.other_client_id, openpanel.other_client_secret)
    foreign = other.create_project(ProjectCreate(name=f"Foreign {uid}")).project.id
    try:
        provider, inputs = checked(resource, **{prop.name: foreign})
        with pytest.raises(ReferredNotFoundError) as raised:
            provider.create(inputs)
        assert_names_the_input(raised.value, prop, foreign, openpanel)
    finally:
        other.delete_project(foreign)


@pytest.mark.parametrize(("resource", "prop"), REFERRING, ids=IDS)
def test_moving_to_a_missing_object_replaces_and_the_new_objects_create_names_the_input(
        resource: schema.Resource, prop: schema.Prop, openpanel: OpenPanelTarget, uid: str) -> None:
    """The update path: a change of project_id is a replace (the API cannot move an object), so what fails
    is the create of the replacement, which names the input; the old object is left as it was."""
    api = session_api(openpanel)
    project = api.create_project(ProjectCreate(name=f"Home {uid}")).project.id
    try:
        provider, olds = checked(resource, **{prop.name: project})
        created = provider.create(olds)
        assert created.id is not None and created.outs is not None
        _, news = checked(resource, **{prop.name: MISSING})
        diff = provider.diff(created.id, dict(created.outs), news)
        assert diff.replaces == [prop.name]
        with pytest.raises(ReferredNotFoundError) as raised:
            provider.create(news)
        assert_names_the_input(raised.value, prop, MISSING, openpanel)
        provider.delete(created.id, dict(created.outs))
    finally:
        api.delete_project(project)


@pytest.mark.parametrize(("resource", "prop"), REFERRING, ids=IDS)
def test_an_update_whose_request_is_refused_for_a_referred_object_names_the_input(
        resource: schema.Resource, prop: schema.Prop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every referring input replaces today, so no PATCH carries one; the update names it all the same
    should the API ever take one in place (the rule is the schema's, not a list of routes)."""
    provider, news = checked(resource, **{prop.name: MISSING})
    olds = {**news, "title": "Old", "name": "Old"}

    def refused(*_: Any) -> dict[str, Any]:
        raise NotFoundError("PATCH", "/manage/x", 404, f"{prop.refers_to} not found")

    monkeypatch.setattr(type(provider.core), "update_object", lambda self, api, object_id, changed: refused())
    with pytest.raises(ReferredNotFoundError) as raised:
        provider.update("some-id", olds, news)
    assert (raised.value.input, raised.value.value) == (prop.name, MISSING)


@pytest.mark.parametrize(("resource", "prop"), REFERRING, ids=IDS)
def test_a_404_for_the_object_itself_blames_no_input(resource: schema.Resource, prop: schema.Prop) -> None:
    """An update of an object deleted outside Pulumi answers "<Kind> not found": that is no input's fault."""
    provider, news = checked(resource, **{prop.name: MISSING})
    olds = {**news, "title": "Old", "name": "Old"}
    gone = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFoundError) as raised:
        provider.update(gone, olds, news)
    assert not isinstance(raised.value, ReferredNotFoundError)
    assert f"{resource.name} not found" in str(raised.value)


@pytest.fixture
def web(openpanel: OpenPanelTarget, uid: str) -> Iterator[str]:
    api = session_api(openpanel)
    project = api.create_project(ProjectCreate(name=f"Web {uid}")).project.id
    yield project
    api.delete_project(project)


def test_adopt_with_a_missing_project_id_names_the_input_and_both_values(web: str) -> None:
    """Adopt reads the object by its own id, so the project is never looked up: the object's project_id
    is compared with the program's, and the difference is named (project_id cannot change in place)."""
    provider, inputs = checked(schema.REFERENCE, project_id=web)
    existing = provider.create(inputs)
    assert existing.id is not None and existing.outs is not None
    try:
        _, adopting = checked(schema.REFERENCE, project_id=MISSING, adopt=existing.id)
        with pytest.raises(AdoptionError, match=rf"its project_id is '{web}' but the program says '{MISSING}'"):
            provider.create(adopting)
    finally:
        provider.delete(existing.id, dict(existing.outs))
