"""Runs Pulumi programs under the real engine (the Go-built CLI) through the Automation API.

The language host cannot be built here, so a program always runs inline: the test process serves the
language runtime and the CLI, started with `--client`, drives the real `pulumi-resource-pulumi-python`
plugin process. Each stack gets a throw-away workspace laid out like the project on disk (its main
directory and its virtualenv linked in), so the engine sees what a user's `pulumi up` would.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from tests.cli_support import offline_env, run_pulumi

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
OPENPANEL_TYPE_PREFIX = "pulumi-python:dynamic/openpanel:"

@contextmanager
def inside(directory: Path) -> Iterator[None]:
    """The program's directory as cwd and first on sys.path, as the language host runs `__main__.py`."""
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    os.chdir(directory)
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path


def directory_program(directory: Path) -> Callable[[], None]:
    """An inline program that runs `directory/__main__.py` exactly as the language host would."""

    def program() -> None:
        with inside(directory):
            runpy.run_path(str(directory / "__main__.py"), run_name="__main__")

    return program


def project_settings(pulumi_yaml: Path) -> auto.ProjectSettings:
    """The project file as the Automation API's settings (name, runtime and its options, main)."""
    document = yaml.safe_load(pulumi_yaml.read_text())
    runtime = document["runtime"]
    info = (auto.ProjectRuntimeInfo(name=runtime) if isinstance(runtime, str)
            else auto.ProjectRuntimeInfo(name=runtime["name"], options=runtime.get("options")))
    return auto.ProjectSettings(name=document["name"], runtime=info, main=document.get("main"),
                                description=document.get("description"))


def stack_file_config(example: Path, stack: str) -> dict[str, str]:
    """The config of `Pulumi.<stack>.yaml`, values as the CLI stores them (strings)."""
    path = example / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return {}
    values: Mapping[str, Any] = yaml.safe_load(path.read_text()).get("config", {})
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}


def _lay_out_workspace(work_dir: Path, settings: auto.ProjectSettings, project_dir: Path) -> None:
    """Links the project's main directory and virtualenv into the workspace, where the engine looks."""
    work_dir.mkdir(parents=True, exist_ok=True)
    if settings.main:
        main = work_dir / settings.main.strip("/")
        main.parent.mkdir(parents=True, exist_ok=True)
        main.symlink_to(project_dir / settings.main.strip("/"), target_is_directory=True)
    options = settings.runtime.options if isinstance(settings.runtime, auto.ProjectRuntimeInfo) else None
    virtualenv = (options or {}).get("virtualenv")
    if virtualenv:
        # The plugin launcher starts `<virtualenv>/bin/python`; the test's own interpreter stands in.
        (work_dir / virtualenv).symlink_to(Path(sys.prefix), target_is_directory=True)


@dataclass(frozen=True)
class Step:
    """One engine step as the event stream reports it (ResourcePreEvent metadata)."""

    op: str
    urn: str
    type: str
    diffs: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class StepLog:
    """An `on_event` callback that keeps the steps of one operation."""

    steps: list[Step] = field(default_factory=list)
    outcomes: list[Step] = field(default_factory=list)  # ResOutputsEvent: how each step ended
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event: auto.EngineEvent) -> None:
        for report, into in ((event.resource_pre_event, self.steps), (event.res_outputs_event, self.outcomes)):
            if report is None:
                continue
            meta = report.metadata
            step = Step(op=meta.op.value, urn=meta.urn, type=meta.type,
                        diffs=tuple(sorted(meta.diffs or ())), keys=tuple(sorted(meta.keys or ())))
            with self.lock:
                into.append(step)

    def openpanel(self) -> list[Step]:
        """Steps of the OpenPanel resources (the stack and the default provider left out)."""
        return [s for s in self.steps if s.type.startswith(OPENPANEL_TYPE_PREFIX)]

    def managed(self) -> list[Step]:
        """Steps of the program's own resources (the stack and the default provider left out)."""
        return [s for s in self.steps if s.type != "pulumi:pulumi:Stack" and not s.type.startswith("pulumi:providers:")]

    def ops_by_name(self, *, openpanel_only: bool = True) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for step in self.openpanel() if openpanel_only else self.managed():
            result.setdefault(step.name, []).append(step.op)
        return result


@dataclass
class RealStack:
    """One stack of one project in its own workspace and file backend."""

    stack: auto.Stack
    work_dir: Path
    bin_dir: Path
    env_vars: dict[str, str] = field(repr=False)

    def cli(self, *args: str) -> str:
        """Plain `pulumi ARGS --stack NAME` in the workspace (no program run); fails on a non-zero exit."""
        done = run_pulumi([*args, "--stack", self.stack.name], cwd=self.work_dir, env=self.env_vars,
                          bin_dir=self.bin_dir)
        if done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
        return done.stdout

    def export(self) -> dict[str, Any]:
        """`pulumi stack export` as a user runs it: secrets as ciphertext.

        (The Automation API's `export_stack` adds --show-secrets, so it is not used here.)
        """
        exported: dict[str, Any] = json.loads(self.cli("stack", "export"))
        return exported

    def up(self, **kwargs: Any) -> tuple[auto.UpResult, StepLog]:
        log = StepLog()
        return self.stack.up(on_event=log, color="never", **kwargs), log

    def preview(self, **kwargs: Any) -> tuple[auto.PreviewResult, StepLog]:
        log = StepLog()
        return self.stack.preview(on_event=log, color="never", **kwargs), log

    def refresh(self, **kwargs: Any) -> tuple[auto.RefreshResult, StepLog]:
        log = StepLog()
        return self.stack.refresh(on_event=log, color="never", **kwargs), log

    def destroy(self, **kwargs: Any) -> tuple[auto.DestroyResult, StepLog]:
        log = StepLog()
        return self.stack.destroy(on_event=log, color="never", **kwargs), log

    def resources(self) -> list[dict[str, Any]]:
        """The resources of `pulumi stack export`, the stack itself and providers included."""
        resources: list[dict[str, Any]] = self.export()["deployment"].get("resources") or []
        return resources

    def openpanel_resources(self) -> dict[str, dict[str, Any]]:
        return {r["urn"].rsplit("::", 1)[-1]: r for r in self.resources()
                if str(r.get("type", "")).startswith(OPENPANEL_TYPE_PREFIX)}

    def set_config(self, values: Mapping[str, str], secret_keys: frozenset[str] = frozenset()) -> None:
        self.stack.set_all_config({k: auto.ConfigValue(v, secret=k in secret_keys) for k, v in values.items()})


def open_stack(
    bin_dir: Path,
    scratch: Path,
    *,
    settings: auto.ProjectSettings,
    project_dir: Path,
    program: Callable[[], None],
    stack_name: str,
    env: Mapping[str, str],
) -> RealStack:
    """A new stack on a file backend under `scratch`, run by the CLI in `bin_dir`."""
    work_dir = scratch / "workspace"
    _lay_out_workspace(work_dir, settings, project_dir)
    env_vars = {**offline_env(scratch), **env}
    stack = auto.create_or_select_stack(
        stack_name=stack_name,
        project_name=settings.name,
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_command=auto.PulumiCommand(root=str(bin_dir.parent)),
            project_settings=settings,
            env_vars=env_vars,
        ),
    )
    return RealStack(stack=stack, work_dir=work_dir, bin_dir=bin_dir, env_vars=env_vars)
