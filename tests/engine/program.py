"""Runs a real Pulumi program in-process and turns each resource registration into engine steps.

The SDK's mock runtime (`pulumi.runtime.set_mocks`) stands in for the language host. Its monitor only
hands `Mocks.new_resource` a few fields, so `EngineMonitor` passes the whole registration request on
(options such as protect, additionalSecretOutputs, importId) and answers with the engine's own wire
values, secrets and unknowns included, exactly as the real resource monitor would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from .wire import PropertyMap, from_struct, plain, to_struct

Program = Callable[[], Any] | str | os.PathLike[str]

STACK_TYPE = "pulumi:pulumi:Stack"

# `pulumi up --parallel` defaults to unbounded (2147483647); the SDK's executor threads bound it in practice.
DEFAULT_PARALLEL = 2147483647


@dataclass
class Goal:
    """What the program asked for: a RegisterResource or ReadResource request in engine terms."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: PropertyMap = field(repr=False)
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    import_id: str = ""
    read_id: str = ""  # set for ReadResource (`opts.id` / `Resource.get`)


class EngineResourceArgs(MockResourceArgs):
    """`MockResourceArgs` plus the engine's full view of the request."""

    def __init__(self, goal: Goal) -> None:
        super().__init__(
            typ=goal.type, name=goal.name, inputs={k: plain(v) for k, v in goal.inputs.items()},
            resource_id=goal.read_id or goal.import_id or None, custom=goal.custom,
        )
        self.goal = goal


class StepHandler(Protocol):
    def register(self, goal: Goal) -> tuple[str, PropertyMap]: ...

    def read(self, goal: Goal) -> tuple[str, PropertyMap]: ...


class EngineMocks(Mocks):
    """The bridge: every resource the program declares goes through the engine's steps.

    The SDK sends each registration from its own executor thread, so independent resources arrive
    here concurrently, as they reach the real engine; up to ``parallel`` steps run at once (the CLI's
    ``--parallel``). A resource that depends on another only registers once its inputs resolved, so
    the dependency order holds without any help from here.
    """

    def __init__(self, handler: StepHandler, parallel: int = DEFAULT_PARALLEL) -> None:
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        self._handler = handler
        self._slots = threading.BoundedSemaphore(parallel)
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if not isinstance(args, EngineResourceArgs):
            raise TypeError("EngineMocks needs EngineMonitor's requests")
        with self._slots:
            with self._lock:
                if self.error is not None:
                    raise RuntimeError("deployment stopped after an earlier failure")
            try:
                if args.goal.read_id:
                    return self._handler.read(args.goal)
                return self._handler.register(args.goal)
            except BaseException as err:
                err.engine_failure = True  # type: ignore[attr-defined]
                with self._lock:
                    # The first failure is the one the operation reports, as the engine does.
                    if self.error is None:
                        self.error = err
                raise

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"invokes are not supported by the test engine: {args.token}")


def _urns(values: Any) -> list[str]:
    return [str(v) for v in values]


class EngineMonitor(MockMonitor):
    def __init__(self, mocks: EngineMocks) -> None:
        super().__init__(mocks)
        self.engine_mocks = mocks

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # Unlike the mock monitor, the engine leaves the root stack's type out of its children's URNs.
        if parent and parent.split("::")[2] == STACK_TYPE:
            parent = ""
        urn: str = super().make_urn(parent, type_, name)
        return urn

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        goal = Goal(
            urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
            inputs=from_struct(request.object), parent=request.parent,
            dependencies=_urns(request.dependencies),
            property_dependencies={k: _urns(v.urns) for k, v in request.propertyDependencies.items()},
            protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs), import_id=request.importId,
        )
        id_, outputs = self.engine_mocks.new_resource(EngineResourceArgs(goal))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_ or "", outputs)
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=id_ or "", object=to_struct(outputs, keep_secrets=True, keep_unknowns=True),
        )

    def ReadResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        goal = Goal(
            urn=urn, type=request.type, name=request.name, custom=True,
            inputs=from_struct(request.properties), parent=request.parent,
            dependencies=_urns(request.dependencies),
            additional_secret_outputs=list(request.additionalSecretOutputs), read_id=request.id,
        )
        id_, outputs = self.engine_mocks.new_resource(EngineResourceArgs(goal))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_ or "", outputs)
        answer: dict[str, Any] = {
            "urn": urn, "properties": to_struct(outputs, keep_secrets=True, keep_unknowns=True),
        }
        if "id" in resource_pb2.ReadResourceResponse.DESCRIPTOR.fields_by_name:  # SDK >= 3.271
            answer["id"] = id_ or ""
        return resource_pb2.ReadResourceResponse(**answer)


def _run_directory(directory: Path) -> None:
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        runpy.run_path(str(directory / "__main__.py"), run_name="__main__")
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path


def _invoke(program: Program) -> Any:
    if callable(program):
        return program()
    _run_directory(Path(program))
    return None


def _exports() -> PropertyMap:
    root = settings.get_root_resource()
    outputs: Mapping[str, Any] = getattr(root, "outputs", {}) or {}
    struct = _sync_await(rpc.serialize_properties(dict(outputs), {}))
    return from_struct(struct)


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def _program_logger() -> tuple[logging.Logger, _LogCapture]:
    """What the program logs through the engine (pulumi.log) goes to a list instead of the test's stderr."""
    logger = logging.getLogger(f"{__name__}.program")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    capture = _LogCapture()
    logger.addHandler(capture)
    return logger, capture


def _quiet_engine_failures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Outputs of a resource whose step failed hold the failure; nobody awaits them once the run stops,
    # and asyncio would report each one at garbage collection. The failure is raised to the test anyway.
    if getattr(context.get("exception"), "engine_failure", False):
        return
    loop.default_exception_handler(context)


def run_program(
    program: Program,
    handler: StepHandler,
    *,
    project: str,
    stack: str,
    preview: bool,
    config: Mapping[str, Any],
    secret_keys: list[str],
    logs: list[str] | None = None,
    parallel: int = DEFAULT_PARALLEL,
) -> PropertyMap:
    """Run `program` to completion (all registrations and outputs settled); return its stack exports."""
    mocks = EngineMocks(handler, parallel)
    logger, capture = _program_logger()
    if logs is not None:
        capture.lines = logs
    _ensure_event_loop().set_exception_handler(_quiet_engine_failures)
    # Fresh globals for every run: a new root stack, no leftover outputs, this stack's config. The
    # previous root and config come back afterwards so later tests in this process start clean.
    saved_config, saved_secret_keys = runtime_config.CONFIG.get(), runtime_config._SECRET_KEYS.get()
    settings.ROOT.set(None)
    settings.SETTINGS.outputs.clear()
    runtime_config.set_all_config({k: plain(v) for k, v in config.items()}, secret_keys)
    try:
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview,
                                 monitor=EngineMonitor(mocks), logger=logger)
        try:
            _sync_await(run_pulumi_func(lambda: _invoke(program)))
            exports = _exports()
        except BaseException:
            if mocks.error is not None:
                raise mocks.error from None
            raise
        if mocks.error is not None:
            raise mocks.error
        return exports
    finally:
        settings.ROOT.set(None)
        runtime_config.CONFIG.set(saved_config)
        runtime_config._SECRET_KEYS.set(saved_secret_keys)
