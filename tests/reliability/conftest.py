"""Fixtures of the reliability tests: engines whose provider talks through a fault-injecting proxy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pulumi_openpanel.api import ManageApi
from tests.engine.driver import Engine
from tests.reliability.world import direct_api, provider_env
from tests.support.faults import FaultPlan
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget


@dataclass
class Rig:
    """One engine whose provider reaches the API through ``proxy`` (which applies ``plan``)."""

    engine: Engine
    proxy: RecordingProxy
    plan: FaultPlan


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def api(openpanel: OpenPanelTarget) -> ManageApi:
    return direct_api(openpanel.api_url, openpanel.client_id, openpanel.client_secret)


def _rate_limit(openpanel: OpenPanelTarget) -> str:
    return "off" if openpanel.emulator is not None and openpanel.emulator.rate_limiter is None else "20/10"


@pytest.fixture
def rig(openpanel: OpenPanelTarget) -> Iterator[Callable[..., Rig]]:
    """``rig(plan, timeout=..., parallel=...)``; leftovers are destroyed afterwards without faults."""
    made: list[Rig] = []

    def make(plan: FaultPlan | None = None, *, timeout: float | None = None, **engine_kwargs: Any) -> Rig:
        plan = plan or FaultPlan([])
        proxy = RecordingProxy(openpanel.api_url, fault=plan).start()
        env = provider_env(proxy.url, openpanel.client_id, openpanel.client_secret,
                           rate_limit=_rate_limit(openpanel), timeout=timeout)
        made.append(Rig(Engine(extra_env=env, **engine_kwargs), proxy, plan))
        return made[-1]

    yield make
    for each in made:
        each.plan.rules.clear()
        try:
            if each.engine.state:
                each.engine.destroy()
        finally:
            each.proxy.stop()
