"""Fixtures shared by every test suite.

``openpanel`` is the Manage API under test for the whole session: a real server when the
acceptance variables are set (see tests/support/target.py), otherwise one in-memory emulator
with two seeded organizations and no rate limit (speed; the limit has its own tests).
``fresh_emulator`` starts private emulators for tests that need their own settings.

The pacing state files (pulumi_openpanel/api/sendlog.py) go to a temporary directory for the whole run,
in this process and in every ``pulumi`` the tests start: no test writes under the user's home.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.home import private_pacing_dir
from tests.support.target import OpenPanelTarget, acceptance_target

if TYPE_CHECKING:
    from pulumi_openpanel.emulator import EmulatorServer

# Shared fixtures (uid, proxy, api, make_project, pulumi_bin) for every suite.
pytest_plugins = ["tests.support.fixtures"]

_SESSION = contextlib.ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    """Set before any test module is imported, so that even settings made at import time see it."""
    _SESSION.enter_context(private_pacing_dir())


def pytest_unconfigure(config: pytest.Config) -> None:
    _SESSION.close()


@pytest.fixture(scope="session")
def openpanel() -> Iterator[OpenPanelTarget]:
    target = acceptance_target()
    if target is not None:
        yield target
        return
    from pulumi_openpanel.emulator import EmulatorServer

    server = EmulatorServer(rate_limit=None).start()
    try:
        main = server.seed_organization("Test organization")
        other = server.seed_organization("Other test organization")
        yield OpenPanelTarget(
            api_url=server.api_url,
            client_id=main.client_id,
            client_secret=main.client_secret,
            other_client_id=other.client_id,
            other_client_secret=other.client_secret,
            emulator=server,
            acceptance=False,
        )
    finally:
        server.stop()


@pytest.fixture
def fresh_emulator() -> Iterator[Callable[..., EmulatorServer]]:
    """A factory: ``fresh_emulator(**EmulatorServer kwargs)`` gives a started server, stopped after the test.

    Defaults are EmulatorServer's own: in memory, the real 20 requests / 10 s limit, no prefix.
    """
    from pulumi_openpanel.emulator import EmulatorServer

    started: list[EmulatorServer] = []

    def start(**kwargs: Any) -> EmulatorServer:
        server = EmulatorServer(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
