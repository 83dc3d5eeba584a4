"""check and diff are offline: every verdict here is reached with the network and credentials cut off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pulumi.output import Unknown

from pulumi_openpanel.client import ClientProvider
from pulumi_openpanel.dynamic.provider import OpenPanelProvider
from pulumi_openpanel.project import ProjectProvider
from pulumi_openpanel.reference import ReferenceProvider
from tests.support.slugs import ACCEPTED, REFUSED
from tests.support.target import CREDENTIAL_VARIABLES


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Fail loudly on any request and make sure no credential is around."""
    sent: list[httpx.Request] = []

    def refuse(self: httpx.Client, request: httpx.Request, **_: Any) -> httpx.Response:
        sent.append(request)
        raise AssertionError(f"check/diff sent a request: {request.method} {request.url}")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return sent


def failures(provider: OpenPanelProvider, news: dict[str, Any]) -> dict[str, str]:
    result = provider.check({}, news)
    return {failure.property: failure.reason for failure in result.failures}


PROJECT = {"name": "Web", "domain": "https://example.com", "cors": ["https://example.com"], "types": ["website"]}


@pytest.mark.parametrize(
    ("news", "prop", "needle"),
    [
        ({**PROJECT, "name": ""}, "name", "must not be empty"),
        ({**PROJECT, "name": "   "}, "name", "must not be empty"),
        ({**PROJECT, "name": 42}, "name", "must be a string, got int"),
        ({k: v for k, v in PROJECT.items() if k != "name"}, "name", "required"),
        ({**PROJECT, "domain": "example.com"}, "domain", "absolute http(s) URL"),
        ({**PROJECT, "domain": "ftp://example.com"}, "domain", "absolute http(s) URL"),
        ({**PROJECT, "domain": "https://exa mple.com"}, "domain", "absolute http(s) URL"),
        ({**PROJECT, "cors": ["https://a.example.com", ""]}, "cors", "entry 1 is empty"),
        ({**PROJECT, "cors": ["/"]}, "cors", "entry 0 is empty"),
        ({**PROJECT, "cors": "https://example.com"}, "cors", "must be a list"),
        ({**PROJECT, "cors": [3]}, "cors", "entry 0 must be a string"),
        ({**PROJECT, "types": ["website", "mobile"]}, "types", "website, app, backend"),
        ({**PROJECT, "types": "website"}, "types", "must be a list"),
        ({**PROJECT, "cross_domain": "yes"}, "cross_domain", "true or false"),
        ({**PROJECT, "allow_unsafe_revenue_tracking": 1}, "allow_unsafe_revenue_tracking", "true or false"),
        ({**PROJECT, "colour": "blue"}, "colour", "not a property"),
    ],
)
def test_project_check_refuses_bad_input_naming_the_property(news: dict[str, Any], prop: str, needle: str) -> None:
    found = failures(ProjectProvider(), news)
    assert prop in found, found
    assert needle in found[prop]
    assert found[prop].startswith(prop)


@pytest.mark.parametrize(("name", "project_id"), ACCEPTED)
def test_project_names_the_server_can_turn_into_an_id_pass(name: str, project_id: str) -> None:
    """Whatever script a name is in, check accepts it as written when the server derives a non-empty id."""
    result = ProjectProvider().check({}, {**PROJECT, "name": name})
    assert result.failures == []
    assert result.inputs["name"] == name


@pytest.mark.parametrize("name", REFUSED)
def test_project_names_with_an_empty_slug_are_refused(name: str) -> None:
    """The server would create these with the id "", which no request can reach: refused, saying what is allowed."""
    found = failures(ProjectProvider(), {**PROJECT, "name": name})
    assert list(found) == ["name"]
    assert found["name"].startswith(f"name {name!r} has no letter or digit that OpenPanel can turn into an id")
    assert "A-Z and 0-9" in found["name"]


@pytest.mark.parametrize(
    "entry", ["*", "*.example.com", "example.org", "https://x.example.com", "http://localhost:3000"]
)
def test_every_meaningful_cors_form_is_accepted(entry: str) -> None:
    result = ProjectProvider().check({}, {**PROJECT, "cors": [entry]})
    assert result.failures == []
    assert result.inputs["cors"] == [entry]


def test_project_check_normalises_like_the_server() -> None:
    result = ProjectProvider().check(
        {}, {"name": "Café", "domain": "https://example.com///", "cors": ["https://a.example.com/", "*"]}
    )
    assert result.failures == []
    assert result.inputs["domain"] == "https://example.com"
    assert result.inputs["cors"] == ["https://a.example.com", "*"]
    assert result.inputs["types"] == []
    assert result.inputs["cross_domain"] is False
    assert result.inputs["allow_unsafe_revenue_tracking"] is False
    assert ProjectProvider().check({}, {"name": "W", "domain": ""}).inputs["domain"] is None


@pytest.mark.parametrize(
    ("news", "prop", "needle"),
    [
        ({"name": "", "type": "read"}, "name", "must not be empty"),
        ({"name": "r", "type": "admin"}, "type", "read, write, root"),
        ({"name": "r", "project_id": 7}, "project_id", "must be a string"),
    ],
)
def test_client_check_refusals(news: dict[str, Any], prop: str, needle: str) -> None:
    found = failures(ClientProvider(), news)
    assert needle in found[prop]


