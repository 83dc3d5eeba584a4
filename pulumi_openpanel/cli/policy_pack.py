"""``pulumi-openpanel policy-pack``: where the shipped OpenPanel policy pack is, and whether it can run.

It prints the pack's directory, for ``pulumi preview --policy-pack "$(pulumi-openpanel policy-pack)"``.
The pack runs in a process of its own, started by Pulumi's Python language host with the interpreter
that host picks for a pack without a virtualenv: ``$PULUMI_PYTHON_CMD`` if set, else ``python3`` (then
``python``) from PATH. That interpreter, not necessarily the one running this command, must import
``pulumi_policy`` and ``pulumi_openpanel``; ``--check`` finds it the same way and tries.

This module must not import ``pulumi_policy``: it is what tells a user that the extra is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pulumi_openpanel.install_source import EXTRA_OF_MODULE, install_command

PACK_DIRECTORY = Path(__file__).resolve().parents[1] / "policy" / "pack"
PYTHON_COMMAND_VARIABLE = "PULUMI_PYTHON_CMD"
EXTRA = EXTRA_OF_MODULE["pulumi_policy"]  # the optional dependencies (pyproject.toml) the pack needs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="also check that the Python Pulumi will run the pack with has pulumi-policy and pulumi-openpanel",
    )


def pack_python() -> str | None:
    """The interpreter Pulumi's language host runs the pack with, found by the host's own rule."""
    override = os.environ.get(PYTHON_COMMAND_VARIABLE)
    for command in [override] if override else ["python3", "python"]:
        found = shutil.which(command)
        if found:
            return found
    return None


def check_python(python: str) -> str | None:
    """Why ``python`` cannot run the pack, or None when it can."""
    probe = "import pulumi_policy, pulumi_openpanel.policy"
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    except OSError as exc:
        return f"it does not start: {exc}"
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["it exited with status " + str(done.returncode)])[-1]
    return f"it cannot import the pack's modules ({last})"


def run(args: argparse.Namespace) -> int:
    print(PACK_DIRECTORY)
    if importlib.util.find_spec("pulumi_policy") is None:
        print(f"pulumi-openpanel policy-pack: pulumi-policy is not installed here; {install_command(EXTRA)}",
              file=sys.stderr)
    if not args.check:
        return 0
    python = pack_python()
    if python is None:
        wanted = os.environ.get(PYTHON_COMMAND_VARIABLE) or "python3 or python"
        print(f"pulumi-openpanel policy-pack: Pulumi would find no Python to run the pack ({wanted} is not on "
              f"PATH); set {PYTHON_COMMAND_VARIABLE}={sys.executable}", file=sys.stderr)
        return 1
    problem = check_python(python)
    if problem is not None:
        print(f"pulumi-openpanel policy-pack: Pulumi would run the pack with {python}, but {problem}. "
              f"Install the extra there ({install_command(EXTRA)}), activate the virtualenv that has it, or set "
              f"{PYTHON_COMMAND_VARIABLE} to its python, e.g. {PYTHON_COMMAND_VARIABLE}={sys.executable}",
              file=sys.stderr)
        return 1
    print(f"pulumi-openpanel policy-pack: the pack will run with {python}: ok", file=sys.stderr)
    return 0
