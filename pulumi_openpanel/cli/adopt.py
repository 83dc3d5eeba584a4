"""``pulumi-openpanel adopt``: write a Pulumi program that brings existing OpenPanel objects under
management, unchanged.

Each object becomes a resource with ``adopt=<id>`` and inputs equal to what the server holds, so the first
``pulumi up`` only reads (one GET per object) and the second shows no diff. Client secrets cannot be
recovered (OpenPanel keeps a hash), which the generated code says where it matters.

It reads the credentials and settings as ``doctor`` and the provider do (the stack config of the Pulumi
project it runs in, then the environment: :func:`pulumi_openpanel.cli.doctor.read_stack_config`), and says on
stderr where each came from.
"""

from __future__ import annotations

import argparse
import json
import keyword
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_openpanel._version import __version__
from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.models import Client, Project, Reference
from pulumi_openpanel.api.settings import (
    CONFIG_CLIENT_ID,
    CONFIG_CLIENT_SECRET,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    Credentials,
)
from pulumi_openpanel.cli.doctor import read_stack_config
from pulumi_openpanel.core.schema import CLIENT, PROJECT, REFERENCE, Resource
from pulumi_openpanel.errors import ConfigurationError, OpenPanelError, redact
from pulumi_openpanel.install_source import installed_requirement


@dataclass
class Inventory:
    projects: list[Project] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    skipped_clients: list[Client] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="ID", help="adopt only this project (with its clients and references)")
    parser.add_argument(
        "--output",
        metavar="DIR",
        default="-",
        help="write a ready-to-run Pulumi project into DIR (default: print a program block to paste)",
    )
    parser.add_argument("--name", default="openpanel-adopted", help="the Pulumi project name for --output")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of text")
    parser.add_argument("--cwd", metavar="DIR", type=Path,
                        help="the Pulumi project directory whose stack config to read (default: here)")
    parser.add_argument("--stack", metavar="NAME", help="the stack whose config to read (default: the selected one)")


def describe_sources(credentials: Credentials, summary: str) -> str:
    """Where each value in use came from, in one line; the secret is named by its source only."""
    sources = credentials.sources
    return (f"settings from {summary}: API root {credentials.api_url} (from {sources['api_url']}), "
            f"client id {credentials.client_id} (from {sources['client_id']}), "
            f"client secret from {sources['client_secret']}")


def collect(api: ManageApi, project_id: str | None, progress: Callable[[str], None]) -> Inventory:
    """Read what exists; the credentials' own client is left out (a program must not manage its own key)."""
    inventory = Inventory()
    progress("reading projects")
    inventory.projects = sorted(api.live_projects(project_id or None), key=lambda p: p.id)
    progress(f"reading clients of {len(inventory.projects)} project(s)")
    clients = api.list_clients(project_id) if project_id else api.list_clients()
    for client in sorted(clients, key=lambda c: (c.project_id or "", c.name, c.id)):
        if client.id == api.credentials.client_id:
            inventory.skipped_clients.append(client)
        elif client.project_id is None or any(client.project_id == p.id for p in inventory.projects):
            inventory.clients.append(client)
    progress("reading references")
    references = api.list_references(project_id) if project_id else api.list_references()
    known = {p.id for p in inventory.projects}
    inventory.references = sorted(
        (r for r in references if r.project_id in known), key=lambda r: (r.project_id, r.date, r.id)
    )
    return inventory


class _Names:
    """Unique Python variables and Pulumi resource names derived from OpenPanel names."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, *parts: str) -> tuple[str, str]:
        base = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-") or "object"
        name, counter = base, 2
        while name in self._taken:
            name, counter = f"{base}-{counter}", counter + 1
        self._taken.add(name)
        variable = name.replace("-", "_")
        if variable[0].isdigit() or keyword.iskeyword(variable):
            variable = "r_" + variable
        return variable, name


def _call(kind: str, variable: str, name: str, arguments: list[tuple[str, str]], comment: str = "") -> str:
    lines = [f"# {line}" for line in comment.splitlines()] if comment else []
    lines.append(f"{variable} = openpanel.{kind}(")
    lines.append(f"    {name!r},")
    lines.extend(f"    {key}={value}," for key, value in arguments)
    lines.append(")")
    return "\n".join(lines)


def _arguments(resource: Resource, model: Any, variables: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every input as the server holds it, as Python source; an id of another adopted object refers to it
    (``project_id=web.id``), and one that is not set is left out."""
    arguments = []
    for prop in resource.props:
        value = prop.output(model)
        if prop.refers_to is None:
            arguments.append((prop.name, repr(value)))
        elif value is not None:
            arguments.append((prop.name, f"{variables[value]}.id"))
    return [*arguments, ("adopt", repr(model.id))]


