"""Which Manage API the tests talk to: a local emulator, or a real server (acceptance mode).

Acceptance mode is on when ``OPENPANEL_API_URL``, ``OPENPANEL_CLIENT_ID`` and
``OPENPANEL_CLIENT_SECRET`` are all set. ``OTHER_ORG_CLIENT_ID`` and
``OTHER_ORG_CLIENT_SECRET`` (a root client of a second organization) are optional there, but
the isolation tests fail without them rather than pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from pulumi_openpanel.api.settings import ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET

if TYPE_CHECKING:
    from pulumi_openpanel.emulator import EmulatorServer

# Where the provider's API root and credentials come from in the environment; all three set: acceptance mode.
CREDENTIAL_VARIABLES = (ENV_API_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET)


@dataclass(frozen=True)
class OpenPanelTarget:
    api_url: str
    client_id: str
    client_secret: str = field(repr=False)
    other_client_id: str | None = None
    other_client_secret: str | None = field(default=None, repr=False)
    emulator: EmulatorServer | None = None
    acceptance: bool = False

    def other_org(self) -> tuple[str, str]:
        """Credentials of a root client in a second organization, or a test failure saying what to set."""
        if not (self.other_client_id and self.other_client_secret):
            pytest.fail(
                "this test needs a second organization: set OTHER_ORG_CLIENT_ID and OTHER_ORG_CLIENT_SECRET "
                "to a root client of another organization on the server at OPENPANEL_API_URL"
            )
        return self.other_client_id, self.other_client_secret


def acceptance_target(environ: Mapping[str, str] = os.environ) -> OpenPanelTarget | None:
    """The real server named by the environment, or None when the variables are not all set."""
    values = [environ.get(name, "") for name in CREDENTIAL_VARIABLES]
    if not all(values):
        return None
    api_url, client_id, client_secret = values
    return OpenPanelTarget(
        api_url=api_url.rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        other_client_id=environ.get("OTHER_ORG_CLIENT_ID") or None,
        other_client_secret=environ.get("OTHER_ORG_CLIENT_SECRET") or None,
        emulator=None,
        acceptance=True,
    )
