"""The ``pulumi-openpanel`` command.

Each subcommand lives with the code it drives and is imported only when chosen, so that
``--help`` stays instant and the core install works without the emulator extra.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pulumi_openpanel._version import __version__
from pulumi_openpanel.install_source import missing_dependency

# name -> (module, one-line help). Each module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "emulator": ("pulumi_openpanel.emulator.cli", "run a local OpenPanel Manage API for tests and trials"),
    "doctor": ("pulumi_openpanel.cli.doctor", "check that the API root and credentials can manage OpenPanel"),
    "adopt": ("pulumi_openpanel.cli.adopt",
              "write a Pulumi program that brings existing objects under management"),
    "policy-pack": ("pulumi_openpanel.cli.policy_pack",
                    "print the directory of the OpenPanel policy pack (guardrails)"),
    "recover": ("pulumi_openpanel.cli.recover",
                "after a cut-short pulumi up: remove what it created but never recorded"),
}
# The subcommands that need an optional extra of the package (pyproject.toml), and which.
EXTRAS: dict[str, str] = {"emulator": "emulator"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulumi-openpanel",
        description="Tools for the OpenPanel Pulumi provider.",
    )
    parser.add_argument("--version", action="version", version=f"pulumi-openpanel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            # An optional extra is missing; the command says so when run rather than hiding it.
            continue
        module.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        module = importlib.import_module(args._module)
    except ImportError as exc:
        print(f"pulumi-openpanel {args.command}: {missing_dependency(exc.name, EXTRAS.get(args.command))}",
              file=sys.stderr)
        return 2
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
