"""Fixtures of the recovery tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def pulumi_named_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process called pulumi, as the holder of a stack lock is; yielded once it has that name (bash
    needs a moment to exec it)."""
    process = subprocess.Popen(["bash", "-c", "exec -a pulumi sleep 60"])
    try:
        cmdline = Path(f"/proc/{process.pid}/cmdline")
        deadline = time.monotonic() + 10
        while not cmdline.read_bytes().startswith(b"pulumi\0") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cmdline.read_bytes().startswith(b"pulumi\0")
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)
