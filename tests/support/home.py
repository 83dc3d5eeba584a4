"""Keeping the tests and the benchmarks out of the user's home.

The provider keeps its pacing state files (pulumi_openpanel/api/sendlog.py) under the user's cache directory
unless OPENPANEL_PACING_DIR moves them; every run of the suite or of a benchmark moves them to a temporary
directory of its own. A plain module rather than a fixture: tests/conftest.py needs it before any test
module is imported, and the benchmarks run without pytest.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pulumi_openpanel.api.settings import ENV_PACING_DIR


@contextlib.contextmanager
def private_pacing_dir() -> Iterator[Path]:
    """Keep the provider's pacing state files (pulumi_openpanel/api/sendlog.py) out of the user's home while
    tests or benchmarks run: OPENPANEL_PACING_DIR names a fresh temporary directory, for this process and
    every process it starts, and is put back (the directory removed) at the end."""
    previous = os.environ.get(ENV_PACING_DIR)
    with tempfile.TemporaryDirectory(prefix="openpanel-pacing-") as directory:
        os.environ[ENV_PACING_DIR] = directory
        try:
            yield Path(directory)
        finally:
            if previous is None:
                os.environ.pop(ENV_PACING_DIR, None)
            else:
                os.environ[ENV_PACING_DIR] = previous
