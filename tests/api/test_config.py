"""Where the API root and credentials come from, and what is refused."""

from __future__ import annotations

import pytest

from pulumi_openpanel.api.settings import DEFAULT_API_URL, normalize_api_url
from pulumi_openpanel.api.sources import Sources
from pulumi_openpanel.errors import ConfigurationError, MissingCredentialsError

from .fakes import CLIENT_ID, OTHER_UUID, SECRET

THIRD_UUID = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"

CONNECTION = {"apiUrl": "https://conn.example.com/api", "clientId": CLIENT_ID, "clientSecret": "sec_conn"}
STACK = {
    "openpanel:apiUrl": "https://stack.example.com/api",
    "openpanel:clientId": OTHER_UUID,
    "openpanel:clientSecret": "sec_stack",
}
ENV = {
    "OPENPANEL_API_URL": "https://env.example.com/api",
    "OPENPANEL_CLIENT_ID": THIRD_UUID,
    "OPENPANEL_CLIENT_SECRET": "sec_env",
}


@pytest.mark.parametrize(
    ("connection", "stack", "expected"),
    [
        (CONNECTION, STACK, ("https://conn.example.com/api", CLIENT_ID, "sec_conn")),
        (None, STACK, ("https://stack.example.com/api", OTHER_UUID, "sec_stack")),
        ({}, {}, ("https://env.example.com/api", THIRD_UUID, "sec_env")),
    ],
    ids=["connection-wins", "stack-config-wins-over-environment", "environment-last"],
)
def test_first_place_that_has_them_wins(
    connection: dict[str, str] | None, stack: dict[str, str], expected: tuple[str, str, str]
) -> None:
    creds = Sources(connection, stack, ENV).credentials()
    assert (creds.api_url, creds.client_id, creds.client_secret) == expected


@pytest.mark.parametrize(
    ("connection", "stack", "expected"),
    [
        (
            {"clientSecret": "sec_conn"},
            {"openpanel:clientId": OTHER_UUID},
            ("https://env.example.com/api", OTHER_UUID, "sec_conn"),
        ),
        (
            {"apiUrl": "https://conn.example.com/api"},
            {"openpanel:clientSecret": "sec_stack"},
            ("https://conn.example.com/api", THIRD_UUID, "sec_stack"),
        ),
        (
            {"clientId": CLIENT_ID},
            {"openpanel:apiUrl": "https://stack.example.com/api"},
            ("https://stack.example.com/api", CLIENT_ID, "sec_env"),
        ),
    ],
)
def test_each_value_is_resolved_on_its_own(
    connection: dict[str, str], stack: dict[str, str], expected: tuple[str, str, str]
) -> None:
    creds = Sources(connection, stack, ENV).credentials()
    assert (creds.api_url, creds.client_id, creds.client_secret) == expected


def test_empty_values_fall_through() -> None:
    connection = {"apiUrl": "", "clientId": "  ", "clientSecret": ""}
    creds = Sources(connection, {}, ENV).credentials()
    assert (creds.client_id, creds.client_secret) == (THIRD_UUID, "sec_env")


def test_the_real_environment_is_read_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENPANEL_API_URL", raising=False)
    monkeypatch.setenv("OPENPANEL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OPENPANEL_CLIENT_SECRET", SECRET)
    creds = Sources().credentials()
    assert (creds.api_url, creds.client_id, creds.client_secret) == (DEFAULT_API_URL, CLIENT_ID, SECRET)


def test_default_api_root_is_openpanel_cloud() -> None:
    creds = Sources({"clientId": CLIENT_ID, "clientSecret": SECRET}, {}, {}).credentials()
    assert creds.api_url == "https://api.openpanel.dev"
    assert DEFAULT_API_URL == "https://api.openpanel.dev"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://analytics.example.com/api", "https://analytics.example.com/api"),
        ("https://analytics.example.com/api/", "https://analytics.example.com/api"),
        ("http://127.0.0.1:3333", "http://127.0.0.1:3333"),
        ("http://127.0.0.1:3333/", "http://127.0.0.1:3333"),
        ("https://api.openpanel.dev/", "https://api.openpanel.dev"),
        (" https://host/openpanel/api ", "https://host/openpanel/api"),
    ],
)
def test_api_root_is_kept_without_trailing_slash(given: str, kept: str) -> None:
    assert normalize_api_url(given) == kept
    creds = Sources({"apiUrl": given, "clientId": CLIENT_ID, "clientSecret": SECRET}, {}, {}).credentials()
    assert creds.api_url == kept


@pytest.mark.parametrize(
    "given",
    ["https://api.openpanel.dev/manage", "https://host/api/manage", "https://host/api/manage/"],
)
def test_manage_suffix_is_refused(given: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Sources({"apiUrl": given, "clientId": CLIENT_ID, "clientSecret": SECRET}, {}, {}).credentials()
    assert "/manage" in str(caught.value)
    assert given in str(caught.value)


@pytest.mark.parametrize(
    "given", ["ftp://host/api", "api.openpanel.dev", "file:///etc/passwd", "https://", "//host/api", "localhost:3333"]
)
def test_non_http_root_is_refused(given: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Sources(
            {}, {"openpanel:apiUrl": given, "openpanel:clientId": CLIENT_ID, "openpanel:clientSecret": SECRET}, {}
        ).credentials()
    assert "openpanel:apiUrl" in str(caught.value)


@pytest.mark.parametrize("bad_id", ["client-1", "123", "not a uuid", CLIENT_ID[:-1]])
def test_non_uuid_client_id_is_refused(bad_id: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Sources({"clientId": bad_id, "clientSecret": SECRET}, {}, {}).credentials()
    assert not isinstance(caught.value, MissingCredentialsError)
    assert "UUID" in str(caught.value)
    assert "connection" in str(caught.value)


@pytest.mark.parametrize(
    ("connection", "stack", "environ", "names"),
    [
        (
            {},
            {},
            {},
            ["openpanel:clientId", "openpanel:clientSecret", "OPENPANEL_CLIENT_ID", "OPENPANEL_CLIENT_SECRET"],
        ),
        ({"clientId": CLIENT_ID}, {}, {}, ["openpanel:clientSecret", "OPENPANEL_CLIENT_SECRET"]),
        ({}, {"openpanel:clientSecret": SECRET}, {}, ["openpanel:clientId", "OPENPANEL_CLIENT_ID"]),
        ({"apiUrl": "https://host/api"}, {}, {"OPENPANEL_CLIENT_ID": CLIENT_ID}, ["OPENPANEL_CLIENT_SECRET"]),
    ],
)
def test_missing_credentials_say_where_to_put_them(
    connection: dict[str, str], stack: dict[str, str], environ: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        Sources(connection, stack, environ).credentials()
    text = str(caught.value)
    assert "connection=" in text
    assert "Connection(" in text
    for name in names:
        assert name in text
    assert isinstance(caught.value, ConfigurationError)
