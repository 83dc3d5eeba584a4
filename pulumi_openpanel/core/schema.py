"""Each resource's fields, declared once.

Everything else about a field derives from its line here. At run time: the check and diff table (a
:class:`Prop` is what ``check`` normalises and ``diff`` compares), what a create sends, the outputs read
from the server's answer, the secret outputs and adopt's generated code. Through the code generator
(``scripts/generate.py``, see scripts/codegen.py): the ``XxxArgs`` classes, each resource class's
typed ``__init__`` overloads and output annotations, the docstrings an IDE shows for every input and
output, the input fields of the wire models (models.py) and the inputs tables of the docs' resource
pages. A test fails when
the checked-in generated code is not what the generator makes of this module now.

Adding an input to a resource is one entry here, then ``scripts/generate.py``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic.alias_generators import to_camel

from pulumi_openpanel.core import normalize
from pulumi_openpanel.errors import InputError

ProjectType = Literal["website", "app", "backend"]
ClientType = Literal["read", "write", "root"]


def choices_of(value_type: Any) -> tuple[str, ...]:
    """The choices of a ``Literal`` type, or of the items of a list of one; () for other types."""
    item = typing.get_args(value_type)[0] if typing.get_origin(value_type) is list else value_type
    return typing.get_args(item) if typing.get_origin(item) is Literal else ()


def _default_normalizer(value_type: Any) -> Callable[[Any], Any]:
    choices = choices_of(value_type)
    if choices:
        many = typing.get_origin(value_type) is list
        return lambda value: normalize.choices(value, choices, many=many)
    if value_type is str:
        return normalize.text
    if value_type is bool:
        return normalize.boolean
    raise TypeError(f"no default normalizer for {value_type!r}: declare normalizer=")


@dataclass(frozen=True)
class Prop:
    """One input of a resource, which is also the output of the same name.

    ``doc`` is its rules, as the docs' table says them (lowercase, Markdown backticks; ``{choices}``
    stands for the allowed values). ``default`` is what the server takes when it is not set, and what
    ``check`` puts in its place. ``replaces``: a change needs a new object (the API cannot change it).
    ``wire``: the field of the server's answer that holds it, when not ``name``. ``at_create=False``: the
    API ignores it in a create, so a PATCH follows. ``nullable``: null is sent to clear it (otherwise a
    None is not sent at all); ``blank_clears``: a PATCH clears it with ``""`` (the server refuses null).
    ``refers_to``: the resource its value is the id of (adopt's code then refers to that resource, and a
    404 for that object names the input: :meth:`Resource.referred_missing`).
    """

    name: str
    type: Any
    doc: str
    required: bool = False
    default: Any = None
    normalizer: Callable[[Any], Any] | None = None
    replaces: bool = False
    wire: str | None = None
    read: Callable[[Any], Any] | None = None
    at_create: bool = True
    nullable: bool = False
    blank_clears: bool = False
    refers_to: str | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        return choices_of(self.type)

    @property
    def is_list(self) -> bool:
        return typing.get_origin(self.type) is list

    @property
    def optional(self) -> bool:
        """Whether the value can be None once checked (not required, and no default)."""
        return not self.required and self.default is None and not self.is_list

    def normalize(self, value: Any) -> Any:
        """The value as the server would store it (an unset value becomes the default); raises InputError."""
        if value is None and not self.required:
            return list(self.default or []) if self.is_list else self.default
        return (self.normalizer or _default_normalizer(self.type))(value)

    def same(self, old: Any, new: Any) -> bool:
        """Whether an old output and a new checked input are the same value (no change to make)."""
        try:
            return bool(self.normalize(old) == new) if old is not None else new in (None, [], False)
        except InputError:
            return False

    def output(self, model: Any) -> Any:
        """The output value of this input, read from the server's answer."""
        value = getattr(model, self.wire or self.name)
        if self.read is not None:
            return self.read(value)
        if self.is_list:
            return list(value or [])
        return value or None if self.optional else value


@dataclass(frozen=True)
class Out:
    """An output that is not an input. ``from_create``: only the create's answer has it (a once-only
    secret): it is carried from the old state through reads and updates. Otherwise it is read from the
    server's answer, by name."""

    name: str
    type: Any
    doc: str
    optional: bool = False
    secret: bool = False
    from_create: bool = False


# The module the dynamic door's resource classes are declared in (``module=`` of their class statement, which
# the code generator writes from here): Pulumi's SDK makes a class's type token
# ``pulumi-python:dynamic/<module>:<name>``, and every stack records it in its resources' URNs and types.
DYNAMIC_MODULE = "openpanel"
DYNAMIC_TYPE_PREFIX = f"pulumi-python:dynamic/{DYNAMIC_MODULE}:"

