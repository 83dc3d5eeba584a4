"""Fixtures every suite shares (a pytest plugin loaded by tests/conftest.py).

Every program runs through a recording proxy, so "zero requests" and "one request per operation" are
measured the same way against the emulator and against a real server (acceptance mode). Programs run
under the real Pulumi CLI and language host (`make_project`); without the toolchain those tests skip
and say why (it needs Go and a few minutes to build once: scripts/pulumi-cli.sh).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.settings import (
    ENV_API_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_PACING_DIR,
    ApiSettings,
    Credentials,
)
from tests.support.manage import unique_suffix
from tests.support.polyglot import Plugin, cache_root, go_cache, link_plugin, missing_hosts, node_modules_cache
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, locate_toolchain
from tests.support.target import OpenPanelTarget

ProjectFactory = Callable[..., PulumiProject]


@pytest.fixture
def uid() -> str:
    """A suffix that keeps names unique on a shared (real) server."""
    return unique_suffix(8)


@pytest.fixture
def proxy(openpanel: OpenPanelTarget) -> Iterator[RecordingProxy]:
    with RecordingProxy(openpanel.api_url) as running:
        yield running


def unpaced(openpanel: OpenPanelTarget) -> bool:
    """The session's emulator has no rate limit, so nobody needs to pace; a real server keeps it."""
    return openpanel.emulator is not None and openpanel.emulator.rate_limiter is None


def credentials_env(api_url: str, client_id: str, client_secret: str, *, paced: bool = True,
                    **settings: str) -> dict[str, str]:
    """The OPENPANEL_* variables that point the provider (or doctor, or adopt) at an API with these
    credentials; pacing off unless `paced`; plus tuning `settings` (e.g. OPENPANEL_REQUEST_TIMEOUT="2").

    They also carry the session's pacing directory (tests/conftest.py), so that a process started with
    only these variables keeps its pacing state out of the user's home too."""
    env = {ENV_API_URL: api_url, ENV_CLIENT_ID: client_id, ENV_CLIENT_SECRET: client_secret}
    if os.environ.get(ENV_PACING_DIR):
        env[ENV_PACING_DIR] = os.environ[ENV_PACING_DIR]
    if not paced:
        env["OPENPANEL_RATE_LIMIT"] = "off"
    return {**env, **settings}


def provider_env(openpanel: OpenPanelTarget, api_url: str, **settings: str) -> dict[str, str]:
    """The provider's OPENPANEL_* variables for the session's credentials at `api_url` (the proxy, say)."""
    return credentials_env(api_url, openpanel.client_id, openpanel.client_secret, paced=not unpaced(openpanel),
                           **settings)


def direct_api(api_url: str, client_id: str, client_secret: str, *, paced: bool) -> ManageApi:
    """A ManageApi outside Pulumi, for setting the server up and checking it: OpenPanel's own pacing, or none."""
    settings = ApiSettings() if paced else ApiSettings(rate_limit=None)
    return ManageApi(Credentials(api_url, client_id, client_secret), settings)


def session_api(openpanel: OpenPanelTarget, client_id: str | None = None,
                client_secret: str | None = None) -> ManageApi:
    """A direct ManageApi on the session's server, with its credentials unless others are given."""
    return direct_api(openpanel.api_url, client_id or openpanel.client_id, client_secret or openpanel.client_secret,
                      paced=not unpaced(openpanel))


@pytest.fixture
def api(openpanel: OpenPanelTarget) -> ManageApi:
    """Direct access to the API, for what happens outside Pulumi (and for checking the server)."""
    return session_api(openpanel)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    found = locate_toolchain()
    if found.bin_dir is None:
        pytest.skip(f"the real Pulumi CLI is not available: {found.reason}")
    return found.bin_dir


@pytest.fixture
def make_project(pulumi_bin: Path, tmp_path: Path, openpanel: OpenPanelTarget,
                 proxy: RecordingProxy) -> Iterator[ProjectFactory]:
    """``make_project(source)`` or ``make_project(directory=path)``: a project with a stack of its own,
    its provider pointed at the proxy unless ``env`` says otherwise. Whatever a test leaves is destroyed."""
    made: list[PulumiProject] = []

    def make(source: str | None = None, *, directory: Path | None = None, stack: str = "dev",
             env: Mapping[str, str] | None = None, copy: bool = True) -> PulumiProject:
        scratch = tmp_path / f"project-{len(made)}"
        env = provider_env(openpanel, proxy.url) if env is None else env
        if directory is not None:
            project = PulumiProject.from_directory(directory, pulumi_bin, scratch, stack=stack, env=env, copy=copy)
        else:
            assert source is not None, "make_project needs a program's source or a directory"
            project = PulumiProject.from_source(source, pulumi_bin, scratch, stack=stack, env=env)
        made.append(project)
        return project

    yield make
    for project in made:
        if project.has_resources():
            # A test that leaves resources has failed already, or kept them protected on purpose.
            project.destroy(check=False, env=provider_env(openpanel, openpanel.api_url))


# -- the provider plugin, and the npm and Go caches of programs in other languages (tests/support/polyglot.py) --


@pytest.fixture(scope="session")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Plugin:
    """provider/ as a project sees it: its files linked, run with the test's own virtualenv."""
    return link_plugin(REPO_ROOT / "provider", tmp_path_factory.mktemp("plugin") / "openpanel")


_POLYGLOT_CACHE = pytest.StashKey[Path]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start preparing node_modules and the Go caches as soon as the tests that need them are collected, on a
    thread beside the tests that come first: most of those wait on the network, the pacer or the CLI, while
    the Go SDK's compile (over a minute on 2 cores) needs the CPU. The tests' own calls then wait for it
    (both take the cache's lock) or find it ready; a failure here is theirs to report."""
    names = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    if "polyglot_cache" not in names:
        return
    cache = cache_root() or session.config._tmp_path_factory.mktemp("polyglot-cache")  # type: ignore[attr-defined]
    session.config.stash[_POLYGLOT_CACHE] = cache

    def prepare() -> None:
        with contextlib.suppress(Exception):
            node_modules_cache(cache)
        if "go_programs" in names:
            with contextlib.suppress(Exception):
                go_cache(cache)

    threading.Thread(target=prepare, name="polyglot-cache", daemon=True).start()


@pytest.fixture(scope="session")
def polyglot_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where node_modules and the Go caches are prepared once for the session (or across sessions, under
    $PULUMI_OPENPANEL_CACHE when set): the one pytest_collection_finish began to fill."""
    return request.config.stash.get(_POLYGLOT_CACHE, None) or cache_root() or tmp_path_factory.mktemp(
        "polyglot-cache")


@pytest.fixture(scope="session")
def go_programs(polyglot_cache: Path) -> dict[str, str]:
    """The Go caches, warmed (the Go SDK compiled with the Go host's flags): the offline environment Go
    programs build in."""
    return go_cache(polyglot_cache)


@pytest.fixture(scope="session")
def hosts(pulumi_bin: Path) -> Path:
    """The toolchain's bin directory, which must hold the Node.js, Go and YAML hosts too."""
    missing = missing_hosts(pulumi_bin)
    assert not missing, f"the toolchain at {pulumi_bin} lacks {missing}: rebuild it with scripts/pulumi-cli.sh"
    return pulumi_bin
