"""No secret, created secret or secret hash may show in an error, a repr, a log line or a cache key."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import httpx
import pytest

from pulumi_openpanel.api import client as api_module
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import Client, CreatedClient, CreatedProject, ProjectCreate
from pulumi_openpanel.api.settings import ApiSettings, RetryPolicy
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.errors import ApiError, ConfigurationError, ValidationError

from .fakes import (
    CLIENT_ID,
    CREATED_SECRET,
    HASH,
    OTHER_UUID,
    SECRET,
    FakeClock,
    FakeServer,
    Reply,
    client_json,
    credentials,
    fail,
    make_api,
    project_json,
    respond,
)

PLAIN_SECRET = "correct-horse-battery-staple-42"
FRAGMENT = 8


def fragments(secret: str) -> Iterator[str]:
    """Every run of FRAGMENT characters of a secret: a partial secret is a leak too."""
    for start in range(len(secret) - FRAGMENT + 1):
        yield secret[start : start + FRAGMENT]


def assert_clean(text: str, *secrets: str) -> None:
    for secret in (SECRET, CREATED_SECRET, HASH, *secrets):
        leaked = [piece for piece in fragments(secret) if piece in text]
        assert not leaked, f"{secret[:4]}... leaked as {leaked[:3]} in {text[:300]!r}"


def echo(secret: str = SECRET) -> str:
    return f"bad secret {secret}; new secret {CREATED_SECRET}; stored hash {HASH}"


def error_renderings(error: BaseException) -> str:
    parts = [str(error), repr(error), *map(str, error.args), "".join(traceback.format_exception(error))]
    if isinstance(error, ApiError):
        parts.append(error.server_message)
    if isinstance(error, ValidationError):
        parts.append(repr(error.fields))
    return "\n".join(parts)


ECHOES: dict[str, Reply] = {
    "400-json": respond(400, {"status": 400, "error": "Error", "message": "body/name " + echo()}),
    "401-json": respond(401, {"error": "Unauthorized", "message": echo()}),
    "403-json": respond(403, {"error": "Forbidden", "message": echo()}),
    "404-json": respond(404, {"status": 404, "message": echo()}),
    "409-json": respond(409, {"message": echo()}),
    "429-json": respond(429, {"status": 429, "message": echo()}, headers={"retry-after": "1"}),
    "500-text": respond(500, text=echo()),
    "502-json-no-message": respond(502, {"error": echo()}),
    "timeout": fail(httpx.ReadTimeout, echo()),
    "connect": fail(httpx.ConnectError, echo()),
}


@pytest.mark.parametrize("case", sorted(ECHOES))
def test_errors_never_carry_echoed_secrets(case: str) -> None:
    server = FakeServer(FakeClock(), ECHOES[case])
    api = make_api(server)
    with pytest.raises(ApiError) as caught:
        api.create_project(ProjectCreate(name="Probe Project"))
    text = error_renderings(caught.value)
    assert "/manage/projects" in text
    assert_clean(text)


@pytest.mark.parametrize("case", ["401-json", "500-text", "timeout"])
def test_a_secret_of_any_shape_is_removed_from_errors(case: str) -> None:
    replies = {
        "401-json": respond(401, {"error": "Unauthorized", "message": echo(PLAIN_SECRET)}),
        "500-text": respond(500, text=echo(PLAIN_SECRET)),
        "timeout": fail(httpx.ReadTimeout, echo(PLAIN_SECRET)),
    }
    server = FakeServer(FakeClock(), replies[case])
    api = make_api(server, secret=PLAIN_SECRET)
    with pytest.raises(ApiError) as caught:
        api.get_project("probe-project")
    assert_clean(error_renderings(caught.value), PLAIN_SECRET)


def test_validation_fields_hold_no_secret() -> None:
    message = f"body/clientSecret Invalid value {SECRET}, body/name Too small, body/hash {HASH}"
    server = FakeServer(FakeClock(), respond(400, {"status": 400, "error": "Error", "message": message}))
    api = make_api(server)
    with pytest.raises(ValidationError) as caught:
        api.get_project("probe-project")
    assert set(caught.value.fields) == {"clientSecret", "name", "hash"}
    assert_clean(error_renderings(caught.value))


@pytest.mark.parametrize("secret", [SECRET, HASH, PLAIN_SECRET], ids=["secret", "hash", "plain-secret"])
def test_a_secret_cut_by_the_length_limit_of_a_message_does_not_leak_in_part(secret: str) -> None:
    """Long plain-text bodies are shortened; the cut must not leave a piece of a secret behind."""
    body = "x" * (500 - len(secret) // 2) + " " + secret + " " + "y" * 100
    server = FakeServer(FakeClock(), respond(500, text=body))
    api = make_api(server, secret=PLAIN_SECRET)
    with pytest.raises(ApiError) as caught:
        api.get_project("probe-project")
    assert_clean(error_renderings(caught.value), PLAIN_SECRET)


def test_logs_of_a_failing_and_retried_request_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    for name in (None, "httpx", "httpcore", "pulumi_openpanel"):
        caplog.set_level(logging.DEBUG, logger=name)
    server = FakeServer(
        FakeClock(),
        respond(500, text=echo()),
        respond(429, {"status": 429, "message": echo()}, headers={"retry-after": "2"}),
        fail(httpx.ReadTimeout, echo()),
        respond(503, {"status": 503, "message": echo()}),
        respond(500, text=echo()),
    )
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=4.0, max_elapsed=100.0)
    api = make_api(server, settings=ApiSettings(retry=policy))
    with pytest.raises(ApiError) as caught:
        api.get_project("probe-project")
    assert len(server.requests) == 6  # five failures, the attempts' budget, and the 429, which takes none of it
    assert any(record.name.startswith("pulumi_openpanel") for record in caplog.records)
    assert any(record.name.startswith("httpx") for record in caplog.records)
    logged = [
        "\n".join((record.getMessage(), repr(record.args), record.exc_text or "", str(record.exc_info or "")))
        for record in caplog.records
    ]
    assert_clean("\n".join(logged) + caplog.text + error_renderings(caught.value))


def test_logs_of_a_failing_create_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    for name in (None, "httpx", "httpcore", "pulumi_openpanel"):
        caplog.set_level(logging.DEBUG, logger=name)
    server = FakeServer(
        FakeClock(),
        fail(httpx.ConnectError, echo()),
        respond(429, {"status": 429, "message": echo()}, headers={"retry-after": "1"}),
        respond(500, text=echo()),
    )
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=4.0, max_elapsed=100.0)
    api = make_api(server, settings=ApiSettings(retry=policy))
    with pytest.raises(ApiError) as caught:
        api.create_project(ProjectCreate(name="Probe Project"))
    assert len(server.requests) == 3
    assert caplog.records
    assert_clean(caplog.text + "\n".join(r.getMessage() for r in caplog.records) + error_renderings(caught.value))


# -- reprs --------------------------------------------------------------------------------------------


def test_manage_api_and_credentials_do_not_show_the_secret() -> None:
    server = FakeServer(FakeClock())
    api = make_api(server)
    creds = credentials()
    for text in (repr(api), str(api), repr(creds), str(creds), repr(api.credentials)):
        assert_clean(text)
    assert CLIENT_ID in repr(api)
    assert CLIENT_ID in repr(creds)


def test_models_of_answers_show_no_secret_and_no_hash() -> None:
    project = CreatedProject.from_answer(
        {**project_json(), "clients": [{"id": OTHER_UUID}], "client": {"id": OTHER_UUID, "secret": CREATED_SECRET}}
    )
    created = CreatedClient.from_answer({**client_json(), "secret": CREATED_SECRET})
    listed = Client.model_validate(client_json())
    for model in (project, created, created.client, listed):
        assert_clean("\n".join((repr(model), str(model), str(model.model_dump()), model.model_dump_json())))
    assert project.write_client_secret is not None
    assert project.write_client_secret.get_secret_value() == CREATED_SECRET
    assert created.secret.get_secret_value() == CREATED_SECRET


def test_models_parsed_by_the_api_hold_no_hash() -> None:
    server = FakeServer(
        FakeClock(),
        respond(200, {"data": [client_json(), client_json(CLIENT_ID, type="root")]}),
        respond(200, {"data": client_json()}),
    )
    api = make_api(server)
    models = [*api.list_clients(), api.get_client(OTHER_UUID)]
    for model in models:
        assert_clean("\n".join((repr(model), str(model), str(model.model_dump()), model.model_dump_json())))
        assert_clean(repr(vars(model)))


def test_a_client_id_mixed_up_with_the_secret_is_not_echoed() -> None:
    """Pasting the secret where the id belongs is a common slip; the refusal must not print it."""
    with pytest.raises(ConfigurationError) as caught:
        Sources({"clientId": SECRET, "clientSecret": CLIENT_ID}, {}, {}).credentials()
    assert "UUID" in str(caught.value)
    assert_clean(error_renderings(caught.value))


def test_missing_credentials_error_holds_no_secret() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Sources({"clientSecret": SECRET}, {}, {}).credentials()
    assert_clean(error_renderings(caught.value))


# -- the connection cache -----------------------------------------------------------------------------


def unpaced() -> ApiSettings:
    return ApiSettings(retry=RetryPolicy(max_attempts=1), rate_limit=None)


def test_equal_credentials_and_settings_share_one_http_client() -> None:
    root = "https://cache-share.test/api"
    first = ManageApi(credentials(root), unpaced())
    second = ManageApi(credentials(root), unpaced())
    assert first._http is second._http
    assert isinstance(first._http, httpx.Client)


def test_different_credentials_or_settings_get_their_own_http_client() -> None:
    root = "https://cache-split.test/api"
    base = ManageApi(credentials(root), unpaced())
    other_secret = ManageApi(credentials(root, secret=CREATED_SECRET), unpaced())
    other_id = ManageApi(credentials(root, client_id=OTHER_UUID), unpaced())
    other_root = ManageApi(credentials(root + "2"), unpaced())
    other_timeout = ManageApi(credentials(root), ApiSettings(timeout=5.0, rate_limit=None))
    clients = [api._http for api in (base, other_secret, other_id, other_root, other_timeout)]
    assert len({id(client) for client in clients}) == len(clients)
    assert other_secret._http.headers["openpanel-client-secret"] == CREATED_SECRET
    assert base._http.headers["openpanel-client-secret"] == SECRET


def test_the_cache_keys_hold_no_secret() -> None:
    ManageApi(credentials("https://cache-keys.test/api"), unpaced())
    ManageApi(credentials("https://cache-keys.test/api", secret=PLAIN_SECRET), unpaced())
    keys = list(api_module._CLIENTS)
    assert any("https://cache-keys.test/api" in key for key in keys)
    assert_clean(repr(keys), PLAIN_SECRET)


def test_a_test_transport_bypasses_the_cache() -> None:
    server = FakeServer(FakeClock())
    root = "https://cache-bypass.test/api"
    cached = ManageApi(credentials(root), unpaced())
    private = ManageApi(credentials(root), unpaced(), transport=server.transport())
    assert private._http is not cached._http
