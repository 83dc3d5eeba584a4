"""Each guardrail's logic, run through the policy objects themselves (no engine, no CLI).

pulumi-policy's own argument classes are built here the way its analyzer builds them, inputs behind the
same unknown-checking proxy, with its own sentinels for values unknown at preview, so what passes here is
what the pack does under `pulumi preview` (tests/policy/test_policy_pack.py runs that too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, unknown_checking_proxy

from pulumi_openpanel import policy
from pulumi_openpanel.core.schema import RESOURCES, in_state
from pulumi_openpanel.policy import checks
from pulumi_openpanel.policy.checks import CLIENT_TYPE, PROJECT_TYPE, REFERENCE_TYPE

PROJECT = PROJECT_TYPE
CLIENT = CLIENT_TYPE
REFERENCE = REFERENCE_TYPE


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def urn(resource_type: str, name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::shop::{resource_type}::{name}"


def check(rule: ResourceValidationPolicy, resource_type: str, props: Mapping[str, Any], *, name: str = "it",
          stack: str = "dev", protect: bool = False, config: Mapping[str, Any] | None = None) -> list[str]:
    """The messages `rule` reports for one resource."""
    reported: list[str] = []
    args = ResourceValidationArgs(resource_type, unknown_checking_proxy(dict(props)), urn(resource_type, name, stack),
                                  name, options(protect), None, config)

    def report(message: str, _urn: str | None = None) -> None:
        reported.append(message)

    rule.validate(args, report)
    return reported


def check_stack(resources: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """(URN, message) pairs the stack-wide guardrail reports for (type, name, props) resources."""
    reported: list[tuple[str, str]] = []
    listed = [PolicyResource(resource_type, unknown_checking_proxy(props), urn(resource_type, name), name,
                             options(), None, None, [], {}) for resource_type, name, props in resources]

    def report(message: str, at: str | None = None) -> None:
        reported.append((str(at), message))

    policy.project_id_from_name.validate(StackValidationArgs(listed, None), report)
    return reported


# -- cors that lets every site in ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["*", "https://*", "http://*/", "*.*", "www.*"])
def test_cors_entries_that_match_every_origin_are_flagged(entry: str) -> None:
    found = check(policy.cors_any_origin, PROJECT, {"cors": ["https://example.com", entry], "domain": "https://a.b"},
                  name="web")
    assert len(found) == 1
    assert 'Project "web"' in found[0] and f'"{entry}"' in found[0]
    assert 'cors=["https://a.b"]' in found[0]  # the fix suggests the project's own domain


@pytest.mark.parametrize("cors", [["*.example.com"], ["example.org", "https://x.example.com"], [], None,
                                  UNKNOWN_ARRAY_VALUE, [UNKNOWN_STRING_VALUE]])
def test_specific_or_unknown_origins_pass(cors: Any) -> None:
    assert check(policy.cors_any_origin, PROJECT, {"cors": cors}) == []


def test_a_known_wildcard_next_to_an_unknown_origin_is_still_flagged() -> None:
    assert len(check(policy.cors_any_origin, PROJECT, {"cors": [UNKNOWN_STRING_VALUE, "*"]})) == 1


# -- a website nobody's browser can send to -----------------------------------------------------------


@pytest.mark.parametrize("cors", [[], None])
def test_a_website_project_without_cors_is_flagged(cors: Any) -> None:
    found = check(policy.website_without_cors, PROJECT,
                  {"types": ["website"], "cors": cors, "domain": "https://shop.example"}, name="shop")
    assert len(found) == 1
    assert 'Project "shop"' in found[0] and "rejected" in found[0] and 'cors=["https://shop.example"]' in found[0]
    assert "no domain" not in found[0]


def test_a_website_project_without_cors_or_domain_says_both() -> None:
    [found] = check(policy.website_without_cors, PROJECT, {"types": ["app", "website"]})
    assert "no domain either" in found


@pytest.mark.parametrize("props", [
    {"types": ["website"], "cors": ["https://shop.example"]},
    {"types": ["website"], "cors": [UNKNOWN_STRING_VALUE]},
    {"types": ["website"], "cors": UNKNOWN_ARRAY_VALUE},
    {"types": UNKNOWN_ARRAY_VALUE, "cors": []},
    {"types": ["backend", "app"], "cors": []},
    {"types": [], "cors": []},
])
def test_websites_with_origins_other_projects_and_unknowns_pass(props: dict[str, Any]) -> None:
    assert check(policy.website_without_cors, PROJECT, props) == []


# -- clients ------------------------------------------------------------------------------------------


def test_a_root_client_is_flagged_whatever_else_it_has() -> None:
    [found] = check(policy.root_client, CLIENT, {"name": "Admin", "type": "root", "project_id": "web"}, name="admin")
    assert 'Client "admin" is a root client' in found and "secret" in found


@pytest.mark.parametrize("client_type", ["read", "write", UNKNOWN_STRING_VALUE, None])
def test_other_clients_are_not_root(client_type: Any) -> None:
    assert check(policy.root_client, CLIENT, {"name": "C", "type": client_type}) == []


@pytest.mark.parametrize("props", [{"type": "write"}, {"type": "write", "project_id": None}, {}, {"type": None}])
def test_a_write_client_without_project_is_flagged(props: dict[str, Any]) -> None:
    [found] = check(policy.client_without_project, CLIENT, {"name": "Ingest", **props}, name="ingest")
    assert 'Client "ingest" is a write client without project_id' in found and "every project" in found


@pytest.mark.parametrize("props", [
    {"type": "write", "project_id": "web-4821"},
    {"type": "write", "project_id": UNKNOWN_STRING_VALUE},
    {"type": UNKNOWN_STRING_VALUE},
    {"type": "read"},
    {"type": "root"},  # openpanel-root-client's business
])
def test_scoped_unknown_read_and_root_clients_pass_the_project_rule(props: dict[str, Any]) -> None:
    assert check(policy.client_without_project, CLIENT, {"name": "C", **props}) == []


def test_the_config_can_require_a_project_of_read_clients_too() -> None:
    config = {"clientTypes": ["read", "write"]}
    [found] = check(policy.client_without_project, CLIENT, {"name": "R", "type": "read"}, name="r", config=config)
    assert "read client without project_id" in found and "read the data of every project" in found
    nobody: dict[str, list[str]] = {"clientTypes": []}
    assert check(policy.client_without_project, CLIENT, {"name": "W", "type": "write"}, config=nobody) == []


# -- production stacks --------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "production", "prod-eu", "eu-prod", "web.production", "PROD"])
def test_unprotected_projects_of_production_stacks_are_flagged(stack: str) -> None:
    [found] = check(policy.production_unprotected, PROJECT, {"name": "Web"}, name="web", stack=stack)
    assert f'Project "web" is not protected in production stack "{stack}"' in found and "protect=True" in found


@pytest.mark.parametrize("stack", ["dev", "staging", "preprod", "product-demo", "prodigy"])
def test_other_stacks_need_no_protection(stack: str) -> None:
    assert check(policy.production_unprotected, PROJECT, {"name": "Web"}, stack=stack) == []


def test_protected_projects_and_other_resources_pass_in_production() -> None:
    assert check(policy.production_unprotected, PROJECT, {"name": "Web"}, stack="prod", protect=True) == []
    assert check(policy.production_unprotected, CLIENT, {"name": "C", "type": "read"}, stack="prod") == []


def test_the_config_says_which_stacks_are_production() -> None:
    config = {"stackPattern": "^live$"}
    assert len(check(policy.production_unprotected, PROJECT, {"name": "W"}, stack="live", config=config)) == 1
    assert check(policy.production_unprotected, PROJECT, {"name": "W"}, stack="prod", config=config) == []
    with pytest.raises(ValueError, match="not a valid regular expression"):
        check(policy.production_unprotected, PROJECT, {"name": "W"}, config={"stackPattern": "("})


# -- revenue ------------------------------------------------------------------------------------------


def test_unsafe_revenue_tracking_is_flagged_only_when_known_to_be_on() -> None:
    [found] = check(policy.unsafe_revenue_tracking, PROJECT, {"allow_unsafe_revenue_tracking": True}, name="shop")
    assert 'Project "shop" sets allow_unsafe_revenue_tracking' in found and "backend" in found
    for value in (False, None, UNKNOWN_BOOLEAN_VALUE):
        assert check(policy.unsafe_revenue_tracking, PROJECT, {"allow_unsafe_revenue_tracking": value}) == []


# -- project ids guessed from names (stack-wide) ------------------------------------------------------


def test_literal_project_ids_that_count_on_the_slug_are_flagged() -> None:
    found = check_stack([
        (PROJECT, "web", {"name": "Web Shop"}),
        (PROJECT, "ru", {"name": "Проект"}),
        (CLIENT, "reader", {"name": "R", "type": "read", "project_id": "web-shop"}),
        (REFERENCE, "launch", {"title": "Launch", "project_id": "proekt"}),
        (CLIENT, "scoped", {"name": "S", "type": "read", "project_id": UNKNOWN_STRING_VALUE}),
        (CLIENT, "elsewhere", {"name": "E", "type": "read", "project_id": "billing-7731"}),
    ])
    assert [at for at, _ in found] == [urn(CLIENT, "reader"), urn(REFERENCE, "launch")]
    assert 'Client "reader" has project_id "web-shop"' in found[0][1] and 'project "web"' in found[0][1]
    assert found[1][1].startswith('Reference "launch" has project_id "proekt"')


def test_adopted_projects_and_unknown_names_give_no_guess() -> None:
    assert check_stack([
        (PROJECT, "legacy", {"name": "Legacy", "adopt": "legacy"}),
        (PROJECT, "later", {"name": UNKNOWN_STRING_VALUE}),
        (CLIENT, "a", {"name": "A", "type": "read", "project_id": "legacy"}),
    ]) == []


# -- the plugin door's resources (any language: openpanel:index:*, camelCase inputs) --------------------

PLUGIN_PROJECT, PLUGIN_CLIENT, PLUGIN_REFERENCE = (resource.plugin_type for resource in RESOURCES)


def test_every_resource_rule_applies_to_plugin_resources_and_names_their_inputs_as_written() -> None:
    [cors] = check(policy.cors_any_origin, PLUGIN_PROJECT, {"cors": ["*"], "domain": "https://a.b"}, name="web")
    assert '("*")' in cors and 'cors: ["https://a.b"]' in cors and "cors=" not in cors
    [website] = check(policy.website_without_cors, PLUGIN_PROJECT, {"types": ["website"], "cors": []}, name="shop")
    assert 'Project "shop" is a website project' in website
    [root] = check(policy.root_client, PLUGIN_CLIENT, {"name": "Admin", "type": "root", "projectId": "web"})
    assert "is a root client" in root
    [projectless] = check(policy.client_without_project, PLUGIN_CLIENT, {"name": "Ingest", "type": "write"},
                          name="ingest")
    assert 'Client "ingest" is a write client without projectId' in projectless
    assert "projectId: web.id" in projectless and "project_id" not in projectless
    [unprotected] = check(policy.production_unprotected, PLUGIN_PROJECT, {"name": "Web"}, stack="prod")
    assert "protect: true" in unprotected and "ResourceOptions" not in unprotected
    [revenue] = check(policy.unsafe_revenue_tracking, PLUGIN_PROJECT, {"allowUnsafeRevenueTracking": True},
                      name="shop")
    assert 'Project "shop" sets allowUnsafeRevenueTracking' in revenue


def test_a_plugin_client_with_its_project_or_an_unknown_one_passes() -> None:
    for project_id in ("web-4821", UNKNOWN_STRING_VALUE):
        assert check(policy.client_without_project, PLUGIN_CLIENT, {"name": "C", "type": "write",
                                                                    "projectId": project_id}) == []
    assert len(check(policy.client_without_project, PLUGIN_CLIENT, {"name": "C"})) == 1  # write by default


def test_plain_value_checks_spell_names_for_the_door() -> None:
    """checks.py over plain values: the plugin's declared-named props, with its door, give its spelling;
    without a door, the dynamic door's (Python's)."""
    plugin_client = in_state(PLUGIN_CLIENT)
    assert plugin_client is not None
    found = checks.client_without_project("ingest", plugin_client.declared({"type": "write"}), door=plugin_client)
    assert found is not None and "without projectId" in found
    dynamic = checks.client_without_project("ingest", {"type": "write"})
    assert dynamic is not None and "without project_id" in dynamic and "project_id=web.id" in dynamic


def test_project_ids_from_names_across_both_doors() -> None:
    """A plugin client or reference counting on a project's slug, whichever door declares the project."""
    found = check_stack([
        (PLUGIN_PROJECT, "web", {"name": "Web Shop"}),
        (PROJECT, "ru", {"name": "Проект"}),
        (PLUGIN_CLIENT, "reader", {"name": "R", "type": "read", "projectId": "web-shop"}),
        (PLUGIN_REFERENCE, "launch", {"title": "Launch", "projectId": "proekt"}),
        (CLIENT, "py-reader", {"name": "P", "type": "read", "project_id": "web-shop"}),
        (PLUGIN_CLIENT, "scoped", {"name": "S", "type": "read", "projectId": UNKNOWN_STRING_VALUE}),
    ])
    assert [at for at, _ in found] == [urn(PLUGIN_CLIENT, "reader"), urn(PLUGIN_REFERENCE, "launch"),
                                       urn(CLIENT, "py-reader")]
    assert found[0][1].startswith('Client "reader" has projectId "web-shop"') and "projectId: <the Project>.id" in \
        found[0][1]
    assert found[1][1].startswith('Reference "launch" has projectId "proekt"')
    assert found[2][1].startswith('Client "py-reader" has project_id "web-shop"') and "project_id=<the" in found[2][1]


