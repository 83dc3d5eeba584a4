#!/usr/bin/env python3
"""Regenerate the typed parts of pulumi_openpanel from pulumi_openpanel/core/schema.py (see
scripts/codegen.py, which stays out of the wheel).

    .venv/bin/python scripts/generate.py            write every out-of-date generated region
    .venv/bin/python scripts/generate.py --check    write nothing; exit 1 naming the out-of-date files

The generator is loaded without running the package's __init__, which imports the generated code: that
way it also works while a generated region is missing or broken (a new region, a bad merge).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "pulumi_openpanel"
sys.path.insert(0, str(REPOSITORY))

stub = types.ModuleType("pulumi_openpanel")
stub.__path__ = [str(PACKAGE)]
sys.modules["pulumi_openpanel"] = stub

from scripts import codegen  # noqa: E402

if __name__ == "__main__":
    sys.exit(codegen.main())
