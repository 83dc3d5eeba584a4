"""What importing a module really loads, seen from a fresh interpreter (this one has loaded everything)."""

from __future__ import annotations

import os
import subprocess
import sys


def modules_loaded_by(*modules: str, prefixes: tuple[str, ...]) -> list[str]:
    """The loaded modules whose names start with one of ``prefixes`` after importing ``modules``."""
    code = (
        f"import sys, {', '.join(modules)};"
        f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ}, check=True
    )
    return result.stdout.split()


def command_without(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``pulumi-openpanel ARGV`` in a fresh interpreter where importing ``module`` fails, as it does when
    the module is not installed."""
    code = (
        "import sys\n"
        f"sys.modules[{module!r}] = None\n"
        "from pulumi_openpanel.cli import main\n"
        f"sys.exit(main({list(argv)!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ})