def test_the_plugins_provider_resource_is_left_alone() -> None:
    props = {"type": "root", "cors": ["*"], "types": ["website"], "allowUnsafeRevenueTracking": True}
    for rule in policy.POLICIES:
        if isinstance(rule, ResourceValidationPolicy):
            assert check(rule, "pulumi:providers:openpanel", props, stack="prod") == [], rule.name


# -- what every policy shares -------------------------------------------------------------------------


def test_policies_leave_other_resource_types_alone() -> None:
    props = {"type": "root", "cors": ["*"], "types": ["website"], "allow_unsafe_revenue_tracking": True}
    for rule in policy.POLICIES:
        if isinstance(rule, ResourceValidationPolicy):
            assert check(rule, "aws:s3/bucket:Bucket", props, stack="prod") == [], rule.name


def test_a_misspelt_config_property_fails_loudly() -> None:
    with pytest.raises(ValueError, match=r"openpanel-production-unprotected: unknown config stackPatern"):
        check(policy.production_unprotected, PROJECT, {"name": "W"}, config={"stackPatern": "^live$"})
    with pytest.raises(ValueError, match=r"openpanel-root-client: unknown config level"):
        check(policy.root_client, CLIENT, {"type": "read"}, config={"level": "high"})


def test_policies_take_their_enforcement_level_from_the_pack() -> None:
    names = [rule.name for rule in policy.POLICIES]
    assert len(set(names)) == len(names) == 7
    assert all(name.startswith("openpanel-") for name in names)
    assert all(rule.enforcement_level is None for rule in policy.POLICIES)
