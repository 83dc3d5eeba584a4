"""What every resource does, whichever door Pulumi drives it through: offline check and diff over the
resource's declared fields (schema.py), and create, read, update and delete over plain dicts and a
:class:`ManageApi`, keeping once-only secrets and the connection in the outputs.

Nothing here knows of Pulumi's SDK: a door (the dynamic providers in :mod:`pulumi_openpanel.dynamic`, a
provider plugin) resolves the credentials into a ``ManageApi``, tells the core which values are still
unknown (a preview), and turns its results into its own types.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.settings import CONNECTION_KEYS, normalize_api_url
from pulumi_openpanel.core.schema import Prop, Resource, kind_of
from pulumi_openpanel.errors import (
    AdoptionError,
    ConfigurationError,
    InputError,
    NotFoundError,
    ReferredNotFoundError,
)

CONNECTION = "connection"
# The id of an existing object to bring under management instead of creating one (see README: adoption).
ADOPT = "adopt"

Unknown = Callable[[Any], bool]


def never_unknown(_value: Any) -> bool:
    """For callers with every value known (a create, a lookup)."""
    return False


@dataclass(frozen=True)
class Failure:
    """An input check refused: the property and why, the message naming the property."""

    property: str
    reason: str


@dataclass(frozen=True)
class Checked:
    """The inputs normalised as the server stores them, and the failures (none when they may be sent)."""

    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Diffed:
    """The inputs that differ, and those of them that need a new object."""

    changes: list[str]
    replaces: list[str]


@dataclass(frozen=True)
class Found:
    """A read: the live object's outputs and the inputs that would make it."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


def as_declared(name: str) -> str:
    """The dynamic door's spelling of a property: as schema.py declares it (``project_id``)."""
    return name


