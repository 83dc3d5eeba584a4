"""What each OpenPanel guardrail looks for, written over plain values.

The policies in ``pulumi_openpanel.policy`` hand these functions a resource's inputs as a plain dict in
which every value the engine cannot know yet (an Output of a resource that does not exist at preview) is
:data:`UNKNOWN`. Each function returns the violation's message, or ``None`` when there is nothing to
report, which is also the answer whenever the deciding value is unknown: a guardrail that cannot know
must stay quiet rather than guess. Nothing here imports ``pulumi_policy``, so the rules can be read and
tested on their own.

Every message says why the setting hurts in practice and what to write instead: it is what a reviewer
sees in ``pulumi preview``.

Both doors' resources are checked alike: the dynamic door's (Python programs) and the provider plugin's
(``openpanel:index:*``, from any language), whose inputs are spelt camelCase. The rules read
``props`` under the declared names (:meth:`~pulumi_openpanel.core.schema.Recorded.declared`); ``door`` is how
the resource is recorded, so a message names a property as its program writes it (``projectId`` or
``project_id``). Without a ``door``, the dynamic door's (Python's) spelling.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_openpanel.core.schema import CLIENT, PROJECT, REFERENCE, Recorded, in_state
from pulumi_openpanel.core.slug import slugify

# The dynamic door's type tokens (the plugin's are ``Resource.plugin_type``; :func:`in_state` knows both).
PROJECT_TYPE = PROJECT.dynamic_type
CLIENT_TYPE = CLIENT.dynamic_type
REFERENCE_TYPE = REFERENCE.dynamic_type

# Stack names that count as production unless the pack's config says otherwise: "prod" or "production"
# as a whole word of the name (prod, production, prod-eu, eu-prod, web.production), not preprod or product.
DEFAULT_PRODUCTION_STACKS = r"(^|[-_.])(prod|production)($|[-_.])"
# Client types that must name a project unless the pack's config says otherwise.
DEFAULT_PROJECTLESS_CLIENT_TYPES = ("write",)


class Unknown:
    """The marker of a value only the deployment will know. There is one: :data:`UNKNOWN`."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


def written(name: str, door: Recorded | None = None) -> str:
    """A declared input's name as the resource's program writes it: ``projectId`` for the plugin door."""
    return door.spell(name) if door is not None else name


def _setting(name: str, value: str, door: Recorded | None) -> str:
    """How a program sets an input, in the fix a message suggests: ``project_id=web.id`` in Python's
    keywords for the dynamic door, ``projectId: web.id`` for the plugin's (whatever the language)."""
    if door is not None and door.plugin:
        return f"{written(name, door)}: {value}"
    return f"{name}={value}"


def _known_strings(value: Any) -> list[str]:
    """The entries of a list input that are known strings (unknown entries are left out)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def _origin_host(entry: str) -> str:
    """A cors entry as OpenPanel compares it with a browser's Origin: without scheme, leading www. and
    trailing slash."""
    host = re.sub(r"^https?://", "", entry.strip(), flags=re.IGNORECASE)
    return host.removeprefix("www.").rstrip("/")


def allows_any_origin(entry: str) -> bool:
    """``*`` and entries made of nothing but wildcards and dots once the scheme is gone (``https://*``,
    ``*.*``): they match every site."""
    host = _origin_host(entry)
    return "*" in host and not any(character.isalnum() for character in host)


def _suggested_cors(props: Mapping[str, Any], door: Recorded | None) -> str:
    domain = props.get("domain")
    origin = domain if isinstance(domain, str) and domain else "https://example.com"
    return _setting("cors", f'["{origin}"]', door)


def cors_any_origin(name: str, props: Mapping[str, Any], door: Recorded | None = None) -> str | None:
    """A project whose cors lets every site send events in its name."""
    wide = [entry for entry in _known_strings(props.get("cors")) if allows_any_origin(entry)]
    if not wide:
        return None
    listed = ", ".join(f'"{entry}"' for entry in wide)
    return (
        f'Project "{name}" allows any origin in cors ({listed}): any website can send events in this '
        "project's name with the public client id from your page, filling its analytics with made-up "
        f"visitors. List the origins that serve your site instead, e.g. {_suggested_cors(props, door)} "
        '(or "*.example.com" for its subdomains).'
    )


def website_without_cors(name: str, props: Mapping[str, Any], door: Recorded | None = None) -> str | None:
    """A website project that no browser can send events to."""
    types = props.get("types")
    if not isinstance(types, list) or "website" not in types:
        return None
    cors = props.get("cors")
    if cors is UNKNOWN or (isinstance(cors, list) and cors):
        return None  # unknown entries still make a non-empty list: they will be origins
    domain = props.get("domain")
    no_domain = "" if isinstance(domain, str) and domain else " (and it has no domain either)"
    return (
        f'Project "{name}" is a website project with no cors entries{no_domain}: browsers send events '
        "without a client secret, and OpenPanel accepts those only from an origin listed in cors, so "
        f"every event from your site would be rejected. Set cors to the site's origins, e.g. "
        f"{_suggested_cors(props, door)}."
    )


def root_client(name: str, props: Mapping[str, Any], door: Recorded | None = None) -> str | None:
    """A root client declared in a program."""
    if props.get("type") != "root":
        return None
    return (
        f'Client "{name}" is a root client: it can read, change and delete every project and client of the '
        "organization, and its secret would be kept in this stack's state and outputs for anyone who can "
        "read them. Create root clients by hand in OpenPanel (Settings, Clients), keep their secret in your "
        "secret store for the provider to use, and declare read or write clients scoped to one project "
        "here."
    )


def client_without_project(
    name: str, props: Mapping[str, Any], types: Collection[str] = DEFAULT_PROJECTLESS_CLIENT_TYPES,
    door: Recorded | None = None,
) -> str | None:
    """A client of one of ``types`` (write by default) that acts for the whole organization."""
    client_type = props.get("type", "write")  # the provider's default
    if client_type is None:
        client_type = "write"
    if not isinstance(client_type, str) or client_type not in types:
        return None
    project_id = props.get("project_id")
    if project_id is UNKNOWN or (isinstance(project_id, str) and project_id.strip()):
        return None
    reach = "send events to" if client_type == "write" else "read the data of"
    return (
        f'Client "{name}" is a {client_type} client without {written("project_id", door)}: it can {reach} every '
        "project of the organization, today's and those created later, so one leaked secret exposes them all. "
        f"Give it the one project it serves, e.g. {_setting('project_id', 'web.id', door)}."
    )


def stack_of(urn: str) -> str:
    """The stack name in a resource's URN (``urn:pulumi:<stack>::<project>::<type>::<name>``)."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def production_pattern(config: Mapping[str, Any]) -> re.Pattern[str]:
    """The ``stackPattern`` of a policy's config (a regular expression searched in the stack name,
    ignoring case), or the default one."""
    pattern = config.get("stackPattern", DEFAULT_PRODUCTION_STACKS)
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"stackPattern must be a regular expression, got {pattern!r}")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"stackPattern {pattern!r} is not a valid regular expression: {exc}") from exc