# The provider plugin's package and module (pulumi_openpanel/plugin/): its resources' type tokens are
# ``openpanel:index:<name>`` in every language, its state records their properties camelCase (:func:`camel`),
# and its provider resources (a stack's default one, each explicit one) are ``pulumi:providers:openpanel``.
PLUGIN_PACKAGE = "openpanel"
PLUGIN_MODULE = "index"
PLUGIN_TYPE_PREFIX = f"{PLUGIN_PACKAGE}:{PLUGIN_MODULE}:"
PLUGIN_PROVIDER_TYPE = f"pulumi:providers:{PLUGIN_PACKAGE}"


@dataclass(frozen=True)
class Resource:
    """A resource: its class name, the word for one in messages, its class docstring, inputs and outputs."""

    name: str
    kind: str
    doc: str
    props: tuple[Prop, ...]
    outs: tuple[Out, ...] = ()

    @property
    def dynamic_type(self) -> str:
        """The type token of the dynamic door's class for this resource, as states record it
        (``pulumi-python:dynamic/openpanel:Project``)."""
        return DYNAMIC_TYPE_PREFIX + self.name

    @property
    def plugin_type(self) -> str:
        """The type token of the provider plugin's resource, as states record it (``openpanel:index:Project``)."""
        return PLUGIN_TYPE_PREFIX + self.name

    @property
    def names(self) -> tuple[str, ...]:
        """Every input's and output's name (``id`` aside), as declared."""
        return tuple(prop.name for prop in self.props) + tuple(out.name for out in self.outs)

    @property
    def at_creation(self) -> tuple[Prop, ...]:
        """The inputs a create sends (:meth:`create_body`), so the fields an object made by a create echoes
        from its inputs; the others (``at_create=False``) only a later PATCH sets."""
        return tuple(prop for prop in self.props if prop.at_create)

    @property
    def in_call_order(self) -> tuple[Prop, ...]:
        """The inputs in the order of the keyword parameters: required ones first, as they read best. The
        generated overloads and ``XxxArgs`` and the classes' runtime signature all follow it."""
        return tuple(prop for prop in self.props if prop.required) + tuple(p for p in self.props if not p.required)

    @property
    def referring(self) -> tuple[Prop, ...]:
        """The inputs whose value is the id of another object (``refers_to``): a 404 for that object names
        them (see :meth:`referred_missing`)."""
        return tuple(prop for prop in self.props if prop.refers_to is not None)

    def referred_missing(self, message: str, inputs: Mapping[str, Any]) -> Prop | None:
        """The input a 404 is about, when the server's message says the object it refers to is missing.

        OpenPanel says which kind of object it did not find, in the words of the resources' names
        (``Project not found``), so the match is that word and the input's ``refers_to``; a 404 about the
        resource's own object (``Reference not found``) matches no input.
        """
        for prop in self.referring:
            if inputs.get(prop.name) and message.startswith(f"{prop.refers_to} not found"):
                return prop
        return None

    @property
    def carried(self) -> tuple[str, ...]:
        return tuple(out.name for out in self.outs if out.from_create)

    @property
    def computed(self) -> tuple[str, ...]:
        return tuple(out.name for out in self.outs if not out.from_create)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(out.name for out in self.outs if out.secret)

    def outputs_of(self, model: Any) -> dict[str, Any]:
        """The outputs the server's answer gives (every input, and the computed outputs)."""
        outputs = {prop.name: prop.output(model) for prop in self.props}
        outputs.update({name: getattr(model, name) for name in self.computed})
        return outputs

    def create_body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What a create sends, from checked inputs: the fields the API takes at creation that are set."""
        return {
            prop.name: inputs[prop.name]
            for prop in self.at_creation
            if inputs.get(prop.name) is not None or (prop.nullable and prop.name in inputs)
        }

    def after_create(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What a PATCH must set right after the create: fields the API ignores there, when not default."""
        return {
            prop.name: inputs[prop.name]
            for prop in self.props
            if not prop.at_create and inputs.get(prop.name) not in (None, prop.default)
        }


PROJECT = Resource(
    name="Project",
    kind="project",
    doc="""An OpenPanel project. Its id is the slug OpenPanel derives from the name (``web``, ``web-4821``).

    ``client_id`` and ``client_secret`` are the project's first write client, created with it; the secret
    is known only at creation and is a Pulumi secret.""",
    props=(
        Prop(
            "name",
            str,
            "not empty; refused only when its slug is empty. OpenPanel derives the id from the name: it keeps "
            "A-Z and 0-9, spells out accented Latin, Greek, Cyrillic and other letters and some symbols, and "
            "drops the rest, so `Проект` gives `proekt`, `€` `euro`, `R&D` `randd`, `web_app` `webapp`, while "
            "`🚀!!` and `日本語` would get an empty, unreachable id and are refused",
            required=True,
            normalizer=normalize.project_name,
        ),
        Prop(
            "domain",
            str,
            'an absolute `http(s)://` URL; trailing slashes dropped; `""` means none',
            normalizer=normalize.domain,
            nullable=True,
        ),
        Prop(
            "cors",
            list[str],
            "list of origins: `*`, `*.example.com`, `example.org`, `https://x.example.com`; no empty entries",
            default=[],
            normalizer=normalize.cors,
        ),
        Prop("cross_domain", bool, "bool, OpenPanel's *cross domain* setting", default=False),
        Prop("types", list[ProjectType], "subset of {choices}", default=[], replaces=True),
        Prop(
            "allow_unsafe_revenue_tracking",
            bool,
            "bool, OpenPanel's *allow unsafe revenue tracking* setting; the API ignores it at creation, so the "
            "provider sets it with a follow-up request (and deletes the project again if that fails)",
            default=False,
            at_create=False,
        ),
    ),
    outs=(
        Out("organization_id", str, "the id of the organization the project belongs to, set by OpenPanel"),
        Out(
            "client_id",
            str,
            "the id of the project's first write client, which OpenPanel creates with it (none for an adopted "
            "project); destroying the project deletes that client too",
            optional=True,
            from_create=True,
        ),
        Out(
            "client_secret",
            str,
            "the secret of that write client: a Pulumi secret, known only at creation",
            optional=True,
            secret=True,
            from_create=True,
        ),
    ),
)

