"""Fixtures for driving programs through the engine driver against the API under test (a pytest plugin
loaded by tests/conftest.py).

Every run goes through a recording proxy, so "zero requests" and "one request per operation" are
measured the same way against the emulator and against a real server (acceptance mode).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pulumi_openpanel.api import ApiSettings, ManageApi
from pulumi_openpanel.config import Credentials
from tests.engine.driver import Engine
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

CREDENTIAL_VARIABLES = ("OPENPANEL_API_URL", "OPENPANEL_CLIENT_ID", "OPENPANEL_CLIENT_SECRET")


def urn(type_name: str, name: str) -> str:
    return f"urn:pulumi:stack::project::pulumi-python:dynamic/openpanel:{type_name}::{name}"


@pytest.fixture
def uid() -> str:
    """A suffix that keeps names unique on a shared (real) server."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def proxy(openpanel: OpenPanelTarget) -> Iterator[RecordingProxy]:
    with RecordingProxy(openpanel.api_url) as running:
        yield running


def provider_env(openpanel: OpenPanelTarget, api_url: str) -> dict[str, str]:
    env = {
        "OPENPANEL_API_URL": api_url,
        "OPENPANEL_CLIENT_ID": openpanel.client_id,
        "OPENPANEL_CLIENT_SECRET": openpanel.client_secret,
    }
    if openpanel.emulator is not None and openpanel.emulator.rate_limiter is None:
        env["OPENPANEL_RATE_LIMIT"] = "off"  # the shared emulator has no limit; a real server keeps pacing on
    return env


@pytest.fixture
def make_engine(openpanel: OpenPanelTarget, proxy: RecordingProxy) -> Iterator[Callable[..., Engine]]:
    """Engines whose provider talks to the API through the proxy; whatever they leave is destroyed."""
    engines: list[Engine] = []

    def make(**kwargs: Any) -> Engine:
        kwargs.setdefault("extra_env", provider_env(openpanel, proxy.url))
        engine = Engine(**kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        if engine.state:
            engine.destroy()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine()


@pytest.fixture
def api(openpanel: OpenPanelTarget) -> ManageApi:
    """Direct access to the API, for what happens outside Pulumi (and for checking the server)."""
    rate_limit = None if openpanel.emulator is not None and openpanel.emulator.rate_limiter is None else (20, 10.0)
    return ManageApi(
        Credentials(openpanel.api_url, openpanel.client_id, openpanel.client_secret),
        ApiSettings(rate_limit=rate_limit),
    )
