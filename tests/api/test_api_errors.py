"""Every failure the server (or the network) can produce becomes the right exception, with a useful text."""

from __future__ import annotations

import httpx
import pytest

from pulumi_openpanel.api.models import ClientCreate, ProjectUpdate
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.errors import (
    ApiError,
    ApiRootError,
    AuthenticationError,
    ForbiddenError,
    NotFoundError,
    OpenPanelError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
    parse_validation_message,
)

from .fakes import OTHER_UUID, FakeClock, FakeServer, Reply, fail, make_api, respond

CLIENT_TYPE_REASON = 'Invalid option: expected one of "read"|"write"|"root"'


def failing_get(reply: Reply) -> tuple[ApiError, FakeServer]:
    server = FakeServer(FakeClock(), reply)
    api = make_api(server)
    with pytest.raises(ApiError) as caught:
        api.get_project("probe-project")
    return caught.value, server


def assert_names_the_request(error: ApiError, method: str, path: str, status: str) -> None:
    text = str(error)
    assert method in text
    assert path in text
    assert status in text
    assert error.method == method
    assert error.path == path


# -- 400 ----------------------------------------------------------------------------------------------


def test_validation_error_with_one_field() -> None:
    message = "body/name Too small: expected string to have >=1 characters"
    server = FakeServer(FakeClock(), respond(400, {"status": 400, "error": "Error", "message": message}))
    api = make_api(server)
    with pytest.raises(ValidationError) as caught:
        api.update_project("probe-project", ProjectUpdate(name=""))
    error = caught.value
    assert error.status == 400
    assert error.fields == {"name": "Too small: expected string to have >=1 characters"}
    assert_names_the_request(error, "PATCH", "/manage/projects/probe-project", "400")
    assert "Too small: expected string to have >=1 characters" in str(error)


def test_validation_error_with_several_fields_whose_reasons_contain_commas() -> None:
    message = (
        "body/projectId Invalid input: expected string, received undefined, "
        f"body/type {CLIENT_TYPE_REASON}, "
        "body/datetime Invalid input: expected string, received undefined"
    )
    server = FakeServer(FakeClock(), respond(400, {"status": 400, "error": "Error", "message": message}))
    api = make_api(server)
    with pytest.raises(ValidationError) as caught:
        api.create_client(ClientCreate(name="x", type="admin"))
    assert caught.value.fields == {
        "projectId": "Invalid input: expected string, received undefined",
        "type": CLIENT_TYPE_REASON,
        "datetime": "Invalid input: expected string, received undefined",
    }
    assert_names_the_request(caught.value, "POST", "/manage/clients", "400")


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        ("body/domain Invalid URL", {"domain": "Invalid URL"}),
        (f"body/type {CLIENT_TYPE_REASON}", {"type": CLIENT_TYPE_REASON}),
        (
            f"body/type {CLIENT_TYPE_REASON}, body/name Too small: expected string to have >=1 characters",
            {"type": CLIENT_TYPE_REASON, "name": "Too small: expected string to have >=1 characters"},
        ),
        (
            "body/description Invalid input: expected string, received null",
            {"description": "Invalid input: expected string, received null"},
        ),
        ("Body cannot be empty when content-type is set to 'application/json'", {}),
    ],
)
def test_parse_validation_message(message: str, fields: dict[str, str]) -> None:
    assert parse_validation_message(message) == fields


def test_validation_error_without_field_keeps_the_message() -> None:
    message = "Body cannot be empty when content-type is set to 'application/json'"
    error, _ = failing_get(respond(400, {"status": 400, "error": "Bad Request", "message": message}))
    assert isinstance(error, ValidationError)
    assert error.fields == {}
    assert message in str(error)


# -- 401, 403, 404 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "names"),
    [
        ("Manage: Invalid client secret", ("openpanel:clientSecret", "OPENPANEL_CLIENT_SECRET", "OPENPANEL_CLIENT_ID")),
        ("Manage: Client ID must be a valid UUIDv4", ("openpanel:clientId", "OPENPANEL_CLIENT_ID")),
        ("Manage: Invalid client id", ("openpanel:clientId", "OPENPANEL_CLIENT_ID")),
        ("Manage: Only root clients are allowed to manage resources", ("openpanel:clientId", "root")),
    ],
)
def test_authentication_error_says_where_the_credential_may_be_set(message: str, names: tuple[str, ...]) -> None:
    error, _ = failing_get(respond(401, {"error": "Unauthorized", "message": message}))
    assert isinstance(error, AuthenticationError)
    text = str(error)
    assert message in text
    for name in names:
        assert name in text
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "401")


@pytest.mark.parametrize(("stack_config", "environ", "named", "not_named"), [
    ({"openpanel:clientId": OTHER_UUID, "openpanel:clientSecret": "sec_0123456789abcdef0123"}, {},
     "from stack config openpanel:clientSecret", "OPENPANEL_CLIENT_SECRET"),
    ({}, {"OPENPANEL_CLIENT_ID": OTHER_UUID, "OPENPANEL_CLIENT_SECRET": "sec_0123456789abcdef0123"},
     "from environment variable OPENPANEL_CLIENT_SECRET", "openpanel:clientSecret"),
])
def test_a_refused_secret_names_the_setting_it_came_from_never_its_value(
        stack_config: dict[str, str], environ: dict[str, str], named: str, not_named: str) -> None:
    credentials = Sources(None, stack_config, environ).credentials()
    refusal = {"error": "Unauthorized", "message": "Manage: Invalid client secret"}
    server = FakeServer(FakeClock(), respond(401, refusal))
    api = make_api(server, credentials=credentials)
    with pytest.raises(AuthenticationError) as caught:
        api.get_project("probe-project")
    text = str(caught.value)
    assert named in text and not_named not in text
    assert "sec_0123456789abcdef0123" not in text and "sec_0123456789abcdef0123" not in repr(caught.value)


