"""Fixtures of the reliability tests: stacks whose provider talks to the API through a fault-injecting proxy.

The shared fixtures (uid, api, make_project, ...) come from tests/support/fixtures.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.support.faults import FaultPlan
from tests.support.fixtures import ProjectFactory, provider_env
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject
from tests.support.target import OpenPanelTarget


@dataclass
class Rig:
    """One stack (run by the real CLI) whose provider reaches the API through ``proxy``, which applies ``plan``."""

    project: PulumiProject
    proxy: RecordingProxy
    plan: FaultPlan


RigFactory = Callable[..., Rig]


@pytest.fixture
def rig(make_project: ProjectFactory, openpanel: OpenPanelTarget, uid: str) -> Iterator[RigFactory]:
    """``rig(source, plan, **settings)``: a stack of the program ``source``, its provider configured by
    ``settings`` (OPENPANEL_* variables, e.g. OPENPANEL_REQUEST_TIMEOUT="0.75") on top of the shared ones.

    The plan draws without the test's ``uid``, so that its faults are the same in every run. Whatever
    the test leaves is destroyed afterwards, without faults, by make_project (directly, not through the
    proxy, which is stopped first).
    """
    made: list[Rig] = []

    def make(source: str, plan: FaultPlan | None = None, **settings: str) -> Rig:
        plan = (plan or FaultPlan([])).mask(uid)
        proxy = RecordingProxy(openpanel.api_url, fault=plan).start()
        try:
            project = make_project(source, env=provider_env(openpanel, proxy.url, **settings))
        except BaseException:
            proxy.stop()
            raise
        made.append(Rig(project, proxy, plan))
        return made[-1]

    yield make
    for each in made:
        each.plan.rules.clear()
        each.proxy.stop()
