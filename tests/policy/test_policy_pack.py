"""The shipped policy pack under the real CLI: `pulumi preview --policy-pack "$(pulumi-openpanel policy-pack)"`.

Programs are previewed without credentials (previews send nothing). The pack's analyzer process runs
with the test's own interpreter, chosen the two ways the README documents: PULUMI_PYTHON_CMD for the
small programs, and `python3` first on PATH (an activated virtualenv) for the examples. Violations are
read from the engine's event log (`policyEvent`: policy, resource URN, enforcement level, message).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fixtures import ProjectFactory
from tests.support.pulumi_cli import CREDENTIAL_VARIABLES, REPO_ROOT, PulumiProject, Run

pytestmark = pytest.mark.cli

NO_CREDENTIALS = dict.fromkeys(CREDENTIAL_VARIABLES, "")
WITH_PACK_PYTHON = {**NO_CREDENTIALS, "PULUMI_PYTHON_CMD": sys.executable}
EXAMPLES = REPO_ROOT / "examples"
ALL_POLICIES = {
    "openpanel-cors-any-origin",
    "openpanel-website-without-cors",
    "openpanel-root-client",
    "openpanel-client-without-project",
    "openpanel-production-unprotected",
    "openpanel-unsafe-revenue-tracking",
    "openpanel-project-id-from-name",
}

# One resource per guardrail, each breaking that one only (every project but "unguarded" is protected).
BREAKS_EACH_POLICY = """
    import pulumi
    import pulumi_openpanel as op

    protected = pulumi.ResourceOptions(protect=True)
    op.Project("anywhere", name="Anywhere", domain="https://example.com", cors=["*"], types=["website"],
               opts=protected)
    op.Project("blind", name="Blind", domain="https://blind.example", types=["website"], opts=protected)
    op.Project("unguarded", name="Unguarded", cors=["https://unguarded.example"], types=["website"])
    op.Project("revenue", name="Revenue", cors=["https://shop.example"], types=["website"],
               allow_unsafe_revenue_tracking=True, opts=protected)
    op.Client("admin", name="Admin", type="root")
    op.Client("ingest", name="Ingest", type="write")
    op.Client("guess", name="Guess", project_id="anywhere", type="read")
"""
EXPECTED = {
    ("openpanel-cors-any-origin", "anywhere"),
    ("openpanel-website-without-cors", "blind"),
    ("openpanel-production-unprotected", "unguarded"),
    ("openpanel-unsafe-revenue-tracking", "revenue"),
    ("openpanel-root-client", "admin"),
    ("openpanel-client-without-project", "ingest"),
    ("openpanel-project-id-from-name", "guess"),
}


@pytest.fixture(scope="module")
def pack() -> str:
    """The pack's directory as users get it: what `pulumi-openpanel policy-pack` prints."""
    done = subprocess.run([sys.executable, "-m", "pulumi_openpanel.cli", "policy-pack"], capture_output=True,
                          text=True, check=True, timeout=60)
    directory = done.stdout.strip()
    assert (Path(directory) / "PulumiPolicy.yaml").is_file()
    return directory


