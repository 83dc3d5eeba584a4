"""Two pipelines at once (issue #14): two `pulumi up` processes, as on two machines that share nothing but
the root client, apply 30 resources each at the same moment against one emulator with OpenPanel's real
rate limit (20 requests per 10 s). Both must succeed without a 429 reaching the user: a busy shared
client slows a run down, never fails it. The server must then hold exactly what the two states say.

The figures (wall times against the rate limit's floor, 429s answered) are printed by
benchmarks/two_pipelines.py; this test asserts only what must always hold.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_openpanel.emulator import EmulatorServer
from tests.support.fixtures import credentials_env, direct_api
from tests.support.pipelines import Pipeline, Together, make_pipelines, run_together
from tests.support.pulumi_cli import Run
from tests.support.world import server_inventory, state_inventory

pytestmark = pytest.mark.cli

GROUPS = 10  # a project, a read client and a reference each: 30 resources a stack


def assert_quietly_done(together: Together, op: str, resources: int) -> None:
    """Every run exited 0, with ``resources`` OpenPanel steps of ``op``, and said nothing of the rate limit."""
    for timed in together.runs:
        run = timed.run
        assert run.returncode == 0, f"{timed.pipeline.name}: pulumi {' '.join(run.args)} failed:\n{run.output[-4000:]}"
        assert run.diagnostics("error") == [], timed.pipeline.name
        assert timed.leaks() == [], (timed.pipeline.name, together.refused)
        assert [step.op for step in run.openpanel_steps()] == [op] * resources, timed.pipeline.name


def test_two_pulumi_ups_sharing_only_the_root_client_both_succeed(
    pulumi_bin: Path, tmp_path: Path, fresh_emulator: Callable[..., EmulatorServer]
) -> None:
    server = fresh_emulator(rate_limit=(20, 10.0))
    seeded = server.seed_organization("Two pipelines")
    pipelines = make_pipelines(server, seeded.client_id, seeded.client_secret, pulumi_bin, tmp_path,
                               groups=GROUPS, shared_pacing=False)
    assert len({p.pacing_dir for p in pipelines}) == 2  # two machines: no pacing state in common
    # Counting and cleaning up use root clients of their own: their requests take nothing from the runs'.
    observer_client = server.seed_root_client(seeded.organization_id, "Observer")
    observer = direct_api(server.api_url, observer_client.client_id, observer_client.client_secret, paced=True)
    cleaners = {p.name: server.seed_root_client(seeded.organization_id, f"Cleaner {p.name}") for p in pipelines}
    try:
        ups = run_together(server, pipelines, lambda pipeline: pipeline.project.up(check=False))

        assert_quietly_done(ups, "create", 3 * GROUPS)
        assert ups.accepted == 2 * 3 * GROUPS  # one request per create: the 429s were the only repeats
        managed = 0
        for pipeline in pipelines:
            state = state_inventory(pipeline.project)
            assert server_inventory(observer, pipeline.uid) == state, pipeline.name
            # The stack's 30 resources, and the write client the server made with each project.
            assert (len(state.projects), len(state.clients), len(state.references)) == (GROUPS, 2 * GROUPS, GROUPS)
            managed += len(pipeline.project.resources())
        assert managed == 2 * 3 * GROUPS
    finally:
        # Each destroy with a root client of its own (same organization), so that cleaning up is quick.
        def destroy(pipeline: Pipeline) -> Run:
            cleaner = cleaners[pipeline.name]
            env = credentials_env(server.api_url, cleaner.client_id, cleaner.client_secret)
            return pipeline.project.destroy(check=False, env=env)

        downs = run_together(server, pipelines, destroy)
    for timed in downs.runs:
        assert timed.run.returncode == 0, timed.run.output[-4000:]
        assert server_inventory(observer, timed.pipeline.uid).size == 0