def test_client_type_defaults_to_write_like_the_server() -> None:
    assert ClientProvider().check({}, {"name": "c"}).inputs["type"] == "write"


REFERENCE = {"project_id": "web", "title": "Launch", "datetime": "2026-12-01T10:00:00Z"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01", "2026-12-01T00:00:00.000Z"),
        ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00.000Z"),
        ("2026-12-01T10:00:00+02:00", "2026-12-01T08:00:00.000Z"),
        ("2026-12-01T10:00:00", "2026-12-01T10:00:00.000Z"),
        ("2026-12-01T10:00", "2026-12-01T10:00:00.000Z"),
        ("2026-12-01T23:30:00.5-01:00", "2026-12-02T00:30:00.500Z"),
    ],
)
def test_reference_datetime_is_normalised_to_utc_milliseconds(value: str, expected: str) -> None:
    result = ReferenceProvider().check({}, {**REFERENCE, "datetime": value})
    assert result.failures == []
    assert result.inputs["datetime"] == expected


@pytest.mark.parametrize("value", ["2026-13-45", "1700000000000", "next tuesday", "2026-02-30", "", 1700000000])
def test_reference_datetime_refusals(value: Any) -> None:
    found = failures(ReferenceProvider(), {**REFERENCE, "datetime": value})
    assert "datetime" in found


def test_reference_refusals_and_description_normalisation() -> None:
    assert "title" in failures(ReferenceProvider(), {**REFERENCE, "title": ""})
    assert "project_id" in failures(ReferenceProvider(), {k: v for k, v in REFERENCE.items() if k != "project_id"})
    assert ReferenceProvider().check({}, {**REFERENCE, "description": ""}).inputs["description"] is None


def test_unknown_values_pass_through_check() -> None:
    result = ClientProvider().check({}, {"name": "c", "project_id": Unknown(), "type": "read"})
    assert result.failures == []
    assert isinstance(result.inputs["project_id"], Unknown)


def outputs_of(provider: OpenPanelProvider, news: dict[str, Any], **computed: Any) -> dict[str, Any]:
    checked = provider.check({}, news)
    assert checked.failures == []
    return {**checked.inputs, **computed, "__provider": "serialized"}


def test_diff_of_unchanged_inputs_is_empty_and_ignores_computed_fields() -> None:
    provider = ProjectProvider()
    olds = outputs_of(provider, PROJECT, organization_id="org", client_id="c", client_secret="s")
    news = provider.check({}, {**PROJECT, "domain": "https://example.com/"}).inputs
    news["__provider"] = "another serialization"
    result = provider.diff("web", olds, news)
    assert result.changes is False
    assert result.replaces == []


def test_diff_rename_is_an_update_and_types_replace() -> None:
    provider = ProjectProvider()
    olds = outputs_of(provider, PROJECT, organization_id="org")
    renamed = provider.diff("web", olds, provider.check({}, {**PROJECT, "name": "Web 2"}).inputs)
    assert renamed.changes is True and renamed.replaces == []
    retyped = provider.diff("web", olds, provider.check({}, {**PROJECT, "types": ["app"]}).inputs)
    assert retyped.changes is True and retyped.replaces == ["types"]


def test_diff_replace_only_fields_of_client_and_reference() -> None:
    client = ClientProvider()
    olds = outputs_of(client, {"name": "c", "project_id": "web", "type": "read"}, organization_id="o", secret="x")
    assert client.diff(
        "id", olds, client.check({}, {"name": "c", "project_id": "web", "type": "write"}).inputs
    ).replaces == ["type"]
    assert client.diff(
        "id", olds, client.check({}, {"name": "c", "project_id": "api", "type": "read"}).inputs
    ).replaces == ["project_id"]
    renamed = client.diff("id", olds, client.check({}, {"name": "d", "project_id": "web", "type": "read"}).inputs)
    assert renamed.changes is True and renamed.replaces == []

    reference = ReferenceProvider()
    olds = outputs_of(reference, REFERENCE)
    moved = reference.diff("id", olds, reference.check({}, {**REFERENCE, "project_id": "api"}).inputs)
    assert moved.replaces == ["project_id"]
    same_instant = reference.check({}, {**REFERENCE, "datetime": "2026-12-01T11:00:00+01:00"}).inputs
    assert reference.diff("id", olds, same_instant).changes is False


def test_diff_treats_empty_and_missing_description_alike() -> None:
    reference = ReferenceProvider()
    olds = {**outputs_of(reference, REFERENCE), "description": ""}
    assert reference.diff("id", olds, reference.check({}, REFERENCE).inputs).changes is False


def test_unknown_in_a_replace_only_field_means_replace() -> None:
    client = ClientProvider()
    olds = outputs_of(client, {"name": "c", "project_id": "web", "type": "read"})
    result = client.diff("id", olds, {"name": "c", "project_id": Unknown(), "type": "read"})
    assert result.replaces == ["project_id"]
    updatable = client.diff("id", olds, {"name": Unknown(), "project_id": "web", "type": "read"})
    assert updatable.changes is True and updatable.replaces == []
