"""Scenarios with figures, run by the real `pulumi` CLI and the provider's plugin against a private
emulator (with OpenPanel's real rate limit unless told otherwise): a many-resource up, the same under
injected faults, an update, a refresh, a destroy, a no-change up and a preview.

For each: resource operations that failed, objects duplicated or orphaned on the server, requests per
resource operation, and wall time over the floor the rate limit allows (requests / (limit / window)
seconds). Also the provider's import cost in a fresh process and the size of its pickled form.

    PULUMI_OPENPANEL_CLI_DIR=... .venv/bin/python -m benchmarks.run [--groups 20] [--failure-rate 0.1]
        [--seed 7] [--no-limit]

The scenarios themselves are in tests/support/scenarios.py, which the tests run small and without limit
to assert the correctness figures (no test imports this module).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from pulumi_openpanel.api.settings import DEFAULT_RATE_LIMIT
from tests.support.home import private_pacing_dir
from tests.support.scenarios import provider_sizes, run_scenarios, table


def import_cost(samples: int = 7) -> float:
    """Median seconds that ``import pulumi_openpanel`` adds to a fresh process that imported pulumi."""
    code = ("import time, pulumi, pulumi.dynamic; t = time.perf_counter(); import pulumi_openpanel; "
            "print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
                  .stdout) for _ in range(samples)]
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=20, help="projects, each with a client and a reference")
    parser.add_argument("--failure-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-limit", action="store_true", help="emulator and provider without rate limit")
    args = parser.parse_args(argv)
    with private_pacing_dir():
        figures = run_scenarios(args.groups, rate_limit=None if args.no_limit else DEFAULT_RATE_LIMIT,
                                failure_rate=args.failure_rate, seed=args.seed)
    print(table(figures))
    for failed in (f for f in figures if f.failed):
        print(f"\n{failed.scenario} failed:\n{failed.error}")
    print()
    print(f"provider import cost over `import pulumi` (median of 7 fresh processes): {import_cost() * 1000:.0f} ms")
    for name, size in provider_sizes().items():
        print(f"serialized provider {name}: {size} bytes of __provider")


if __name__ == "__main__":
    main()
