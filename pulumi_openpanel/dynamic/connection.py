"""``Connection``: the credentials of another organization than the stack's, as a resource input."""

from __future__ import annotations

from typing import Any

from pulumi_openpanel.api.settings import CONNECTION_KEYS


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

    def values(self) -> dict[str, Any]:
        """The values that are set, under their wire names (``apiUrl``, ``clientId``, ``clientSecret``)."""
        given = dict(zip(CONNECTION_KEYS, (self.api_url, self.client_id, self.client_secret), strict=True))
        return {key: value for key, value in given.items() if value is not None}

    def to_input(self) -> dict[str, Any]:
        """The wire form: camelCase keys, the secret marked secret so state never holds it in plain text."""
        import pulumi

        value = self.values()
        if "clientSecret" in value:
            value["clientSecret"] = pulumi.Output.secret(value["clientSecret"])
        return value
