"""Find the Go-built Pulumi CLI (scripts/pulumi-cli.sh) and run it offline and isolated.

Tests that drive the real engine must never reach Pulumi Cloud, a plugin download site or the
developer's own ~/.pulumi, so every invocation goes through the environment built here.

The Go module proxy does not serve the Python language host, so the bin dir normally holds only
`pulumi` and the `pulumi-resource-pulumi-python` launcher. Commands that do not run the program
(stack init, refresh, destroy, stack export) work through `run_pulumi`; preview and up of a Python
program go through the Automation API (`automation_command`), whose inline programs serve the
language runtime from the test process and pass `--client` to the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulumi.automation import PulumiCommand

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO_ROOT / "scripts" / "pulumi-cli.sh"
CLI_DIR_ENV = "PULUMI_OPENPANEL_CLI_DIR"
DEFAULT_TIMEOUT_S = 600.0

# Applied last, so no caller and no inherited variable can switch them off.
_OFFLINE_SETTINGS: dict[str, str] = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
    "PULUMI_SKIP_CONFIRMATIONS": "true",
}


@dataclass(frozen=True)
class CliLookup:
    """Where the CLI is, or why it is not there (for a clear failure message)."""

    bin_dir: Path | None
    reason: str


def _usable(bin_dir: Path) -> str | None:
    """Returns what is missing from a bin dir, or None when it can run dynamic providers."""
    for name in ("pulumi", "pulumi-resource-pulumi-python"):
        if not os.access(bin_dir / name, os.X_OK):
            return f"{bin_dir / name} is missing or not executable"
    return None


def locate_pulumi_cli() -> CliLookup:
    """Looks in $PULUMI_OPENPANEL_CLI_DIR, then asks the build script without building."""
    override = os.environ.get(CLI_DIR_ENV)
    if override:
        bin_dir = Path(override)
        missing = _usable(bin_dir)
        return CliLookup(None, f"{CLI_DIR_ENV}: {missing}") if missing else CliLookup(bin_dir, "")
    try:
        done = subprocess.run(
            ["bash", str(BUILD_SCRIPT), "--print-dir"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return CliLookup(None, f"{BUILD_SCRIPT} --print-dir failed: {exc}")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return CliLookup(None, f"Pulumi CLI not built; run {BUILD_SCRIPT} (takes a few minutes once)")
    bin_dir = Path(lines[-1])
    missing = _usable(bin_dir)
    return CliLookup(None, missing) if missing else CliLookup(bin_dir, "")


def find_pulumi_cli() -> Path | None:
    """The CLI's bin dir, or None; `locate_pulumi_cli().reason` says why."""
    return locate_pulumi_cli().bin_dir


def require_pulumi_cli() -> Path:
    """The CLI's bin dir; raises with the reason when it is absent, since tests must not skip."""
    found = locate_pulumi_cli()
    if found.bin_dir is None:
        raise RuntimeError(found.reason)
    return found.bin_dir


def offline_env(scratch: Path, passphrase: str = "test") -> dict[str, str]:
    """A per-test backend and PULUMI_HOME under `scratch`, so no test sees another's stacks."""
    state = scratch / "state"
    home = scratch / "pulumi-home"
    state.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PULUMI_BACKEND_URL": state.as_uri(),
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        # The dynamic-provider launcher falls back to this interpreter when the engine names
        # no virtualenv, which is always the case for Automation API inline programs.
        "PULUMI_PYTHON_CMD": sys.executable,
        **_OFFLINE_SETTINGS,
    }


def cli_environment(bin_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """The process environment for the CLI: inherited PULUMI_* dropped, offline settings enforced."""
    if "PULUMI_BACKEND_URL" not in env:
        raise ValueError("env must name PULUMI_BACKEND_URL (see offline_env); the default is Pulumi Cloud")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    merged = {**inherited, **env, **_OFFLINE_SETTINGS}
    merged["PATH"] = os.pathsep.join([str(bin_dir), merged.get("PATH", os.defpath)])
    merged.setdefault("PULUMI_PYTHON_CMD", sys.executable)
    return merged


def run_pulumi(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float = DEFAULT_TIMEOUT_S,
    bin_dir: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs `pulumi --non-interactive --color=never ARGS` offline; the caller checks returncode.

    `bin_dir` saves the look-up when the caller already located the CLI.
    """
    bin_dir = bin_dir or require_pulumi_cli()
    return subprocess.run(
        [str(bin_dir / "pulumi"), "--non-interactive", "--color=never", *args],
        cwd=cwd,
        env=cli_environment(bin_dir, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def automation_command() -> PulumiCommand:
    """The Automation API's handle on the built CLI (it expects `<root>/bin/pulumi`)."""
    from pulumi.automation import PulumiCommand

    return PulumiCommand(root=str(require_pulumi_cli().parent))
