"""The openpanel provider plugin's entry point: the Pulumi CLI runs ``python <this directory> <engine address>``.

The plugin is this directory inside a checkout of the pulumi-openpanel repository (or a release of it): the
package beside it is the one it serves, whatever the virtualenv holds, so a plugin never runs another
version's code than the schema it announces. A copy of this directory elsewhere serves the package its
virtualenv has installed.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if (HERE.parent / "pulumi_openpanel" / "__init__.py").is_file():
    sys.path.insert(0, str(HERE.parent))

from pulumi_openpanel._version import __version__  # noqa: E402
from pulumi_openpanel.plugin.server import main  # noqa: E402

if __name__ == "__main__":
    main((HERE / "schema.json").read_text(encoding="utf-8"), __version__)
