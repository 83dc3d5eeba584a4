"""``python -m pulumi_openpanel.cli``: the ``pulumi-openpanel`` command."""

import sys

from pulumi_openpanel.cli import main

sys.exit(main())
