"""The provider travels in state as ``__provider``: it must be small, stable and hold nothing secret."""

from __future__ import annotations

import base64
import pickletools
import subprocess
import sys

import pytest

PROVIDERS = ["pulumi_openpanel.project:ProjectProvider", "pulumi_openpanel.client:ClientProvider",
             "pulumi_openpanel.reference:ReferenceProvider"]

SCRIPT = """
import sys
from importlib import import_module
from pulumi.dynamic.dynamic import serialize_provider
module, name = sys.argv[1].split(":")
print(serialize_provider(getattr(import_module(module), name)()))
"""


def serialized(target: str, seed: str) -> str:
    env = {"PYTHONHASHSEED": seed, "PATH": ""}
    result = subprocess.run([sys.executable, "-c", SCRIPT, target], capture_output=True, text=True, env=env,
                            check=True)
    return result.stdout.strip()


@pytest.mark.parametrize("target", PROVIDERS)
def test_serialized_provider_is_identical_under_different_hash_seeds(target: str) -> None:
    first, second = serialized(target, "1"), serialized(target, "4242")
    assert first == second


@pytest.mark.parametrize("target", PROVIDERS)
def test_provider_is_pickled_by_reference_to_its_module(target: str) -> None:
    module, name = target.split(":")
    raw = base64.b64decode(serialized(target, "0"))
    listing = []
    for opcode, arg, _ in pickletools.genops(raw):
        listing.append(f"{opcode.name} {arg}")
    text = "\n".join(listing)
    assert module in text and name in text
    # By reference, not by value: no code objects of the provider travel in state.
    assert "_create_code" not in text and "_create_function" not in text
    assert len(raw) < 400


def test_provider_is_not_always_a_secret() -> None:
    from pulumi_openpanel.dynamic.provider import OpenPanelProvider

    assert OpenPanelProvider.serialize_as_secret_always is False
