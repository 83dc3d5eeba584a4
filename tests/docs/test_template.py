"""The docs' first step works here, offline: `pulumi new templates/openpanel-python` writes a project that
previews, by the real CLI, against the API under test.

`pulumi new python` fetches its template from the internet; this one is a directory of the repository.
The project it writes installs pulumi-openpanel from where PULUMI_OPENPANEL_REQUIREMENT says (a clone or
git: the package is on no index yet) and runs the first program of docs/index.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.docs.pages import REPO_ROOT, programs
from tests.support.fixtures import ProjectFactory
from tests.support.proxy import RecordingProxy, requests
from tests.support.pulumi_cli import isolated_env

TEMPLATE = REPO_ROOT / "templates" / "openpanel-python"
REQUIREMENT_VARIABLE = "PULUMI_OPENPANEL_REQUIREMENT"
# Anything that tried the network would go through this proxy, where nothing listens.
NO_NETWORK = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
              "NO_PROXY": "127.0.0.1,localhost"}


def first_program() -> str:
    found = [block for block in programs() if block.page == "index.md"]
    assert found, "docs/index.md has no program"
    return found[0].source


def test_the_template_runs_the_first_program_of_the_docs() -> None:
    assert (TEMPLATE / "__main__.py").read_text(encoding="utf-8") == first_program()
    settings = yaml.safe_load((TEMPLATE / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert settings["name"] == "${PROJECT}" and settings["template"]["description"]
    assert settings["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "venv"}


def pip_dry_run(requirements: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pip as `pulumi install` runs it, but resolving only against what is installed here."""
    inherited = {k: v for k, v in os.environ.items() if k != REQUIREMENT_VARIABLE}
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps",
                           "-r", str(requirements)], capture_output=True, text=True, timeout=300, check=False,
                          env={**inherited, **NO_NETWORK, **env})


def test_the_requirements_take_the_package_from_the_variable() -> None:
    requirements = TEMPLATE / "requirements.txt"
    lines = [line for line in requirements.read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["pulumi>=3.271,<4", f"${{{REQUIREMENT_VARIABLE}}}"]
    # Unset, pip says which line it could not read: the variable's name, not a lookup on an index.
    unset = pip_dry_run(requirements)
    assert unset.returncode != 0 and f"${{{REQUIREMENT_VARIABLE}}}" in unset.stderr, unset.stderr
    # Set, pip reads the requirement from it (here: the copy installed in this virtualenv).
    done = pip_dry_run(requirements, **{REQUIREMENT_VARIABLE: "pulumi-openpanel"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Requirement already satisfied: pulumi-openpanel" in done.stdout, done.stdout


@pytest.mark.cli
def test_pulumi_new_from_the_template_offline_then_preview(pulumi_bin: Path, tmp_path: Path,
                                                          make_project: ProjectFactory,
                                                          proxy: RecordingProxy) -> None:
    target = tmp_path / "analytics"
    env = isolated_env(tmp_path / "new", pulumi_bin, NO_NETWORK)
    done = subprocess.run([str(pulumi_bin / "pulumi"), "new", str(TEMPLATE), "--dir", str(target), "--yes",
                           "--generate-only", "--non-interactive"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(path.name for path in target.iterdir()) == [".gitignore", "Pulumi.yaml", "__main__.py",
                                                              "requirements.txt"]
    settings = yaml.safe_load((target / "Pulumi.yaml").read_text())
    assert settings["name"] == "analytics" and "template" not in settings
    assert (target / "requirements.txt").read_text() == (TEMPLATE / "requirements.txt").read_text()

    # The project as the user has it once `pip install -r requirements.txt` ran (its venv: this one's).
    stack = make_project(directory=target, copy=False)
    proxy.reset()
    plan = stack.preview(env=NO_NETWORK)
    assert plan.returncode == 0 and plan.diagnostics() == [], plan.output[-4000:]
    assert plan.ops_by_name() == {"web": ["create"], "dashboards": ["create"], "launch": ["create"]}
    assert requests(proxy) == []  # a preview sends nothing
