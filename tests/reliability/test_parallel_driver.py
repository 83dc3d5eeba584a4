"""The engine driver runs independent resources' steps concurrently, as the engine does with its
default parallelism, bounded by ``parallel``; the plugin's 4 worker threads then share the pacing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import pulumi_openpanel as op
from pulumi_openpanel.api import ManageApi
from tests.engine.driver import Engine
from tests.reliability.conftest import Rig
from tests.reliability.world import assert_server_matches_state, server_inventory
from tests.support import faults
from tests.support.faults import FaultPlan, Rule

PLUGIN_THREADS = 4


def independent_projects(uid: str, count: int) -> Callable[[], None]:
    def program() -> None:
        for index in range(count):
            op.Project(f"p{index}", name=f"Parallel {uid} {index}")

    return program


def slow_everything() -> FaultPlan:
    """Every answer is held back a little, so that concurrent requests overlap at the proxy."""
    return FaultPlan([Rule(lambda: faults.slow_answer(0.3), kind="slow")])


@pytest.mark.parametrize(("parallel", "expected"), [(1, 1), (3, 3), (Engine().parallel, PLUGIN_THREADS)])
def test_up_and_refresh_keep_at_most_parallel_requests_in_flight(rig: Callable[..., Rig], api: ManageApi,
                                                                  uid: str, parallel: int, expected: int) -> None:
    run = rig(slow_everything(), parallel=parallel)

    run.engine.up(independent_projects(uid, 6))
    in_up = run.proxy.max_in_flight
    run.proxy.reset()
    run.engine.refresh()
    in_refresh = run.proxy.max_in_flight

    assert (in_up, in_refresh) == (expected, expected)
    assert len(run.engine.state) == 6
    assert assert_server_matches_state(api, run.engine, uid).size == 6 + 6
    run.engine.destroy()
    assert server_inventory(api, uid).size == 0


def test_dependents_wait_for_their_dependency(rig: Callable[..., Rig], uid: str) -> None:
    run = rig(slow_everything())

    def program() -> None:
        project = op.Project("web", name=f"Ordered {uid}")
        for index in range(3):
            op.Reference(f"r{index}", project_id=project.id, title=f"R{index}", datetime="2026-01-01")

    run.engine.up(program)

    paths = [r.path.split("/manage", 1)[1] for r in run.proxy.requests]
    assert paths == ["/projects", "/references", "/references", "/references"]
    assert run.proxy.max_in_flight == 3  # the three references, once the project existed


def test_a_failure_stops_new_steps_and_is_the_error_raised(rig: Callable[..., Rig], uid: str) -> None:
    run = rig(FaultPlan([Rule(lambda: faults.server_error(400), method="POST", kind="refuse", count=1)]))
    with pytest.raises(Exception) as raised:
        run.engine.up(independent_projects(uid, 3))
    assert "HTTP 400" in str(raised.value)
    assert len(run.engine.state) <= 2


def test_parallel_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Engine(parallel=0)
