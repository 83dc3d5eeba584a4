"""After a whole life cycle run by the real `pulumi` CLI (up with every resource type and a root client,
refresh, a failing up, destroy), no secret and no stored secret hash appears anywhere the run leaves: the
exported state (where secret outputs are ciphertext), the CLI's stdout and stderr of every command and
its event logs, the Python logging at DEBUG of every process the CLI starts (the plugin among them), the
test process's logging at DEBUG, the texts of the errors, and the pickled providers in the state.

The plugin inherits the CLI's environment, so a ``sitecustomize.py`` on the project's PYTHONPATH turns
its logging to DEBUG, on its stderr (which the CLI shows) and into a file the test reads.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_openpanel.emulator import EmulatorServer
from tests.support.fixtures import ProjectFactory, provider_env
from tests.support.pulumi_cli import Run
from tests.support.world import CLIENT_TYPE, PROJECT_TYPE, emulator_target

LOG_FILE_VARIABLE = "SECRETS_SCAN_LOG"
DEBUG_LOGGING = f"""
import logging, os, sys

_argv = getattr(sys, "orig_argv", sys.argv)
_who = "plugin" if "pulumi.dynamic" in _argv else "python"
logging.basicConfig(
    level=logging.DEBUG,
    handlers=[logging.StreamHandler(sys.stderr), logging.FileHandler(os.environ[{LOG_FILE_VARIABLE!r}])],
    format=f"%(levelname)s {{_who}}[%(process)d] %(name)s: %(message)s",
)
"""


def full_program(uid: str, *, failing: bool = False) -> str:
    """Every resource type and a root client; with ``failing``, a client of a project that does not exist
    and the adoption of a project that does not exist as well."""
    return f"""
        import pulumi
        import pulumi_openpanel as op

        web = op.Project("web", name="Secret {uid}", domain="https://example.com", types=["website"])
        reader = op.Client("reader", name="Reader {uid}", project_id=web.id, type="read")
        root = op.Client("automation", name="Automation {uid}", type="root")
        op.Reference("launch", project_id=web.id, title="Launch", datetime="2026-12-01T10:00:00Z")
        pulumi.export("write_secret", web.client_secret)
        pulumi.export("reader_secret", reader.secret)
        pulumi.export("root_secret", root.secret)
        if {failing!r}:
            op.Client("stray", name="Stray", project_id="missing-{uid}")
            op.Project("adopted", name="Adopted {uid}", adopt="missing-{uid}")
    """


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A private emulator, whose stored hashes the test reads from its database."""
    server = EmulatorServer(rate_limit=None).start()
    yield server
    server.stop()


def stored_hashes(emulator: EmulatorServer) -> set[str]:
    return {row[0] for row in emulator.store._conn.execute("SELECT secret_hash FROM clients") if row[0]}


def provider_pickles(resources: list[dict[str, Any]]) -> list[str]:
    """Every distinct ``__provider`` in the state's inputs, as stored and decoded (dill's bytes as latin-1)."""
    pickles = {r["inputs"]["__provider"] for r in resources if isinstance(r.get("inputs", {}).get("__provider"), str)}
    return [text + "\n" + base64.b64decode(text).decode("latin-1") for text in sorted(pickles)]


def test_no_secret_or_hash_leaks_anywhere(make_project: ProjectFactory, emulator: EmulatorServer, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture, uid: str) -> None:
    caplog.set_level(logging.DEBUG)
    hooks, log_file = tmp_path / "hooks", tmp_path / "python-logging.txt"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(DEBUG_LOGGING)
    target = emulator_target(emulator, "Secret organization")
    env = {**provider_env(target, emulator.api_url), "PYTHONPATH": str(hooks), LOG_FILE_VARIABLE: str(log_file)}
    stack = make_project(full_program(uid), env=env)
    runs: list[Run] = [stack.up()]

    # Learnt from the state with secrets shown (that command's output is, by request, not scanned).
    shown = stack.resources(show_secrets=True)
    secrets = {target.client_secret}
    for resource in shown.values():
        if resource["type"] == PROJECT_TYPE:
            secrets.add(resource["outputs"]["client_secret"])
        if resource["type"] == CLIENT_TYPE:
            secrets.add(resource["outputs"]["secret"])
    assert len(secrets) == 4 and all(s.startswith("sec_") for s in secrets), shown
    exported = stack.export()
    runs.append(stack.pulumi("stack", "output", "--json"))
    runs.append(stack.refresh())
    stack.write_program(full_program(uid, failing=True))
    failed = stack.up(check=False)
    runs.append(failed)
    assert failed.returncode != 0
    hashes = sorted(stored_hashes(emulator))  # read before destroy: deleted clients take theirs along
    assert len(hashes) == 4  # the seeded root client, the first write client, the reader, the automation
    runs.append(stack.destroy())
    assert stack.resources() == {}

    needles = sorted(secrets) + hashes + [h.split(".")[1] for h in hashes]
    pickles = provider_pickles(list(shown.values()))
    python_logging = log_file.read_text()
    haystacks = {
        "exported state": json.dumps(exported),
        "cli output": "\n".join(run.output for run in runs),
        "event logs": "\n".join(json.dumps(run.events) for run in runs),
        "python logging": python_logging,
        "test logging": caplog.text + "\n".join(r.getMessage() for r in caplog.records),
        "errors": failed.output + "\n".join(failed.diagnostics()),
        "providers": "\n".join(pickles),
    }
    # The haystacks hold what they should, so that an empty scan means something.
    assert any(line.startswith("DEBUG plugin[") for line in python_logging.splitlines())
    assert "DEBUG plugin[" in haystacks["cli output"]  # the plugin's stderr reaches the CLI's output
    assert len(pickles) == 3  # one per resource type
    assert "not found" in haystacks["errors"].lower()
    leaks = [(where, needle[:6] + "...") for where, text in haystacks.items() for needle in needles if needle in text]
    assert leaks == []
