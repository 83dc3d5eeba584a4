#!/usr/bin/env python3
"""Run the repository-root Pulumi project (Pulumi.yaml: the quickstart) with the locally built CLI.

Why a script: the Python language host cannot be built here, so `pulumi up` alone fails. The
Automation API runs the program inline instead (this process serves the language runtime), while the
real CLI plans and applies it. State goes to a local file backend; credentials come from OPENPANEL_*.

    scripts/pulumi-up.py up|preview|refresh|destroy [--stack NAME] [--backend DIR]
"""

from __future__ import annotations

import argparse
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BACKEND = REPO_ROOT / ".pulumi-state"
COLOR = "always" if sys.stdout.isatty() else "never"
LOCAL_PASSPHRASE = "openpanel-local"  # protects a throw-away local stack only; say so when used


def cli_bin_dir() -> Path:
    override = os.environ.get("PULUMI_OPENPANEL_CLI_DIR")
    if override:
        return Path(override)
    done = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "pulumi-cli.sh"), "--print-dir"],
                          capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.exit("the Pulumi CLI is not built: run scripts/pulumi-cli.sh first (a few minutes, once)")
    return Path(lines[-1])


def project() -> tuple[str, Path]:
    """The project's name and main directory, from the root Pulumi.yaml."""
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    return str(document["name"]), REPO_ROOT / str(document.get("main") or ".")


def inline(main: Path) -> Any:
    """The program as the language host would run it: from its own directory, first on sys.path."""

    def program() -> None:
        saved_cwd, saved_path = os.getcwd(), list(sys.path)
        os.chdir(main)
        sys.path.insert(0, str(main))
        try:
            runpy.run_path(str(main / "__main__.py"), run_name="__main__")
        finally:
            os.chdir(saved_cwd)
            sys.path[:] = saved_path

    return program


def environment(backend: Path) -> dict[str, str]:
    backend.mkdir(parents=True, exist_ok=True)
    passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    if passphrase is None:
        passphrase = LOCAL_PASSPHRASE
        print(f"PULUMI_CONFIG_PASSPHRASE not set: using the local default {LOCAL_PASSPHRASE!r}")
    return {
        "PULUMI_BACKEND_URL": backend.resolve().as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "preview", "refresh", "destroy"])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--backend", type=Path, default=DEFAULT_BACKEND, help="local state directory")
    args = parser.parse_args(argv)

    name, main_dir = project()
    # The repository root is the workspace: the CLI reads Pulumi.yaml (main, virtualenv) there. No
    # project_settings are passed, or the Automation API would rewrite that file.
    stack = auto.create_or_select_stack(
        stack_name=args.stack, project_name=name, program=inline(main_dir),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(REPO_ROOT), pulumi_command=auto.PulumiCommand(root=str(cli_bin_dir().parent)),
            env_vars=environment(args.backend),
        ),
    )
    try:
        if args.command == "up":
            stack.up(on_output=print, color=COLOR)
        elif args.command == "preview":
            stack.preview(on_output=print, color=COLOR)
        elif args.command == "refresh":
            stack.refresh(on_output=print, color=COLOR)
        else:
            stack.destroy(on_output=print, color=COLOR)
    except auto.CommandError:
        return 1  # the engine's own output above says what failed
    for name, output in sorted(stack.outputs().items()):
        print(f"{name}: {'[secret]' if output.secret else output.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
