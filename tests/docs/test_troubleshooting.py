"""docs/troubleshooting.md quotes what users see: failing programs run by the real CLI against the API under
test, and what they print is found in the page.

Each "you see" cell of the page's tables starts with a quote of the message, in which `...` stands for
any text and a lone `N` or `S` for a number. A scenario names the row it expects (by a phrase of it) and
runs a program that makes the error; the row's quote must match a line of what the CLI printed. The
page's example of a provider error must be the line the CLI prints, and no traceback may come before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.docs.pages import DOCS
from tests.support.fixtures import ProjectFactory
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import NO_CREDENTIALS, PulumiProject

pytestmark = pytest.mark.cli

PAGE = DOCS / "troubleshooting.md"
PROJECT = 'import pulumi_openpanel as openpanel\n\nweb = openpanel.Project("web", name="Web")\n'
# Where nothing listens: a connection there is refused at once.
NOWHERE = "http://127.0.0.1:9"


def quotes() -> list[str]:
    """The quote that starts each "you see" cell of the page's tables."""
    found = []
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| you see", "|---")):
            continue
        first_cell = line[2:].split(" | ", 1)[0]
        quote = re.search(r"(`+)(.+?)\1", first_cell)
        if quote:
            found.append(quote.group(2).strip())
    return found


def as_pattern(quote: str) -> re.Pattern[str]:
    pattern = re.escape(quote).replace(re.escape("..."), ".*?")
    return re.compile(re.sub(r"\b[NS]\b", r"\\d+", pattern))


@dataclass(frozen=True)
class Scenario:
    row: str  # a phrase of the row's quote that names it
    program: str
    command: str = "up"
    env: dict[str, str] = field(default_factory=dict)  # over the provider's, {PROXY} for the proxy's URL
    provider_error: bool = True  # the provider's own error: one line, no traceback


SCENARIOS = {
    "misspelt input": Scenario("unexpected keyword argument", PROJECT.replace('name="Web"', 'nme="Web"'),
                               "preview", provider_error=False),
    "missing input": Scenario("missing 1 required", PROJECT.replace('name="Web"', ""), "preview",
                              provider_error=False),
    "domain without scheme": Scenario("domain must be", PROJECT.replace(")", ', domain="example.com")'),
                                      "preview"),
    "client type": Scenario("type must be one of read", PROJECT + 'c = openpanel.Client("c", name="C", type="admin")\n',
                            "preview"),
    "no credentials": Scenario("credentials are missing", PROJECT, env=NO_CREDENTIALS),
    "wrong secret": Scenario("Invalid client secret", PROJECT, env={"OPENPANEL_CLIENT_SECRET": "sec_0123456789ab"}),
    "API root without its prefix": Scenario("ApiRootError", PROJECT, env={"OPENPANEL_API_URL": "{PROXY}/api"}),
    "API root with /manage": Scenario("without /manage", PROJECT, env={"OPENPANEL_API_URL": "{PROXY}/manage"}),
    "API root unreachable": Scenario("ConnectError", PROJECT, env={"OPENPANEL_API_URL": NOWHERE,
                                                                  "OPENPANEL_MAX_RETRIES": "1"}),
}


def run(stack: PulumiProject, scenario: Scenario, proxy: RecordingProxy) -> str:
    stack.write_program(scenario.program)
    env = {key: value.replace("{PROXY}", proxy.url) for key, value in scenario.env.items()}
    done = stack.preview(check=False, env=env) if scenario.command == "preview" else stack.up(check=False, env=env)
    assert done.returncode != 0, done.output[-3000:]
    return done.output


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_page_quotes_what_the_cli_prints(name: str, make_project: ProjectFactory,
                                             proxy: RecordingProxy) -> None:
    scenario = SCENARIOS[name]
    rows = [quote for quote in quotes() if scenario.row in quote]
    assert len(rows) == 1, f"troubleshooting.md has {len(rows)} rows quoting {scenario.row!r}"
    output = run(make_project(PROJECT), scenario, proxy)
    errors = [line.strip() for line in output.splitlines() if line.strip()]
    assert any(as_pattern(rows[0]).search(line) for line in errors), (rows[0], output[-3000:])
    # The provider's errors come alone; the program's come after its traceback.
    assert ("Traceback (most recent call last)" in output) is not scenario.provider_error, output[-3000:]


def test_the_example_of_a_provider_error_is_what_the_cli_prints(make_project: ProjectFactory,
                                                                proxy: RecordingProxy) -> None:
    example = PAGE.read_text(encoding="utf-8").split("```text\n", 1)[1].split("```", 1)[0]
    documented = [line.strip() for line in example.splitlines() if line.strip().startswith("error: ApiRootError")]
    assert len(documented) == 1, example
    output = run(make_project(PROJECT), SCENARIOS["API root without its prefix"], proxy)
    printed = [line.strip() for line in output.splitlines() if line.strip().startswith("error: ApiRootError")]
    assert printed, output[-3000:]
    # The page shows the emulator's default port where the test's proxy has a port of its own.
    assert printed[0].replace(proxy.url, "http://127.0.0.1:3333") == documented[0]
    for line in ("error: update failed", "error: Resource monitor has terminated, shutting down"):
        assert line in example and line in output
