"""The real `python -m pulumi.dynamic` provider plugin, started and spoken to the way the engine does.

Every call goes through the same marshalling rules as the engine's gRPC provider client
(sdk/go/common/resource/plugin/provider_plugin.go): secrets are stripped unless the plugin accepted
them in Configure, unknowns are only kept where the engine allows them, and secretness is copied back
from the request onto what the plugin returns (annotateSecrets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .wire import PropertyMap, annotate_secrets, from_struct, is_secret, make_secret, plain, to_struct, unwrap

REPO_ROOT = Path(__file__).resolve().parents[2]
DYNAMIC_PACKAGE = "pulumi-python"


class ProviderCallError(Exception):
    """A provider RPC failed; carries the plugin's own message (its traceback) as the CLI shows it."""

    def __init__(self, method: str, urn: str, message: str) -> None:
        super().__init__(f"{method} failed for {urn}: {message}")
        self.method = method
        self.urn = urn
        self.message = message


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


@dataclass
class DiffResult:
    """The engine's view of a provider diff (plugin.DiffResult)."""

    changes: str  # "none" | "some" | "unknown"
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass(frozen=True)
class ReadResult:
    id: str
    outputs: PropertyMap | None
    inputs: PropertyMap | None


@dataclass(frozen=True)
class Call:
    """One RPC sent to the plugin, with the plain (already marshalled) payload it received."""

    method: str
    urn: str
    id: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict, repr=False)


_CHANGES = {
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}


