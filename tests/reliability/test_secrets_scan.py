"""After a whole life cycle (up with every resource type and a root client, refresh, failing operations,
destroy), no secret and no stored secret hash appears anywhere the run leaves: the exported state (where
secret outputs are ciphertext), the plugin's stderr with Python logging at DEBUG, the program's logs, the
test process's logging at DEBUG, the text and repr of every exception, and the pickled providers."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pulumi
import pytest

import pulumi_openpanel as op
from pulumi_openpanel.emulator import EmulatorServer
from tests.engine.driver import Engine, OperationResult, result_of
from tests.reliability.world import CLIENT_TYPE, PROJECT_TYPE, provider_env

PLUGIN_DEBUG_LOGGING = "import logging, sys\nlogging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"


def full_program(uid: str) -> Callable[[], None]:
    def program() -> None:
        web = op.Project("web", name=f"Secret {uid}", domain="https://example.com", types=["website"])
        reader = op.Client("reader", name=f"Reader {uid}", project_id=web.id, type="read")
        root = op.Client("automation", name=f"Automation {uid}", type="root")
        op.Reference("launch", project_id=web.id, title="Launch", datetime="2026-12-01T10:00:00Z")
        pulumi.export("write_secret", web.client_secret)
        pulumi.export("reader_secret", reader.secret)
        pulumi.export("root_secret", root.secret)

    return program


def failing_program(uid: str, fault: str) -> Callable[[], None]:
    def program() -> None:
        full_program(uid)()
        if fault == "missing project":
            op.Client("stray", name="Stray", project_id=f"missing-{uid}")
        else:
            op.Project("adopted", name=f"Adopted {uid}", adopt=f"missing-{uid}")

    return program


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(rate_limit=None).start()
    yield server
    server.stop()


def stored_hashes(emulator: EmulatorServer) -> set[str]:
    return {row[0] for row in emulator.store._conn.execute("SELECT secret_hash FROM clients") if row[0]}


def provider_pickles(results: list[OperationResult]) -> list[str]:
    """Every distinct ``__provider`` the plugin received, decoded (dill's bytes, read as latin-1)."""
    pickles = set()
    for result in results:
        for call in result.calls:
            for key in ("news", "properties", "olds", "old_inputs"):
                value = call.payload.get(key)
                if isinstance(value, dict) and isinstance(value.get("__provider"), str):
                    pickles.add(value["__provider"])
    return [text + "\n" + base64.b64decode(text).decode("latin-1") for text in sorted(pickles)]


def test_no_secret_or_hash_leaks_anywhere(emulator: EmulatorServer, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    (tmp_path / "sitecustomize.py").write_text(PLUGIN_DEBUG_LOGGING)
    seed = emulator.seed_organization("Secret organization")
    env = provider_env(emulator.api_url, seed.client_id, seed.client_secret)
    env["PYTHONPATH"] = str(tmp_path)
    engine = Engine(extra_env=env)
    uid = "c0ffee42"
    results: list[OperationResult] = []
    raised: list[BaseException] = []

    results.append(engine.up(full_program(uid)))
    created = [engine.state[urn].outputs for urn in engine.state]
    secrets = {seed.client_secret}
    for view in engine.state.values():
        if view.type == PROJECT_TYPE:
            secrets.add(view.outputs["client_secret"])
        if view.type == CLIENT_TYPE:
            secrets.add(view.outputs["secret"])
    assert len(secrets) == 4 and all(s.startswith("sec_") for s in secrets), created
    results.append(engine.refresh())
    for fault in ("missing project", "missing adoption"):
        with pytest.raises(Exception) as failure:
            engine.up(failing_program(uid, fault))
        raised.append(failure.value)
        results.append(result_of(failure.value))
    hashes = sorted(stored_hashes(emulator))  # read before destroy: deleted clients take theirs along
    assert len(hashes) == 4  # the seeded root client, the first write client, the reader, the automation
    results.append(engine.destroy())

    needles = sorted(secrets) + hashes + [h.split(".")[1] for h in hashes]

    haystacks = {
        "exported state": json.dumps(engine.export_state()),
        "plugin stderr": "\n".join(engine.plugin_logs),
        "program logs": "\n".join(line for r in results for line in r.program_logs),
        "test logging": caplog.text + "\n".join(r.getMessage() for r in caplog.records),
        "exceptions": "\n".join(f"{e}\n{e!r}\n{getattr(e, 'message', '')}" for e in raised),
        "providers": "\n".join(provider_pickles(results)),
    }
    assert "DEBUG" in haystacks["plugin stderr"]  # the plugin did log at DEBUG
    assert len(provider_pickles(results)) >= 3
    assert "Not found" in haystacks["exceptions"] or "not found" in haystacks["exceptions"]
    leaks = [(where, needle[:6] + "...") for where, text in haystacks.items() for needle in needles if needle in text]
    assert leaks == []
