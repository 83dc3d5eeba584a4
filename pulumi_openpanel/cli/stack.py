"""The selected stack of a Pulumi project, read and changed through the ``pulumi`` command on PATH.

``pulumi-openpanel recover`` needs what only the engine knows: the operations an interrupted run left
pending, when that run started, the stack config, and whether the stack is still locked. It asks the
CLI for each (``pulumi stack export``, ``pulumi stack history``, ``pulumi config``, ``pulumi whoami``)
instead of reading backend files, so that every backend works the same; the one exception is the lock
of a file backend (``file://``), which no command reports and which is read from
``<backend>/.pulumi/locks/...``.

Nothing here prints: errors carry at most the tail of what ``pulumi`` wrote to stderr, with anything
shaped like an OpenPanel secret removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pulumi_openpanel.core.schema import PLUGIN_PACKAGE, PLUGIN_PROVIDER_TYPE
from pulumi_openpanel.errors import PulumiCommandError, redact

# Pulumi's marker of a secret value in an exported deployment.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"

# The type of the provider resource every dynamic resource (ours included) runs under. Its inputs in the state
# are the stack config the engine configured it with at the last `pulumi up`, even a failed one: what
# `pulumi refresh` and `pulumi destroy` configure it with, as they do not run the program.
DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-python"

DEFAULT_TIMEOUT = 120.0
REFRESH_TIMEOUT = 1800.0

LockStatus = Literal["stale", "running", "elsewhere"]


_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})?")


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 time as Pulumi and OpenPanel write it (``Z``, up to nanoseconds), in UTC; None if not one.

    ``datetime.fromisoformat`` of Python 3.10 takes neither ``Z`` nor more than 6 fractional digits.
    """
    if not text:
        return None
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    base, fraction, offset = match.groups()
    if len(base) == 16:
        base += ":00"
    fraction = ((fraction or "") + "000000")[:6]
    zone = "+00:00" if offset in (None, "Z", "z") else offset
    if zone and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        moment = datetime.fromisoformat(f"{base.replace(' ', 'T')}.{fraction}{zone}")
    except ValueError:
        return None
    return moment.astimezone(timezone.utc)


def reveal(value: Any) -> Any:
    """Unwrap the secrets of ``pulumi stack export --show-secrets`` (an envelope holding JSON text)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_SIG_VALUE and isinstance(value.get("plaintext"), str):
            try:
                return reveal(json.loads(value["plaintext"]))
            except ValueError:
                return value["plaintext"]
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


@dataclass(frozen=True)
class StackLock:
    """A lock file of a file backend: which process on which host took the stack, and when."""

    path: Path
    pid: int | None
    hostname: str
    taken: datetime | None

    @property
    def status(self) -> LockStatus:
        """``stale`` when its process is provably gone (same host, no such pulumi process), ``running``
        when it is alive here, ``elsewhere`` when it was taken on another host (nothing can be proven)."""
        if self.hostname != socket.gethostname() or self.pid is None:
            return "elsewhere"
        return "running" if _pulumi_alive(self.pid) else "stale"

    def describe(self) -> str:
        when = self.taken.strftime("%Y-%m-%dT%H:%M:%SZ") if self.taken else "an unknown time"
        return f"locked by pid {self.pid} on {self.hostname or 'an unknown host'} since {when}"


def _pulumi_alive(pid: int) -> bool:
    """Whether ``pid`` runs here and is a pulumi process (a recycled pid that runs something else is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): alive is all we know, and assuming a running update is the safe side
    if not command:
        return False  # a zombie: it has exited, only its parent has not reaped it yet
    program = command.split(b"\0", 1)[0].rsplit(b"/", 1)[-1]
    return program.startswith(b"pulumi")


