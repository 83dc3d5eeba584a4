"""How this package was installed, as a requirement line (and a pip command) that installs it the same way.

`pulumi-openpanel adopt` writes a project's requirements.txt, and the command's hints say how to add an
extra (``emulator``, ``policy``). Until the package is on PyPI its name alone does not install, so both
follow where the running copy came from, as pip recorded it (PEP 610's direct_url.json): a local
directory (editable or not), an archive, or a VCS checkout; the PyPI name only when it came from an index.
Every install hint of the package comes from here, so none offers a form that does not work yet.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pulumi_openpanel._version import __version__

DISTRIBUTION = "pulumi-openpanel"
# A checkout run without being installed (its directory on PYTHONPATH) is where this file's package sits.
_CHECKOUT = Path(__file__).resolve().parents[1]
# What may stand between double quotes in a shell command as it is.
_PLAIN = re.compile(r'[^"$`\\!]*')
# The top-level modules that only an optional extra of the package (pyproject.toml) installs, and which
# extra: a command that cannot import one of them asks for that extra, and for no other module.
EXTRA_OF_MODULE = {"starlette": "emulator", "uvicorn": "emulator", "pulumi_policy": "policy"}


def requirement_for(direct_url: dict[str, Any] | None, version: str = __version__, extra: str | None = None) -> str:
    """The requirement line for an installation described by `direct_url` (None: from an index), with
    `extra` (an optional-dependency group such as ``emulator``) when given."""
    extras = f"[{extra}]" if extra else ""
    if not direct_url or not isinstance(direct_url.get("url"), str):
        return f"{DISTRIBUTION}{extras}>={version}"
    url: str = direct_url["url"]
    vcs = direct_url.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"{DISTRIBUTION}{extras} @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
    if "dir_info" in direct_url and urlsplit(url).scheme == "file":
        path = unquote(urlsplit(url).path) + extras
        editable = bool((direct_url.get("dir_info") or {}).get("editable"))
        return f"-e {path}" if editable else path
    return f"{DISTRIBUTION}{extras} @ {url}"


def install_command_for(direct_url: dict[str, Any] | None, extra: str | None = None,
                        version: str = __version__) -> str:
    """The `pip install` command, quoted for a POSIX shell, that installs the package as `direct_url`
    says it was installed, with `extra` (brackets need quotes in zsh, spaces in any shell)."""
    requirement = requirement_for(direct_url, version, extra)
    editable = requirement.startswith("-e ")
    target = requirement.removeprefix("-e ")
    quoted = f'"{target}"' if _PLAIN.fullmatch(target) else "'" + target.replace("'", "'\"'\"'") + "'"
    return "pip install " + ("-e " if editable else "") + quoted


def installed_direct_url() -> dict[str, Any] | None:
    """What pip recorded about where the running copy came from; None when it came from an index.

    A checkout used without installing it (on PYTHONPATH) counts as an editable install of that directory.
    """
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        if (_CHECKOUT / "pyproject.toml").is_file():
            return {"url": _CHECKOUT.as_uri(), "dir_info": {"editable": True}}
        return None
    try:
        direct_url = json.loads(recorded) if recorded else None
    except ValueError:
        return None
    return direct_url if isinstance(direct_url, dict) else None


def installed_requirement() -> str:
    """The requirement line that installs this package the way the running copy was installed."""
    return requirement_for(installed_direct_url())


def install_command(extra: str | None = None) -> str:
    """The `pip install` command that adds `extra` to the running copy, installed from where it came from."""
    return install_command_for(installed_direct_url(), extra)


def missing_dependency(error: ImportError) -> str:
    """What a command says when a module it needs cannot be imported: which module, and the fix that
    brings it. Only a module of an optional extra (:data:`EXTRA_OF_MODULE`) asks for that extra; a module
    of Python's standard library asks for another Python; anything else (a dependency of the package, one
    of its own modules, a name an installed module lacks) asks to install the package again. Install
    commands install it from where this copy came from."""
    module = error.name
    if not isinstance(error, ModuleNotFoundError) or module is None:
        # A module that is there but lacks a name: an installed dependency too old or too new.
        return f"an import failed ({error}). Install the package again: {install_command()}"
    top = module.partition(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is not None:
        return f"a dependency is missing ({module}). Install the {extra} extra: {install_command(extra)}"
    if top in sys.stdlib_module_names:
        return (f"this Python ({sys.executable}) lacks {module}, a module of its standard library: run the command "
                f"with a Python that has it")
    return f"a dependency is missing ({module}). Install the package again: {install_command()}"
