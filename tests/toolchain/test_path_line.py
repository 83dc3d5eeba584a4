"""The README's promise to a user without Pulumi: after one documented line puts the toolchain on PATH,
plain `pulumi` commands work in a project directory of their own, outside this repository."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from tests.support.fixtures import provider_env
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import BUILD_SCRIPT, OFFLINE_SETTINGS, REPO_ROOT
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

PATH_LINE = 'export PATH="$(scripts/pulumi-cli.sh --print-dir):$PATH"'


def test_the_readme_shows_the_line_this_test_runs() -> None:
    assert PATH_LINE in (REPO_ROOT / "README.md").read_text()


def test_the_documented_path_line_runs_a_users_own_project(pulumi_bin: Path, tmp_path: Path,
                                                           openpanel: OpenPanelTarget, proxy: RecordingProxy,
                                                           api: ManageApi, uid: str) -> None:
    project = tmp_path / "my-analytics"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: my-analytics\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n")
    (project / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)  # their virtualenv
    (project / "__main__.py").write_text(textwrap.dedent(f"""
        import pulumi
        import pulumi_openpanel as openpanel
        site = openpanel.Project("site", name="Site {uid}", domain="https://example.com", types=["website"])
        pulumi.export("write_secret", site.client_secret)
    """))
    home, state = tmp_path / "home", tmp_path / "state"  # nothing under the developer's home
    home.mkdir()
    state.mkdir()
    cache = os.environ.get("PULUMI_OPENPANEL_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-openpanel")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PULUMI_", "OPENPANEL_"))}
    # Pulumi finds its home through the user database, not $HOME: PULUMI_HOME keeps it here too.
    env.update(HOME=str(home), PULUMI_HOME=str(home / ".pulumi"), PULUMI_OPENPANEL_CACHE=cache,
               PULUMI_CONFIG_PASSPHRASE="mine", **OFFLINE_SETTINGS, **provider_env(openpanel, proxy.url))
    script = f"""
        set -eu
        cd {REPO_ROOT}
        {PATH_LINE}
        cd {project}
        pulumi login {state.as_uri()}
        pulumi stack init dev
        pulumi preview --non-interactive
        pulumi up --yes --non-interactive
        pulumi stack output write_secret --show-secrets > secret.txt
        pulumi refresh --yes --non-interactive
        pulumi destroy --yes --non-interactive
    """
    done = subprocess.run(["bash", "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True,
                          timeout=300, check=False)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert BUILD_SCRIPT.exists()
    assert (project / "secret.txt").read_text().startswith("sec_")
    sent = [(r.method, r.path.split("/manage/", 1)[1]) for r in proxy.requests]
    # up: one POST; refresh reads twice (its preview reads too); destroy deletes the project.
    assert sent[:3] == [("POST", "projects"), ("GET", f"projects/site-{uid}"), ("GET", f"projects/site-{uid}")]
    assert ("DELETE", f"projects/site-{uid}") in sent[3:] and {method for method, _ in sent[3:]} == {"DELETE"}
    assert api.get_project(f"site-{uid}").deleted
    assert (state / ".pulumi" / "stacks").exists()
