"""Each fault kind, injected between the provider and the API while the real `pulumi` CLI runs `up`,
`refresh` and `destroy`: the operation completes (or, where the fault never ends, fails with a clear
message), and the server then holds exactly the objects the stack's state manages.

Every plan decides per request (tests/support/faults.py), so the counts asserted here are exact: they
do not depend on the order in which the provider's threads happen to send their requests.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.emulator.credentials import verify_secret
from tests.reliability.conftest import RigFactory
from tests.support import faults
from tests.support.faults import FaultPlan, Rule, once, sometimes
from tests.support.fixtures import ProjectFactory, provider_env, session_api
from tests.support.proxy import NO_ANSWER, RecordingProxy
from tests.support.target import OpenPanelTarget
from tests.support.world import assert_server_matches_state, emulator_target, groups_program, server_inventory

PROJECTS, CLIENTS, REFERENCES = r"^/projects$", r"^/clients$", r"^/references$"
ONE_OBJECT = r"^/(projects|clients|references)/"


def exchanges(proxy: RecordingProxy) -> list[tuple[str, str, int]]:
    """(method, path below /manage, status) of every exchange, NO_ANSWER for a dropped one."""
    return [(r.method, r.path.split("/manage", 1)[1], r.status) for r in proxy.requests]


def settle(proxy: RecordingProxy) -> None:
    """Wait for answers the proxy still holds back: they are logged only once sent."""
    deadline = time.monotonic() + 15
    while proxy.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_429_storm_is_waited_out_and_every_create_is_sent_once(rig: RigFactory, api: ManageApi, uid: str) -> None:
    # Seed 5 draws five 429s in a row for the first project's POST, which would use up the provider's
    # whole retry budget; the cap of two per request is what leaves it a third attempt.
    plan = FaultPlan([sometimes(lambda: faults.rate_limited(retry_after=0.2), "429", 0.5, per_request=2)], seed=5)
    run = rig(groups_program(uid, 2), plan)

    run.project.up()

    per_request = Counter(f"{f.method} {f.path} {f.key}".replace(uid, "*") for f in plan.fired)
    assert per_request == {
        "POST /projects name=Web * 0": 2,
        "POST /clients name=Reader * 0;projectId=web-*-0": 2,
        "POST /clients name=Reader * 1;projectId=web-*-1": 1,
        "POST /references title=Launch * 1;projectId=web-*-1": 1,
    }
    assert run.proxy.requests.count(status=429) == 6
    accepted_posts = [e for e in exchanges(run.proxy) if e[0] == "POST" and e[2] == 200]
    assert len(accepted_posts) == 6
    assert len(exchanges(run.proxy)) == 6 + 6  # nothing but the creates and their waited-out 429s
    assert assert_server_matches_state(api, run.project, uid).size == 2 + 4 + 2


def test_5xx_bursts_through_up_refresh_and_destroy(rig: RigFactory, api: ManageApi, uid: str) -> None:
    plan = FaultPlan([
        once(lambda: faults.server_error(500), "500", method="POST", path=PROJECTS),
        once(lambda: faults.server_error(502), "502", method="POST", path=CLIENTS),
        once(lambda: faults.server_error(500, after_commit=True), "500-after-commit", method="POST",
             path=REFERENCES),
        once(lambda: faults.server_error(503), "503", method="GET", path=r"^/projects/"),
        once(lambda: faults.server_error(502), "502", method="DELETE", path=r"^/references/"),
    ])
    run = rig(groups_program(uid, 2), plan)

    run.project.up()
    assert_server_matches_state(api, run.project, uid)
    before = run.project.state_ids()
    refreshed = run.project.refresh()
    assert {step.op for step in refreshed.openpanel_steps()} == {"refresh"}
    assert refreshed.summary() == {"same": 6 + 1}
    assert run.project.state_ids() == before
    run.project.destroy()

    # The first attempt of each: 2 project POSTs, 2 client POSTs, 2 reference POSTs, 2 project GETs of
    # the refresh and 2 reference DELETEs of the destroy.
    assert Counter(f.kind for f in plan.fired) == {"500": 2, "502": 4, "500-after-commit": 2, "503": 2}
    assert run.proxy.requests.count(method="POST", status=200) == 6 - 2  # the committed references are adopted
    assert run.project.resources() == {}
    assert server_inventory(api, uid).size == 0


def test_resets_before_the_server_sees_the_request_are_retried(rig: RigFactory, api: ManageApi, uid: str) -> None:
    plan = FaultPlan([
        once(faults.reset_before, "reset", method="POST"),
        once(faults.reset_before, "reset", method="GET", path=ONE_OBJECT),
        once(faults.reset_before, "reset", method="DELETE"),
    ])
    run = rig(groups_program(uid, 1), plan)

    run.project.up()
    assert_server_matches_state(api, run.project, uid)
    run.project.refresh()
    assert len(run.project.state_ids()) == 3
    run.project.destroy()

    # Each create, each read of the refresh, each delete (the project's write client's too): once.
    assert plan.count() == 3 + 3 + 4
    assert run.proxy.requests.count(status=NO_ANSWER) == 10
    assert run.proxy.requests.count(method="POST", status=200) == 3
    assert server_inventory(api, uid).size == 0


def test_reset_after_commit_of_a_project_adopts_it_and_renews_its_write_client(
    rig: RigFactory, api: ManageApi, openpanel: OpenPanelTarget, uid: str,
) -> None:
    run = rig(groups_program(uid, 1), FaultPlan([once(faults.reset_after_commit, "reset-after-commit",
                                                      method="POST", path=PROJECTS)]))

    run.project.up()

    project = run.project.resources(show_secrets=True)["web0"]
    assert project["id"] == f"web-{uid}-0"  # the committed project, not a "-1234" duplicate
    outputs = project["outputs"]
    project_exchanges = [e for e in exchanges(run.proxy) if e[1] == "/projects" or e[1].startswith("/clients")]
    assert project_exchanges[0] == ("POST", "/projects", NO_ANSWER)
    assert ("GET", "/projects", 200) in project_exchanges
    assert sum(1 for e in exchanges(run.proxy) if e[0] == "DELETE" and e[1].startswith("/clients/")) == 1
    write_clients = [c for c in api.list_clients(project["id"]) if c.type == "write"]
    assert [c.id for c in write_clients] == [outputs["client_id"]]
    if openpanel.emulator is not None:
        stored = openpanel.emulator.store.find_client(outputs["client_id"])
        assert stored is not None and stored.secret_hash is not None
        assert verify_secret(outputs["client_secret"], stored.secret_hash)
    assert_server_matches_state(api, run.project, uid)


def test_reset_after_commit_of_a_client_deletes_the_found_one_and_creates_it_again(
    rig: RigFactory, api: ManageApi, uid: str,
) -> None:
    run = rig(groups_program(uid, 1), FaultPlan([once(faults.reset_after_commit, "reset-after-commit",
                                                      method="POST", path=CLIENTS)]))

    run.project.up()

    client_posts = [e for e in exchanges(run.proxy) if e[:2] == ("POST", "/clients")]
    assert client_posts == [("POST", "/clients", NO_ANSWER), ("POST", "/clients", 200)]
    deletes = [e for e in exchanges(run.proxy) if e[0] == "DELETE"]
    assert len(deletes) == 1 and deletes[0][1].startswith("/clients/")
    reader = run.project.resources(show_secrets=True)["reader0"]
    assert reader["outputs"]["secret"].startswith("sec_")
    assert [c.id for c in api.list_clients() if c.name == f"Reader {uid} 0"] == [reader["id"]]
    assert_server_matches_state(api, run.project, uid)


def test_reset_after_commit_of_a_reference_adopts_it(rig: RigFactory, api: ManageApi, uid: str) -> None:
    run = rig(groups_program(uid, 1), FaultPlan([once(faults.reset_after_commit, "reset-after-commit",
                                                      method="POST", path=REFERENCES)]))

    run.project.up()

    reference_exchanges = [e for e in exchanges(run.proxy) if e[1].startswith("/references")]
    assert reference_exchanges == [("POST", "/references", NO_ANSWER), ("GET", "/references", 200)]
    reference = run.project.resources(show_secrets=True)["launch0"]
    assert reference["outputs"]["datetime"] == "2026-12-01T10:00:00.000Z"
    assert_server_matches_state(api, run.project, uid)
    assert not run.project.up("--expect-no-changes").changed


def test_an_answer_slower_than_the_timeout_after_commit_is_settled(rig: RigFactory, api: ManageApi,
                                                                   uid: str) -> None:
    plan = FaultPlan([
        once(lambda: faults.slow_answer(2.0), "slow", method="POST", path=PROJECTS),
        once(lambda: faults.slow_answer(2.0), "slow", method="POST", path=REFERENCES),
    ])
    run = rig(groups_program(uid, 1), plan, OPENPANEL_REQUEST_TIMEOUT="0.75")

    run.project.up()
    settle(run.proxy)

    assert plan.count("slow") == 2
    assert sum(1 for e in exchanges(run.proxy) if e[:2] == ("POST", "/projects")) == 1
    assert sum(1 for e in exchanges(run.proxy) if e[:2] == ("POST", "/references")) == 1
    assert_server_matches_state(api, run.project, uid)


def test_a_server_restart_in_the_middle_of_an_up(make_project: ProjectFactory, tmp_path: Path, uid: str) -> None:
    upstream = faults.RestartableEmulator(str(tmp_path / "openpanel.sqlite"), rate_limit=None)
    target = emulator_target(upstream.server, "Restarted organization")
    # The restart comes when the second reference is created: whatever else is in flight meets it too.
    plan = FaultPlan([once(lambda: faults.restart(upstream), "restart", method="POST", path=REFERENCES,
                           key=f"title=Launch {uid} 1")]).mask(uid)
    proxy = RecordingProxy(upstream.api_url, fault=plan).start()
    stack = None
    try:
        stack = make_project(groups_program(uid, 2), env=provider_env(target, proxy.url))
        stack.up()
        api = session_api(target)

        assert upstream.restarts == 1
        assert len(stack.state_ids()) == 6
        assert assert_server_matches_state(api, stack, uid).size == 2 + 4 + 2
        stack.destroy()
        assert server_inventory(api, uid).size == 0
    finally:
        plan.rules.clear()
        if stack is not None and stack.has_resources():
            stack.destroy(check=False)
        proxy.stop()
        upstream.stop()


def test_a_create_that_never_gets_through_fails_clearly_and_leaves_nothing(rig: RigFactory, api: ManageApi,
                                                                           uid: str) -> None:
    run = rig(groups_program(uid, 1), FaultPlan([Rule(faults.reset_before, method="POST", path=PROJECTS,
                                                      kind="reset")]))

    failed = run.project.up(check=False)

    assert failed.returncode != 0
    assert "POST /manage/projects" in failed.output and "no answer" in failed.output
    posts = {(seen.method, seen.path): n for seen, n in run.plan.attempts().items() if seen.method == "POST"}
    assert posts == {("POST", "/projects"): 5}  # the reconciler's attempts, each followed by a lookup
    assert run.plan.count() == 5
    assert exchanges(run.proxy).count(("GET", "/projects", 200)) == 5
    assert run.project.resources() == {}
    assert server_inventory(api, uid).size == 0


def test_a_client_create_whose_answer_is_always_lost_leaves_no_orphan(rig: RigFactory, api: ManageApi,
                                                                      uid: str) -> None:
    run = rig(groups_program(uid, 1), FaultPlan([Rule(faults.reset_after_commit, method="POST", path=CLIENTS,
                                                      kind="reset-after-commit")]))

    failed = run.project.up(check=False)

    assert failed.returncode != 0
    assert "POST /manage/clients" in failed.output
    assert run.plan.count() == 5  # committed five times, each found and deleted again
    assert [c for c in api.list_clients() if c.name == f"Reader {uid} 0"] == []
    assert "reader0" not in run.project.state_ids()
    assert_server_matches_state(api, run.project, uid)

