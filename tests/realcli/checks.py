"""The lifecycle every example goes through under the real engine, with what each step must cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi import automation as auto

from tests.realcli.harness import RealStack, StepLog
from tests.support.proxy import RecordingProxy

MANAGE = "/manage/"
COLLECTIONS = {"Project": "projects", "Client": "clients", "Reference": "references"}


def counts(summary: Mapping[Any, int] | None) -> dict[str, int]:
    """A change summary with plain string keys (the SDK types them as OpType)."""
    return {str(getattr(op, "value", op)): n for op, n in (summary or {}).items()}


def same_ops(log: StepLog, op: str) -> dict[str, list[str]]:
    return {name: [op] for name in log.ops_by_name(openpanel_only=False)}


def requests(proxy: RecordingProxy) -> list[tuple[str, str]]:
    """(method, path below /manage/) of every request that crossed the proxy."""
    return [(r.method, r.path.split(MANAGE, 1)[1]) for r in proxy.requests]


def openpanel_paths(stack: RealStack) -> list[str]:
    """The API path of every OpenPanel object in the stack's state."""
    paths = []
    for resource in stack.openpanel_resources().values():
        kind = resource["type"].rsplit(":", 1)[1]
        paths.append(f"{COLLECTIONS[kind]}/{resource['id']}")
    return sorted(paths)


def preview_up_again_refresh(stack: RealStack, proxy: RecordingProxy, managed: set[str],
                             openpanel: int) -> auto.UpResult:
    """preview (creates, offline), up (one request per object), up again (no change, no request),
    refresh (no change, one GET per object). Returns the first up's result."""
    proxy.reset()
    plan, log = stack.preview()
    assert log.ops_by_name(openpanel_only=False) == {name: ["create"] for name in managed}
    assert counts(plan.change_summary) == {"create": len(managed) + 1}  # the stack itself too
    assert requests(proxy) == []

    first, log = stack.up()
    assert log.ops_by_name(openpanel_only=False) == {name: ["create"] for name in managed}
    assert counts(first.summary.resource_changes) == {"create": len(managed) + 1}
    created = requests(proxy)
    assert [method for method, _ in created] == ["POST"] * openpanel, created
    assert len(stack.openpanel_resources()) == openpanel
    assert sorted(path for _, path in created) == sorted(
        path.split("/", 1)[0] for path in openpanel_paths(stack))

    proxy.reset()
    again, log = stack.up(expect_no_changes=True)
    assert log.ops_by_name(openpanel_only=False) == same_ops(log, "same") and len(log.managed()) == len(managed)
    assert counts(again.summary.resource_changes) == {"same": len(managed) + 1}
    assert requests(proxy) == []

    refreshed, log = stack.refresh(expect_no_changes=True)
    assert counts(refreshed.summary.resource_changes) == {"same": len(managed) + 1}
    assert {s.op for s in log.managed()} == {"refresh"} and len(log.managed()) == len(managed)
    assert sorted(requests(proxy)) == [("GET", path) for path in openpanel_paths(stack)]
    return first


def destroy_everything(stack: RealStack, proxy: RecordingProxy, managed: set[str], openpanel: int) -> None:
    """destroy: every resource deleted with one DELETE each, and the stack left empty."""
    paths = openpanel_paths(stack)
    proxy.reset()
    result, log = stack.destroy()
    assert log.ops_by_name(openpanel_only=False) == {name: ["delete"] for name in managed}
    assert counts(result.summary.resource_changes) == {"delete": len(managed) + 1}
    assert sorted(requests(proxy)) == [("DELETE", path) for path in paths]
    assert len(paths) == openpanel
    assert stack.resources() == []
