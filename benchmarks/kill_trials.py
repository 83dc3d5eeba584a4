"""Kill trials with figures: a 40-resource `pulumi up` (14 projects, 13 clients, 13 references, with
dependencies) run by the real CLI against a private emulator, cut at moments spread from early to late in
the run by SIGKILL, SIGINT then SIGKILL 10 s later, SIGTERM then SIGKILL 10 s later (a CI runner's
cancel), or SIGINT twice (Ctrl-C pressed twice); then `pulumi-openpanel recover`, then a second
`pulumi up`, and a count of what the server holds against the state.

    .venv/bin/python -m benchmarks.kill_trials [--trials 12] [--latency 0.3] [--rate-limit] [--baseline] [--json]
        [--plans sigkill,sigint] [--linger 15] [--between 2,25]

``--latency`` is added to every request (half before the server acts, half after), as a network would;
``--baseline`` runs the same schedule again without recovery (only `pulumi cancel` when the stack is
locked, which `pulumi up` needs to run at all) to show what recovery prevents; ``--linger`` lets the
processes that outlive a killed CLI (its plugins, in process groups of their own) go on that many seconds
before the trial kills them, as they do when a runner kills only the CLI; ``--between 2,25`` spreads the
kills over that span of seconds after the CLI starts instead of over the calibrated run's requests (late
kills, with the rate limit, are the ones that find many creates answered and not yet recorded). Figures per
kill plan:
pending operations left by the kill, objects the server held that the state did not, then after recovery
and the second up: failures, orphans (on the server, not in the state), lost (in the state, not on the
server), duplicates (two objects for one resource), pending operations still in the state.
Needs the Pulumi toolchain (scripts/pulumi-cli.sh, or PULUMI_OPENPANEL_CLI_DIR).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.support.home import private_pacing_dir
from tests.support.kill_trials import (
    KillPlan,
    Moment,
    TrialResult,
    TrialWorld,
    describe,
    stop_strays,
    summarize,
    trial_program,
)
from tests.support.pulumi_cli import PulumiProject, locate_toolchain

PLANS = (KillPlan(signal.SIGKILL), KillPlan(signal.SIGINT), KillPlan(signal.SIGTERM),
         KillPlan(signal.SIGINT, twice=True))
# Names for --plans, so that a run can spend its trials on the kills it compares.
PLAN_NAMES = {"sigkill": PLANS[0], "sigint": PLANS[1], "sigterm": PLANS[2], "sigint-twice": PLANS[3],
              # A grace shorter than the waits in flight: what the runner's SIGKILL finds still going.
              "sigint-2s": KillPlan(signal.SIGINT, grace=2.0)}
# (figure, column heading): what the kill left, then what recovery and the second up left.
COLUMNS = (("trials", "trials"), ("cut", "cut"), ("pending_after_kill", "pending"),
           ("pending_creates_after_kill", "creates"), ("locked_after_kill", "locked"),
           ("exit_seconds_mean", "exit s"), ("posts_after_signal", "POSTs after"),
           ("unrecorded_after_kill", "unrecorded"), ("leftover_processes", "survivors"),
           ("still_running", "left running"), ("failed", "failed"), ("orphans", "orphans"), ("lost", "lost"),
           ("duplicates", "duplicates"), ("pending_at_end", "pending after"))
LEGEND = """\
  cut: trials whose signal found the run going; pending / creates: operations the kill left pending (all /
  creating); locked: trials that left the stack locked; exit s: mean seconds from the first signal to the
  CLI's end; POSTs after: creates that reached the server after the first signal (from any process);
  unrecorded: objects on the server the state did not hold after the kill; survivors: processes of the
  CLI's session alive after it ended (the trial kills them); left running: after that (must be 0). After
  recovery and the second up: failed (recover or up exited non-zero), orphans (on the server, not in the
  state), lost (in the state, not on the server), duplicates (extra objects for one resource), pending
  after (operations still in the state)."""


def schedule(trials: int, first: float, last: float,
             plans: tuple[KillPlan, ...] = PLANS) -> list[tuple[Moment, KillPlan]]:
    """Kill moments spread evenly from the run's first request to its last, each kill plan getting early,
    middle and late ones (before the first request the CLI is only starting: nothing to cut)."""
    return [(Moment(after=first + (last - first) * (index + 0.5) / trials), plans[index % len(plans)])
            for index in range(trials)]


def parse_between(text: str) -> tuple[float, float]:
    """``2,25`` -> (2.0, 25.0): the span of seconds after the CLI starts that kills are spread over."""
    try:
        start, end = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--between takes START,END in seconds, e.g. 2,25; got {text!r}") from None
    if not 0 <= start < end:
        raise argparse.ArgumentTypeError(f"--between needs 0 <= START < END; got {text!r}")
    return start, end


def parse_plans(text: str) -> tuple[KillPlan, ...]:
    """``sigkill,sigint`` -> the kill plans of those names, in that order (argparse's type= for --plans)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PLAN_NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"kill plans are among {', '.join(PLAN_NAMES)}; got {text!r}")
    return tuple(PLAN_NAMES[name] for name in names)


def run_trials(bin_dir: Path, scratch: Path, args: argparse.Namespace, *, recover: bool,
               plan: list[tuple[Moment, KillPlan]] | None = None,
               log: Any = sys.stderr) -> tuple[float, list[tuple[Moment, KillPlan]], list[TrialResult]]:
    """Calibrate (one uninterrupted up, then destroy), then run the trials of ``plan`` (default: spread over the
    calibrated duration) on a private emulator; returns the duration, the plan and the results."""
    world = TrialWorld(latency=args.latency, rate_limit=(20, 10.0) if args.rate_limit else None,
                       linger=args.linger)
    try:
        shape = (args.projects, args.clients, args.references)
        calibration_uid = uuid.uuid4().hex[:8]
        calibration = PulumiProject.from_source(trial_program(calibration_uid, *shape), bin_dir,
                                                scratch / f"calibration-{recover}", env=world.provider_env())
        full_run, first, last = world.full_run_seconds(calibration)
        print(f"{'recovery' if recover else 'baseline'}: an uninterrupted up of {sum(shape)} resources takes "
              f"{full_run:.1f} s, its requests from {first:.1f} s to {last:.1f} s", file=log, flush=True)
        results = []
        plan = plan or schedule(args.trials, *(args.between or (first, last)), args.plans)
        for index, (moment, kill) in enumerate(plan):
            uid = uuid.uuid4().hex[:8]
            project = PulumiProject.from_source(trial_program(uid, *shape), bin_dir,
                                                scratch / f"trial-{recover}-{index}", env=world.provider_env())
            started = time.monotonic()
            result = world.trial(project, uid, index, moment, kill, recover=recover)
            results.append(result)
            print(describe(result) + f" [{time.monotonic() - started:.0f} s]", file=log, flush=True)
        return full_run, plan, results
    finally:
        world.close()


def table(title: str, figures: dict[str, Any]) -> str:
    rows: list[tuple[str, ...]] = [("kill", *(heading for _, heading in COLUMNS))]
    for kill, values in figures["by_kill"].items():
        rows.append((kill, *(str(values[key]) for key, _ in COLUMNS)))
    rows.append(("total", *(str(figures["total"][key]) for key, _ in COLUMNS)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [title] + ["  ".join(cell.rjust(widths[i]) if i else cell.ljust(widths[i]) for i, cell in enumerate(row))
                       for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kill_trials", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=12, help="kill trials (default 12, at least 10 for figures)")
    parser.add_argument("--projects", type=int, default=14)
    parser.add_argument("--clients", type=int, default=13)
    parser.add_argument("--references", type=int, default=13)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds added to every request (default 0.3)")
    parser.add_argument("--rate-limit", action="store_true",
                        help="OpenPanel's limit of 20 requests per 10 s on the emulator (the provider paces itself)")
    parser.add_argument("--baseline", action="store_true", help="also run the schedule without recovery")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--linger", type=float, default=0.0,
                        help="seconds the processes that outlive a killed CLI (its plugins) may go on before "
                             "the trial kills them (default 0: at once)")
    parser.add_argument("--plans", type=parse_plans, default=PLANS,
                        help=f"kill plans to cycle through, comma-separated among {', '.join(PLAN_NAMES)} "
                             "(default: all)")
    parser.add_argument("--between", type=parse_between, default=None, metavar="START,END",
                        help="spread the kills over these seconds after the CLI starts (default: over the "
                             "calibrated run's requests)")
    args = parser.parse_args(argv)
    toolchain = locate_toolchain()
    if toolchain.bin_dir is None:
        print(f"kill_trials: the Pulumi toolchain is not available: {toolchain.reason}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"settings": {k: getattr(args, k) for k in ("trials", "projects", "clients", "references",
                                                                         "latency", "rate_limit", "linger",
                                                                         "between")}}
    with tempfile.TemporaryDirectory(prefix="kill-trials-") as scratch, private_pacing_dir():
        try:
            full_run, plan, results = run_trials(toolchain.bin_dir, Path(scratch), args, recover=True)
            report["full_run_seconds"] = round(full_run, 1)
            report["recovery"] = summarize(results)
            if args.baseline:
                _, _, baseline = run_trials(toolchain.bin_dir, Path(scratch), args, recover=False, plan=plan)
                report["baseline"] = summarize(baseline)
        finally:
            stop_strays(Path(scratch))  # after Ctrl-C: the language host of a `pulumi` cut mid-command
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        limit = "OpenPanel's rate limit (20/10 s)" if args.rate_limit else "no rate limit"
        print(f"\n{args.trials} trials of {args.projects + args.clients + args.references} resources, latency "
              f"{args.latency:g} s per request, {limit}; an uninterrupted up takes {report['full_run_seconds']} s")
        print(table("\nwith pulumi-openpanel recover before the second up:", report["recovery"]))
        if "baseline" in report:
            print(table("\nbaseline, no recovery (pulumi cancel when locked, then pulumi up):", report["baseline"]))
        print("\n" + LEGEND)
    clean = report["recovery"]["total"]
    return 0 if not (clean["failed"] or clean["orphans"] or clean["lost"] or clean["duplicates"]
                     or clean["pending_at_end"] or clean["still_running"]) else 1


if __name__ == "__main__":
    sys.exit(main())
