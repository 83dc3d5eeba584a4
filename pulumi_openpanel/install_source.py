"""How this package was installed, as a requirement line that installs it the same way elsewhere.

`pulumi-openpanel adopt` writes a project's requirements.txt. Until the package is on PyPI its name alone
does not install, so the line follows where the running copy came from, as pip recorded it (PEP 610's
direct_url.json): a local directory (editable or not), an archive, or a VCS checkout; the PyPI name only
when it came from an index.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any
from urllib.parse import unquote, urlsplit

from pulumi_openpanel._version import __version__

DISTRIBUTION = "pulumi-openpanel"


def requirement_for(direct_url: dict[str, Any] | None, version: str = __version__) -> str:
    """The requirement line for an installation described by `direct_url` (None: from an index)."""
    if not direct_url or not isinstance(direct_url.get("url"), str):
        return f"{DISTRIBUTION}>={version}"
    url: str = direct_url["url"]
    vcs = direct_url.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"{DISTRIBUTION} @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
    if "dir_info" in direct_url and urlsplit(url).scheme == "file":
        path = unquote(urlsplit(url).path)
        editable = bool((direct_url.get("dir_info") or {}).get("editable"))
        return f"-e {path}" if editable else path
    return f"{DISTRIBUTION} @ {url}"


def installed_requirement() -> str:
    """The requirement line that installs this package the way the running copy was installed."""
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    try:
        direct_url = json.loads(recorded) if recorded else None
    except ValueError:
        direct_url = None
    return requirement_for(direct_url if isinstance(direct_url, dict) else None)
