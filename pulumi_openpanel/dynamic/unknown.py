"""Pulumi's unknown values, as the dynamic door receives them in a preview (``pulumi.output.Unknown``): the core
takes the test as an argument, since each door has its own representation."""

from __future__ import annotations

from typing import Any

from pulumi.output import Unknown


def is_unknown(value: Any) -> bool:
    """True for values that only the deployment will know (a preview of a not-yet-created dependency)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(is_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(is_unknown(item) for item in value.values())
    return False
