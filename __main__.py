"""The repository root's Pulumi program: the quickstart example, run as if it were the main directory.

See Pulumi.yaml for why the root does not name examples/quickstart as its `main`.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).parent / "examples" / "quickstart" / "__main__.py"), run_name="__main__")
