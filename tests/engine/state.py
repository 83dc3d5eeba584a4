"""Stack state, step records and the errors an operation can end with.

Values inside `ResourceState` are in wire form (see wire.py): secrets stay wrapped so the driver knows
what to encrypt in `export_state()`; `view()` gives the plain picture tests assert on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .plugin import Call, CheckFailure
from .wire import PropertyMap, describe, is_secret, plain


@dataclass
class ResourceState:
    urn: str
    type: str
    custom: bool
    id: str = ""
    inputs: PropertyMap = field(default_factory=dict, repr=False)
    outputs: PropertyMap = field(default_factory=dict, repr=False)
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    external: bool = False
    delete: bool = False  # pending deletion after a create-before-delete replacement
    additional_secret_outputs: list[str] = field(default_factory=list)
    import_id: str = ""
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]

    def copy(self) -> ResourceState:
        return copy.deepcopy(self)

    def view(self) -> ResourceView:
        return ResourceView(
            urn=self.urn, type=self.type, name=self.name, id=self.id,
            inputs={k: plain(v) for k, v in self.inputs.items()},
            outputs={k: plain(v) for k, v in self.outputs.items()},
            secret_inputs=frozenset(k for k, v in self.inputs.items() if is_secret(v)),
            secret_outputs=frozenset(k for k, v in self.outputs.items() if is_secret(v)),
            parent=self.parent, dependencies=tuple(self.dependencies), protect=self.protect,
            retain_on_delete=self.retain_on_delete, external=self.external,
        )


@dataclass(frozen=True)
class ResourceView:
    """Plain view of one resource for assertions; secrets are shown in clear, with their keys listed."""

    urn: str
    type: str
    name: str
    id: str
    inputs: dict[str, Any] = field(repr=False)
    outputs: dict[str, Any] = field(repr=False)
    secret_inputs: frozenset[str]
    secret_outputs: frozenset[str]
    parent: str
    dependencies: tuple[str, ...]
    protect: bool
    retain_on_delete: bool
    external: bool


@dataclass
class StepRecord:
    """One engine step (display.StepOp names: same, create, update, delete, replace, create-replacement,
    delete-replaced, read, read-replacement, refresh, discard, import, ...)."""

    op: str
    urn: str
    old_id: str = ""
    new_id: str = ""
    changes: str = ""  # the diff verdict behind the step: "none", "some" or "" when no diff was taken
    diffs: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    inputs: PropertyMap = field(default_factory=dict, repr=False)  # planned/checked inputs, wire form
    result_op: str = ""  # refresh only: what the refresh amounted to ("same", "update" or "delete")


@dataclass
class OperationResult:
    kind: str
    steps: list[StepRecord] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    exports: PropertyMap = field(default_factory=dict, repr=False)
    plugin_logs: str = field(default="", repr=False)
    program_logs: list[str] = field(default_factory=list, repr=False)

    def ops(self, urn: str) -> list[str]:
        return [s.op for s in self.steps if s.urn == urn]

    @property
    def ops_by_urn(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for step in self.steps:
            result.setdefault(step.urn, []).append(step.op)
        return result

    def calls_to(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    @property
    def changed(self) -> bool:
        """True when any step other than "same" happened (what `pulumi up` would show as changes)."""
        return any(s.op != "same" for s in self.steps)

    @property
    def outputs(self) -> dict[str, Any]:
        """Stack exports as plain values."""
        return {k: plain(v) for k, v in self.exports.items()}

    @property
    def secret_outputs(self) -> frozenset[str]:
        return frozenset(k for k, v in self.exports.items() if is_secret(v))


class EngineError(Exception):
    """An operation failed; `result` holds the steps taken before the failure."""

    result: OperationResult | None = None


class CheckFailedError(EngineError):
    """Check returned failures: the CLI's "resource ... has check errors" / invalid property error."""

    def __init__(self, urn: str, type_: str, failures: list[CheckFailure], inputs: PropertyMap) -> None:
        lines = []
        name = urn.split("::")[-1]
        for failure in failures:
            if failure.property:
                value = describe(inputs.get(failure.property))
                lines.append(f"{type_} resource '{name}': property {failure.property} value {value} "
                             f"has a problem: {failure.reason}")
            else:
                lines.append(f"{type_} resource '{name}' has a problem: {failure.reason}")
        super().__init__(f"resource {urn} has check errors:\n" + "\n".join(lines))
        self.urn = urn
        self.failures = failures


class ProtectedResourceError(EngineError):
    def __init__(self, urn: str, replacing: bool = False) -> None:
        if replacing:
            message = (f"unable to replace resource {urn!r}\nas it is currently marked for protection. "
                       "To unprotect the resource, remove the `protect` flag from the resource in your "
                       "Pulumi program and run `pulumi up`")
        else:
            message = (f"resource {urn!r} cannot be deleted\nbecause it is protected. To unprotect the "
                       "resource, either remove the `protect` flag from the resource in your Pulumi program "
                       f"and run `pulumi up`, or use the command:\n`pulumi state unprotect '{urn}'`")
        super().__init__(message)
        self.urn = urn


class StepError(EngineError):
    """Any other step failure the engine reports as an error (import mismatch, missing resource, ...)."""

    def __init__(self, urn: str, message: str) -> None:
        super().__init__(f"{urn}: {message}")
        self.urn = urn
        self.message = message


class ProgramError(EngineError):
    """The Pulumi program itself raised (not a step failure)."""
