"""Property values as they travel between the Pulumi engine, the language SDK and providers.

The engine keeps resource properties in "wire" form: plain JSON-like values in which a secret is a
dict tagged with the secret signature and an unknown (preview-only) value is the UNKNOWN sentinel
string. Keeping that form end to end lets the driver reproduce exactly what the engine marshals to
a provider and hands back to the program.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _random
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

PropertyMap = dict[str, Any]


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG and "ciphertext" not in value


def make_secret(value: Any) -> Any:
    return value if is_secret(value) else {SIG_KEY: SECRET_SIG, "value": value}


def unwrap(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def plain(value: Any) -> Any:
    """Drop every secret wrapper, as the engine's removeSecrets does for providers without secret support."""
    if is_secret(value):
        return plain(value["value"])
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            # Providers that do not accept resource references get the id (custom) or the URN.
            return plain(value.get("id") or value.get("urn"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def annotate_secrets(outs: PropertyMap | None, ins: Mapping[str, Any] | None) -> None:
    """Copy secretness from inputs onto same-named outputs, recursing into objects (annotateSecrets)."""
    if outs is None or ins is None:
        return
    for key, in_value in ins.items():
        if key not in outs:
            continue
        out_value = outs[key]
        if isinstance(out_value, dict) and isinstance(in_value, dict) and not is_secret(out_value) \
                and not is_secret(in_value):
            annotate_secrets(out_value, in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            outs[key] = make_secret(out_value)


def to_struct(props: Mapping[str, Any], *, keep_secrets: bool, keep_unknowns: bool) -> struct_pb2.Struct:
    """Marshal a property map for a provider call, honouring what the provider said it accepts."""
    values = dict(props) if keep_secrets else plain(dict(props))
    if not keep_unknowns:
        values = {k: v for k, v in values.items() if not contains_unknowns(v)}
    struct = struct_pb2.Struct()
    struct.update({k: v for k, v in values.items() if v is not None})
    return struct


def from_struct(struct: struct_pb2.Struct) -> PropertyMap:
    result: PropertyMap = json_format.MessageToDict(struct)
    return {k: v for k, v in result.items() if v is not None}


def describe(value: Any) -> str:
    """Render a value for a diagnostic without ever revealing a secret."""
    if contains_secrets(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown]"
    return json.dumps(value, sort_keys=True)


class SecretBox:
    """Encrypts state secrets with a key that lives only in this process, like a stack's secrets provider.

    A keyed BLAKE2b stream with a random nonce per value: enough to keep plaintext out of exported state
    without an extra dependency; not meant to protect anything beyond tests.
    """

    def __init__(self) -> None:
        self._key = _random.token_bytes(32)

    def _stream(self, nonce: bytes, length: int) -> bytes:
        blocks = []
        for counter in range((length + 63) // 64):
            blocks.append(hashlib.blake2b(nonce + counter.to_bytes(8, "big"), key=self._key).digest())
        return b"".join(blocks)[:length]

    def encrypt(self, value: Any) -> dict[str, str]:
        data = json.dumps(value, sort_keys=True).encode()
        nonce = _random.token_bytes(16)
        cipher = bytes(a ^ b for a, b in zip(data, self._stream(nonce, len(data)), strict=True))
        return {SIG_KEY: SECRET_SIG, "ciphertext": base64.b64encode(nonce + cipher).decode()}

    def decrypt(self, envelope: Mapping[str, str]) -> Any:
        raw = base64.b64decode(envelope["ciphertext"])
        nonce, cipher = raw[:16], raw[16:]
        data = bytes(a ^ b for a, b in zip(cipher, self._stream(nonce, len(cipher)), strict=True))
        return json.loads(data)

    def seal(self, value: Any) -> Any:
        """Replace every secret in a wire value by its encrypted envelope."""
        if is_secret(value):
            return self.encrypt(plain(value["value"]))
        if isinstance(value, dict):
            return {k: self.seal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.seal(v) for v in value]
        return value
