"""Scenarios with figures: a many-resource up, the same under injected faults, an update, a refresh, a
destroy, a no-change up and a preview, each through the engine driver and the real plugin process
against the emulator (with OpenPanel's real rate limit unless told otherwise).

For each: resource operations that failed, objects duplicated or orphaned on the server, requests per
resource operation, and wall time over the floor the rate limit allows (requests / (limit / window)
seconds). Also the provider's import cost in a fresh process and the size of its pickled form.

    .venv/bin/python -m benchmarks.run [--groups 20] [--failure-rate 0.1] [--seed 7] [--no-limit]

Tests call :func:`run_scenarios` with small sizes and no limit, and assert the correctness figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pulumi_openpanel.emulator import EmulatorServer
from tests.engine.driver import Engine, OperationResult
from tests.engine.program import DEFAULT_PARALLEL
from tests.reliability.world import direct_api, groups_program, provider_env, server_inventory, state_inventory
from tests.support.faults import FaultPlan, flaky
from tests.support.proxy import RecordingProxy

RESOURCE_OPS = {"create", "update", "delete", "create-replacement", "delete-replaced", "refresh"}


@dataclass(frozen=True)
class Figures:
    scenario: str
    operations: int  # resource operations that had to reach the API (steps other than "same")
    failed: int
    mismatched: int  # objects on the server and not in state, or in state and not on the server
    requests: int
    wall: float
    floor: float  # seconds the rate limit needs for `requests`; 0 without a limit
    error: str = ""  # why the operation failed, when it did

    @property
    def per_operation(self) -> float:
        return self.requests / self.operations if self.operations else float(self.requests)

    @property
    def over_floor(self) -> float | None:
        return self.wall / self.floor if self.floor else None


@dataclass
class _World:
    emulator: EmulatorServer
    client_id: str
    client_secret: str
    rate_limit: tuple[int, float] | None

    def engine(self, proxy: RecordingProxy, parallel: int = DEFAULT_PARALLEL) -> Engine:
        limit = "off" if self.rate_limit is None else f"{self.rate_limit[0]}/{self.rate_limit[1]:g}"
        env = provider_env(proxy.url, self.client_id, self.client_secret, rate_limit=limit)
        return Engine(extra_env=env, parallel=parallel)

    def floor(self, requests: int) -> float:
        if self.rate_limit is None:
            return 0.0
        limit, window = self.rate_limit
        return requests / (limit / window)


def _measure(world: _World, name: str, engine: Engine, proxy: RecordingProxy, uid: str,
             action: Callable[[], OperationResult], *, expect_empty: bool = False) -> Figures:
    proxy.reset()
    started = time.monotonic()
    failed, error_text = 0, ""
    try:
        result = action()
        steps = result.steps
    except Exception as error:  # a failed operation is a figure here, not a crash of the benchmark
        failed, error_text = 1, str(error)[-1500:]
        steps = getattr(getattr(error, "result", None), "steps", [])
    wall = time.monotonic() - started
    operations = sum(1 for step in steps if step.op in RESOURCE_OPS)
    api = direct_api(world.emulator.api_url, world.client_id, world.client_secret)
    server = server_inventory(api, uid)
    if expect_empty:
        mismatched = server.size
    else:
        state = state_inventory(engine)
        mismatched = sum(len(a ^ b) for a, b in ((server.projects, state.projects), (server.clients, state.clients),
                                                   (server.references, state.references)))
    requests = len(proxy.requests)
    return Figures(name, operations, failed, mismatched, requests, wall, world.floor(requests), error_text)


def run_scenarios(groups: int = 20, *, rate_limit: tuple[int, float] | None = (20, 10.0),
                  failure_rate: float = 0.1, seed: int = 7, faulty_parallel: int = DEFAULT_PARALLEL) -> list[Figures]:
    """Run every scenario on a private emulator; returns one Figures per scenario.

    ``faulty_parallel=1`` makes the faulty run repeatable: requests then meet the seeded draws in order.
    """
    emulator = EmulatorServer(rate_limit=rate_limit).start()
    seed_org = emulator.seed_organization("Benchmark organization")
    world = _World(emulator, seed_org.client_id, seed_org.client_secret, rate_limit)
    figures: list[Figures] = []
    try:
        uid = uuid.uuid4().hex[:8]
        with RecordingProxy(emulator.api_url) as proxy:
            engine = world.engine(proxy)
            program = groups_program(uid, groups)
            figures.append(_measure(world, f"up, {3 * groups} creates", engine, proxy, uid,
                                    lambda: engine.up(program)))
            figures.append(_measure(world, "up, no change", engine, proxy, uid, lambda: engine.up(program)))
            figures.append(_measure(world, "preview, no change", engine, proxy, uid,
                                    lambda: engine.preview(program)))
            renamed = groups_program(uid, groups, revenue=True)
            figures.append(_measure(world, f"up, {groups} updates", engine, proxy, uid, lambda: engine.up(renamed)))
            figures.append(_measure(world, "refresh", engine, proxy, uid, engine.refresh))
            figures.append(_measure(world, "destroy", engine, proxy, uid, engine.destroy, expect_empty=True))
        faulty_uid = uuid.uuid4().hex[:8]
        plan: FaultPlan = flaky(failure_rate, seed=seed)
        with RecordingProxy(emulator.api_url, fault=plan) as proxy:
            engine = world.engine(proxy, faulty_parallel)
            program = groups_program(faulty_uid, groups)
            label = f"up, {3 * groups} creates, {failure_rate:.0%} faults"
            figures.append(_measure(world, label, engine, proxy, faulty_uid, lambda: engine.up(program)))
            plan.rules.clear()
            engine.destroy()
    finally:
        emulator.stop()
    return figures


def import_cost(samples: int = 7) -> float:
    """Median seconds that ``import pulumi_openpanel`` adds to a fresh process that imported pulumi."""
    code = ("import time, pulumi, pulumi.dynamic; t = time.perf_counter(); import pulumi_openpanel; "
            "print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
                  .stdout) for _ in range(samples)]
    return statistics.median(runs)


def provider_sizes() -> dict[str, int]:
    """Bytes of ``__provider`` (base64 of the dill pickle) per resource type, as programs serialise it."""
    import pulumi
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_openpanel.client import ClientProvider
    from pulumi_openpanel.project import ProjectProvider
    from pulumi_openpanel.reference import ReferenceProvider

    del pulumi
    return {cls.__name__: len(serialize_provider(cls())) for cls in (ProjectProvider, ClientProvider,
                                                                     ReferenceProvider)}


def table(figures: list[Figures]) -> str:
    header = f"{'scenario':<34} {'ops':>4} {'failed':>6} {'dup/orphan':>10} {'requests':>8} {'req/op':>6} " \
             f"{'wall s':>7} {'floor s':>7} {'wall/floor':>10}"
    lines = [header, "-" * len(header)]
    for f in figures:
        ratio = "-" if f.over_floor is None else f"{f.over_floor:.2f}"
        lines.append(f"{f.scenario:<34} {f.operations:>4} {f.failed:>6} {f.mismatched:>10} {f.requests:>8} "
                     f"{f.per_operation:>6.2f} {f.wall:>7.1f} {f.floor:>7.1f} {ratio:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=20, help="projects, each with a client and a reference")
    parser.add_argument("--failure-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-limit", action="store_true", help="emulator and provider without rate limit")
    args = parser.parse_args(argv)
    figures = run_scenarios(args.groups, rate_limit=None if args.no_limit else (20, 10.0),
                            failure_rate=args.failure_rate, seed=args.seed)
    print(table(figures))
    print()
    print(f"provider import cost over `import pulumi` (median of 7 fresh processes): {import_cost() * 1000:.0f} ms")
    for name, size in provider_sizes().items():
        print(f"serialized provider {name}: {size} bytes of __provider")


if __name__ == "__main__":
    main()
