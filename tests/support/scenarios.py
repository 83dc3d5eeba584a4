"""Scenarios with figures, run by the real `pulumi` CLI against a private emulator (with OpenPanel's real
rate limit unless told otherwise): a many-resource up, an up and a preview without change, an update, a
refresh, a destroy, and a many-resource up under injected faults.

For each: resource operations that failed, objects duplicated or orphaned on the server, requests per
resource operation, and wall time over the floor the rate limit allows (requests / (limit / window)
seconds). The wall time is the CLI's whole command, its start-up included, as a user waits for it.

tests/reliability/test_scenarios.py runs them small and without limit and asserts the correctness
figures; benchmarks/run.py runs them at size and prints every figure. Timings are never asserted.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ClientCreate
from pulumi_openpanel.emulator import EmulatorServer
from tests.support.faults import FaultPlan, flaky
from tests.support.fixtures import provider_env, session_api
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject, Run, locate_toolchain
from tests.support.target import OpenPanelTarget
from tests.support.world import Inventory, emulator_target, groups_program, server_inventory, state_inventory

# The engine's steps that reach the API ("same" and "read" steps of a no-change run do not).
RESOURCE_OPS = {"create", "update", "delete", "create-replacement", "delete-replaced", "refresh"}


@dataclass(frozen=True)
class Figures:
    scenario: str
    operations: int  # resource operations that had to reach the API (steps other than "same")
    failed: int  # 1 when the command failed
    mismatched: int  # objects on the server and not in state, or in state and not on the server
    requests: int
    wall: float
    floor: float  # seconds the rate limit needs for `requests`; 0 without a limit
    error: str = ""  # why the command failed, when it did
    faults: int = 0  # faults the proxy injected

    @property
    def per_operation(self) -> float:
        return self.requests / self.operations if self.operations else float(self.requests)

    @property
    def over_floor(self) -> float | None:
        return self.wall / self.floor if self.floor else None


@dataclass
class _World:
    """The private emulator, the credentials the provider uses, and an observer that counts the server's
    objects with a root client of its own (so that counting never eats into the provider's rate budget)."""

    target: OpenPanelTarget
    observer: ManageApi
    rate_limit: tuple[int, float] | None
    bin_dir: Path
    scratch: Path

    def project(self, name: str, source: str, proxy: RecordingProxy) -> PulumiProject:
        limit = "off" if self.rate_limit is None else f"{self.rate_limit[0]}/{self.rate_limit[1]:g}"
        env = provider_env(self.target, proxy.url, OPENPANEL_RATE_LIMIT=limit)
        return PulumiProject.from_source(source, self.bin_dir, self.scratch / name, env=env)

    def floor(self, requests: int) -> float:
        if self.rate_limit is None:
            return 0.0
        limit, window = self.rate_limit
        return requests / (limit / window)

    def measure(self, name: str, command: Callable[..., Run], proxy: RecordingProxy,
                held: Callable[[], Inventory | None], uid: str) -> Figures:
        """Run ``command`` once (a failure is a figure, not an error); ``held`` is what the state manages
        afterwards (None: nothing should be left on the server)."""
        proxy.reset()
        started = time.monotonic()
        run = command(check=False)
        wall = time.monotonic() - started
        operations = sum(1 for step in run.openpanel_steps() if step.op in RESOURCE_OPS)
        server = server_inventory(self.observer, uid)
        state = held()
        mismatched = server.size if state is None else server.mismatch(state)
        requests = len(proxy.requests)
        failed = int(run.returncode != 0)
        return Figures(name, operations, failed, mismatched, requests, wall, self.floor(requests),
                       run.output[-1500:] if failed else "")


def _observer(target: OpenPanelTarget, rate_limit: tuple[int, float] | None) -> ManageApi:
    """A second root client of the organization, paced on its own budget."""
    created = session_api(target).create_client(ClientCreate(name="Benchmark observer", type="root"))
    observing = OpenPanelTarget(api_url=target.api_url, client_id=created.client.id,
                                client_secret=created.secret.get_secret_value(), emulator=target.emulator)
    return session_api(observing)


def run_scenarios(groups: int = 20, *, rate_limit: tuple[int, float] | None = (20, 10.0),
                  failure_rate: float = 0.1, seed: int = 7, bin_dir: Path | None = None,
                  scratch: Path | None = None) -> list[Figures]:
    """Run every scenario on a private emulator; returns one Figures per scenario.

    ``bin_dir`` is the Pulumi toolchain (found as the tests find it when not given); ``scratch`` holds the
    projects and their state (a temporary directory, removed afterwards, when not given). The faulty up
    meets the faults of ``flaky(failure_rate, seed=seed)``, decided per request, so it is repeatable.
    """
    if bin_dir is None:
        found = locate_toolchain()
        if found.bin_dir is None:
            raise RuntimeError(f"the real Pulumi CLI is not available: {found.reason}")
        bin_dir = found.bin_dir
    with ExitStack() as cleanup:
        if scratch is None:
            scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="openpanel-scenarios-")))
        emulator = EmulatorServer(rate_limit=rate_limit).start()
        cleanup.callback(emulator.stop)
        target = emulator_target(emulator, "Benchmark organization")
        world = _World(target, _observer(target, rate_limit), rate_limit, bin_dir, scratch)
        return [*_clean_scenarios(world, groups), _faulty_scenario(world, groups, failure_rate, seed)]
    raise AssertionError("unreachable")  # ExitStack may swallow exceptions as far as type checkers know


