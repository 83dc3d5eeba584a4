"""Each fault kind, injected between the real plugin and the API while the engine driver plays
`pulumi up` / `refresh` / `destroy`: the operation completes (or, where the fault never ends, fails with
a clear message), and the server then holds exactly the objects the state manages."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_openpanel.api import ManageApi
from pulumi_openpanel.emulator.credentials import verify_secret
from tests.engine.driver import Engine, ProviderCallError
from tests.reliability.conftest import Rig
from tests.reliability.world import (
    assert_server_matches_state,
    direct_api,
    groups_program,
    provider_env,
    server_inventory,
)
from tests.support import faults
from tests.support.faults import FaultPlan, Rule, once, sometimes
from tests.support.proxy import NO_ANSWER, RecordingProxy
from tests.support.target import OpenPanelTarget

PROJECTS, CLIENTS, REFERENCES = r"^/projects$", r"^/clients$", r"^/references$"


def exchanges(proxy: RecordingProxy) -> list[tuple[str, str, int]]:
    return [(r.method, r.path.split("/manage", 1)[1], r.status) for r in proxy.requests]


def settle(proxy: RecordingProxy) -> None:
    deadline = time.monotonic() + 15
    while proxy.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_429_storm_is_waited_out_and_every_create_is_sent_once(rig: Callable[..., Rig], api: ManageApi,
                                                                  uid: str) -> None:
    run = rig(FaultPlan([sometimes(lambda: faults.rate_limited(retry_after=0.2), "429", 0.5, count=8)], seed=7))

    run.engine.up(groups_program(uid, 2))

    assert run.plan.count("429") == 8
    assert run.proxy.requests.count(status=429) == 8
    accepted_posts = [e for e in exchanges(run.proxy) if e[0] == "POST" and e[2] == 200]
    assert len(accepted_posts) == 6
    assert assert_server_matches_state(api, run.engine, uid).size == 2 + 4 + 2


def test_5xx_bursts_through_up_refresh_and_destroy(rig: Callable[..., Rig], api: ManageApi, uid: str) -> None:
    plan = FaultPlan([
        once(lambda: faults.server_error(500), "500", method="POST", path=PROJECTS, count=2),
        once(lambda: faults.server_error(502), "502", method="POST", path=CLIENTS),
        once(lambda: faults.server_error(500, after_commit=True), "500-after-commit", method="POST",
             path=REFERENCES),
        once(lambda: faults.server_error(503), "503", method="GET", count=2),
        once(lambda: faults.server_error(502), "502", method="DELETE", count=2),
    ])
    run = rig(plan)

    run.engine.up(groups_program(uid, 2))
    assert_server_matches_state(api, run.engine, uid)
    before = {urn: view.id for urn, view in run.engine.state.items()}
    refreshed = run.engine.refresh()
    assert {step.result_op for step in refreshed.steps} == {"same"}
    assert {urn: view.id for urn, view in run.engine.state.items()} == before
    run.engine.destroy()

    assert run.plan.count() == 2 + 1 + 1 + 2 + 2
    assert run.engine.state == {}
    assert server_inventory(api, uid).size == 0


def test_resets_before_the_server_sees_the_request_are_retried(rig: Callable[..., Rig], api: ManageApi,
                                                                uid: str) -> None:
    plan = FaultPlan([
        once(faults.reset_before, "reset", method="POST", path=PROJECTS),
        once(faults.reset_before, "reset", method="POST", path=CLIENTS),
        once(faults.reset_before, "reset", method="POST", path=REFERENCES),
        once(faults.reset_before, "reset", method="GET", count=2),
        once(faults.reset_before, "reset", method="DELETE", count=2),
    ])
    run = rig(plan)

    run.engine.up(groups_program(uid, 1))
    assert_server_matches_state(api, run.engine, uid)
    run.engine.refresh()
    assert len(run.engine.state) == 3
    run.engine.destroy()

    assert run.plan.count() == 7
    assert run.proxy.requests.count(status=NO_ANSWER) == 7
    assert server_inventory(api, uid).size == 0


def test_reset_after_commit_of_a_project_adopts_it_and_renews_its_write_client(
    rig: Callable[..., Rig], api: ManageApi, openpanel: OpenPanelTarget, uid: str,
) -> None:
    run = rig(FaultPlan([once(faults.reset_after_commit, "reset-after-commit", method="POST", path=PROJECTS)]))

    run.engine.up(groups_program(uid, 1))

    project = run.engine.state[_urn("Project", "web0")]
    assert project.id == f"web-{uid}-0"  # the committed project, not a "-1234" duplicate
    project_exchanges = [e for e in exchanges(run.proxy) if e[1] in ("/projects", "/clients")
                         or e[1].startswith("/clients/") or e[1].startswith("/clients?")]
    assert project_exchanges[0] == ("POST", "/projects", NO_ANSWER)
    assert ("GET", "/projects", 200) in project_exchanges
    assert sum(1 for e in exchanges(run.proxy) if e[0] == "DELETE" and e[1].startswith("/clients/")) == 1
    write_clients = [c for c in api.list_clients(project.id) if c.type == "write"]
    assert [c.id for c in write_clients] == [project.outputs["client_id"]]
    if openpanel.emulator is not None:
        stored = openpanel.emulator.store.find_client(project.outputs["client_id"])
        assert stored is not None and stored.secret_hash is not None
        assert verify_secret(project.outputs["client_secret"], stored.secret_hash)
    assert_server_matches_state(api, run.engine, uid)


def test_reset_after_commit_of_a_client_deletes_the_found_one_and_creates_it_again(
    rig: Callable[..., Rig], api: ManageApi, uid: str,
) -> None:
    run = rig(FaultPlan([once(faults.reset_after_commit, "reset-after-commit", method="POST", path=CLIENTS)]))

    run.engine.up(groups_program(uid, 1))

    client_posts = [e for e in exchanges(run.proxy) if e[:2] == ("POST", "/clients")]
    assert client_posts == [("POST", "/clients", NO_ANSWER), ("POST", "/clients", 200)]
    deletes = [e for e in exchanges(run.proxy) if e[0] == "DELETE"]
    assert len(deletes) == 1 and deletes[0][1].startswith("/clients/")
    reader = run.engine.state[_urn("Client", "reader0")]
    assert reader.outputs["secret"].startswith("sec_")
    assert [c.id for c in api.list_clients() if c.name == f"Reader {uid} 0"] == [reader.id]
    assert_server_matches_state(api, run.engine, uid)


def test_reset_after_commit_of_a_reference_adopts_it(rig: Callable[..., Rig], api: ManageApi, uid: str) -> None:
    run = rig(FaultPlan([once(faults.reset_after_commit, "reset-after-commit", method="POST", path=REFERENCES)]))

    run.engine.up(groups_program(uid, 1))

    reference_exchanges = [e for e in exchanges(run.proxy) if e[1].startswith("/references")]
    assert reference_exchanges == [("POST", "/references", NO_ANSWER), ("GET", "/references", 200)]
    reference = run.engine.state[_urn("Reference", "launch0")]
    assert reference.outputs["datetime"] == "2026-12-01T10:00:00.000Z"
    assert_server_matches_state(api, run.engine, uid)
    assert not run.engine.up(groups_program(uid, 1)).changed


def test_an_answer_slower_than_the_timeout_after_commit_is_settled(rig: Callable[..., Rig], api: ManageApi,
                                                                   uid: str) -> None:
    plan = FaultPlan([
        once(lambda: faults.slow_answer(2.0), "slow", method="POST", path=PROJECTS),
        once(lambda: faults.slow_answer(2.0), "slow", method="POST", path=REFERENCES),
    ])
    run = rig(plan, timeout=0.75)

    run.engine.up(groups_program(uid, 1))
    settle(run.proxy)  # the late answers are logged when the proxy finally sends them

    assert run.plan.count("slow") == 2
    assert sum(1 for e in exchanges(run.proxy) if e[:2] == ("POST", "/projects")) == 1
    assert sum(1 for e in exchanges(run.proxy) if e[:2] == ("POST", "/references")) == 1
    assert_server_matches_state(api, run.engine, uid)


def test_a_server_restart_in_the_middle_of_an_up(tmp_path: Path, uid: str) -> None:
    upstream = faults.RestartableEmulator(str(tmp_path / "openpanel.sqlite"), rate_limit=None)
    seed = upstream.server.seed_organization("Restarted organization")
    plan = FaultPlan([once(lambda: faults.restart(upstream), "restart", skip=3)])
    proxy = RecordingProxy(upstream.api_url, fault=plan).start()
    try:
        engine = Engine(extra_env=provider_env(proxy.url, seed.client_id, seed.client_secret))
        engine.up(groups_program(uid, 3))
        api = direct_api(upstream.api_url, seed.client_id, seed.client_secret)

        assert upstream.restarts == 1
        assert len(engine.state) == 9
        assert assert_server_matches_state(api, engine, uid).size == 3 + 6 + 3
        engine.destroy()
        assert server_inventory(api, uid).size == 0
    finally:
        proxy.stop()
        upstream.stop()


def test_a_create_that_never_gets_through_fails_clearly_and_leaves_nothing(rig: Callable[..., Rig], api: ManageApi,
                                                                           uid: str) -> None:
    run = rig(FaultPlan([Rule(faults.reset_before, method="POST", path=PROJECTS, kind="reset")]))

    with pytest.raises(ProviderCallError) as raised:
        run.engine.up(groups_program(uid, 1))

    message = raised.value.message
    assert "POST /manage/projects" in message and "no answer" in message
    assert run.plan.count() == 5  # the reconciler's attempts, each after a lookup found nothing
    assert run.engine.state == {}
    assert server_inventory(api, uid).size == 0


def test_a_client_create_whose_answer_is_always_lost_leaves_no_orphan(rig: Callable[..., Rig], api: ManageApi,
                                                                      uid: str) -> None:
    run = rig(FaultPlan([Rule(faults.reset_after_commit, method="POST", path=CLIENTS, kind="reset-after-commit")]))

    with pytest.raises(ProviderCallError) as raised:
        run.engine.up(groups_program(uid, 1))

    assert "POST /manage/clients" in raised.value.message
    assert [c for c in api.list_clients() if c.name == f"Reader {uid} 0"] == []
    assert _urn("Client", "reader0") not in run.engine.state
    assert_server_matches_state(api, run.engine, uid)


def _urn(type_name: str, name: str) -> str:
    return f"urn:pulumi:stack::project::pulumi-python:dynamic/openpanel:{type_name}::{name}"
