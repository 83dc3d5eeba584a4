"""The SDKs in sdk/ are what the real `pulumi package gen-sdk` makes of the checked-in schema, which is what the
code generator makes of core/schema.py (tests/resources/test_codegen.py): so every language's SDK follows the one
declaration of each field."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
# Written by hand once, not by gen-sdk.
HAND_WRITTEN = {Path("go/go.mod"), Path("go/go.sum"), Path("go.mod"), Path("go.sum")}


def tree(root: Path) -> dict[Path, bytes]:
    return {path.relative_to(root): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and path.relative_to(root) not in HAND_WRITTEN}


def test_the_checked_in_sdks_are_generated_from_the_checked_in_schema(pulumi_bin: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PULUMI_OPENPANEL_CLI_DIR": str(pulumi_bin)}
    subprocess.run(["bash", str(REPOSITORY / "scripts" / "sdks.sh"), str(tmp_path)], check=True, env=env,
                   capture_output=True, timeout=300)
    fresh, checked_in = tree(tmp_path), tree(REPOSITORY / "sdk")
    stale = sorted(str(path) for path in set(fresh) | set(checked_in) if fresh.get(path) != checked_in.get(path))
    assert stale == [], f"sdk/ is out of date ({', '.join(stale[:5])}...): run scripts/sdks.sh"
    assert (tmp_path / "nodejs" / "project.ts").read_text().count("clientSecret") >= 2
    assert "pulumi_openpanel_plugin" in (tmp_path / "python" / "pyproject.toml").read_text()