def _clean_scenarios(world: _World, groups: int) -> list[Figures]:
    uid = uuid.uuid4().hex[:8]
    figures: list[Figures] = []
    with RecordingProxy(world.target.api_url) as proxy:
        stack = world.project("clean", groups_program(uid, groups), proxy)

        def held() -> Inventory:
            return state_inventory(stack)

        figures.append(world.measure(f"up, {3 * groups} creates", stack.up, proxy, held, uid))
        figures.append(world.measure("up, no change", stack.up, proxy, held, uid))
        figures.append(world.measure("preview, no change", stack.preview, proxy, held, uid))
        stack.write_program(groups_program(uid, groups, revenue=True))
        figures.append(world.measure(f"up, {groups} updates", stack.up, proxy, held, uid))
        figures.append(world.measure("refresh", stack.refresh, proxy, held, uid))
        figures.append(world.measure("destroy", stack.destroy, proxy, lambda: None, uid))
    return figures


def _faulty_scenario(world: _World, groups: int, failure_rate: float, seed: int) -> Figures:
    uid = uuid.uuid4().hex[:8]
    plan: FaultPlan = flaky(failure_rate, seed=seed).mask(uid)
    with RecordingProxy(world.target.api_url, fault=plan) as proxy:
        stack = world.project("faulty", groups_program(uid, groups), proxy)
        label = f"up, {3 * groups} creates, {failure_rate:.0%} faults"
        figures = world.measure(label, stack.up, proxy, lambda: state_inventory(stack), uid)
        figures = replace(figures, faults=plan.count())
        plan.rules.clear()
        stack.destroy(check=False)
    return figures


def provider_sizes() -> dict[str, int]:
    """Bytes of ``__provider`` (base64 of the dill pickle) per resource type, as programs serialise it."""
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_openpanel.client import ClientProvider
    from pulumi_openpanel.project import ProjectProvider
    from pulumi_openpanel.reference import ReferenceProvider

    return {cls.__name__: len(serialize_provider(cls())) for cls in (ProjectProvider, ClientProvider,
                                                                     ReferenceProvider)}


def table(figures: list[Figures]) -> str:
    header = f"{'scenario':<34} {'ops':>4} {'faults':>6} {'failed':>6} {'dup/orphan':>10} {'requests':>8} " \
             f"{'req/op':>6} {'wall s':>7} {'floor s':>7} {'wall/floor':>10}"
    lines = [header, "-" * len(header)]
    for f in figures:
        ratio = "-" if f.over_floor is None else f"{f.over_floor:.2f}"
        lines.append(f"{f.scenario:<34} {f.operations:>4} {f.faults:>6} {f.failed:>6} {f.mismatched:>10} "
                     f"{f.requests:>8} {f.per_operation:>6.2f} {f.wall:>7.1f} {f.floor:>7.1f} {ratio:>10}")
    return "\n".join(lines)
