"""The ``pulumi-openpanel`` command itself: its help is cheap, and each subcommand loads only when chosen.

``--help`` must not pay for Pulumi's SDK (and gRPC) or the emulator's web stack: they take most of a
second to import, and a user who only asks what the command offers needs none of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from pulumi_openpanel import cli
from pulumi_openpanel.install_source import install_command, missing_dependency
from tests.support.imports import command_without

# What --help must not import: Pulumi's SDK, gRPC (and its companions grpc_tools, grpc_health...), the
# emulator and its web stack.
HEAVY = re.compile(r"(pulumi|grpc\w*|starlette|uvicorn|pulumi_openpanel\.emulator)(\..*)?")
HEAVY_BUT_THE_EMULATOR = re.compile(r"(pulumi|grpc\w*|starlette|uvicorn)(\..*)?")


def imported_by(*argv: str) -> tuple[str, list[str]]:
    """Run ``python -X importtime -m pulumi_openpanel.cli ARGV`` in a fresh interpreter: its output, and
    every module whose import the interpreter logged."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "pulumi_openpanel.cli", *argv],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    return done.stdout, modules


def loaded_after(*argv: str) -> list[str]:
    """Every module in ``sys.modules`` after ``main(ARGV)`` in a fresh interpreter. importtime does not log
    a module that ``importlib.import_module`` loads itself (only what that module imports), so this
    catches what it cannot."""
    code = (
        "import json, sys\n"
        "from pulumi_openpanel.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_help_imports_no_pulumi_grpc_or_emulator_module() -> None:
    out, modules = imported_by("--help")
    assert "pulumi_openpanel.cli" in modules  # the log is read right
    assert [name for name in modules if HEAVY.fullmatch(name)] == []
    for name, (_, help_text) in cli.SUBCOMMANDS.items():  # the list still says what each subcommand does
        assert re.search(rf"^\s+{re.escape(name)}\s+{re.escape(help_text.split()[0])}", out, re.MULTILINE), out
    assert [name for name in loaded_after("--help") if HEAVY.fullmatch(name) or name.startswith("pulumi_openpanel.cli.")
            ] == []


def test_no_subcommand_at_all_prints_the_help_as_cheaply() -> None:
    assert [name for name in loaded_after() if HEAVY.fullmatch(name)] == []


def test_the_emulator_help_loads_no_pulumi_and_no_web_stack() -> None:
    out, modules = imported_by("emulator", "--help")
    assert "--rate-limit" in out
    assert [name for name in modules if HEAVY_BUT_THE_EMULATOR.fullmatch(name)] == []


@pytest.mark.parametrize(("name", "option"), [
    ("doctor", "--json"), ("adopt", "--output"), ("policy-pack", "--check"), ("recover", "--unlock"),
    ("emulator", "--seed-second-org"),
])
def test_a_chosen_subcommand_still_has_its_own_options(name: str, option: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([name, "--help"])
    assert exit_info.value.code == 0
    assert option in capsys.readouterr().out


def test_an_unknown_subcommand_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["docter"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'docter'" in capsys.readouterr().err


# -- a module a subcommand needs cannot be imported ----------------------------------------------------


def test_a_standard_module_missing_from_python_is_not_blamed_on_the_emulator_extra() -> None:
    # The emulator keeps its data in sqlite3, which some Python builds leave out: no extra brings it back.
    done = command_without("sqlite3", "emulator", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("pulumi-openpanel emulator: this Python"), done.stderr
    assert "lacks sqlite3, a module of its standard library" in done.stderr
    assert "extra" not in done.stderr and "pip install" not in done.stderr


def test_a_missing_dependency_of_the_package_is_named_before_the_subcommand_options_are_read() -> None:
    # recover needs httpx (the Manage API client); its own options (--dry-run) are only known once its module
    # is imported.
    done = command_without("httpx", "recover", "--dry-run")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"pulumi-openpanel recover: a dependency is missing (httpx). "
                                   f"Install the package again: {install_command()}")


def test_the_emulator_extra_is_asked_for_only_for_its_modules() -> None:
    done = command_without("uvicorn", "emulator", "--port", "0")
    assert done.returncode == 2
    assert f"Install the emulator extra: {install_command('emulator')}" in done.stderr


@pytest.mark.parametrize(("error", "says"), [
    (ModuleNotFoundError("No module named 'starlette'", name="starlette"),
     f"a dependency is missing (starlette). Install the emulator extra: {install_command('emulator')}"),
    (ModuleNotFoundError("No module named 'uvicorn.config'", name="uvicorn.config"),
     f"a dependency is missing (uvicorn.config). Install the emulator extra: {install_command('emulator')}"),
    (ModuleNotFoundError("No module named 'pulumi_policy'", name="pulumi_policy"),
     f"a dependency is missing (pulumi_policy). Install the policy extra: {install_command('policy')}"),
    (ModuleNotFoundError("No module named 'httpx'", name="httpx"),
     f"a dependency is missing (httpx). Install the package again: {install_command()}"),
    (ModuleNotFoundError("No module named 'pulumi_openpanel.cli.doctor'", name="pulumi_openpanel.cli.doctor"),
     f"a dependency is missing (pulumi_openpanel.cli.doctor). Install the package again: {install_command()}"),
    (ImportError("cannot import name 'ReadResult' from 'pulumi.dynamic'", name="pulumi.dynamic"),
     "an import failed (cannot import name 'ReadResult' from 'pulumi.dynamic'). Install the package again: "
     f"{install_command()}"),
])
def test_each_missing_module_gets_the_fix_that_brings_it(error: ImportError, says: str) -> None:
    assert missing_dependency(error) == says
