"""Pulumi's property values to the core's plain dicts and back, renaming on the way.

The core speaks plain Python values under the names schema.py declares (``project_id``); a plugin's programs
and its state speak ``PropertyValue``s under camelCase names (``projectId``). What this module settles once:

- a ``PropertyValue`` has no ``int`` (every number is a float): whole numbers come back as ``int``, so the
  core's rules and the settings' parsers see what a Python program would have given them;
- an unknown value (a preview) becomes :data:`UNKNOWN_VALUE`, which the core's ``is_unknown`` recognises, and goes
  back as the wire's unknown: the engine sends one either as a ``Computed`` or as the protocol's sentinel
  string, and the SDK can marshal only the string;
- secrecy survives the trip: an input the program made secret stays secret in the checked inputs and in the
  output of the same name, and the once-only secrets the schema declares are always secret.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN

from pulumi_openpanel.core.schema import camel


class _Unknown:
    """A value the engine will only know after the deployment (a preview): the core passes it through."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN_VALUE: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN_VALUE


def plain(value: PropertyValue) -> Any:
    """The plain Python value of a property value (secrecy dropped: see :func:`secret_keys`)."""
    inner = value.value
    if isinstance(inner, Computed) or inner == WIRE_UNKNOWN:
        return UNKNOWN_VALUE
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [plain(item) for item in inner]
    return inner


def property_value(value: Any, *, secret: bool = False) -> PropertyValue:
    """A plain value as a property value; nested lists and maps hold property values, as the SDK requires."""
    if value is UNKNOWN_VALUE:
        wrapped = PropertyValue(WIRE_UNKNOWN)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        wrapped = PropertyValue(value)
    elif isinstance(value, (int, float)):
        wrapped = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        wrapped = PropertyValue({str(key): property_value(item) for key, item in value.items()})
    elif isinstance(value, Sequence):
        wrapped = PropertyValue([property_value(item) for item in value])
    else:
        raise TypeError(f"no property value for a {type(value).__name__}")
    return wrapped.with_secret(True) if secret else wrapped


def secret_keys(values: Mapping[str, PropertyValue]) -> set[str]:
    """The names whose value is, or holds, a secret."""
    return {key for key, value in values.items() if value.contains_secret()}


class Names:
    """The two spellings of one resource's (or one setting table's) properties: declared and camelCase."""

    def __init__(self, declared: Collection[str]) -> None:
        self._to_camel = {name: camel(name) for name in declared}
        self._to_declared = {spelt: name for name, spelt in self._to_camel.items()}

    def spell(self, name: str) -> str:
        """A declared name as programs write it; any other name unchanged."""
        return self._to_camel.get(name, name)

    def declared(self, values: Mapping[str, PropertyValue]) -> dict[str, Any]:
        """Property values from the engine as the core's plain dict (unknown names kept as given)."""
        return {self._to_declared.get(key, key): plain(value) for key, value in values.items()}

    def wire(self, values: Mapping[str, Any], secret: Collection[str] = ()) -> dict[str, PropertyValue]:
        """The core's plain dict as property values for the engine; ``secret`` names (either spelling) stay
        secret."""
        return {
            self.spell(key): property_value(value, secret=key in secret or self.spell(key) in secret)
            for key, value in values.items()
        }
