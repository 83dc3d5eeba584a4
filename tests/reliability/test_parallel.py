"""With `pulumi up --parallel N` (and `refresh`), the provider never has more than N requests in flight,
and with the CLI's default parallelism (8) no more than the dynamic-provider plugin's 4 worker threads:
each resource operation is one request at a time, and nothing runs behind the engine's back.

That the bound is reached, not just respected, is shown without timing: the proxy holds the first
requests until as many as expected are in flight at once, then lets everything through.
"""

from __future__ import annotations

import threading

import pytest

from pulumi_openpanel.api.client import ManageApi
from tests.reliability.conftest import RigFactory
from tests.support.faults import FaultPlan, Rule
from tests.support.proxy import Fault
from tests.support.world import assert_server_matches_state

PLUGIN_THREADS = 4  # pulumi.dynamic's gRPC server: ThreadPoolExecutor(max_workers=4)
PROJECTS = 6


class Gathering:
    """Holds the first ``parties`` requests until all of them are in flight together, then lets every
    request through. If they never gather (fewer ever run at once), it gives up after a while and says so."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=30)
        self.arrived = 0
        self.broken = False
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            self.arrived += 1
            held = self.arrived <= self.barrier.parties
        if held:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                self.broken = True

    def rule(self) -> Rule:
        return Rule(lambda: Fault(forward=True, before=self.wait), kind="gathered")


def independent_projects(uid: str, count: int) -> str:
    return f"""
        import pulumi_openpanel as op

        for index in range({count}):
            op.Project(f"p{{index}}", name=f"Parallel {uid} {{index}}")
    """


@pytest.mark.parametrize(("parallel", "expected"), [(1, 1), (3, 3), (None, PLUGIN_THREADS)])
def test_up_and_refresh_keep_at_most_parallel_requests_in_flight(rig: RigFactory, api: ManageApi, uid: str,
                                                                  parallel: int | None, expected: int) -> None:
    flags = () if parallel is None else ("--parallel", str(parallel))
    plan = FaultPlan([])
    run = rig(independent_projects(uid, PROJECTS), plan)

    in_flight = []
    for operation in (run.project.up, run.project.refresh):
        gathering = Gathering(expected)
        plan.rules[:] = [gathering.rule()]
        run.proxy.reset()
        operation(*flags)
        assert not gathering.broken, f"{expected} requests were never in flight at once"
        in_flight.append(run.proxy.max_in_flight)

    assert in_flight == [expected, expected]
    assert run.proxy.requests.count(method="GET") == PROJECTS  # the refresh: one read per project
    assert len(run.project.state_ids()) == PROJECTS
    assert assert_server_matches_state(api, run.project, uid).size == PROJECTS + PROJECTS