def test_a_root_without_the_api_prefix_is_an_api_root_error_never_a_missing_object() -> None:
    """A self-hosted server answers 404 on every /manage route when the root lacks its /api prefix. Taken
    for "not found", a refresh would drop every resource from the state; it is a wrong address instead."""
    payload = {"message": "Route GET:/manage/projects/probe-project not found", "error": "Not Found",
               "statusCode": 404}
    stack_config = {"openpanel:apiUrl": "https://analytics.example.com", "openpanel:clientId": OTHER_UUID,
                    "openpanel:clientSecret": "sec_0123456789abcdef0123"}
    credentials = Sources(None, stack_config, {}).credentials()
    api = make_api(FakeServer(FakeClock(), respond(404, payload)), credentials=credentials)
    with pytest.raises(ApiRootError) as caught:
        api.get_project("probe-project")
    assert not isinstance(caught.value, NotFoundError)
    text = str(caught.value)
    assert "try https://analytics.example.com/api" in text and "stack config openpanel:apiUrl" in text


def test_forbidden_error() -> None:
    server = FakeServer(
        FakeClock(),
        respond(403, {"error": "Forbidden", "message": "Project does not belong to your organization"}),
    )
    api = make_api(server)
    with pytest.raises(ForbiddenError) as caught:
        api.list_dashboards("someone-elses")
    assert "Project does not belong to your organization" in str(caught.value)
    assert_names_the_request(caught.value, "GET", "/manage/projects/someone-elses/dashboards", "403")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"status": 404, "message": "Project not found"}, "Project not found"),
    ],
)
def test_not_found_error(payload: dict[str, object], message: str) -> None:
    error, _ = failing_get(respond(404, payload))
    assert isinstance(error, NotFoundError)
    assert error.status == 404
    assert message in str(error)
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "404")


def test_not_found_on_a_client() -> None:
    server = FakeServer(FakeClock(), respond(404, {"status": 404, "message": "Client not found"}))
    api = make_api(server)
    with pytest.raises(NotFoundError) as caught:
        api.delete_client(OTHER_UUID)
    assert_names_the_request(caught.value, "DELETE", f"/manage/clients/{OTHER_UUID}", "404")
    assert "Client not found" in str(caught.value)


# -- 429 ----------------------------------------------------------------------------------------------


def test_rate_limited_error_carries_retry_after() -> None:
    error, _ = failing_get(
        respond(
            429,
            {
                "status": 429,
                "error": "Too Many Requests",
                "message": "You have exceeded the rate limit for this endpoint.",
            },
            headers={"retry-after": "7"},
        )
    )
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7
    assert "You have exceeded the rate limit" in str(error)
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "429")


def test_rate_limited_error_without_retry_after() -> None:
    error, _ = failing_get(respond(429, {"status": 429, "message": "slow down"}))
    assert isinstance(error, RateLimitedError)
    assert error.retry_after is None


# -- 5xx ----------------------------------------------------------------------------------------------


def test_plain_text_internal_server_error() -> None:
    error, _ = failing_get(respond(500, text="Internal server error"))
    assert isinstance(error, ServerError)
    assert error.status == 500
    assert "Internal server error" in str(error)
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "500")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_other_server_errors(status: int) -> None:
    error, _ = failing_get(respond(status, text=""))
    assert isinstance(error, ServerError)
    assert error.status == status
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", str(status))


def test_success_that_is_not_json_is_a_server_error() -> None:
    error, _ = failing_get(respond(200, text="<html>proxy login</html>"))
    assert isinstance(error, ServerError)


def test_other_client_error_is_an_api_error() -> None:
    error, _ = failing_get(respond(409, {"message": "Conflict"}))
    assert type(error) is ApiError
    assert error.status == 409
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "409")


# -- no answer ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc_type", "maybe_sent"),
    [
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.RemoteProtocolError, True),
        (httpx.ReadError, True),
    ],
)
def test_transport_errors(exc_type: type[httpx.TransportError], maybe_sent: bool) -> None:
    error, _ = failing_get(fail(exc_type, "the wire broke"))
    assert isinstance(error, TransportError)
    assert error.maybe_sent is maybe_sent
    assert error.status is None
    assert_names_the_request(error, "GET", "/manage/projects/probe-project", "no answer")
    assert "the wire broke" in str(error)


# -- the hierarchy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [AuthenticationError, ForbiddenError, NotFoundError, RateLimitedError, ServerError, ValidationError]
)
def test_every_http_error_is_an_api_error(cls: type[ApiError]) -> None:
    assert issubclass(cls, ApiError)
    assert issubclass(cls, OpenPanelError)


def test_repr_names_the_class_and_the_request() -> None:
    error, _ = failing_get(respond(404, {"status": 404, "message": "Project not found"}))
    assert repr(error).startswith("NotFoundError(")
    assert "/manage/projects/probe-project" in repr(error)
