"""Fixtures for the tests that run programs under the real Pulumi engine.

Without a built CLI (scripts/pulumi-cli.sh) every test here is skipped with the reason: this is the
one suite the project lets skip, since the CLI needs Go and a few minutes to build once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.cli_support import locate_pulumi_cli
from tests.realcli.harness import RealStack, open_stack
from tests.support.engine_fixtures import provider_env
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

StackFactory = Callable[..., RealStack]


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    found = locate_pulumi_cli()
    if found.bin_dir is None:
        pytest.skip(f"the real Pulumi CLI is not available: {found.reason}")
    return found.bin_dir


@pytest.fixture(autouse=True)
def _requires_cli(pulumi_bin: Path) -> None:
    """Every test here needs the CLI, whether or not it asks for the bin dir itself."""


@pytest.fixture
def credentials_env(openpanel: OpenPanelTarget, proxy: RecordingProxy) -> dict[str, str]:
    """The provider's credentials as OPENPANEL_* variables, pointing at the recording proxy."""
    return provider_env(openpanel, proxy.url)


@pytest.fixture
def make_stack(pulumi_bin: Path, tmp_path: Path, credentials_env: dict[str, str]) -> Iterator[StackFactory]:
    """Stacks in their own workspace and backend under tmp_path; whatever they leave is destroyed."""
    made: list[RealStack] = []

    def make(
        *,
        settings: auto.ProjectSettings,
        project_dir: Path,
        program: Callable[[], None],
        stack_name: str = "dev",
        env: Mapping[str, str] | None = None,
    ) -> RealStack:
        scratch = tmp_path / f"stack-{len(made)}"
        stack = open_stack(pulumi_bin, scratch, settings=settings, project_dir=project_dir, program=program,
                           stack_name=stack_name, env=credentials_env if env is None else env)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        if any(r.get("custom") for r in stack.resources()):
            # Still protected, say: the test has already failed on its own assertions.
            with contextlib.suppress(auto.CommandError):
                stack.destroy()
