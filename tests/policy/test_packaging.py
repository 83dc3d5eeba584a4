"""How the pack ships: the `policy-pack` subcommand, the pack directory's files, and a core package that
works without the `policy` extra."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from pulumi_openpanel import __version__, cli
from pulumi_openpanel.cli.policy_pack import PACK_DIRECTORY
from pulumi_openpanel.install_source import install_command
from pulumi_openpanel.policy import POLICIES
from tests.support.pulumi_cli import REPO_ROOT


def test_the_subcommand_prints_the_pack_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["policy-pack"]) == 0
    out, err = capsys.readouterr()
    directory = Path(out.strip())
    assert directory == PACK_DIRECTORY and directory.is_absolute()
    assert (directory / "__main__.py").is_file() and (directory / "PulumiPolicy.yaml").is_file()
    assert err == ""  # pulumi-policy is installed here: nothing to warn about


def test_the_pack_runs_with_the_path_python_and_carries_the_package_version() -> None:
    settings = yaml.safe_load((PACK_DIRECTORY / "PulumiPolicy.yaml").read_text())
    assert str(settings["version"]) == __version__
    # pip without a virtualenv: Pulumi takes $PULUMI_PYTHON_CMD or python3 from PATH, and never guesses a
    # uv or poetry project from the directories above the installed package.
    assert settings["runtime"] == {"name": "python", "options": {"toolchain": "pip"}}


def test_check_accepts_a_python_with_the_extra(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    assert cli.main(["policy-pack", "--check"]) == 0
    assert f"will run with {sys.executable}: ok" in capsys.readouterr().err


def test_check_explains_a_python_without_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bare = tmp_path / "bare-python"  # this interpreter without its site-packages: no pulumi_policy there
    bare.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    bare.chmod(0o755)
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(bare))
    assert cli.main(["policy-pack", "--check"]) == 1
    err = capsys.readouterr().err
    assert f"would run the pack with {bare}" in err and "No module named" in err
    assert f"({install_command('policy')})" in err and f"PULUMI_PYTHON_CMD={sys.executable}" in err

    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(tmp_path / "missing-python"))
    assert cli.main(["policy-pack", "--check"]) == 1
    assert "would find no Python to run the pack" in capsys.readouterr().err


def test_the_core_package_and_the_subcommand_work_without_pulumi_policy() -> None:
    script = textwrap.dedent("""
        import sys
        sys.modules["pulumi_policy"] = None  # as if the extra were not installed: importing it fails
        import pulumi_openpanel
        from pulumi_openpanel import cli
        assert cli.main(["policy-pack"]) == 0
        try:
            import pulumi_openpanel.policy
        except ImportError as exc:
            print("policy:", exc, file=sys.stderr)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(PACK_DIRECTORY)
    hint = install_command("policy")  # this checkout's: the package is not on an index yet
    assert hint == f'pip install -e "{REPO_ROOT}[policy]"'
    assert f"pulumi-policy is not installed here; {hint}" in done.stderr
    assert f"policy: pulumi_openpanel.policy needs pulumi-policy: {hint}" in done.stderr


def test_the_pack_files_are_package_data_and_the_extra_is_declared() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()  # read as text: tomllib needs Python 3.11
    assert re.search(r'^policy = \[\n    "pulumi-policy>=[0-9.]+",\n\]$', pyproject, re.MULTILINE)
    assert '"pulumi-openpanel[emulator,policy]"' in pyproject  # the dev extra: the tests need it
    # The wheel carries every file under pulumi_openpanel/ (hatchling): scripts/check-dist.sh checks that
    # the built wheel has the pack and that the installed command finds it.
    # __main__.py ships as a module of the package pulumi_openpanel.policy.pack, so that needs its __init__.py.
    assert (REPO_ROOT / "pulumi_openpanel" / "policy" / "pack" / "__init__.py").is_file()


def test_the_docs_describe_every_policy_and_their_config_example_is_valid() -> None:
    section = (REPO_ROOT / "docs" / "policy.md").read_text()
    for rule in POLICIES:
        assert f"| `{rule.name}`" in section, rule.name
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    properties = {rule.name: set((rule.config_schema.properties if rule.config_schema else None) or {})
                  for rule in POLICIES}
    for name, value in example.items():
        assert name in properties, name
        if isinstance(value, dict):
            assert set(value) - {"enforcementLevel"} <= properties[name], name
            value = value.get("enforcementLevel", "advisory")
        assert value in ("advisory", "mandatory", "disabled"), name
