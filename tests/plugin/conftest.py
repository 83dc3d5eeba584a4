"""Fixtures of the plugin's real-CLI tests: the plugin directory as a user's project points at it, and the
session's npm and Go caches (tests/support/polyglot.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.polyglot import Plugin, cache_root, link_plugin, missing_hosts

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Plugin:
    """provider/ as a project sees it: its files linked, run with the test's own virtualenv."""
    return link_plugin(REPOSITORY / "provider", tmp_path_factory.mktemp("plugin") / "openpanel")


@pytest.fixture(scope="session")
def polyglot_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where node_modules and the Go caches are prepared once for the session (or across sessions, under
    $PULUMI_OPENPANEL_CACHE when set)."""
    return cache_root() or tmp_path_factory.mktemp("polyglot-cache")


@pytest.fixture(scope="session")
def hosts(pulumi_bin: Path) -> Path:
    """The toolchain's bin directory, which must hold the Node.js, Go and YAML hosts too."""
    missing = missing_hosts(pulumi_bin)
    assert not missing, f"the toolchain at {pulumi_bin} lacks {missing}: rebuild it with scripts/pulumi-cli.sh"
    return pulumi_bin
