"""Two pipelines at once, with figures: two `pulumi up` processes (the real CLI, language host and plugin)
start at the same moment, each applying a stack of ``3 * groups`` resources (projects, read clients,
references) with the same root client against one private emulator with OpenPanel's real rate limit
(20 requests per 10 s); then both stacks are destroyed the same way.

Two set-ups, each on a fresh emulator: "two machines" gives each process a pacing directory of its own
(they learn of each other only through 429s and the x-ratelimit-* headers), "one machine" a shared one
(each also sees the other's sends in the pacing state).

For each command: the wall time of each run (from the common start to its end, the CLI's start-up
included), its failures and the lines of its output that mention the rate limit; for the pair: the
requests the emulator answered, how many with 429, and the floor the rate limit sets for the accepted
ones (requests / 2 per second; and the fixed window's: 20 at the start of each 10-second window).

    PULUMI_OPENPANEL_CLI_DIR=... .venv/bin/python -m benchmarks.two_pipelines [--groups 10] [--rounds 1]
        [--rate-limit-wait SECONDS]

``--rate-limit-wait`` sets the processes' OPENPANEL_RATE_LIMIT_WAIT (0: a 429 fails the request at once,
which shows what the 429s would do to the runs without the rate-limit wait).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pulumi_openpanel.emulator import EmulatorServer
from tests.support.home import private_pacing_dir
from tests.support.pipelines import Pipeline, Together, make_pipelines, run_together
from tests.support.pulumi_cli import Run, locate_toolchain

LIMIT, WINDOW = 20, 10.0


def measure(label: str, together: Together, resources: int) -> list[str]:
    lines = []
    for timed in together.runs:
        failed = int(timed.run.returncode != 0)
        lines.append(f"{label:<24} {timed.pipeline.name:<7} {resources:>9} {timed.wall:>7.1f} {failed:>6} "
                     f"{len(timed.leaks()):>11}")
    slowest = max(timed.wall for timed in together.runs)
    floor = together.floor(LIMIT, WINDOW)
    lines.append(f"{'':<24} {'both':<7} {len(together.runs) * resources:>9} {slowest:>7.1f} "
                 f"{sum(int(t.run.returncode != 0) for t in together.runs):>6} "
                 f"{sum(len(t.leaks()) for t in together.runs):>11} {together.answered:>8} {together.refused:>5} "
                 f"{floor:>7.1f} {together.window_floor(LIMIT, WINDOW):>8.1f} "
                 f"{slowest / floor if floor else 0.0:>10.2f}")
    return lines


def one_round(bin_dir: Path, scratch: Path, groups: int, shared_pacing: bool, wait: str | None) -> list[str]:
    server = EmulatorServer(rate_limit=(LIMIT, WINDOW)).start()
    try:
        seeded = server.seed_organization("Two pipelines benchmark")
        pipelines = make_pipelines(server, seeded.client_id, seeded.client_secret, bin_dir, scratch,
                                   groups=groups, shared_pacing=shared_pacing)
        env = {"OPENPANEL_RATE_LIMIT_WAIT": wait} if wait is not None else {}
        mode = "one machine" if shared_pacing else "two machines"

        def up(pipeline: Pipeline) -> Run:
            return pipeline.project.up(check=False, env=env)

        def destroy(pipeline: Pipeline) -> Run:
            return pipeline.project.destroy(check=False, env=env)

        lines = measure(f"{mode}: up", run_together(server, pipelines, up), 3 * groups)
        downs = run_together(server, pipelines, destroy)
        lines += measure(f"{mode}: destroy", downs, 3 * groups)
        for timed in downs.runs:
            if timed.pipeline.project.has_resources():  # a failed destroy: finish it, not measured
                timed.pipeline.project.destroy(check=False)
        failures = [f"{t.pipeline.name}: {t.run.output[-1500:]}" for t in downs.runs if t.run.returncode != 0]
        return lines + failures
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=10, help="projects a stack, each with a client and a reference")
    parser.add_argument("--rounds", type=int, default=1, help="times to run each set-up")
    parser.add_argument("--rate-limit-wait", default=None, help="OPENPANEL_RATE_LIMIT_WAIT for both processes")
    args = parser.parse_args(argv)
    found = locate_toolchain()
    if found.bin_dir is None:
        raise SystemExit(f"the real Pulumi CLI is not available: {found.reason}")
    header = (f"{'command':<24} {'run':<7} {'resources':>9} {'wall s':>7} {'failed':>6} {'429s shown':>11} "
              f"{'requests':>8} {'429s':>5} {'floor s':>7} {'window s':>8} {'wall/floor':>10}")
    print(header)
    print("-" * len(header), flush=True)
    with tempfile.TemporaryDirectory(prefix="openpanel-two-pipelines-") as scratch, private_pacing_dir():
        for round_ in range(args.rounds):
            for shared in (False, True):
                where = Path(scratch) / f"round-{round_}-{'shared' if shared else 'separate'}"
                for line in one_round(found.bin_dir, where, args.groups, shared, args.rate_limit_wait):
                    print(line, flush=True)


if __name__ == "__main__":
    main()
