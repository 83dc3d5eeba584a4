"""A stack made by the version before issue 21's move keeps working with the code of today.

Pulumi pickles each dynamic provider into the resource's ``__provider`` by its class's module path, and
Read (refresh) and Delete (destroy) unpickle the value the state holds, not the program's. So a stack
made before modules move must still find its providers where they were. tests/fixtures/old_state/ is such
a stack (made by tests/support/old_state.py, never to be regenerated after the move); this imports it into
a fresh stack, brings back the emulator's objects with their ids, and drives it with the real CLI.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dill
import pytest

import pulumi_openpanel as op
from pulumi_openpanel.emulator import EmulatorServer, SeededOrganization
from pulumi_openpanel.emulator.credentials import verify_secret
from tests.support.fixtures import credentials_env
from tests.support.old_state import (
    EMULATOR_FILE,
    MAIN_ROLE,
    PARTNER_ROLE,
    PASSPHRASE_ENV,
    PROJECT_DIR,
    PROVIDER_KEY,
    STACK,
    STATE_FILE,
    openpanel_resources,
    provider_globals,
)
from tests.support.proxy import RecordingProxy, requests
from tests.support.pulumi_cli import PulumiProject

# Every global the fixture's `__provider` values look up when unpickled, by resource type: the names
# that must stay importable where they are (each pickle is the class by reference and an empty instance).
OLD_PROVIDER_GLOBALS = {
    "Project": ["pulumi_openpanel.project.ProjectProvider"],
    "Client": ["pulumi_openpanel.client.ClientProvider"],
    "Reference": ["pulumi_openpanel.reference.ReferenceProvider"],
}
RESOURCE_CLASSES: dict[str, type[op.Project] | type[op.Client] | type[op.Reference]] = {
    "Project": op.Project, "Client": op.Client, "Reference": op.Reference}
NAMES = {"web", "app", "legacy", "partner", "reader", "ingest", "launch"}
OLD_TITLE, NEW_TITLE = 'title="v2 launch"', 'title="v2 launch, rescheduled"'


def kind_of(resource: dict[str, Any]) -> str:
    return str(resource["type"]).rsplit(":", 1)[-1]


def providers(deployment: dict[str, Any], part: str) -> dict[str, str]:
    """Each OpenPanel resource's `__provider` in its inputs or outputs."""
    return {name: r[part][PROVIDER_KEY] for name, r in openpanel_resources(deployment).items()}


@pytest.fixture(scope="module")
def fixture_state() -> dict[str, Any]:
    state: dict[str, Any] = json.loads(STATE_FILE.read_text())
    return state


def test_the_fixture_names_the_providers_by_their_old_module_paths(fixture_state: dict[str, Any]) -> None:
    resources = openpanel_resources(fixture_state)
    assert set(resources) == NAMES
    assert {kind_of(r) for r in resources.values()} == set(OLD_PROVIDER_GLOBALS)
    for name, resource in resources.items():
        kind = kind_of(resource)
        for part in ("inputs", "outputs"):
            value = resource[part][PROVIDER_KEY]
            assert provider_globals(value) == OLD_PROVIDER_GLOBALS[kind], (name, part)
            # Unpickled as the plugin does it, it is the provider today's resource class uses.
            assert isinstance(dill.loads(base64.b64decode(value)), RESOURCE_CLASSES[kind]._provider_class)


@pytest.fixture
def seeded(fresh_emulator: Callable[..., EmulatorServer]) -> Iterator[tuple[EmulatorServer, RecordingProxy]]:
    """A private emulator holding the fixture's objects (same ids, secrets, timestamps), behind a proxy."""
    server = fresh_emulator(rate_limit=None)
    server.store.restore(json.loads(EMULATOR_FILE.read_text()))
    with RecordingProxy(server.api_url) as proxy:
        yield server, proxy


def present(found: dict[str, Any] | None) -> dict[str, Any]:
    """An object the emulator's store must still hold."""
    assert found is not None
    return found


def seed(server: EmulatorServer, role: str) -> SeededOrganization:
    found = server.store.load_seed(role)
    assert found is not None, f"emulator.json has no seed {role!r}"
    return found