def violations(run: Run) -> dict[tuple[str, str], dict[str, str]]:
    """(policy, resource name) -> the policyEvent, for every violation the preview reported."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for event in run.events:
        violation = event.get("policyEvent")
        if violation is not None:
            key = (violation["policyName"], violation["resourceUrn"].rsplit("::", 1)[-1])
            assert key not in found, f"{key} reported twice"
            found[key] = violation
    return found


def assert_pack_ran(run: Run) -> None:
    """The pack was loaded and ran (a preview without violations proves nothing otherwise)."""
    assert "openpanel-guardrails@v" in run.output, run.output[-3000:]
    assert "can't run policy" not in run.output and "failed to run policy" not in run.output, run.output[-3000:]


def test_each_policy_reports_its_trap_advisory_by_default(make_project: ProjectFactory, pack: str) -> None:
    stack = make_project(BREAKS_EACH_POLICY, stack="prod", env=WITH_PACK_PYTHON)
    run = stack.preview("--policy-pack", pack, check=False)

    assert run.returncode == 0, run.output[-3000:]
    assert_pack_ran(run)
    found = violations(run)
    assert set(found) == EXPECTED
    for (_policy, name), violation in found.items():
        assert violation["enforcementLevel"] == "advisory"
        assert f'"{name}"' in violation["message"]  # the message names the resource, for the reader of a log
    assert "[advisory]  openpanel-root-client" in run.output


def test_the_pack_config_makes_policies_mandatory_and_fails_the_preview(make_project: ProjectFactory, pack: str,
                                                                        tmp_path: Path) -> None:
    stack = make_project(BREAKS_EACH_POLICY, stack="prod", env=WITH_PACK_PYTHON)
    mandatory = ALL_POLICIES - {"openpanel-unsafe-revenue-tracking"}
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps(dict.fromkeys(sorted(mandatory), "mandatory")))

    run = stack.preview("--policy-pack", pack, "--policy-pack-config", str(config), check=False)

    assert run.returncode != 0
    assert_pack_ran(run)
    found = violations(run)
    assert set(found) == EXPECTED
    assert {policy for (policy, _), violation in found.items()
            if violation["enforcementLevel"] == "mandatory"} == mandatory
    assert found[("openpanel-unsafe-revenue-tracking", "revenue")]["enforcementLevel"] == "advisory"


def test_near_misses_of_every_policy_pass(make_project: ProjectFactory, pack: str) -> None:
    stack = make_project("""
        import pulumi
        import pulumi_openpanel as op

        protected = pulumi.ResourceOptions(protect=True)
        web = op.Project("web", name="Web", domain="https://example.com",
                         cors=["https://example.com", "*.example.com", "example.org"], types=["website"],
                         allow_unsafe_revenue_tracking=False, opts=protected)
        op.Project("api", name="API", types=["backend"], opts=protected)  # not a website: no cors needed
        op.Project("legacy", name="Legacy", cors=["legacy.example"], types=["website"], adopt="legacy",
                   opts=protected)
        op.Client("ingest", name="Ingest", project_id=web.id, type="write")
        op.Client("reader", name="Dashboards", project_id=web.id, type="read")
        op.Client("org-reader", name="Org reader", type="read")  # read clients may be organization-wide
        op.Client("legacy-reader", name="Legacy reader", project_id="legacy", type="read")  # adopted: id known
        op.Reference("launch", project_id=web.id, title="Launch", datetime="2026-12-01")
    """, stack="prod", env=WITH_PACK_PYTHON)

    run = stack.preview("--policy-pack", pack, check=False)

    assert run.returncode == 0, run.output[-3000:]
    assert_pack_ran(run)
    assert violations(run) == {}


def test_values_unknown_at_preview_are_not_flagged_but_known_ones_beside_them_are(
        make_project: ProjectFactory, pack: str) -> None:
    stack = make_project("""
        import pulumi
        import pulumi_openpanel as op

        protected = pulumi.ResourceOptions(protect=True)
        base = op.Project("base", name="Base", domain="https://example.com", cors=["https://example.com"],
                          types=["website"], opts=protected)
        op.Project("derived", name="Derived", cors=base.id.apply(lambda i: [f"https://{i}.example"]),
                   types=["website"], allow_unsafe_revenue_tracking=base.id.apply(lambda _: True), opts=protected)
        op.Project("mixed", name="Mixed", cors=[base.id, "*"], types=["website"], opts=protected)
        op.Client("typed-later", name="Later", type=base.id.apply(lambda _: "root"))
        op.Client("scoped", name="Scoped", project_id=base.id, type="write")
    """, stack="prod", env=WITH_PACK_PYTHON)

    run = stack.preview("--policy-pack", pack, check=False)

    assert run.returncode == 0, run.output[-3000:]
    assert_pack_ran(run)
    assert set(violations(run)) == {("openpanel-cors-any-origin", "mixed")}


def test_the_pack_config_says_which_stacks_are_production_and_which_clients_need_a_project(
        make_project: ProjectFactory, pack: str, tmp_path: Path) -> None:
    stack = make_project("""
        import pulumi_openpanel as op

        op.Project("site", name="Site", cors=["https://site.example"], types=["website"])
        op.Client("org-reader", name="Org reader", type="read")
    """, stack="live", env=WITH_PACK_PYTHON)
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({
        "openpanel-production-unprotected": {"enforcementLevel": "mandatory", "stackPattern": "^live$"},
        "openpanel-client-without-project": {"clientTypes": ["read", "write"]},
    }))

    run = stack.preview("--policy-pack", pack, "--policy-pack-config", str(config), check=False)

    assert run.returncode != 0
    assert_pack_ran(run)
    assert {key: violation["enforcementLevel"] for key, violation in violations(run).items()} == {
        ("openpanel-production-unprotected", "site"): "mandatory",
        ("openpanel-client-without-project", "org-reader"): "advisory",
    }


@pytest.mark.parametrize(("example", "stack_name"), [
    ("quickstart", "dev"), ("per-environment", "dev"), ("per-environment", "prod"), ("multi-org", "dev"),
])
def test_the_examples_pass_every_policy(make_project: ProjectFactory, pack: str, example: str,
                                        stack_name: str) -> None:
    stack: PulumiProject = make_project(directory=EXAMPLES / example, stack=stack_name, env=NO_CREDENTIALS)
    if example == "multi-org":
        stack.set_config({"openpanel-multi-org:customerClientId": "0f1e2d3c-4b5a-4697-8877-665544332211",
                          "openpanel-multi-org:customerClientSecret": "sec_00000000000000000000"},
                         secret=["openpanel-multi-org:customerClientSecret"])
    # As with an activated virtualenv: no PULUMI_PYTHON_CMD, the test's interpreter is `python3` on PATH.
    assert "PULUMI_PYTHON_CMD" not in stack.env and (Path(sys.executable).parent / "python3").exists()
    path = os.pathsep.join([str(Path(sys.executable).parent), stack.env["PATH"]])

    run = stack.preview("--policy-pack", pack, check=False, env={"PATH": path})

    assert run.returncode == 0, run.output[-3000:]
    assert_pack_ran(run)
    assert run.openpanel_steps()
    assert violations(run) == {}
