"""OpenPanel guardrails as Pulumi policies, for ``pulumi preview --policy-pack``.

Each policy catches a setting that goes wrong with OpenPanel in practice (see ``checks`` for the rules and
the README's "Guardrails" section for the reasons). They are plain ``pulumi_policy`` objects, so a team
can put any of them into a pack of its own next to other policies::

    from pulumi_policy import EnforcementLevel, PolicyPack
    from pulumi_openpanel.policy import cors_any_origin, root_client

    PolicyPack("our-guardrails", [cors_any_origin, root_client],
               enforcement_level=EnforcementLevel.MANDATORY)

None of them carries an enforcement level of its own: each takes its pack's (``enforcement_level=``), or
the one given by name in the pack's ``initial_config`` or in a ``--policy-pack-config`` file, which
wins. The pack shipped with this package (its directory is what ``pulumi-openpanel policy-pack``
prints) runs all of them, advisory.

Each applies to the resources of both doors: the Python package's dynamic resources and the provider
plugin's ``openpanel:index:*`` from any language (camelCase inputs, named so in the messages).

This module needs the ``policy`` extra (its ImportError says the pip command that adds it); the rest of
the package does not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

try:
    from pulumi_policy import (
        EnforcementLevel,
        Policy,
        PolicyConfigSchema,
        PolicyPack,
        ReportViolation,
        ResourceValidationArgs,
        ResourceValidationPolicy,
        StackValidationArgs,
        StackValidationPolicy,
    )
    from pulumi_policy.proxy import UnknownValueError
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the extra
    from pulumi_openpanel.install_source import install_command

    raise ImportError(f"pulumi_openpanel.policy needs pulumi-policy: {install_command('policy')}",
                      name=exc.name) from exc

from pulumi_openpanel.core.schema import CLIENT, PROJECT, Recorded, Resource, in_state
from pulumi_openpanel.policy import checks
from pulumi_openpanel.policy.checks import (
    DEFAULT_PRODUCTION_STACKS,
    DEFAULT_PROJECTLESS_CLIENT_TYPES,
    UNKNOWN,
)

PACK_NAME = "openpanel-guardrails"

__all__ = [
    "PACK_NAME",
    "POLICIES",
    "client_without_project",
    "cors_any_origin",
    "plain",
    "production_unprotected",
    "project_id_from_name",
    "root_client",
    "serve",
    "unsafe_revenue_tracking",
    "website_without_cors",
]


def plain(value: Any) -> Any:
    """A resource's inputs as plain dicts and lists, with :data:`checks.UNKNOWN` where the engine does
    not know a value yet.

    pulumi-policy hands a validation its inputs behind a proxy that raises ``UnknownValueError`` on
    reading an unknown value, and reports the policy as unable to run. Reading every value once here,
    a rule can tell "unknown" from "not set" and stay quiet about what it cannot know, and a known
    ``*`` next to an unknown origin is still seen.
    """
    if isinstance(value, Mapping):
        return {key: _read(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_read(value, index) for index in range(len(value))]
    return value


def _read(container: Any, key: Any) -> Any:
    try:
        item = container[key]
    except UnknownValueError:
        return UNKNOWN
    return plain(item)


# A resource rule: the resource's validation args, its inputs under the declared names, how it is recorded
# (its door) and its policy's config in; a message or None out.
Rule = Callable[[ResourceValidationArgs, Mapping[str, Any], Recorded, Mapping[str, Any]], str | None]


def _config(
    args: ResourceValidationArgs | StackValidationArgs, policy: str, known: Collection[str]
) -> Mapping[str, Any]:
    """The policy's config, refusing properties it does not have: Pulumi checks the types of those a
    policy declares but lets any other name through, so a typo (``stackPatern``) would silently keep the
    default."""
    config = args.get_config()
    unknown = sorted(set(config) - set(known))
    if unknown:
        takes = ", ".join(sorted(known)) if known else "nothing but enforcementLevel"
        raise ValueError(f"{policy}: unknown config {', '.join(unknown)} (it takes {takes})")
    return config


def _resource_policy(
    name: str, description: str, resource: Resource, rule: Rule, properties: dict[str, dict[str, Any]] | None = None
) -> ResourceValidationPolicy:
    """A policy that applies ``rule`` to every ``resource`` of either door and reports what it returns."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        config = _config(args, name, tuple(properties or ()))
        door = in_state(args.resource_type)
        if door is None or door.resource is not resource:
            return
        message = rule(args, door.declared(plain(args.props)), door, config)
        if message is not None:
            report_violation(message, None)

    schema = PolicyConfigSchema(properties=properties) if properties else None
    return ResourceValidationPolicy(name=name, description=description, validate=validate, config_schema=schema)


