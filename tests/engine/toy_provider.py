"""A small dynamic resource that keeps its objects in a JSON file, to exercise the engine driver.

`kind` can only change by replacement, `size` and `label` update in place, `token` is a computed
secret (declared through additional_secret_outputs), and reading a vanished object answers with a blank
id. The store file comes from the `path` input or the TOY_STORE environment variable, read at call time.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

PROVIDER_KEY = "__provider"
INPUT_KEYS = ("kind", "size", "label", "path", "engineDiff")
_LOCK = threading.Lock()


def _store_path(props: dict[str, Any]) -> Path:
    path = props.get("path") or os.environ.get("TOY_STORE")
    if not path:
        raise RuntimeError("toy store path missing: set the `path` input or TOY_STORE")
    return Path(path)


def load_store(path: Path) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else {}


def _save_store(path: Path, store: dict[str, dict[str, Any]]) -> None:
    path.write_text(json.dumps(store, indent=1, sort_keys=True))


def _inputs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in INPUT_KEYS if props.get(k) is not None}


class ToyProvider(ResourceProvider):
    """Holds nothing but what `configure` sets, so it pickles by reference and identically every run."""

    def configure(self, req: ConfigureRequest) -> None:
        self.id_prefix = req.config.get("toy:idPrefix") or "toy-"

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        size = news.get("size")
        if not isinstance(size, Unknown) and (not isinstance(size, (int, float)) or size < 0):
            failures.append(CheckFailure("size", "must be a number >= 0"))
        kind = news.get("kind")
        if not isinstance(kind, Unknown) and (not isinstance(kind, str) or not kind):
            failures.append(CheckFailure("kind", "must be a non-empty string"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if news.get("engineDiff"):
            return DiffResult()  # changes=None: let the engine compare inputs itself
        changed = [k for k in ("kind", "size", "label") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k == "kind"])

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = _store_path(props)
        id_ = f"{getattr(self, 'id_prefix', 'toy-')}{uuid.uuid4().hex[:12]}"
        token = secrets.token_hex(16)
        with _LOCK:
            store = load_store(path)
            store[id_] = {**_inputs(props), "token": token}
            _save_store(path, store)
        print(f"toy: created {id_}", file=sys.stderr)
        return CreateResult(id_, {**_inputs(props), "token": token})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = _store_path(props)
        with _LOCK:
            found = load_store(path).get(id_)
        if found is None:
            return ReadResult(None, {})
        outs = {**found, "path": props.get("path")} if props.get("path") else dict(found)
        return ReadResult(id_, outs, _inputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = _store_path(news)
        with _LOCK:
            store = load_store(path)
            store[id_] = {**_inputs(news), "token": olds["token"]}
            _save_store(path, store)
        return UpdateResult({**_inputs(news), "token": olds["token"]})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        path = _store_path(props)
        with _LOCK:
            store = load_store(path)
            store.pop(id_, None)
            _save_store(path, store)


class Toy(Resource, module="toy", name="Toy"):
    kind: pulumi.Output[str]
    size: pulumi.Output[float]
    label: pulumi.Output[str]
    token: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        kind: pulumi.Input[str] | None,
        size: pulumi.Input[float] | None,
        label: pulumi.Input[str] | None = None,
        path: pulumi.Input[str] | None = None,
        engine_diff: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"kind": kind, "size": size, "label": label, "path": path,
                 "engineDiff": True if engine_diff else None, "token": None}
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(ToyProvider(), name, props, pulumi.ResourceOptions.merge(secret_opts, opts))

    @classmethod
    def get(cls, name: str, id_: pulumi.Input[str], *, path: str | None = None,
            opts: pulumi.ResourceOptions | None = None) -> Toy:
        """Look up an existing object without managing it (a ReadResource)."""
        return cls(name, kind=None, size=None, path=path,
                   opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id_)))
