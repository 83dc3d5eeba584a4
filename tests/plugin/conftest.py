"""Fixtures of the plugin's real-CLI tests: the plugin directory as a user's project points at it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
PLUGIN_FILES = ("PulumiPlugin.yaml", "__main__.py", "schema.json", "requirements.txt")


@pytest.fixture(scope="session")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of provider/ whose virtualenv is the test's own interpreter (which has the package installed from
    this checkout): the CLI runs it exactly as it runs a user's, without a second virtualenv to build."""
    directory = tmp_path_factory.mktemp("plugin") / "openpanel"
    directory.mkdir()
    for name in PLUGIN_FILES:
        shutil.copy2(REPOSITORY / "provider" / name, directory / name)
    (directory / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return directory
