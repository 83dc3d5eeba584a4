"""The engine driver (tests/engine) against the real engine: the same program and the same changes must
give the same steps, the same requests, the same stack outputs and the same state.

Most tests play the engine's part with the driver, so whatever the driver gets wrong they get wrong too;
these tests hold the driver to the real thing. When the two disagree, the driver is what gets fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

import pulumi_openpanel as op
from pulumi_openpanel import models
from pulumi_openpanel.api import ManageApi
from tests.engine.driver import Engine, OperationResult, ProtectedResourceError, ProviderCallError, result_of
from tests.realcli.checks import requests
from tests.realcli.conftest import StackFactory
from tests.realcli.harness import RealStack, StepLog
from tests.realcli.parity import driver_steps, normalized_state, real_steps
from tests.support.proxy import RecordingProxy

pytestmark = pytest.mark.cli

SETTINGS = auto.ProjectSettings(name="parity", runtime="python")
STACK = "dev"
Program = Callable[[], None]


def quickstart(uid: str, project_name: str = "Web", client_type: str = "read") -> Program:
    def program() -> None:
        web = op.Project("web", name=f"{project_name} {uid}", domain="https://example.com/",
                         cors=["https://example.com"], cross_domain=False, types=["website"],
                         allow_unsafe_revenue_tracking=False)
        reader = op.Client("reader", name="Dashboards", project_id=web.id, type=client_type)
        launch = op.Reference("launch", project_id=web.id, title="v2 launch", description="New pricing page",
                              datetime="2026-12-01T10:00:00Z")
        pulumi.export("project_id", web.id)
        pulumi.export("write_client_id", web.client_id)
        pulumi.export("write_client_secret", web.client_secret)
        pulumi.export("reader_secret", reader.secret)
        pulumi.export("reader_type", reader.type)
        pulumi.export("launch_at", launch.datetime)

    return program


def request_kinds(proxy: RecordingProxy) -> list[tuple[str, str]]:
    return sorted((method, path.split("/", 1)[0]) for method, path in requests(proxy))


def comparable_outputs(outputs: dict[str, tuple[Any, bool]]) -> dict[str, tuple[Any, bool]]:
    """Values that two deployments cannot share (ids, generated secrets) only keep their shape."""
    varying = {"project_id", "write_client_id", "write_client_secret", "reader_secret"}
    return {k: ((type(v).__name__ if k in varying else v), secret) for k, (v, secret) in outputs.items()}


class Pair:
    """The driver and a real stack, run in step against the same API through the same proxy."""

    def __init__(self, driver: Engine, real: RealStack, proxy: RecordingProxy) -> None:
        self.driver, self.real, self.proxy = driver, real, proxy

    def _driver_side(self, operation: Callable[[], OperationResult]) -> tuple[OperationResult,
                                                                             list[tuple[str, str]]]:
        self.proxy.reset()
        try:
            result = operation()
        except (ProtectedResourceError, ProviderCallError) as err:
            result = result_of(err)
        return result, request_kinds(self.proxy)

    def _real_side(self, operation: Callable[[StepLog], object]) -> tuple[object, StepLog, list[tuple[str, str]]]:
        self.proxy.reset()
        log = StepLog()
        try:
            outcome: object = operation(log)
        except auto.CommandError as err:
            outcome = err
        return outcome, log, request_kinds(self.proxy)

    def assert_same_state(self, phase: str) -> None:
        exported = self.real.stack.export_stack().deployment or {}  # with --show-secrets: values to compare
        assert set(self.driver.state) == {r["urn"] for r in exported.get("resources") or []
                                          if r["type"].startswith("pulumi-python:dynamic/")}, phase
        driven = normalized_state(self.driver.export_state()["deployment"], self.driver.decrypt)
        assert driven == normalized_state(exported), phase

    def up(self, phase: str, program: Program) -> None:
        driven, driver_requests = self._driver_side(lambda: self.driver.up(program))
        applied, log, real_requests = self._real_side(
            lambda log: self.real.stack.up(program=program, on_event=log, color="never"))
        assert isinstance(applied, auto.UpResult), f"{phase}: {applied}"
        assert driver_steps(driven) == real_steps(log), phase
        assert driver_requests == real_requests, phase
        real_outputs = {k: (v.value, v.secret) for k, v in applied.outputs.items()}
        driver_outputs = {k: (v, k in driven.secret_outputs) for k, v in driven.outputs.items()}
        assert comparable_outputs(driver_outputs) == comparable_outputs(real_outputs), phase
        self.assert_same_state(phase)

    def preview(self, phase: str, program: Program) -> None:
        planned, driver_requests = self._driver_side(lambda: self.driver.preview(program))
        previewed, log, real_requests = self._real_side(
            lambda log: self.real.stack.preview(program=program, on_event=log, color="never"))
        assert isinstance(previewed, auto.PreviewResult), f"{phase}: {previewed}"
        assert driver_steps(planned) == real_steps(log), phase
        assert driver_requests == real_requests == [], phase

    def refresh(self, phase: str) -> None:
        refreshed, driver_requests = self._driver_side(self.driver.refresh)
        _, log, real_requests = self._real_side(lambda log: self.real.stack.refresh(on_event=log, color="never"))
        assert driver_steps(refreshed) == real_steps(log), phase
        assert driver_steps(refreshed, finished=True) == real_steps(log, finished=True), phase
        assert driver_requests == real_requests, phase
        self.assert_same_state(phase)

    def destroy(self, phase: str) -> None:
        destroyed, driver_requests = self._driver_side(self.driver.destroy)
        outcome, log, real_requests = self._real_side(lambda log: self.real.stack.destroy(on_event=log, color="never"))
        # A refused delete is a step the engine starts and the driver never records: compare what finished.
        assert driver_steps(destroyed) == real_steps(log, finished=True), f"{phase}: {outcome}"
        assert driver_requests == real_requests, phase
        self.assert_same_state(phase)


@pytest.fixture
def pair(make_stack: StackFactory, make_engine: Callable[..., Engine], proxy: RecordingProxy,
         tmp_path: Path, uid: str) -> Pair:
    real = make_stack(settings=SETTINGS, project_dir=tmp_path, program=quickstart(uid))
    return Pair(make_engine(project=SETTINGS.name, stack=STACK), real, proxy)


def test_quickstart_changes_step_for_step(pair: Pair, api: ManageApi, uid: str) -> None:
    pair.preview("preview of the first up", quickstart(uid))
    pair.up("first up: creates", quickstart(uid))
    pair.up("second up: no changes", quickstart(uid))
    pair.preview("preview of a rename and a client type change", quickstart(uid, "Renamed", "write"))
    pair.up("a rename: update", quickstart(uid, "Renamed"))
    pair.up("a client type change: replace", quickstart(uid, "Renamed", "write"))

    for resources in (pair.driver.state, pair.real.openpanel_resources()):
        ids = {urn.rsplit("::", 1)[-1]: getattr(view, "id", None) or view["id"]  # type: ignore[index]
               for urn, view in resources.items()}
        api.update_project(ids["web"], models.ProjectUpdate(name="Changed outside"))
        api.delete_reference(ids["launch"])
    pair.refresh("refresh after a rename and a delete outside Pulumi")
    pair.up("up after the refresh: update back, create again", quickstart(uid, "Renamed", "write"))
    pair.destroy("destroy")


def test_a_refused_destroy_deletes_what_it_can(pair: Pair, uid: str) -> None:
    def protected(protect: bool = True) -> Program:
        def program() -> None:
            keep = pulumi.ResourceOptions(protect=protect)
            web = op.Project("web", name=f"Kept {uid}", types=["website"], opts=keep)
            op.Client("reader", name="Dashboards", project_id=web.id, type="read")
            op.Client("keeper", name="Kept reader", project_id=web.id, type="read", opts=keep)
            op.Reference("launch", project_id=web.id, title="v2 launch", datetime="2026-12-01T10:00:00Z")

        return program

    pair.up("up of protected and unprotected resources", protected())
    pair.destroy("destroy refused by the protected ones")
    assert {urn.rsplit("::", 1)[-1] for urn in pair.driver.state} == {"web", "keeper"}
    pair.up("protect lifted", protected(protect=False))
    pair.destroy("destroy")


def test_import_option_fails_alike(pair: Pair, api: ManageApi, uid: str) -> None:
    project = api.create_project(models.ProjectCreate(name=f"Imported {uid}")).project
    try:
        def program() -> None:
            op.Project("web", name=f"Imported {uid}", opts=pulumi.ResourceOptions(import_=project.id))

        driven, driver_requests = pair._driver_side(lambda: pair.driver.up(program))
        outcome, log, real_requests = pair._real_side(
            lambda log: pair.real.stack.up(program=program, on_event=log, color="never"))
        assert isinstance(outcome, auto.CommandError) and "'__provider'" in str(outcome)
        assert real_steps(log) == {"web": [real_steps(log)["web"][0]]} and real_steps(log)["web"][0].op == "import"
        assert driver_steps(driven) == real_steps(log, finished=True) == {}
        assert driver_requests == real_requests == []
        pair.assert_same_state("a failed import")
    finally:
        api.delete_project(project.id)