CLIENT = Resource(
    name="Client",
    kind="client",
    doc="""An OpenPanel API client. ``secret`` is known only at creation and is a Pulumi secret; a client
    read or adopted from elsewhere has no secret in state.""",
    props=(
        Prop("name", str, "not empty", required=True),
        Prop(
            "project_id",
            str,
            "a project id; omit for an organization-wide client",
            replaces=True,
            refers_to="Project",
        ),
        Prop("type", ClientType, "{choices}", default="write", replaces=True),
    ),
    outs=(
        Out("organization_id", str, "the id of the organization the client belongs to, set by OpenPanel"),
        Out(
            "secret",
            str,
            "the client's secret: a Pulumi secret, known only at creation (a replaced client gets a new one; "
            "OpenPanel never shows it again)",
            optional=True,
            secret=True,
            from_create=True,
        ),
    ),
)

REFERENCE = Resource(
    name="Reference",
    kind="reference",
    doc="""A reference on a project's timeline. ``datetime`` is stored as UTC ``YYYY-MM-DDTHH:MM:SS.sssZ``.""",
    props=(
        Prop("project_id", str, "the id of the project whose timeline it marks", required=True, replaces=True,
             refers_to="Project"),
        Prop("title", str, "not empty", required=True),
        Prop(
            "description",
            str,
            'text; `""` and none are the same',
            normalizer=normalize.optional_text,
            blank_clears=True,
        ),
        Prop(
            "datetime",
            str,
            "ISO 8601 date (`2026-12-01`, midnight UTC) or date-time, with or without offset (none means UTC); "
            "stored and output as UTC `2026-12-01T10:00:00.000Z`",
            required=True,
            normalizer=normalize.iso_datetime,
            wire="date",
            read=normalize.iso_datetime,
        ),
    ),
)

RESOURCES = (PROJECT, CLIENT, REFERENCE)


# Each resource by the type token its state records (:attr:`Resource.dynamic_type`).
BY_DYNAMIC_TYPE = {resource.dynamic_type: resource for resource in RESOURCES}


def camel(name: str) -> str:
    """A declared name as the wire and every language but Python spell it: ``project_id`` -> ``projectId``.
    The Manage API's models (models.py) and the provider plugin's schema both take their names from it."""
    return to_camel(name)


@dataclass(frozen=True)
class Recorded:
    """A resource as a stack records it: which resource, and through which door, so how the state (and the
    program) spells its properties. The dynamic door records the declared names (``project_id``); the
    plugin door records them camelCase (``projectId``), as every language but Python writes them.

    What reads a stack's resources (``recover``, the policy pack) reads them through this, so that both doors'
    resources mean the same to it.
    """

    resource: Resource
    plugin: bool

    @property
    def type(self) -> str:
        """The type token the state records."""
        return self.resource.plugin_type if self.plugin else self.resource.dynamic_type

    def spell(self, name: str) -> str:
        """A declared name as this door's state and programs spell it: ``projectId`` or ``project_id``."""
        return camel(name) if self.plugin else name

    def declared(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A recorded inputs or outputs dict under the declared names; any other name (``__provider``,
        ``adopt``, ``connection``) as it is."""
        if not self.plugin:
            return dict(values)
        renamed = {camel(name): name for name in self.resource.names}
        return {renamed.get(key, key): value for key, value in values.items()}


# Each resource as a state records it, by the type token of either door.
BY_RECORDED_TYPE: dict[str, Recorded] = {
    recorded.type: recorded
    for resource in RESOURCES
    for recorded in (Recorded(resource, plugin=False), Recorded(resource, plugin=True))
}


def in_state(type_token: str | None) -> Recorded | None:
    """This package's resource a state's type token stands for, and how its names are spelt there; None for
    any other type (another provider's resource, a provider, the stack)."""
    return BY_RECORDED_TYPE.get(type_token or "")


def kind_of(name: str) -> str:
    """The word for one object of the resource called ``name`` (a ``refers_to``): ``Project`` -> project."""
    return next(resource.kind for resource in RESOURCES if resource.name == name)