def _client_types(config: Mapping[str, Any]) -> tuple[str, ...]:
    types = config.get("clientTypes", DEFAULT_PROJECTLESS_CLIENT_TYPES)
    if isinstance(types, str) or not isinstance(types, Sequence):
        raise ValueError(f"clientTypes must be a list of client types, got {types!r}")
    return tuple(types)


def _validate_project_id_from_name(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    _config(args, PROJECT_ID_FROM_NAME, ())
    resources = [
        checks.StackResource(resource.resource_type, resource.name, resource.urn, plain(resource.props))
        for resource in args.resources
    ]
    for urn, message in checks.project_ids_from_names(resources):
        report_violation(message, urn)


PROJECT_ID_FROM_NAME = "openpanel-project-id-from-name"

cors_any_origin = _resource_policy(
    "openpanel-cors-any-origin",
    "A project's cors must not allow every origin: any site could send events in its name.",
    PROJECT,
    lambda args, props, door, _config: checks.cors_any_origin(args.name, props, door),
)

website_without_cors = _resource_policy(
    "openpanel-website-without-cors",
    "A website project needs cors entries: OpenPanel rejects browsers' events from other origins.",
    PROJECT,
    lambda args, props, door, _config: checks.website_without_cors(args.name, props, door),
)

root_client = _resource_policy(
    "openpanel-root-client",
    "Root clients (organization-wide admin credentials) do not belong in a program.",
    CLIENT,
    lambda args, props, door, _config: checks.root_client(args.name, props, door),
)

client_without_project = _resource_policy(
    "openpanel-client-without-project",
    "A write client needs a project_id: without one it writes to every project of the organization.",
    CLIENT,
    lambda args, props, door, config: checks.client_without_project(args.name, props, _client_types(config), door),
    {
        "clientTypes": {
            "type": "array",
            "items": {"type": "string", "enum": ["read", "write"]},
            "default": list(DEFAULT_PROJECTLESS_CLIENT_TYPES),
            "description": "The client types that must name a project.",
        },
    },
)

production_unprotected = _resource_policy(
    "openpanel-production-unprotected",
    "Projects of production stacks must be protected against deletion.",
    PROJECT,
    lambda args, _props, door, config: checks.production_unprotected(
        args.name, checks.stack_of(args.urn), bool(args.opts.protect), checks.production_pattern(config), door
    ),
    {
        "stackPattern": {
            "type": "string",
            "default": DEFAULT_PRODUCTION_STACKS,
            "description": "A regular expression (searched, case-insensitive) for production stack names.",
        },
    },
)

unsafe_revenue_tracking = _resource_policy(
    "openpanel-unsafe-revenue-tracking",
    "allow_unsafe_revenue_tracking lets anyone who can send events report revenue.",
    PROJECT,
    lambda args, props, door, _config: checks.unsafe_revenue_tracking(args.name, props, door),
)

project_id_from_name = StackValidationPolicy(
    name=PROJECT_ID_FROM_NAME,
    description="A project's id is not always the slug of its name: refer to the Project's id output.",
    validate=_validate_project_id_from_name,
)

# Every guardrail, in the order the README describes them.
POLICIES: tuple[Policy, ...] = (
    cors_any_origin,
    website_without_cors,
    root_client,
    client_without_project,
    production_unprotected,
    unsafe_revenue_tracking,
    project_id_from_name,
)


def serve(enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY) -> None:
    """Run every guardrail as the pack ``pulumi-openpanel policy-pack`` points at.

    Pulumi starts this in the analyzer process of ``--policy-pack``; it serves until Pulumi stops it.
    """
    PolicyPack(name=PACK_NAME, policies=list(POLICIES), enforcement_level=enforcement_level)
