"""A `pulumi up` (or destroy) cut short by a signal, then `pulumi-openpanel recover`, then the next run: the
server ends up holding exactly what the state says. Real CLI, real language host, a private emulator
behind a proxy that can hold back the answer to one request, so that each kill lands while the server has
acted and the provider has not heard of it (the case that makes orphans and duplicates).

Each trial first checks that the kill did leave an object the state does not know: without recovery
these tests fail (orphans, duplicates, pending operations that never go away).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_openpanel.api.models import ReferenceCreate
from tests.support.kill_trials import (
    KillPlan,
    Moment,
    TrialWorld,
    describe,
    lock_files,
    send_kill,
    started_cli,
    stop_session,
    trial_program,
    wait_for_moment,
)
from tests.support.pulumi_cli import PulumiProject

pytestmark = pytest.mark.cli

RECOVER_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def world() -> Iterator[TrialWorld]:
    with TrialWorld() as started:
        yield started


def stack_of(world: TrialWorld, pulumi_bin: Path, tmp_path: Path, source: str) -> PulumiProject:
    return PulumiProject.from_source(source, pulumi_bin, tmp_path / "stack", env=world.provider_env())


def recover(project: PulumiProject, *args: str) -> subprocess.CompletedProcess[str]:
    """`pulumi-openpanel recover ARGS` in the project directory, as a user runs it (the pulumi on PATH)."""
    return subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "recover", *args],
                          cwd=project.directory, env=project.env, capture_output=True, text=True,
                          timeout=RECOVER_TIMEOUT_S, check=False)


def pending_ops(project: PulumiProject) -> list[tuple[str, str]]:
    operations = project.export()["deployment"].get("pending_operations") or []
    return sorted((op["type"], op["resource"]["urn"].rsplit("::", 1)[-1]) for op in operations)


def assert_server_matches_state(world: TrialWorld, project: PulumiProject, uid: str) -> None:
    counted = world.inventory(project, uid)
    assert (counted.orphans, counted.lost, counted.duplicates) == (set(), set(), 0)
    assert pending_ops(project) == []


def cut(world: TrialWorld, project: PulumiProject, moment: Moment, *args: str) -> None:
    """Run `pulumi ARGS`, SIGKILL it at ``moment`` and stop its whole session; the kill must have landed."""
    was_cut, _, _, still_running = world.cut(project, moment, KillPlan(), *args)
    assert was_cut and still_running == 0


TRIALS = [
    pytest.param(Moment(nth=1), KillPlan(), id="first-create-SIGKILL"),
    pytest.param(Moment(nth=6), KillPlan(signal.SIGINT), id="middle-SIGINT-then-SIGKILL-10s"),
    pytest.param(Moment(nth=10), KillPlan(), id="late-SIGKILL"),
    pytest.param(Moment(nth=8), KillPlan(signal.SIGINT, twice=True), id="Ctrl-C-twice"),
]


@pytest.mark.parametrize(("moment", "kill"), TRIALS)
def test_an_up_cut_short_then_recover_then_up_leaves_exactly_the_state(
        world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str, moment: Moment, kill: KillPlan) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 4, 4, 4))

    result = world.trial(project, uid, 0, moment, kill)

    summary = describe(result)
    # The kill left a pending create whose object the server holds. Ending with SIGKILL (a cancelled CI job)
    # also leaves the stack locked and a language host that outlives the CLI (the trial kills it); Ctrl-C
    # twice makes pulumi exit at once, its lock released.
    assert result.cut, summary
    assert result.pending_creates_after_kill >= 1 and result.unrecorded_after_kill >= 1, summary
    if kill.twice:
        assert result.exit_signal != "SIGKILL" and not result.locked_after_kill, summary
    else:
        assert result.exit_signal == "SIGKILL" and result.locked_after_kill, summary
    assert result.still_running == 0, summary
    assert result.recovery_status == 0, summary
    assert result.second_up_status == 0, summary
    assert (result.orphans, result.lost, result.duplicates, result.pending_at_end) == (0, 0, 0, 0), summary
    assert world.credentials.client_secret not in result.recovery_output
    assert "sec_" not in result.recovery_output
    assert "deleted " in result.recovery_output and "Next: pulumi up" in result.recovery_output


def checkpoint_file(project: PulumiProject) -> Path:
    """The file backend's checkpoint of the project's stack, which the engine writes as a run goes."""
    [found] = [path for path in (project.scratch / "state").rglob(f"{project.stack}.json")
               if ".pulumi/stacks" in path.as_posix()]
    return found


def make_pending(project: PulumiProject, names: dict[str, bool]) -> dict[str, str]:
    """Turn finished resources of the state back into pending creates, as a kill leaves them: with their id
    and outputs kept (``names[name]`` True: the create had answered, and the kill came before the engine
    marked it done; see pulumi-dynamic-engine.md), or without (the answer was lost). Returns their ids."""
    path = checkpoint_file(project)
    document = json.loads(path.read_text())
    latest = document["checkpoint"]["latest"]
    moved: dict[str, str] = {}
    kept, pending = [], list(latest.get("pending_operations") or [])
    for resource in latest["resources"]:
        name = resource["urn"].rsplit("::", 1)[-1]
        if name not in names:
            kept.append(resource)
            continue
        moved[name] = resource["id"]
        if not names[name]:
            resource = {key: value for key, value in resource.items() if key not in ("id", "outputs")}
        pending.append({"resource": resource, "type": "creating"})
    assert set(moved) == set(names)
    latest["resources"], latest["pending_operations"] = kept, pending
    path.write_text(json.dumps(document))
    return moved


def test_pending_creates_with_and_without_their_ids_leave_no_duplicate(world: TrialWorld, pulumi_bin: Path,
                                                                       tmp_path: Path, uid: str) -> None:
    """The state a kill leaves late in a busy run, built directly (a timed kill hits it only by chance):
    pending creates that already carry the id their create answered with, beside one whose answer was lost.
    Before the fix recover said 'its create never arrived' for the first kind, and the next up made those
    objects twice."""
    # The user's program: one project, a read client and references, none waiting for another (a pending
    # create is never depended on: the engine starts dependents only once the create is marked done).
    project = stack_of(world, pulumi_bin, tmp_path, f"""
        import pulumi_openpanel as op

        web = op.Project("web0", name="Web {uid} 0", types=["website"])
        op.Client("reader0", name="Reader {uid} 0", project_id=web.id, type="read")
        for index in range(6):
            op.Reference(f"launch{{index}}", project_id=web.id, title=f"Post {{index}}",
                         datetime="2026-12-01T10:00:00Z")
    """)
    project.up()
    ids = make_pending(project, {"launch2": True, "launch5": True, "reader0": True, "launch3": False})
    assert world.inventory(project, uid).orphans == set(ids.values())

    done = recover(project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert world.inventory(project, uid).orphans == set(), done.stdout
    for name in ("launch2", "launch5", "reader0"):
        assert f"its create answered with {'client' if name == 'reader0' else 'reference'} {ids[name]}" in done.stdout
    assert f"delete reference {ids['launch3']}" in done.stdout
    assert "never arrived" not in done.stdout
    assert "sec_" not in done.stdout + done.stderr
    project.up()
    assert_server_matches_state(world, project, uid)


@pytest.fixture(scope="module")
def paced_world() -> Iterator[TrialWorld]:
    """OpenPanel's own rate limit (20 requests per 10 s), which the provider paces itself to: a 40-resource up
    then lasts about half a minute with many creates waiting or answered at any moment."""
    with TrialWorld(latency=0.1, rate_limit=(20, 10.0)) as started:
        yield started


# The limit makes the run last: its 21st request cannot go before 10 s after its first, which the CLI sends
# 1.5 s or more after it starts, however fast the machine. So both moments find the run going, the later one
# where the first window's creates are answered and the rest are being sent.
@pytest.mark.parametrize(("after", "kill"), [
    pytest.param(7.0, KillPlan(signal.SIGTERM), id="SIGTERM-then-SIGKILL-at-7s"),
    pytest.param(11.0, KillPlan(), id="SIGKILL-at-11s"),
])
def test_a_late_kill_with_the_rate_limit_then_recover_leaves_exactly_the_state(
        paced_world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str, after: float, kill: KillPlan) -> None:
    """The benchmark's late kills (benchmarks/kill_trials.py --rate-limit --between 2,25) in small: a kill by
    the clock, not at a held request, so that it lands wherever the run is, answered creates included."""
    project = stack_of(paced_world, pulumi_bin, tmp_path, trial_program(uid, 14, 13, 13))

    result = paced_world.trial(project, uid, 0, Moment(after=after), kill)

    summary = describe(result)
    assert result.cut, summary
    assert result.still_running == 0, summary
    assert result.recovery_status == 0, summary
    assert result.second_up_status == 0, summary
    assert (result.orphans, result.lost, result.duplicates, result.pending_at_end) == (0, 0, 0, 0), summary


def test_with_nothing_cut_short_recover_says_so_and_asks_the_server_nothing(
        world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 1, 1, 1))
    project.up()
    world.proxy.reset()

    done = recover(project)

    assert done.returncode == 0, done.stderr
    assert "Nothing to recover" in done.stdout
    assert world.proxy.count() == 0


def test_dry_run_prints_the_plan_and_changes_nothing(world: TrialWorld, pulumi_bin: Path, tmp_path: Path,
                                                     uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 1, 0, 1))
    cut(world, project, Moment(nth=2), "up", "--yes", "--skip-preview")  # the reference's POST
    before = (world.inventory(project, uid).server, pending_ops(project), lock_files(project))
    [unrecorded] = world.inventory(project, uid).orphans

    dry = recover(project, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert f"delete reference {unrecorded}" in dry.stdout and "Dry run: nothing was changed" in dry.stdout
    assert (world.inventory(project, uid).server, pending_ops(project), lock_files(project)) == before
    as_json = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "recover", "--dry-run", "--json",
                              "--cwd", str(project.directory), "--stack", project.stack], cwd=tmp_path,
                             env=project.env, capture_output=True, text=True, timeout=RECOVER_TIMEOUT_S, check=False)
    summary = json.loads(as_json.stdout)
    assert summary["ok"] and summary["dry_run"]
    assert [d for a in summary["actions"] for d in a["delete"]] == [{"kind": "reference", "id": unrecorded}]
    assert world.credentials.client_secret not in as_json.stdout + as_json.stderr
    assert (world.inventory(project, uid).server, pending_ops(project), lock_files(project)) == before

    assert recover(project).returncode == 0
    project.up()
    assert_server_matches_state(world, project, uid)


def test_recover_refuses_while_the_run_still_holds_the_stack(world: TrialWorld, pulumi_bin: Path, tmp_path: Path,
                                                             uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 1, 0, 0))
    world.proxy.arm(1)
    with started_cli(project, "up", "--yes", "--skip-preview") as process:
        try:
            assert wait_for_moment(process, Moment(nth=1), world.proxy)
            before = world.inventory(project, uid).server

            refused = recover(project)

            assert refused.returncode == 1
            assert "still running" in refused.stderr and "Nothing was changed" in refused.stderr
            assert world.inventory(project, uid).server == before
            send_kill(process, KillPlan())
        finally:
            stop_session(process)
            world.proxy.release()

    assert recover(project).returncode == 0
    project.up()
    assert_server_matches_state(world, project, uid)


def test_after_pulumi_cancel_the_state_still_bounds_the_window(world: TrialWorld, pulumi_bin: Path,
                                                               tmp_path: Path, uid: str) -> None:
    """Pulumi's lock error says to run `pulumi cancel`; a user who did, after a first `pulumi up` was cut, has
    neither a lock nor an update in the history to date the run: the Stack resource it created does."""
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 2, 0, 0))
    cut(world, project, Moment(nth=1), "up", "--yes", "--skip-preview")
    project.pulumi("cancel", "--yes")
    assert lock_files(project) == [] and world.inventory(project, uid).orphans

    done = recover(project)

    assert done.returncode == 0, done.stderr
    assert "bounded by the creation of its parent" in done.stdout and "deleted project" in done.stdout
    project.up()
    assert_server_matches_state(world, project, uid)


def test_a_lock_taken_on_another_host_is_removed_only_with_unlock(world: TrialWorld, pulumi_bin: Path,
                                                                  tmp_path: Path, uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 1, 0, 0))
    cut(world, project, Moment(nth=1), "up", "--yes", "--skip-preview")
    for lock in lock_files(project):  # as if the run had been a CI job on another machine
        lock.write_text(json.dumps({**json.loads(lock.read_text()), "hostname": "ci-runner-elsewhere"}))
    before = world.inventory(project, uid).server

    refused = recover(project)

    assert refused.returncode == 1 and "--unlock" in refused.stderr and "ci-runner-elsewhere" in refused.stderr
    assert world.inventory(project, uid).server == before and lock_files(project)
    unlocked = recover(project, "--unlock")
    assert unlocked.returncode == 0, unlocked.stderr
    assert lock_files(project) == []
    project.up()
    assert_server_matches_state(world, project, uid)


def test_an_ambiguous_match_is_refused_until_a_person_settles_it(world: TrialWorld, pulumi_bin: Path,
                                                                 tmp_path: Path, uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 1, 0, 1))
    cut(world, project, Moment(nth=2), "up", "--yes", "--skip-preview")
    [unrecorded] = world.inventory(project, uid).orphans
    ours = world.api.get_reference(unrecorded)
    twin = world.api.create_reference(ReferenceCreate(project_id=ours.project_id, title=ours.title,
                                                      datetime=ours.date))
    before = world.inventory(project, uid).server

    refused = recover(project)

    assert refused.returncode == 1
    assert unrecorded in refused.stderr and twin.id in refused.stderr and "Nothing was changed" in refused.stderr
    assert world.inventory(project, uid).server == before
    world.api.delete_reference(twin.id)
    assert recover(project).returncode == 0
    project.up()
    assert_server_matches_state(world, project, uid)


def test_a_destroy_cut_short_is_finished_by_the_next_destroy(world: TrialWorld, pulumi_bin: Path,
                                                             tmp_path: Path, uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 2, 2, 2))
    project.up()
    held = set(world.inventory(project, uid).server)
    cut(world, project, Moment(nth=3, method="DELETE"), "destroy", "--yes", "--skip-preview")
    assert any(op == "deleting" for op, _ in pending_ops(project))

    done = recover(project)

    assert done.returncode == 0, done.stderr
    assert "Pending delete of" in done.stdout
    project.destroy()
    assert project.resources() == {} and pending_ops(project) == []
    assert world.inventory(project, uid).server == {}
    left = {c.id for c in world.api.list_clients()} | {r.id for r in world.api.list_references()}
    assert left & held == set()


def test_an_update_cut_short_is_finished_by_the_next_up(world: TrialWorld, pulumi_bin: Path, tmp_path: Path,
                                                        uid: str) -> None:
    project = stack_of(world, pulumi_bin, tmp_path, trial_program(uid, 2, 2, 0))
    project.up()
    project.write_program(trial_program(uid, 2, 2, 0).replace("Web ", "Site ").replace("Reader ", "Viewer "))
    cut(world, project, Moment(nth=2, method="PATCH"), "up", "--yes", "--skip-preview")
    assert any(op == "updating" for op, _ in pending_ops(project))

    assert recover(project).returncode == 0
    project.up()

    names = {p.name for p in world.api.list_projects() if uid in p.name}
    assert names == {f"Site {uid} 0", f"Site {uid} 1"}
    assert not project.up("--expect-no-changes").changed
    assert_server_matches_state(world, project, uid)


FOREIGN = """
    import pathlib
    import time

    import pulumi
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    import pulumi_openpanel as op


    class Slow(ResourceProvider):
        def create(self, props):
            pathlib.Path(props["marker"]).write_text("creating")
            time.sleep(120)
            return CreateResult("slow-1", props)


    class SlowThing(Resource):
        def __init__(self, name, marker):
            super().__init__(Slow(), name, {{"marker": marker}})


    op.Project("web", name="Web {uid}")
    SlowThing("slow", marker={marker!r})
"""


def test_pending_creates_of_other_providers_stop_recover_before_any_change(
        world: TrialWorld, pulumi_bin: Path, tmp_path: Path, uid: str) -> None:
    marker = tmp_path / "slow-create-started"
    project = stack_of(world, pulumi_bin, tmp_path, FOREIGN.format(uid=uid, marker=str(marker)))
    with started_cli(project, "up", "--yes", "--skip-preview") as process:
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists()
        send_kill(process, KillPlan())
    world.drain()  # the project's POST may still be on its way
    before = (world.inventory(project, uid).server, pending_ops(project), lock_files(project))
    assert ("creating", "slow") in before[1]

    refused = recover(project)

    assert refused.returncode == 1
    assert "pulumi-python:dynamic:Resource" in refused.stderr and "interactive `pulumi refresh`" in refused.stderr
    assert "pulumi cancel" in refused.stderr  # the stale lock is named, so the refresh can run
    assert (world.inventory(project, uid).server, pending_ops(project), lock_files(project)) == before