class ResourceCore:
    """Base of the Project, Client and Reference cores: one instance serves every call (it holds nothing
    but ``spell``).

    ``spell`` is how the door's users write a property's name, for the messages that name one: the dynamic
    door's Python programs write ``project_id`` as declared, a provider plugin's programs ``projectId``.
    """

    # The resource's declared fields; a subclass sets it, and the tables below follow from it.
    schema: ClassVar[Resource]
    props: ClassVar[tuple[Prop, ...]] = ()
    # Outputs only Create can know (once-only secrets): carried from the old state on read and update.
    carried: ClassVar[tuple[str, ...]] = ()
    # Outputs the server computes, carried unchanged through an update that sends nothing.
    computed: ClassVar[tuple[str, ...]] = ()
    kind: ClassVar[str] = "object"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "schema" in cls.__dict__:
            cls.props, cls.carried, cls.computed = cls.schema.props, cls.schema.carried, cls.schema.computed
            cls.kind = cls.schema.kind

    def __init__(self, spell: Callable[[str], str] = as_declared) -> None:
        self.spell = spell

    # -- offline ----------------------------------------------------------------------------------

    def check(self, news: Mapping[str, Any], is_unknown: Unknown = never_unknown) -> Checked:
        """Normalise ``news`` as the server stores them, offline; bad input is a failure naming the
        property, never an exception."""
        inputs: dict[str, Any] = {}
        failures: list[Failure] = []
        known = {prop.name for prop in self.props} | {CONNECTION, ADOPT}
        for key in sorted(set(news) - known):
            failures.append(Failure(key, f"{key} is not a property of this resource"))
        for prop in self.props:
            value = news.get(prop.name)
            name = self.spell(prop.name)
            if is_unknown(value):
                inputs[prop.name] = value
            elif value is None and prop.required:
                failures.append(Failure(name, f"{name} is required"))
            else:
                try:
                    inputs[prop.name] = prop.normalize(value)
                except InputError as exc:
                    failures.append(Failure(name, f"{name} {exc}"))
        adopt = news.get(ADOPT)
        if is_unknown(adopt) or (isinstance(adopt, str) and adopt.strip()):
            inputs[ADOPT] = adopt.strip() if isinstance(adopt, str) else adopt
        elif adopt is not None:
            failures.append(Failure(ADOPT, f"{ADOPT} must be the id of an existing {self.kind}"))
        connection = news.get(CONNECTION)
        if connection:
            try:
                inputs[CONNECTION] = _check_connection(connection)
            except InputError as exc:
                failures.append(Failure(CONNECTION, f"{CONNECTION} {exc}"))
        return Checked(inputs, failures)

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: Unknown = never_unknown) -> Diffed:
        """What changes between the recorded outputs and the checked inputs, offline."""
        changes: list[str] = []
        replaces: list[str] = []
        for prop in self.props:
            new = news.get(prop.name)
            if is_unknown(new) or not prop.same(olds.get(prop.name), new):
                changes.append(prop.name)
                if prop.replaces:
                    replaces.append(prop.name)
        if is_unknown(news.get(CONNECTION)) or (olds.get(CONNECTION) or {}) != (news.get(CONNECTION) or {}):
            changes.append(CONNECTION)
        return Diffed(changes, replaces)

    # -- online -----------------------------------------------------------------------------------

    def create(self, api: ManageApi, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create the object (or adopt the one ``adopt`` names): its id and outputs."""
        adopt_id = props.get(ADOPT)
        with self._naming_the_referring_input(api, props):
            if adopt_id:
                object_id, outs = adopt_id, self._adopt(api, adopt_id, dict(props))
            else:
                object_id, outs = self.create_object(api, dict(props))
        return object_id, self._with_passthrough(outs, props)

    @contextlib.contextmanager
    def _naming_the_referring_input(self, api: ManageApi, inputs: Mapping[str, Any]) -> Iterator[None]:
        """A 404 for an object an input refers to (``Project not found`` for a ``project_id``) becomes a
        :class:`ReferredNotFoundError` naming that input, its value and what must be true of it; which
        inputs refer to what is the schema's ``refers_to``. Any other error passes unchanged."""
        try:
            yield
        except NotFoundError as exc:
            prop = None if isinstance(exc, ReferredNotFoundError) else self.schema.referred_missing(
                exc.server_message, inputs)
            if prop is None or prop.refers_to is None:
                raise
            raise ReferredNotFoundError(
                exc, input=self.spell(prop.name), value=str(inputs[prop.name]), kind=kind_of(prop.refers_to),
                credentials=api.credentials_in_use(),
            ) from exc

    def _adopt(self, api: ManageApi, object_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Take over an existing object: patch what the program changes, refuse what cannot change."""
        try:
            current = self.read_object(api, object_id)
        except NotFoundError:
            current = None
        if current is None:
            raise AdoptionError(
                f"cannot adopt {self.kind} {object_id!r}: it does not exist, is deleted, or belongs to another "
                "organization than the credentials in use"
            )
        for prop in self.props:
            if prop.replaces and not prop.same(current.get(prop.name), inputs.get(prop.name)):
                raise AdoptionError(
                    f"cannot adopt {self.kind} {object_id!r}: its {prop.name} is {current.get(prop.name)!r} but "
                    f"the program says {inputs.get(prop.name)!r}, and {prop.name} cannot change in place. Set "
                    f"{prop.name} to the existing value, or remove adopt= to create a new {self.kind}"
                )
        changed = self._patchable_changes(current, inputs)
        outs = self.update_object(api, object_id, changed) if changed else current
        for key in self.carried:
            outs[key] = None
        return outs

    def read(self, api: ManageApi, id_: str, props: Mapping[str, Any]) -> Found | None:
        """The live object as outputs and inputs, or None when it is gone (a refresh drops it)."""
        try:
            outs = self.read_object(api, id_)
        except NotFoundError:
            outs = None
        if outs is None:
            return None
        for key in self.carried:
            outs[key] = props.get(key)
        outs = self._with_passthrough(outs, props)
        inputs = self._with_passthrough({prop.name: outs.get(prop.name) for prop in self.props}, props)
        return Found(id_, outs, inputs)

    def _patchable_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The new values of the inputs that differ and can change in place: what a PATCH sends."""
        return {
            prop.name: news.get(prop.name)
            for prop in self.props
            if not prop.replaces and not prop.same(olds.get(prop.name), news.get(prop.name))
        }

    def update(self, api: ManageApi, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH what changed in place (nothing sent when nothing did): the new outputs."""
        changed = self._patchable_changes(olds, news)
        if changed:
            with self._naming_the_referring_input(api, news):
                outs = self.update_object(api, id_, changed)
        else:
            outs = {prop.name: olds.get(prop.name) for prop in self.props}
            outs.update({key: olds.get(key) for key in self.computed})
        for key in self.carried:
            outs[key] = olds.get(key)
        return self._with_passthrough(outs, news)

    def delete(self, api: ManageApi, id_: str, props: Mapping[str, Any]) -> None:
        """What a destroy does to the object: delete it; one already gone counts as deleted."""
        with contextlib.suppress(NotFoundError):
            self.delete_object(api, id_)

    # -- per resource -----------------------------------------------------------------------------

    def create_object(self, api: ManageApi, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def read_object(self, api: ManageApi, object_id: str) -> dict[str, Any] | None:
        """The outputs of the live object, or None when it is gone (as Pulumi should see it)."""
        raise NotImplementedError

    def update_object(self, api: ManageApi, object_id: str, changed: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def delete_object(self, api: ManageApi, object_id: str) -> None:
        raise NotImplementedError

    @staticmethod
    def _with_passthrough(outs: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs that are not API fields travel on in the outputs, as Pulumi expects of outputs."""
        for key in (CONNECTION, ADOPT):
            if props.get(key):
                outs[key] = props[key]
        return outs


def _check_connection(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("must be a Connection(api_url=..., client_id=..., client_secret=...)")
    checked = {key: value[key] for key in CONNECTION_KEYS if value.get(key) is not None}
    api_url = checked.get("apiUrl")
    if isinstance(api_url, str):
        try:
            checked["apiUrl"] = normalize_api_url(api_url, "api_url")
        except ConfigurationError as exc:
            raise InputError(str(exc).removeprefix("api_url ")) from None
    return checked


