"""A `pulumi up` of a YAML or TypeScript program, SIGKILLed (with its process group, as a cancelled CI job) while
the server has made an object the provider has not yet heard of; then `pulumi-openpanel recover`, then the next
`pulumi up`: the server holds exactly what the state says, as for the dynamic resources
(tests/recovery/test_cut_short.py). Real CLI, the plugin, a private emulator behind a holding proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.plugin.programs import trial_typescript, trial_yaml
from tests.support.kill_trials import KillPlan, Moment, TrialWorld, describe
from tests.support.polyglot import Plugin, PolyglotProject
from tests.support.pulumi_cli import PulumiProject

pytestmark = pytest.mark.cli

StackMaker = Callable[["TrialWorld", Path, Plugin, Path, str, Path], PulumiProject]


@pytest.fixture(scope="module")
def world() -> Iterator[TrialWorld]:
    with TrialWorld() as started:
        yield started


def yaml_stack(world: TrialWorld, hosts: Path, plugin: Plugin, tmp_path: Path, uid: str, _cache: Path
               ) -> PulumiProject:
    trial_yaml(tmp_path / "project", uid, 3, plugin.directory)
    project = PulumiProject(tmp_path / "project", hosts, tmp_path, env=world.provider_env())
    project.init_stack()
    return project


def typescript_stack(world: TrialWorld, hosts: Path, plugin: Plugin, tmp_path: Path, uid: str, cache: Path
                     ) -> PulumiProject:
    return PolyglotProject.typescript(plugin, trial_typescript(uid, 3), hosts, tmp_path, cache,
                                      env=world.provider_env())


@pytest.mark.parametrize("make", [yaml_stack, typescript_stack], ids=["yaml", "typescript"])
def test_an_up_killed_mid_create_then_recover_then_up_leaves_exactly_the_state(
        make: StackMaker, world: TrialWorld, hosts: Path, plugin: Plugin, tmp_path: Path, polyglot_cache: Path,
        uid: str) -> None:
    project = make(world, hosts, plugin, tmp_path, uid, polyglot_cache)

    result = world.trial(project, uid, 0, Moment(nth=4), KillPlan())

    summary = describe(result)
    assert result.cut and result.exit_signal == "SIGKILL", summary
    assert result.pending_creates_after_kill >= 1 and result.unrecorded_after_kill >= 1, summary
    assert result.still_running == 0, summary
    assert result.recovery_status == 0, summary
    assert "deleted " in result.recovery_output and "Next: pulumi up" in result.recovery_output, summary
    assert world.credentials.client_secret not in result.recovery_output
    assert result.second_up_status == 0, summary
    assert (result.orphans, result.lost, result.duplicates, result.pending_at_end) == (0, 0, 0, 0), summary
    project.destroy()