def _urn_parts(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[2].split("$")[-1], parts[3]


def plugin_environment(
    base: Mapping[str, str] | None,
    extra: Mapping[str, str] | None,
    remove: Iterable[str],
    project: str,
    config: Mapping[str, Any],
) -> dict[str, str]:
    """Build the plugin's environment as the engine does (PULUMI_PROJECT, PULUMI_CONFIG) plus test paths."""
    env = dict(os.environ if base is None else base)
    env.update(extra or {})
    for name in remove:
        env.pop(name, None)
    paths = [str(REPO_ROOT)]
    paths += [p for p in sys.path if p and p.startswith(str(REPO_ROOT)) and p not in paths]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PULUMI_PROJECT"] = project
    env["PULUMI_CONFIG"] = json.dumps({k: unwrap(v) for k, v in config.items()})
    return env


class ProviderPlugin:
    """One `python -m pulumi.dynamic` process, configured once with the stack config.

    `config` maps namespaced keys (`openpanel:clientId`) to values; keys in `secret_keys` (or values
    already wrapped as secrets) travel as secrets in Configure, as the engine sends secret config.
    `env` replaces the inherited environment, `extra_env` adds to it, `remove_env` drops names.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        secret_keys: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        remove_env: Iterable[str] = (),
        project: str = "project",
        timeout: float = 60.0,
    ) -> None:
        hidden = set(secret_keys)
        config = {k: make_secret(v) if k in hidden else v for k, v in config.items()}
        self.calls: list[Call] = []
        self._stderr: list[str] = []
        self._timeout = timeout
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=plugin_environment(env, extra_env, remove_env, project, config),
            cwd=str(REPO_ROOT),
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._readers = [
            threading.Thread(target=self._drain, args=(self._process.stderr, self._stderr), daemon=True),
        ]
        first = self._process.stdout.readline().decode().strip()
        drain_stdout = threading.Thread(target=self._drain, args=(self._process.stdout, []), daemon=True)
        self._readers.append(drain_stdout)
        for reader in self._readers:
            reader.start()
        if not first.isdigit():
            self.close()
            raise RuntimeError(f"provider plugin did not print a port: {first!r}; stderr: {self.logs}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{first}")
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self.accept_secrets = True
        self.accept_resources = True
        self.supports_preview = False
        try:
            self._handshake()
            self._configure(config)
        except BaseException:
            self.close()  # a plugin that failed its set-up must not outlive the test
            raise

    @staticmethod
    def _drain(stream: Any, sink: list[str]) -> None:
        for line in iter(stream.readline, b""):
            sink.append(line.decode(errors="replace"))

    @property
    def logs(self) -> str:
        """Everything the plugin wrote to stderr so far."""
        return "".join(self._stderr)

    def _rpc(self, method: str, urn: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as err:
            raise ProviderCallError(method, urn, err.details() or str(err.code())) from None

    def _handshake(self) -> None:
        # The engine tries Handshake first and falls back to Configure's answer when unimplemented.
        try:
            self._stub.Handshake(provider_pb2.ProviderHandshakeRequest(
                engine_address="127.0.0.1:0", configure_with_urn=True, supports_views=True,
            ), timeout=self._timeout)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise ProviderCallError("Handshake", "", err.details() or "") from None

    def _configure(self, config: Mapping[str, Any]) -> None:
        variables = {}
        for key, value in config.items():
            raw = plain(value)
            variables[f"{DYNAMIC_PACKAGE}:config:{key}"] = raw if isinstance(raw, str) else json.dumps(raw)
        response = self._rpc("Configure", "", provider_pb2.ConfigureRequest(
            variables=variables,
            args=to_struct(config, keep_secrets=True, keep_unknowns=True),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
        ))
        self.calls.append(Call("Configure", "", payload={k: "[secret]" if is_secret(v) else v
                                                           for k, v in config.items()}))
        self.accept_secrets = response.acceptSecrets
        self.accept_resources = response.acceptResources
        self.supports_preview = response.supportsPreview

    def _marshal(self, props: Mapping[str, Any] | None, *, keep_unknowns: bool) -> Any:
        return to_struct(props or {}, keep_secrets=self.accept_secrets, keep_unknowns=keep_unknowns)

    def _record(self, method: str, urn: str, id_: str = "", **payload: Any) -> None:
        self.calls.append(Call(method, urn, id_, {k: plain(v) for k, v in payload.items() if v is not None}))

    def check(
        self, urn: str, olds: PropertyMap | None, news: PropertyMap, *, allow_unknowns: bool,
    ) -> tuple[PropertyMap, list[CheckFailure]]:
        type_, name = _urn_parts(urn)
        self._record("Check", urn, olds=olds, news=news)
        resp = self._rpc("Check", urn, provider_pb2.CheckRequest(
            urn=urn, name=name, type=type_,
            olds=self._marshal(olds, keep_unknowns=allow_unknowns),
            news=self._marshal(news, keep_unknowns=allow_unknowns),
            randomSeed=os.urandom(32),
        ))
        inputs = from_struct(resp.inputs)
        if not self.accept_secrets:
            annotate_secrets(inputs, news)
        return inputs, [CheckFailure(f.property, f.reason) for f in resp.failures]

    def diff(
        self, urn: str, id_: str, old_inputs: PropertyMap, old_outputs: PropertyMap, news: PropertyMap,
        *, allow_unknowns: bool, ignore_changes: list[str],
    ) -> DiffResult:
        type_, name = _urn_parts(urn)
        self._record("Diff", urn, id_, olds=old_outputs, news=news, old_inputs=old_inputs)
        resp = self._rpc("Diff", urn, provider_pb2.DiffRequest(
            id=id_, urn=urn, name=name, type=type_,
            olds=self._marshal(old_outputs, keep_unknowns=allow_unknowns),
            news=self._marshal(news, keep_unknowns=allow_unknowns),
            old_inputs=self._marshal(old_inputs, keep_unknowns=allow_unknowns),
            ignoreChanges=ignore_changes,
        ))
        return DiffResult(
            changes=_CHANGES[resp.changes],
            replaces=list(resp.replaces),
            stables=list(resp.stables),
            changed_keys=list(resp.diffs),
            delete_before_replace=resp.deleteBeforeReplace,
        )

    def create(self, urn: str, props: PropertyMap) -> tuple[str, PropertyMap]:
        type_, name = _urn_parts(urn)
        self._record("Create", urn, properties=props)
        resp = self._rpc("Create", urn, provider_pb2.CreateRequest(
            urn=urn, name=name, type=type_, properties=self._marshal(props, keep_unknowns=False),
        ))
        if not resp.id:
            raise ProviderCallError("Create", urn, f"plugin for package '{DYNAMIC_PACKAGE}' returned empty "
                                                   f"resource.ID from create '{urn}'")
        outs = from_struct(resp.properties)
        if not self.accept_secrets:
            annotate_secrets(outs, props)
        return resp.id, outs

    def read(self, urn: str, id_: str, inputs: PropertyMap | None, state: PropertyMap | None) -> ReadResult:
        """Read; a blank id from the plugin means "gone" and yields outputs=None, as in the engine."""
        type_, name = _urn_parts(urn)
        self._record("Read", urn, id_, properties=state, inputs=inputs)
        request = provider_pb2.ReadRequest(
            id=id_, urn=urn, name=name, type=type_, properties=self._marshal(state, keep_unknowns=False),
        )
        if inputs is not None:
            request.inputs.CopyFrom(self._marshal(inputs, keep_unknowns=False))
        resp = self._rpc("Read", urn, request)
        if not resp.id:
            return ReadResult("", None, None)
        outputs = from_struct(resp.properties)
        new_inputs = from_struct(resp.inputs) if resp.HasField("inputs") else None
        if not self.accept_secrets:
            annotate_secrets(new_inputs, inputs)
            annotate_secrets(outputs, state)
        return ReadResult(resp.id, outputs, new_inputs)

    def update(
        self, urn: str, id_: str, old_inputs: PropertyMap, old_outputs: PropertyMap, news: PropertyMap,
        *, ignore_changes: list[str],
    ) -> PropertyMap:
        type_, name = _urn_parts(urn)
        self._record("Update", urn, id_, olds=old_outputs, news=news, old_inputs=old_inputs)
        resp = self._rpc("Update", urn, provider_pb2.UpdateRequest(
            id=id_, urn=urn, name=name, type=type_,
            olds=self._marshal(old_outputs, keep_unknowns=False),
            news=self._marshal(news, keep_unknowns=False),
            old_inputs=self._marshal(old_inputs, keep_unknowns=False),
            ignoreChanges=ignore_changes,
        ))
        outs = from_struct(resp.properties)
        if not self.accept_secrets:
            annotate_secrets(outs, news)
        return outs

    def delete(self, urn: str, id_: str, inputs: PropertyMap, outputs: PropertyMap) -> None:
        type_, name = _urn_parts(urn)
        self._record("Delete", urn, id_, properties=outputs, old_inputs=inputs)
        self._rpc("Delete", urn, provider_pb2.DeleteRequest(
            id=id_, urn=urn, name=name, type=type_,
            properties=self._marshal(outputs, keep_unknowns=False),
            old_inputs=self._marshal(inputs, keep_unknowns=False),
        ))

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for reader in self._readers:
            reader.join(timeout=5)

    def __enter__(self) -> ProviderPlugin:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()
