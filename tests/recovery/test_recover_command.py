"""The order and the guards of `pulumi-openpanel recover`, with the stack faked and the server real: what is
read before anything changes, that objects go before the lock and the pending operations do, that a refusal
changes nothing, and how a service backend's unfinished update is handled (no lock files to read there)."""

from __future__ import annotations

import argparse
import socket
import subprocess
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.models import ProjectCreate
from pulumi_openpanel.cli.recover import _Output, recover
from pulumi_openpanel.cli.stack import PulumiStack, StackLock
from pulumi_openpanel.errors import NotFoundError
from tests.recovery.test_recover_plan import deployment, pending, project_inputs
from tests.support.target import OpenPanelTarget

EXITED_PID = 2**22 + 17  # above the default pid_max: no such process


class FakeStack(PulumiStack):
    """A stack whose CLI answers are given, and which records what recover asks it to change."""

    def __init__(self, state: dict[str, Any], config: Mapping[str, Any], *, locks: list[StackLock] | None = None,
                 history: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.state, self.stack_config, self.lock_files = state, dict(config), locks
        self.entries = history or []
        self.calls: list[str] = []
        self.before_cancel: Any = None

    def deployment(self, *, show_secrets: bool) -> dict[str, Any]:
        self.calls.append("export")
        return self.state

    def locks(self) -> list[StackLock] | None:
        return self.lock_files

    def config(self) -> dict[str, Any]:
        self.calls.append("config")
        return self.stack_config

    def history(self) -> list[dict[str, Any]]:
        return self.entries

    def cancel(self) -> None:
        if self.before_cancel is not None:
            self.before_cancel()
        self.calls.append("cancel")

    def refresh_clearing_pending_creates(self) -> None:
        self.calls.append("refresh")


def options(**overrides: Any) -> argparse.Namespace:
    values = {"dry_run": False, "stack": None, "cwd": None, "since": None, "unlock": False, "json": False}
    return argparse.Namespace(**{**values, **overrides})


@pytest.fixture
def config(openpanel: OpenPanelTarget) -> dict[str, str]:
    """The credentials as stack config, which the provider (and so recover) prefers to the environment."""
    return {"openpanel:apiUrl": openpanel.api_url, "openpanel:clientId": openpanel.client_id,
            "openpanel:clientSecret": openpanel.client_secret, "openpanel:rateLimit": "off"}


def stale_lock() -> StackLock:
    return StackLock(Path("lock.json"), EXITED_PID, socket.gethostname(),
                     datetime.now(timezone.utc) - timedelta(minutes=1))


def test_objects_go_first_then_the_lock_then_the_pending_operations(api: ManageApi, config: dict[str, str],
                                                                    uid: str) -> None:
    created = api.create_project(ProjectCreate(name=f"Order {uid}", types=["website"]))
    stack = FakeStack(deployment(operations=[pending("project", "web", project_inputs(f"Order {uid}"))]), config,
                      locks=[stale_lock()])

    def gone_already() -> None:
        assert api.get_project(created.project.id).deleted
        with pytest.raises(NotFoundError):
            api.get_client(str(created.write_client_id))

    stack.before_cancel = gone_already
    out = _Output()

    status, summary = recover(options(), out, stack)

    assert status == 0, out.lines
    assert stack.calls == ["export", "config", "cancel", "refresh"]
    assert summary["ok"] and out.lines[-1] == "Recovered. Next: pulumi up"


def test_nothing_pending_and_no_lock_reads_no_config_and_changes_nothing(config: dict[str, str]) -> None:
    stack = FakeStack(deployment(), config, locks=[])
    out = _Output()

    assert recover(options(), out, stack)[0] == 0
    assert stack.calls == ["export"] and "Nothing to recover" in out.lines[0]


def test_a_refusal_changes_nothing(api: ManageApi, config: dict[str, str], uid: str) -> None:
    api.create_project(ProjectCreate(name=f"Refused {uid}", types=["website"]))
    api.create_project(ProjectCreate(name=f"Refused {uid}", types=["website"]))  # two matches, one pending create
    stack = FakeStack(deployment(operations=[pending("project", "web", project_inputs(f"Refused {uid}"))]), config,
                      locks=[stale_lock()])
    out = _Output()

    status, _ = recover(options(), out, stack)

    assert status == 1 and "cancel" not in stack.calls and "refresh" not in stack.calls
    assert out.lines[-1] == "Nothing was changed."
    assert len([p for p in api.list_projects() if p.name == f"Refused {uid}"]) == 2


def test_dry_run_changes_nothing(api: ManageApi, config: dict[str, str], uid: str) -> None:
    created = api.create_project(ProjectCreate(name=f"Dry {uid}", types=["website"]))
    stack = FakeStack(deployment(operations=[pending("project", "web", project_inputs(f"Dry {uid}"))]), config,
                      locks=[stale_lock()])
    out = _Output()

    status, summary = recover(options(dry_run=True), out, stack)

    assert status == 0 and stack.calls == ["export", "config"]
    assert summary["actions"][0]["delete"][-1] == {"kind": "project", "id": created.project.id}
    assert not api.get_project(created.project.id).deleted


def test_an_update_a_service_backend_still_marks_in_progress_needs_unlock(api: ManageApi, config: dict[str, str],
                                                                          uid: str) -> None:
    """No lock files to read (not a file backend): the history's unfinished entry stands in for the lock."""
    created = api.create_project(ProjectCreate(name=f"Cloud {uid}", types=["website"]))
    history = [{"kind": "update", "result": "in-progress", "startTime": "2026-01-01T00:00:00.000Z"}]
    state = deployment(operations=[pending("project", "web", project_inputs(f"Cloud {uid}"))])

    held = FakeStack(state, config, locks=None, history=history)
    out = _Output()
    assert recover(options(), out, held)[0] == 1
    assert "--unlock" in out.lines[0] and held.calls == ["export"]
    assert not api.get_project(created.project.id).deleted

    unlocked = FakeStack(state, config, locks=None, history=history)
    assert recover(options(unlock=True), _Output(), unlocked)[0] == 0
    assert unlocked.calls == ["export", "config", "cancel", "refresh"]
    assert api.get_project(created.project.id).deleted


def test_a_live_lock_stops_everything_before_any_request(config: dict[str, str],
                                                        pulumi_named_process: subprocess.Popen[bytes]) -> None:
    lock = StackLock(Path("lock.json"), pulumi_named_process.pid, socket.gethostname(), None)
    stack = FakeStack(deployment(operations=[pending("project", "web", project_inputs("Busy"))]), config,
                      locks=[lock])
    out = _Output()

    assert recover(options(), out, stack)[0] == 1
    assert stack.calls == ["export"] and "still running" in out.lines[0]
