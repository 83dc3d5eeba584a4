"""Errors about the stack config name where the value really came from: in a read or a delete (what
``pulumi refresh`` and ``pulumi destroy`` drive) the provider is configured with the stack config the state
recorded at the last ``pulumi up``, not today's, and the error says so and what to run.

Provider level: the provider is configured as the plugin configures it (``configure`` with the stack
config), and its calls are made directly. tests/cli/test_recorded_config.py runs the same through the real
CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_openpanel.api.sources import RECORDED, RECORDED_FIX, Sources
from pulumi_openpanel.errors import (
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    MissingCredentialsError,
    OpenPanelError,
)
from pulumi_openpanel.project import ProjectProvider
from pulumi_openpanel.reference import ReferenceProvider
from tests.api.fakes import OTHER_UUID, FakeClock, FakeServer, make_api, respond
from tests.support.fixtures import credentials_env, unpaced
from tests.support.target import CREDENTIAL_VARIABLES, OpenPanelTarget

WRONG_SECRET = "sec_" + "5" * 20
NOT_A_UUID = "my-root-client"


def configured(provider_class: type[ProjectProvider] | type[ReferenceProvider],
               stack_config: Mapping[str, str]) -> ProjectProvider | ReferenceProvider:
    provider = provider_class()
    provider.configure(ConfigureRequest(Config(raw_config=dict(stack_config), project_name="test")))
    return provider


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def failure(call: Callable[[], object], expected: type[OpenPanelError]) -> str:
    with pytest.raises(expected) as caught:
        call()
    return str(caught.value)


def test_a_bad_client_id_in_a_read_or_delete_is_named_as_recorded_with_what_to_run() -> None:
    provider = configured(ReferenceProvider, {"openpanel:clientId": NOT_A_UUID,
                                              "openpanel:clientSecret": WRONG_SECRET})
    props = {"project_id": "web", "title": "Launch", "datetime": "2026-01-01T00:00:00.000Z"}

    for text in (failure(lambda: provider.read("ref-1", props), ConfigurationError),
                 failure(lambda: provider.delete("ref-1", props), ConfigurationError)):
        assert f"from stack config openpanel:clientId {RECORDED} must be a UUID" in text
        assert text.endswith(RECORDED_FIX)
        assert "pulumi refresh --run-program" in text and "pulumi destroy --run-program" in text
        assert NOT_A_UUID not in text and WRONG_SECRET not in text

    # A create (or update) runs under today's stack config: named plainly, nothing about the state.
    created = failure(lambda: provider.create(props), ConfigurationError)
    assert "from stack config openpanel:clientId must be a UUID" in created
    assert RECORDED not in created and "--run-program" not in created


def test_a_bad_client_id_in_a_project_delete_is_named_as_recorded() -> None:
    """The project's own delete (write client first) reads the same recorded configuration."""
    provider = configured(ProjectProvider, {"openpanel:clientId": NOT_A_UUID, "openpanel:clientSecret": WRONG_SECRET})

    text = failure(lambda: provider.delete("web", {"name": "Web", "client_id": "c-1"}), ConfigurationError)

    assert f"stack config openpanel:clientId {RECORDED}" in text and text.endswith(RECORDED_FIX)


def test_missing_credentials_in_a_read_name_the_recorded_stack_config() -> None:
    provider = configured(ProjectProvider, {})

    text = failure(lambda: provider.read("web", {"name": "Web"}), MissingCredentialsError)

    assert f"stack config openpanel:clientId {RECORDED}, or environment OPENPANEL_CLIENT_ID" in text
    assert text.endswith(RECORDED_FIX)


def test_a_refused_recorded_secret_names_its_source_and_what_to_run(openpanel: OpenPanelTarget) -> None:
    settings = {"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
                **({"openpanel:rateLimit": "off"} if unpaced(openpanel) else {})}
    provider = configured(ProjectProvider, {**settings, "openpanel:clientSecret": WRONG_SECRET})

    text = failure(lambda: provider.read("web", {"name": "Web"}), AuthenticationError)

    assert "HTTP 401" in text and "Invalid client secret" in text
    assert f"The client secret (from stack config openpanel:clientSecret {RECORDED})" in text
    assert text.endswith(RECORDED_FIX) and text.count(RECORDED_FIX) == 1
    assert WRONG_SECRET not in text and openpanel.client_secret not in text


def test_a_refused_secret_from_the_environment_says_nothing_about_the_state(
        monkeypatch: pytest.MonkeyPatch, openpanel: OpenPanelTarget) -> None:
    """Environment variables are read at call time, in refresh and destroy too: no recorded value involved."""
    for name, value in credentials_env(openpanel.api_url, openpanel.client_id, WRONG_SECRET).items():
        monkeypatch.setenv(name, value)
    provider = configured(ProjectProvider, {"openpanel:rateLimit": "off"} if unpaced(openpanel) else {})

    text = failure(lambda: provider.read("web", {"name": "Web"}), AuthenticationError)

    assert "The client secret (from environment variable OPENPANEL_CLIENT_SECRET)" in text
    assert RECORDED not in text and "--run-program" not in text


def test_a_403_names_the_recorded_client_id_and_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """403 says the object is another organization's than the credentials in use: which credentials, and, in a
    read or delete, that they are the recorded ones."""
    refusal = {"error": "Forbidden", "message": "Project does not belong to your organization"}
    monkeypatch.setattr(type(ProjectProvider.core), "read_object",
                        lambda self, api, object_id: api.list_dashboards(object_id))
    stack_config = {"openpanel:clientId": OTHER_UUID, "openpanel:clientSecret": WRONG_SECRET}
    provider = configured(ProjectProvider, stack_config)
    api = make_api(FakeServer(FakeClock(), respond(403, refusal)),
                   credentials=Sources(None, stack_config, {}, recorded=True).credentials())
    monkeypatch.setattr(ProjectProvider, "api", lambda self, props, recorded=False: api)

    text = failure(lambda: provider.read("someone-elses", {"name": "Web"}), ForbiddenError)

    assert "HTTP 403" in text and "belongs to another organization than the credentials in use" in text
    assert f"(client id from stack config openpanel:clientId {RECORDED})" in text and text.endswith(RECORDED_FIX)
    assert WRONG_SECRET not in text