def production_unprotected(name: str, stack: str, protected: bool, pattern: re.Pattern[str],
                           door: Recorded | None = None) -> str | None:
    """A project of a production stack that a stray destroy or replacement would delete."""
    if protected or not pattern.search(stack):
        return None
    return (
        f'Project "{name}" is not protected in production stack "{stack}": a stray pulumi destroy, or a '
        "replacement (a change of types), deletes it; OpenPanel purges its events 24 hours later, and a "
        "project created again gets a different id, so every app and client using the old one breaks. "
        + ("Declare it with the protect resource option (protect: true)." if door is not None and door.plugin
           else "Declare it with opts=pulumi.ResourceOptions(protect=True).")
    )


def unsafe_revenue_tracking(name: str, props: Mapping[str, Any], door: Recorded | None = None) -> str | None:
    """A project that takes revenue from senders without a client secret."""
    if props.get("allow_unsafe_revenue_tracking") is not True:
        return None
    return (
        f'Project "{name}" sets {written("allow_unsafe_revenue_tracking", door)}: OpenPanel then takes revenue from '
        "events sent without a client secret, so anyone who can send events from an allowed origin (any visitor's "
        "browser, or any site at all with a * in cors) can report made-up revenue. Send revenue from your "
        "backend with a write client's secret and leave the flag off."
    )


@dataclass(frozen=True)
class StackResource:
    """What the stack-wide guardrail needs of one resource: its type, name, URN and plain inputs (as recorded:
    camelCase for the plugin door's resources)."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]


def project_ids_from_names(resources: Iterable[StackResource]) -> list[tuple[str, str]]:
    """Clients and references that name a project of this program by the id its name would slugify to.

    OpenPanel gives a project the slug of its name only while no project anywhere has it (other
    organizations and projects deleted in the last 24 hours included); otherwise the id gets a random
    suffix. A literal id that counts on the slug points at the wrong project or at none. Returns
    ``(urn, message)`` pairs. Projects brought in with ``adopt=`` have the id they are given, so literals
    equal to an adopted id are fine.
    """
    expected: dict[str, tuple[str, str]] = {}
    adopted: set[str] = set()
    listed = [(resource, door, door.declared(resource.props)) for resource in resources
              for door in [in_state(resource.type)] if door is not None]
    for resource, door, props in listed:
        if door.resource is not PROJECT:
            continue
        adopt = props.get("adopt")
        if isinstance(adopt, str) and adopt:
            adopted.add(adopt)
            continue
        project_name = props.get("name")
        if adopt is UNKNOWN or not isinstance(project_name, str):
            continue
        slug = slugify(project_name)
        if slug:
            expected.setdefault(slug, (resource.name, project_name))
    found: list[tuple[str, str]] = []
    for resource, door, props in listed:
        if door.resource not in (CLIENT, REFERENCE):
            continue
        project_id = props.get("project_id")
        if not isinstance(project_id, str) or project_id not in expected or project_id in adopted:
            continue
        project, project_name = expected[project_id]
        kind = door.resource.name
        found.append((
            resource.urn,
            f'{kind} "{resource.name}" has {written("project_id", door)} "{project_id}", the id project "{project}" '
            f'would get from its name "{project_name}"; but OpenPanel gives that id only while no project anywhere '
            "has it (other organizations' and those deleted in the last 24 hours count), and adds a random suffix "
            f"otherwise ({project_id}-4821), so this {kind.lower()} would land on another project or on none. "
            f"Pass that Project's id output instead ({_setting('project_id', '<the Project>.id', door)}).",
        ))
    return found