def _file_backend_root(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if parts.netloc == "~":
        return Path.home() / path.lstrip("/")
    if parts.netloc not in ("", "localhost"):
        return None
    return Path(path)


class PulumiStack:
    """One stack of the project in ``cwd``: the selected one, or ``stack`` when given."""

    def __init__(self, cwd: Path | None = None, stack: str | None = None, *, executable: str = "pulumi",
                 environ: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        self.stack = stack
        self.executable = executable
        self.environ = dict(os.environ if environ is None else environ)

    def run(self, *args: str, stack_flag: bool = True, timeout: float = DEFAULT_TIMEOUT,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``pulumi --non-interactive ARGS [--stack S]``; raises :class:`PulumiCommandError` unless it exits 0."""
        command = [self.executable, "--non-interactive", "--color=never", *args]
        if stack_flag and self.stack:
            command += ["--stack", self.stack]
        try:
            done = subprocess.run(command, cwd=self.cwd, env=self.environ, capture_output=True, text=True,
                                  timeout=timeout, input=stdin, check=False)
        except FileNotFoundError:
            raise PulumiCommandError(args, f"the `{self.executable}` command is not on PATH") from None
        except subprocess.TimeoutExpired:
            raise PulumiCommandError(args, f"no answer within {timeout:g} s") from None
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
            raise PulumiCommandError(args, redact(tail) or f"exit status {done.returncode}")
        return done

    def _json(self, *args: str, stack_flag: bool = True) -> Any:
        done = self.run(*args, stack_flag=stack_flag)
        try:
            return json.loads(done.stdout or "null")
        except ValueError:
            raise PulumiCommandError(args, "its output is not JSON") from None

    # -- reading -----------------------------------------------------------------------------------

    def deployment(self, *, show_secrets: bool) -> dict[str, Any]:
        """The ``deployment`` part of ``pulumi stack export``; with ``show_secrets`` secrets are plain values."""
        exported = self._json("stack", "export", *(("--show-secrets",) if show_secrets else ()))
        deployment = exported.get("deployment") if isinstance(exported, dict) else None
        if not isinstance(deployment, dict):
            return {}
        return reveal(deployment) if show_secrets else deployment

    def recorded_configs(self) -> list[dict[str, Any]]:
        """The stack config the state recorded for the dynamic providers and the plugin's default providers
        (one per provider resource, usually one), keyed ``openpanel:<setting>``, secrets decrypted; empty when
        no ``pulumi up`` has recorded one yet."""
        return recorded_configs(self.deployment(show_secrets=True))

    def history(self) -> list[dict[str, Any]]:
        """``pulumi stack history --json``: newest first. A file backend records a run only when it ends, so
        a run that was killed has no entry there."""
        found = self._json("stack", "history", "--json")
        return [entry for entry in found or [] if isinstance(entry, dict)]

    def unfinished_update(self) -> datetime | None:
        """The start of the newest history entry if it is still marked in progress (a service backend such as
        Pulumi Cloud records a run when it starts; one that was killed stays "in-progress" until
        ``pulumi cancel``), else None."""
        history = self.history()
        if history and history[0].get("result") in ("in-progress", "not-started"):
            return parse_time(history[0].get("startTime")) or datetime.now(timezone.utc)
        return None

    def latest_update_start(self) -> datetime | None:
        starts = [parse_time(entry.get("startTime")) for entry in self.history() if entry.get("kind") == "update"]
        known = [start for start in starts if start is not None]
        return max(known) if known else None

    def name(self) -> str:
        """The stack's name: ``stack`` when given, else the selected one (an error when none is selected)."""
        return self.stack or self.run("stack", "--show-name", stack_flag=False).stdout.strip()

    def config(self) -> dict[str, Any]:
        """The stack config as the provider's ``configure`` sees it: key -> value, secrets decrypted."""
        found = self._json("config", "--json", "--show-secrets")
        values: dict[str, Any] = {}
        for key, entry in (found or {}).items():
            if isinstance(entry, dict) and "value" in entry:
                values[key] = entry["value"]
        return values

    def locks(self) -> list[StackLock] | None:
        """The stack's lock files when the backend is a local directory (``file://``), else None (unknown)."""
        who = self._json("whoami", "--json", stack_flag=False)
        root = _file_backend_root(str((who or {}).get("url", "")))
        if root is None:
            return None
        name = self.run("stack", "--show-name", "--fully-qualify-stack-names").stdout.strip()
        parts = [part for part in name.split("/") if part]
        if not parts:
            return None
        directories = {root / ".pulumi" / "locks" / Path(*parts), root / ".pulumi" / "locks" / parts[-1]}
        locks = []
        for directory in sorted(directories):
            for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
                locks.append(_read_lock(path))
        return locks

    # -- changing ----------------------------------------------------------------------------------

    def cancel(self) -> None:
        """``pulumi cancel --yes``: remove the lock a killed run left, as Pulumi's own error message says."""
        self.run("cancel", "--yes")

    def refresh_clearing_pending_creates(self) -> None:
        """``pulumi refresh --clear-pending-creates``: drops the pending creates (and, like every run, the other
        pending operations), then reads every resource so the state says what the server holds."""
        self.run("refresh", "--yes", "--skip-preview", "--clear-pending-creates", timeout=REFRESH_TIMEOUT)


def recorded_configs(deployment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """:meth:`PulumiStack.recorded_configs` of an exported deployment. A dynamic provider records the whole
    stack config; the plugin's default provider (``default`` or ``default_<version>``) records its
    ``openpanel:*`` keys without their namespace (``apiUrl``), which are given it back here. An explicit plugin
    provider records its arguments, not the stack config: it is left out."""
    found = []
    for resource in deployment.get("resources") or []:
        inputs = resource.get("inputs") if isinstance(resource, dict) else None
        if not isinstance(inputs, dict):
            continue
        if resource.get("type") == DYNAMIC_PROVIDER_TYPE:
            found.append(dict(inputs))
        elif (resource.get("type") == PLUGIN_PROVIDER_TYPE
              and str(resource.get("urn", "")).rsplit("::", 1)[-1].startswith("default")):
            found.append({f"{PLUGIN_PACKAGE}:{key}": value for key, value in inputs.items()})
    return found


def _read_lock(path: Path) -> StackLock:
    try:
        content = json.loads(path.read_text())
    except (OSError, ValueError):
        content = {}
    pid = content.get("pid") if isinstance(content, dict) else None
    with contextlib.suppress(TypeError, ValueError):
        pid = int(pid) if pid is not None else None
    return StackLock(
        path=path,
        pid=pid if isinstance(pid, int) else None,
        hostname=str(content.get("hostname") or "") if isinstance(content, dict) else "",
        taken=parse_time(content.get("timestamp")) if isinstance(content, dict) else None,
    )
