"""The common picture of a stack that both the real engine and the engine driver can be reduced to.

Ids and generated secrets necessarily differ between two deployments, so they become placeholders named
after the resource that owns them; everything else (inputs, outputs, which values are secret,
dependencies, options recorded in state, the steps of each operation) must be identical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.engine.state import OperationResult
from tests.engine.wire import SECRET_SIG, SIG_KEY
from tests.realcli.harness import OPENPANEL_TYPE_PREFIX, StepLog

Decrypt = Callable[[Mapping[str, str]], Any]
_GENERATED_SECRET = re.compile(r"^sec_[0-9a-f]+$")


@dataclass(frozen=True)
class StepView:
    name: str
    op: str
    diffs: tuple[str, ...]
    keys: tuple[str, ...]


def real_steps(log: StepLog, *, finished: bool = False) -> dict[str, list[StepView]]:
    """The steps the engine started, or (`finished`) the ones that succeeded, with their outcome op
    (for a refresh: same, update or delete)."""
    steps = log.outcomes if finished else log.steps
    return _by_name(StepView(s.name, s.op, s.diffs, s.keys) for s in steps if s.type.startswith(OPENPANEL_TYPE_PREFIX))


def driver_steps(result: OperationResult, *, finished: bool = False) -> dict[str, list[StepView]]:
    """The driver records a step once it succeeded; `finished` gives a refresh's outcome as its op."""
    return _by_name(StepView(s.urn.rsplit("::", 1)[-1], (s.result_op or s.op) if finished else s.op,
                             tuple(sorted(s.diffs)), tuple(sorted(s.replaces)))
                    for s in result.steps if OPENPANEL_TYPE_PREFIX in s.urn)


def _by_name(steps: Iterable[StepView]) -> dict[str, list[StepView]]:
    result: dict[str, list[StepView]] = {}
    for step in steps:
        result.setdefault(step.name, []).append(step)
    return result


def _open_secrets(value: Any, decrypt: Decrypt | None) -> Any:
    """Secrets become {"secret": value}, whichever way the state wrote them."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "plaintext" in value:
                inner = json.loads(value["plaintext"])
            elif "ciphertext" in value and decrypt is not None:
                inner = decrypt(value)
            else:
                inner = value.get("value")
            return {"secret": _open_secrets(inner, decrypt)}
        return {k: _open_secrets(v, decrypt) for k, v in value.items()}
    if isinstance(value, list):
        return [_open_secrets(v, decrypt) for v in value]
    return value


def _substitute(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, names) for v in value]
    if isinstance(value, str):
        if value in names:
            return names[value]
        if _GENERATED_SECRET.match(value):
            return "<generated secret>"
    return value


def normalized_state(deployment: Mapping[str, Any], decrypt: Decrypt | None = None) -> dict[str, Any]:
    """The OpenPanel resources and the stack outputs of an exported deployment, ids as placeholders."""
    resources = [r for r in deployment.get("resources") or []
                 if str(r.get("type", "")).startswith(OPENPANEL_TYPE_PREFIX) and not r.get("delete")]
    names: dict[str, str] = {}
    for r in resources:
        name = r["urn"].rsplit("::", 1)[-1]
        names[r["id"]] = f"<{name}.id>"
        names[r["urn"]] = f"<{name}>"
        client_id = _open_secrets(r.get("outputs", {}), decrypt).get("client_id")
        if isinstance(client_id, str):
            names[client_id] = f"<{name}.client_id>"
    picture: dict[str, Any] = {}
    for r in resources:
        name = r["urn"].rsplit("::", 1)[-1]
        picture[name] = _substitute({
            "type": r["type"],
            "inputs": _open_secrets(r.get("inputs", {}), decrypt),
            "outputs": _open_secrets(r.get("outputs", {}), decrypt),
            "dependencies": sorted(r.get("dependencies") or []),
            "propertyDependencies": {k: sorted(v) for k, v in (r.get("propertyDependencies") or {}).items()},
            "additionalSecretOutputs": sorted(r.get("additionalSecretOutputs") or []),
            "protect": bool(r.get("protect")),
        }, names)
    root = next((r for r in deployment.get("resources") or [] if r.get("type") == "pulumi:pulumi:Stack"), None)
    picture["<stack outputs>"] = _substitute(_open_secrets((root or {}).get("outputs", {}), decrypt), names)
    return picture
