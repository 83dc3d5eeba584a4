"""The ``pulumi-openpanel`` command.

Each subcommand lives with the code it drives and is imported only when chosen: the top-level parser is
built from :data:`SUBCOMMANDS` alone (names and one-line help), and only the chosen subcommand's module is
imported to add its arguments. So ``--help`` loads neither Pulumi's SDK nor the emulator, and the core
install works without the emulator extra.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType

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


def chosen_subcommand(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, if any: its first word that is not an option, as argparse finds it
    (the top-level options, ``--help`` and ``--version``, take no value). A word that names no subcommand
    gives None: argparse then refuses it with the list of choices."""
    for word in argv:
        if word != "--" and not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(loaded: Mapping[str, ModuleType] | None = None) -> argparse.ArgumentParser:
    """The command's parser: every subcommand with its one-line help, and the arguments of those whose
    module is in ``loaded`` (name -> module), which are the only subcommand modules imported."""
    parser = argparse.ArgumentParser(
        prog="pulumi-openpanel",
        description="Tools for the OpenPanel Pulumi provider.",
    )
    parser.add_argument("--version", action="version", version=f"pulumi-openpanel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module = (loaded or {}).get(name)
        if module is not None:
            module.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    loaded: dict[str, ModuleType] = {}
    name = chosen_subcommand(arguments)
    if name is not None:
        # Before parsing: without its module the subcommand knows none of its options, and argparse would
        # refuse them before the missing dependency could be named.
        try:
            loaded[name] = importlib.import_module(SUBCOMMANDS[name][0])
        except ImportError as exc:
            print(f"pulumi-openpanel {name}: {missing_dependency(exc)}", file=sys.stderr)
            return 2
    parser = build_parser(loaded)
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 0
    result: int = loaded[args.command].run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
