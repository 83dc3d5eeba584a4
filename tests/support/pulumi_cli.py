"""A thin harness that runs the real `pulumi` CLI in a project directory, as a user does.

The toolchain is the one `scripts/pulumi-cli.sh` builds (the CLI, the Python language host and the
dynamic-provider plugin). Every command runs offline and isolated: its own file backend and
PULUMI_HOME under the test's temporary directory, nothing from the developer's ~/.pulumi, no update
checks or plugin downloads. Each engine operation writes an event log (`--event-log`), which is where
the steps the engine took (create, update, replace, ...) are read from.

Programs are real project directories: either written from source by the test, or a copy of one of
the repository's examples whose virtualenv is the test's own interpreter (linked where Pulumi.yaml
names it), so the language host runs them exactly as it runs a user's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulumi_openpanel.core.schema import DYNAMIC_TYPE_PREFIX, in_state
from tests.support.target import CREDENTIAL_VARIABLES

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "pulumi-cli.sh"
CLI_DIR_ENV = "PULUMI_OPENPANEL_CLI_DIR"
TOOLS = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python",
         "pulumi-language-nodejs", "pulumi-language-go", "pulumi-language-yaml")
OPENPANEL_TYPE_PREFIX = DYNAMIC_TYPE_PREFIX
DEFAULT_TIMEOUT_S = 300.0

# Applied last, so that neither a caller nor an inherited variable can switch them off.
OFFLINE_SETTINGS: dict[str, str] = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
    "PULUMI_SKIP_CONFIRMATIONS": "true",
    "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
}
# The provider's credential variables (CREDENTIAL_VARIABLES) are dropped from what the CLI inherits, so
# that a test states every source it means to use; NO_CREDENTIALS also hides them from the plugin.
NO_CREDENTIALS = dict.fromkeys(CREDENTIAL_VARIABLES, "")
# Kept all the same: where the pacing state files go (tests/conftest.py points it at a temporary directory).
KEPT_VARIABLES = ("OPENPANEL_PACING_DIR",)


@dataclass(frozen=True)
class Toolchain:
    """Where the built toolchain is, or why it is not there (the reason a test skips with)."""

    bin_dir: Path | None
    reason: str = ""


def _missing(bin_dir: Path) -> str | None:
    for name in TOOLS:
        if not os.access(bin_dir / name, os.X_OK):
            return f"{bin_dir / name} is missing or not executable"
    return None


def locate_toolchain() -> Toolchain:
    """$PULUMI_OPENPANEL_CLI_DIR when set, else what `scripts/pulumi-cli.sh --check` reports (never builds)."""
    override = os.environ.get(CLI_DIR_ENV)
    if override:
        missing = _missing(Path(override))
        return Toolchain(None, f"{CLI_DIR_ENV}: {missing}") if missing else Toolchain(Path(override))
    done = subprocess.run(["bash", str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=60,
                          check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        if shutil.which("go") is None:
            return Toolchain(None, "the Pulumi toolchain is not built, and Go, which scripts/pulumi-cli.sh needs "
                                   "to build it, is not installed")
        return Toolchain(None, f"the Pulumi toolchain is not built: run {BUILD_SCRIPT} (several minutes, once)")
    bin_dir = Path(lines[-1])
    missing = _missing(bin_dir)
    return Toolchain(None, missing) if missing else Toolchain(bin_dir)


def isolated_env(scratch: Path, bin_dir: Path, extra: Mapping[str, str] = {},
                 passphrase: str = "test") -> dict[str, str]:
    """The CLI's whole environment: inherited PULUMI_* and OPENPANEL_* dropped (but KEPT_VARIABLES), a
    backend and a PULUMI_HOME of its own under `scratch`, the toolchain first on PATH, then `extra`."""
    state, home = scratch / "state", scratch / "pulumi-home"
    state.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    inherited = {k: v for k, v in os.environ.items()
                 if (not k.startswith(("PULUMI_", "OPENPANEL_")) or k in KEPT_VARIABLES)
                 and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env = {
        **inherited,
        "PATH": os.pathsep.join([str(bin_dir), inherited.get("PATH", os.defpath)]),
        "PULUMI_BACKEND_URL": state.as_uri(),
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        # --event-log is a hidden flag, as the Automation API knows: it sets this too.
        "PULUMI_DEBUG_COMMANDS": "true",
        **extra,
        **OFFLINE_SETTINGS,
    }
    return env


@dataclass(frozen=True)
class Step:
    """One step the engine took, as its event log reports it (a resourcePreEvent)."""

    op: str
    urn: str
    type: str
    diffs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class Run:
    """What one `pulumi` command did: its exit code, its output and, for engine operations, its events."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def steps(self) -> list[Step]:
        steps = []
        for event in self.events:
            pre = event.get("resourcePreEvent")
            if pre is None:
                continue
            meta = pre["metadata"]
            steps.append(Step(op=meta["op"], urn=meta["urn"], type=meta.get("type", ""),
                              diffs=tuple(sorted(meta.get("diffs") or ()))))
        return steps

    def openpanel_steps(self) -> list[Step]:
        """The steps of our resources, through either door (the dynamic resources and the plugin's)."""
        return [s for s in self.steps() if in_state(s.type) is not None]

    def ops(self, name: str) -> list[str]:
        """The ops of the OpenPanel resource called `name`, in order (e.g. ["create-replacement", ...])."""
        return [s.op for s in self.openpanel_steps() if s.name == name]

    def ops_by_name(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for step in self.openpanel_steps():
            result.setdefault(step.name, []).append(step.op)
        return result

    @property
    def changed(self) -> bool:
        """Whether any OpenPanel resource was anything but left as it was."""
        return any(s.op not in ("same", "read") for s in self.openpanel_steps())

    def diagnostics(self, severity: str = "error") -> list[str]:
        return [e["diagnosticEvent"]["message"] for e in self.events
                if "diagnosticEvent" in e and e["diagnosticEvent"].get("severity") == severity]

    def summary(self) -> dict[str, int]:
        for event in self.events:
            if "summaryEvent" in event:
                changes: dict[str, int] = event["summaryEvent"].get("resourceChanges") or {}
                return changes
        return {}


class CommandFailed(AssertionError):
    """A `pulumi` command that was expected to succeed did not; carries the run for inspection."""

    def __init__(self, run: Run) -> None:
        super().__init__(f"pulumi {' '.join(run.args)} exited {run.returncode}:\n{run.output[-4000:]}")
        self.run = run


_ENGINE_COMMANDS = {"up", "preview", "refresh", "destroy", "import"}


class PulumiProject:
    """A project directory and one selected stack, driven through the real CLI."""

    def __init__(self, directory: Path, bin_dir: Path, scratch: Path, *, stack: str = "dev",
                 env: Mapping[str, str] = {}) -> None:
        self.directory = directory
        self.bin_dir = bin_dir
        self.scratch = scratch
        self.stack = stack
        self.env = isolated_env(scratch, bin_dir, env)
        self._runs = 0

    # -- making projects ---------------------------------------------------------------------

    @classmethod
    def from_source(cls, source: str, bin_dir: Path, scratch: Path, *, name: str = "openpanel-test",
                    stack: str = "dev", env: Mapping[str, str] = {}) -> PulumiProject:
        """A new project whose `__main__.py` is `source`, run with the test's own virtualenv."""
        directory = scratch / "project"
        directory.mkdir(parents=True, exist_ok=True)
        settings = {"name": name, "runtime": {"name": "python",
                                              "options": {"toolchain": "pip", "virtualenv": "venv"}}}
        (directory / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        _link_virtualenv(directory / "venv")
        project = cls(directory, bin_dir, scratch, stack=stack, env=env)
        project.write_program(source)
        project.init_stack()
        return project

    @classmethod
    def from_directory(cls, source: Path, bin_dir: Path, scratch: Path, *, stack: str = "dev",
                       env: Mapping[str, str] = {}, copy: bool = True) -> PulumiProject:
        """An existing project (an example, the repository root): copied unchanged into `scratch` (or used
        where it is with `copy=False`), its virtualenv linked to the test's own where Pulumi.yaml names one."""
        directory = source
        if copy:
            directory = scratch / "project"
            shutil.copytree(source, directory, ignore=shutil.ignore_patterns("venv", ".venv", "__pycache__"))
        settings = yaml.safe_load((directory / "Pulumi.yaml").read_text())
        runtime = settings.get("runtime")
        virtualenv = runtime.get("options", {}).get("virtualenv") if isinstance(runtime, dict) else None
        if virtualenv and not (directory / virtualenv).exists():
            _link_virtualenv(directory / virtualenv)
        project = cls(directory, bin_dir, scratch, stack=stack, env=env)
        project.init_stack()
        return project

    def write_program(self, source: str) -> None:
        (self.directory / "__main__.py").write_text(textwrap.dedent(source).lstrip())

    # -- commands ---------------------------------------------------------------------------------

    def pulumi(self, *args: str, check: bool = True, env: Mapping[str, str] = {},
               timeout: float = DEFAULT_TIMEOUT_S) -> Run:
        """`pulumi ARGS --stack STACK` in the project directory; engine commands also log their events."""
        command = [str(self.bin_dir / "pulumi"), "--non-interactive", "--color=never", *args]
        event_log: Path | None = None
        if args and args[0] in _ENGINE_COMMANDS:
            self._runs += 1
            event_log = self.scratch / f"events-{self._runs}-{args[0]}.jsonl"
            command += ["--event-log", str(event_log)]
        if args and args[0] not in ("login", "version", "about"):
            end = command.index("--") if "--" in command else len(command)
            command[end:end] = ["--stack", self.stack]
        done = subprocess.run(command, cwd=self.directory, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=timeout, check=False)
        events = []
        if event_log is not None and event_log.exists():
            events = [json.loads(line) for line in event_log.read_text().splitlines() if line.strip()]
        run = Run(tuple(args), done.returncode, done.stdout, done.stderr, events)
        if check and run.returncode != 0:
            raise CommandFailed(run)
        return run

    def init_stack(self) -> None:
        self.pulumi("stack", "select", "--create")

    def up(self, *args: str, **kwargs: Any) -> Run:
        return self.pulumi("up", "--yes", "--skip-preview", *args, **kwargs)

    def preview(self, *args: str, **kwargs: Any) -> Run:
        return self.pulumi("preview", *args, **kwargs)

    def refresh(self, *args: str, **kwargs: Any) -> Run:
        return self.pulumi("refresh", "--yes", "--skip-preview", *args, **kwargs)

    def destroy(self, *args: str, **kwargs: Any) -> Run:
        return self.pulumi("destroy", "--yes", "--skip-preview", *args, **kwargs)

    def set_config(self, values: Mapping[str, str], secret: Iterable[str] = ()) -> None:
        secret = set(secret)
        for key, value in values.items():
            self.pulumi("config", "set", *(("--secret",) if key in secret else ("--plaintext",)), key, "--", value)

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", *(("--show-secrets",) if show_secrets else ())]
        loaded: dict[str, Any] = json.loads(self.pulumi(*args).stdout or "{}")
        return loaded

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack export` as a user runs it: secrets as ciphertext unless asked otherwise."""
        args = ["stack", "export", *(("--show-secrets",) if show_secrets else ())]
        exported: dict[str, Any] = json.loads(self.pulumi(*args).stdout)
        return exported

    def resources(self, *, show_secrets: bool = False) -> dict[str, dict[str, Any]]:
        """The OpenPanel resources in the state, by name."""
        found = self.export(show_secrets=show_secrets)["deployment"].get("resources") or []
        if show_secrets:
            found = _reveal(found)
        return {r["urn"].rsplit("::", 1)[-1]: r for r in found
                if in_state(r.get("type")) is not None}

    def state_ids(self) -> dict[str, str]:
        return {name: r["id"] for name, r in self.resources().items()}

    def has_resources(self) -> bool:
        done = self.pulumi("stack", "export", check=False)
        if done.returncode != 0:
            return False
        return any(r.get("custom") for r in json.loads(done.stdout)["deployment"].get("resources") or [])


# Pulumi's marker of a secret in state: {SECRET_SIG: SECRET_SIG_VALUE, "ciphertext" or "plaintext": ...}.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def _reveal(value: Any) -> Any:
    """`stack export --show-secrets` keeps each secret in an envelope with its JSON text: take it out."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_SIG_VALUE and "plaintext" in value:
            return json.loads(value["plaintext"])
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_reveal(item) for item in value]
    return value


def _link_virtualenv(where: Path) -> None:
    """The test's own virtualenv stands in for the project's: the language host and the plugin start
    `<where>/bin/python`, which then has pulumi_openpanel and everything else the suite installed."""
    if not where.exists():
        where.symlink_to(Path(sys.prefix), target_is_directory=True)