@pytest.mark.cli
def test_a_stack_from_before_the_move_refreshes_stays_silent_updates_and_destroys(
        pulumi_bin: Path, tmp_path: Path, seeded: tuple[EmulatorServer, RecordingProxy],
        fixture_state: dict[str, Any]) -> None:
    server, proxy = seeded
    main, partner = seed(server, MAIN_ROLE), seed(server, PARTNER_ROLE)
    env = {**credentials_env(proxy.url, main.client_id, main.client_secret, paced=False), **PASSPHRASE_ENV}
    stack = PulumiProject.from_directory(PROJECT_DIR, pulumi_bin, tmp_path, stack=STACK, env=env)
    stack.pulumi("stack", "import", "--file", str(STATE_FILE))
    old = providers(fixture_state, "outputs")
    assert providers(stack.export(), "outputs") == old
    ids = {name: r["id"] for name, r in openpanel_resources(fixture_state).items()}
    outputs = {name: r["outputs"] for name, r in stack.resources(show_secrets=True).items()}
    # The secrets decrypt with the fixture's passphrase, to what the emulator holds the hashes of.
    assert verify_secret(stack.outputs(show_secrets=True)["reader_secret"],
                         present(server.store.get_client(main.organization_id, ids["reader"]))["secret"])

    # Refresh: Read unpickles the state's providers (the old paths) and finds every object as it was; the
    # partner's project only with the connection's secret, decrypted from state (the stack's credentials
    # cannot see it: it would read as gone).
    refreshed = stack.refresh("--expect-no-changes")
    assert refreshed.ops_by_name() == {name: ["refresh"] for name in NAMES}
    projects = ("web", "app", "legacy", "partner")
    assert sorted(requests(proxy)) == sorted(
        [("GET", f"projects/{ids[name]}") for name in projects] + [("GET", f"clients/{ids['reader']}"),
         ("GET", f"clients/{ids['ingest']}"), ("GET", f"references/{ids['launch']}")])
    assert providers(stack.export(), "outputs") == old

    proxy.reset()
    silent = stack.up("--expect-no-changes")
    assert silent.ops_by_name() == {name: ["same"] for name in NAMES}
    assert requests(proxy) == []

    program = (PROJECT_DIR / "__main__.py").read_text()
    assert program.count(OLD_TITLE) == 1
    stack.write_program(program.replace(OLD_TITLE, NEW_TITLE))
    updated = stack.up()
    assert updated.ops_by_name() == {name: ["update" if name == "launch" else "same"] for name in NAMES}
    assert requests(proxy) == [("PATCH", f"references/{ids['launch']}")]
    assert present(server.store.get_reference(main.organization_id, ids["launch"]))["title"] == "v2 launch, rescheduled"

    # Delete too unpickles the state's outputs: all but the updated reference still hold the old values.
    held = providers(stack.export(), "outputs")
    assert {name: value for name, value in held.items() if name != "launch"} == {
        name: value for name, value in old.items() if name != "launch"}
    proxy.reset()
    gone = stack.destroy()
    assert gone.ops_by_name() == {name: ["delete"] for name in NAMES}
    write_clients = [outputs[name]["client_id"] for name in ("web", "app", "partner")]
    assert "client_id" not in outputs["legacy"]  # adopted: its write client was never the stack's
    assert sorted(requests(proxy)) == sorted(
        [("DELETE", f"projects/{ids[name]}") for name in projects]
        + [("DELETE", f"clients/{client}") for client in (*write_clients, ids["reader"], ids["ingest"])]
        + [("DELETE", f"references/{ids['launch']}")])
    assert stack.resources() == {}
    store = server.store
    for name in ("web", "app", "legacy"):
        assert present(store.get_project(main.organization_id, ids[name]))["deleteAt"] is not None
    assert present(store.get_project(partner.organization_id, ids["partner"]))["deleteAt"] is not None
    for client in (*write_clients[:2], ids["reader"], ids["ingest"]):
        assert store.get_client(main.organization_id, client) is None
    assert store.get_client(partner.organization_id, write_clients[2]) is None
    assert store.get_reference(main.organization_id, ids["launch"]) is None
