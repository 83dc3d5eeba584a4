"""Where the API root and the credentials come from.

Each value is resolved on its own, at call time, and the first place that has it wins:
the resource's ``connection=`` argument, then the stack config (``openpanel:apiUrl``,
``openpanel:clientId``, ``openpanel:clientSecret``, handed to the provider by ``configure``),
then the environment (``OPENPANEL_API_URL``, ``OPENPANEL_CLIENT_ID``, ``OPENPANEL_CLIENT_SECRET``).
Nothing is read at import or preview time, so previews need no credentials and rotated
credentials take effect on the next run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pulumi_openpanel.errors import ConfigurationError, MissingCredentialsError

DEFAULT_API_URL = "https://api.openpanel.dev"

CONFIG_API_URL = "openpanel:apiUrl"
CONFIG_CLIENT_ID = "openpanel:clientId"
CONFIG_CLIENT_SECRET = "openpanel:clientSecret"

ENV_API_URL = "OPENPANEL_API_URL"
ENV_CLIENT_ID = "OPENPANEL_CLIENT_ID"
ENV_CLIENT_SECRET = "OPENPANEL_CLIENT_SECRET"

CONFIG_REQUEST_TIMEOUT = "openpanel:requestTimeout"
CONFIG_MAX_RETRIES = "openpanel:maxRetries"
CONFIG_RATE_LIMIT = "openpanel:rateLimit"
ENV_REQUEST_TIMEOUT = "OPENPANEL_REQUEST_TIMEOUT"
ENV_MAX_RETRIES = "OPENPANEL_MAX_RETRIES"
ENV_RATE_LIMIT = "OPENPANEL_RATE_LIMIT"

# Every stack config key the provider reads (handed over by ``configure``).
SETTINGS_KEYS = (
    CONFIG_API_URL,
    CONFIG_CLIENT_ID,
    CONFIG_CLIENT_SECRET,
    CONFIG_REQUEST_TIMEOUT,
    CONFIG_MAX_RETRIES,
    CONFIG_RATE_LIMIT,
)

# The wire names of a connection when it travels as a resource input.
CONNECTION_KEYS = ("apiUrl", "clientId", "clientSecret")


@dataclass(frozen=True)
class Credentials:
    """A resolved API root and root-client credentials. The secret never shows in its repr."""

    api_url: str
    client_id: str
    client_secret: str = field(repr=False)


def normalize_api_url(value: str, source: str = "apiUrl") -> str:
    """Validate an API root and drop the trailing slash; ``/manage`` is appended per request."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as {DEFAULT_API_URL} "
            f"or https://analytics.example.com/api for a self-hosted server, got {value!r}"
        )
    if parts.path.endswith("/manage"):
        raise ConfigurationError(
            f"{source} is the API root without /manage (the provider appends it), got {value!r}"
        )
    return text


def _first(*candidates: tuple[Any, str]) -> tuple[str | None, str]:
    for value, source in candidates:
        if isinstance(value, str) and value.strip():
            return value.strip(), source
    return None, ""


def resolve_credentials(
    connection: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Resolve the API root and credentials, or say exactly how to provide what is missing."""
    connection = connection or {}
    stack_config = stack_config or {}
    environ = os.environ if environ is None else environ

    api_url, api_source = _first(
        (connection.get("apiUrl"), "connection api_url"),
        (stack_config.get(CONFIG_API_URL), f"stack config {CONFIG_API_URL}"),
        (environ.get(ENV_API_URL), f"environment variable {ENV_API_URL}"),
    )
    client_id, id_source = _first(
        (connection.get("clientId"), "connection client_id"),
        (stack_config.get(CONFIG_CLIENT_ID), f"stack config {CONFIG_CLIENT_ID}"),
        (environ.get(ENV_CLIENT_ID), f"environment variable {ENV_CLIENT_ID}"),
    )
    client_secret, _ = _first(
        (connection.get("clientSecret"), "connection client_secret"),
        (stack_config.get(CONFIG_CLIENT_SECRET), f"stack config {CONFIG_CLIENT_SECRET}"),
        (environ.get(ENV_CLIENT_SECRET), f"environment variable {ENV_CLIENT_SECRET}"),
    )

    missing = [
        f"the client {what}: connection=Connection({arg}=...), stack config {key}, or environment {env}"
        for value, what, arg, key, env in (
            (client_id, "id", "client_id", CONFIG_CLIENT_ID, ENV_CLIENT_ID),
            (client_secret, "secret", "client_secret", CONFIG_CLIENT_SECRET, ENV_CLIENT_SECRET),
        )
        if value is None
    ]
    if missing:
        raise MissingCredentialsError(
            "OpenPanel credentials are missing. Provide "
            + "; and ".join(missing)
            + " (use the id and secret of a root client; keep the secret a secret: "
            f"pulumi config set --secret {CONFIG_CLIENT_SECRET} ...)"
        )
    assert client_id is not None and client_secret is not None
    try:
        uuid.UUID(client_id)
    except ValueError:
        # The value is not echoed: a secret pasted into the wrong setting must not be printed.
        raise ConfigurationError(
            f"the OpenPanel client id from {id_source} must be a UUID such as "
            f"0f1e2d3c-4b5a-4697-8877-665544332211 (got {len(client_id)} characters that are not one)"
        ) from None
    url = normalize_api_url(api_url, api_source) if api_url else DEFAULT_API_URL
    return Credentials(api_url=url, client_id=client_id, client_secret=client_secret)


class Connection:
    """Credentials for one organization, for programs that manage more than one.

    Values may be plain strings or Pulumi Inputs (for example ``config.require_secret(...)``). They travel
    as a resource input, so the client secret is always wrapped as a Pulumi secret; note that Delete and
    Refresh use the connection stored with the resource, so after rotating a secret run ``pulumi up``
    once before destroying.
    """

    def __init__(self, *, api_url: Any = None, client_id: Any = None, client_secret: Any = None) -> None:
        self.api_url = api_url
        self.client_id = client_id
        self.client_secret = client_secret

    def __repr__(self) -> str:
        return f"Connection(api_url={self.api_url!r}, client_id={self.client_id!r}, client_secret=...)"

    def to_input(self) -> dict[str, Any]:
        """The wire form: camelCase keys, the secret marked secret so state never holds it in plain text."""
        import pulumi

        value: dict[str, Any] = {}
        if self.api_url is not None:
            value["apiUrl"] = self.api_url
        if self.client_id is not None:
            value["clientId"] = self.client_id
        if self.client_secret is not None:
            value["clientSecret"] = pulumi.Output.secret(self.client_secret)
        return value
