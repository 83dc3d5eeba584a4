"""``OPENPANEL_REQUEST_LOG`` inside ``pulumi up`` and ``pulumi destroy``: the provider plugin, a process the
CLI starts (and whose standard error nobody sees), appends one line per request to the file, and the lines
match what the recording proxy saw, one for one. No secret reaches the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_openpanel.api.settings import ENV_REQUEST_LOG
from tests.support.fixtures import ProjectFactory, provider_env
from tests.support.proxy import RecordingProxy
from tests.support.target import OpenPanelTarget

pytestmark = pytest.mark.cli

LINE = re.compile(r"^\S+Z pid=(?P<pid>\d+) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\S+) \d+\.\dms "
                  r"attempt=(?P<attempt>\d+)$")


def _logged(path: Path) -> list[re.Match[str]]:
    matches = [LINE.match(line) for line in path.read_text().splitlines()]
    assert all(matches), path.read_text()
    return [match for match in matches if match]


def test_pulumi_up_and_destroy_write_the_request_log(
    make_project: ProjectFactory, proxy: RecordingProxy, openpanel: OpenPanelTarget, tmp_path: Path, uid: str
) -> None:
    log = tmp_path / "logs" / "openpanel-requests.log"
    log.parent.mkdir()
    stack = make_project(
        f"""
        import pulumi
        import pulumi_openpanel as op

        web = op.Project("web", name="Request log {uid}", domain="https://example.com", types=["website"])
        reader = op.Client("reader", name="Request log reader", project_id=web.id, type="read")
        pulumi.export("write_secret", web.client_secret)
        pulumi.export("reader_secret", reader.secret)
        """,
        env=provider_env(openpanel, proxy.url, **{ENV_REQUEST_LOG: str(log)}),
    )

    stack.preview()
    assert not log.exists()  # a preview sends nothing, so writes nothing

    stack.up()
    created = _logged(log)
    sent = [(record.method, record.path, str(record.status)) for record in proxy.requests]
    assert [(m["method"], m["path"], m["status"]) for m in created] == sent
    posts = [m["path"] for m in created if m["method"] == "POST"]
    assert any(path.endswith("/manage/projects") for path in posts), posts
    assert any(path.endswith("/manage/clients") for path in posts), posts
    assert all(m["attempt"] == "1" for m in created)
    outputs = stack.outputs(show_secrets=True)

    stack.destroy()
    everything = _logged(log)
    assert [m.group(0) for m in everything[: len(created)]] == [m.group(0) for m in created]  # appended
    deletes = [m for m in everything[len(created):] if m["method"] == "DELETE"]
    assert deletes, log.read_text()
    assert {m["pid"] for m in deletes}.isdisjoint({m["pid"] for m in created})  # another plugin process appended

    text = log.read_text()
    for secret in (openpanel.client_secret, outputs["write_secret"], outputs["reader_secret"]):
        assert secret and secret not in text
    for forbidden in ("openpanel-client-secret", "openpanel-client-id", openpanel.client_id, "Request log"):
        assert forbidden not in text
