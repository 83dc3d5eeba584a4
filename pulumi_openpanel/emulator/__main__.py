"""``python -m pulumi_openpanel.emulator``: the same as ``pulumi-openpanel emulator``."""

from __future__ import annotations

import argparse
import sys

from pulumi_openpanel.emulator.cli import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_openpanel.emulator",
        description="Run a local OpenPanel Manage API for tests and trials.",
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