def render_program(inventory: Inventory, api_url: str) -> str:
    names = _Names()
    project_vars: dict[str, str] = {}
    blocks: list[str] = []
    for project in inventory.projects:
        variable, name = names.make(project.id)
        project_vars[project.id] = variable
        blocks.append(_call("Project", variable, name, _arguments(PROJECT, project, project_vars),
                            "client_id/client_secret stay empty: the write client appears below as a Client."))
    for client in inventory.clients:
        variable, name = names.make(client.project_id or "organization", client.name)
        blocks.append(_call("Client", variable, name, _arguments(CLIENT, client, project_vars),
                            "secret unknown: OpenPanel keeps only a hash; the apps using this client keep theirs."))
    for reference in inventory.references:
        variable, name = names.make(reference.project_id, reference.title)
        blocks.append(_call("Reference", variable, name, _arguments(REFERENCE, reference, project_vars)))
    skipped = "".join(
        f"# Not adopted: client {c.name!r} ({c.id}) is the one these credentials use.\n"
        for c in inventory.skipped_clients
    )
    header = (
        f'"""OpenPanel objects of {api_url}, adopted by pulumi-openpanel {__version__}.\n\n'
        "The first `pulumi up` reads each object once and changes nothing; from then on Pulumi manages them\n"
        "(and `pulumi destroy` deletes them). The adopt= arguments may stay: they only matter at creation.\n"
        '"""\n\nimport pulumi_openpanel as openpanel\n\n'
    )
    return header + skipped + ("\n" if skipped else "") + "\n\n".join(blocks) + "\n"


def write_project(directory: Path, program: str, name: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "__main__.py": program,
        "Pulumi.yaml": (
            f"name: {name}\ndescription: OpenPanel objects adopted by pulumi-openpanel\n"
            "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"
        ),
        "requirements.txt": f"pulumi>=3.271,<4\n{installed_requirement()}\n",
    }
    written = []
    for filename, content in files.items():
        path = directory / filename
        path.write_text(content)
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    interactive = sys.stderr.isatty() and not args.json

    def progress(message: str) -> None:
        if interactive:
            print(f"adopt: {message}...", file=sys.stderr, flush=True)

    sources = read_stack_config(args.cwd, args.stack, os.environ)
    secrets = [os.environ.get(ENV_CLIENT_SECRET), str(sources.stack_config.get(CONFIG_CLIENT_SECRET) or "")]
    try:
        api = manage_api(sources=sources)
    except ConfigurationError as exc:  # say where it looked: stack config, or why not
        print(redact(f"pulumi-openpanel adopt: settings from {sources.summary}: {exc}", secrets), file=sys.stderr)
        return 1
    print(redact(f"pulumi-openpanel adopt: {describe_sources(api.credentials, sources.summary)}", secrets),
          file=sys.stderr, flush=True)
    try:
        inventory = collect(api, args.project, progress)
    except OpenPanelError as exc:
        print(redact(f"pulumi-openpanel adopt: {exc}", secrets), file=sys.stderr)
        return 1
    program = render_program(inventory, api.credentials.api_url)
    counts = {"projects": len(inventory.projects), "clients": len(inventory.clients),
              "references": len(inventory.references)}
    files: list[str] = []
    if args.output == "-":
        if not args.json:
            print(program)
    else:
        files = [str(path) for path in write_project(Path(args.output), program, args.name)]
    summary: dict[str, Any] = {
        "counts": counts,
        "files": files,
        "skipped_clients": [client.id for client in inventory.skipped_clients],
    }
    if args.json:
        if args.output == "-":
            summary["program"] = program
        print(json.dumps(summary, indent=2))
    elif files:
        print(f"Wrote {', '.join(files)} ({counts['projects']} projects, {counts['clients']} clients, "
              f"{counts['references']} references).")
        print(f"Next: cd {args.output} && pulumi stack init && pulumi up   "
              f"(credentials from {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}, "
              f"or pulumi config set {CONFIG_CLIENT_ID} ...)")
    return 0
