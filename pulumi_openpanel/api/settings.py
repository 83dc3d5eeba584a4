"""Configuration in one place: every setting's name, its default and how it is parsed.

The API root and the credentials are each resolved on their own, at call time, and the first place that
has one wins: the resource's ``connection=`` argument, then the stack config (``openpanel:apiUrl``,
``openpanel:clientId``, ``openpanel:clientSecret``, handed to the provider by ``configure``), then the
environment (``OPENPANEL_API_URL``, ``OPENPANEL_CLIENT_ID``, ``OPENPANEL_CLIENT_SECRET``). The tuning
settings (timeout, retries, pacing) come from the stack config, then the environment. Nothing is read at
import or preview time, so previews need no credentials and rotated credentials take effect on the next run.

Where each setting comes from is :class:`~pulumi_openpanel.api.sources.Sources`, and
:func:`~pulumi_openpanel.api.factory.manage_api` is the only way the package turns those sources into a
:class:`ManageApi`: the providers, the lookups, ``doctor``, ``adopt`` and ``recover`` all call it, so they all
read the same settings the same way.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pulumi_openpanel.errors import ConfigurationError, redact

DEFAULT_API_URL = "https://api.openpanel.dev"
# OpenPanel's own limit, per client id: (requests, window seconds). The provider paces itself to it by
# default, and the emulator enforces it by default.
DEFAULT_RATE_LIMIT: tuple[int, float] = (20, 10.0)
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
# How long one request may go on being refused with 429 before it fails: 30 of OpenPanel's 10-second
# windows. A 429 proves the request was not processed, so it is retried for as long as this allows, however
# many attempts that takes; another program sharing the client id slows a run down, but only a client that
# stays saturated for five minutes (or a server that answers nothing but 429) ends it.
DEFAULT_RATE_LIMIT_WAIT = 300.0

CONFIG_API_URL = "openpanel:apiUrl"
CONFIG_CLIENT_ID = "openpanel:clientId"
CONFIG_CLIENT_SECRET = "openpanel:clientSecret"
CONFIG_REQUEST_TIMEOUT = "openpanel:requestTimeout"
CONFIG_MAX_RETRIES = "openpanel:maxRetries"
CONFIG_RATE_LIMIT = "openpanel:rateLimit"
CONFIG_RATE_LIMIT_WAIT = "openpanel:rateLimitWait"

ENV_API_URL = "OPENPANEL_API_URL"
ENV_CLIENT_ID = "OPENPANEL_CLIENT_ID"
ENV_CLIENT_SECRET = "OPENPANEL_CLIENT_SECRET"
ENV_REQUEST_TIMEOUT = "OPENPANEL_REQUEST_TIMEOUT"
ENV_MAX_RETRIES = "OPENPANEL_MAX_RETRIES"
ENV_RATE_LIMIT = "OPENPANEL_RATE_LIMIT"
ENV_RATE_LIMIT_WAIT = "OPENPANEL_RATE_LIMIT_WAIT"
# Machine-local, so environment only: the directory of the pacing state files (see sendlog.py), or "off".
ENV_PACING_DIR = "OPENPANEL_PACING_DIR"
# The package's cache root (the pacing state files live in its "pacing" directory unless moved).
ENV_CACHE = "PULUMI_OPENPANEL_CACHE"
# Machine-local, so environment only: a file to append one line per HTTP request to, or "-" for stderr
# (see request_log.py). Unset, nothing is logged.
ENV_REQUEST_LOG = "OPENPANEL_REQUEST_LOG"
OFF = "off"

# Every stack config key the provider reads (handed over by ``configure``).
SETTINGS_KEYS = (
    CONFIG_API_URL,
    CONFIG_CLIENT_ID,
    CONFIG_CLIENT_SECRET,
    CONFIG_REQUEST_TIMEOUT,
    CONFIG_MAX_RETRIES,
    CONFIG_RATE_LIMIT,
    CONFIG_RATE_LIMIT_WAIT,
)


@dataclass(frozen=True)
class Credentials:
    """A resolved API root and root-client credentials. The secret never shows in its repr."""

    api_url: str
    client_id: str
    client_secret: str = field(repr=False)
    # Where each value came from ("stack config openpanel:clientSecret", ...), never the value itself:
    # an error names the setting to fix. Keys: api_url, client_id, client_secret.
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, under two budgets: one for failures, one for the rate limit.

    A failure (5xx, no answer) may mean an outage, so its retries are bounded in attempts and in time:
    ``max_attempts`` counts the first try and every failed one, ``max_elapsed`` the seconds spent on them
    (time the rate limit held the request back does not count). A 429 proves the request was not
    processed and only says "later", so it never uses up attempts: it is retried, after the wait the
    server asks for, until ``rate_limit_wait`` seconds have passed since the request began (0: never).

    The delay before retry ``n`` (1-based, counted per kind) is drawn uniformly from ``[d/2, d]`` with
    ``d = min(max_delay, base_delay * 2 ** (n - 1))``: half of it fixed so that retries always back off,
    half random so that the provider's threads, and other processes, do not retry in lock-step. After a
    429 it comes on top of the server's wait.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_elapsed: float = 90.0
    rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_elapsed, self.rate_limit_wait) < 0:
            raise ValueError("retry delays, max_elapsed and rate_limit_wait must not be negative")

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry - 1)))
        return ceiling / 2 + rand() * ceiling / 2


def pacing_dir(environ: Mapping[str, str]) -> Path | None:
    """Where the pacing state files live, or None for none (``OPENPANEL_PACING_DIR=off``).

    ``$OPENPANEL_PACING_DIR``, else ``$PULUMI_OPENPANEL_CACHE/pacing``, else
    ``$XDG_CACHE_HOME/pulumi-openpanel/pacing``, else ``~/.cache/pulumi-openpanel/pacing``.
    """
    configured = environ.get(ENV_PACING_DIR, "").strip()
    if configured.lower() == OFF:
        return None
    if configured:
        return Path(configured).expanduser()
    cache = environ.get(ENV_CACHE, "").strip()
    if cache:
        return Path(cache).expanduser() / "pacing"
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pulumi-openpanel" / "pacing"


@dataclass(frozen=True)
class ApiSettings:
    """Timeouts, retries and pacing of a :class:`ManageApi`.

    ``rate_limit=None`` turns client-side pacing off; ``pacing_dir=None`` keeps the pacing to this process
    (no state file shared with the next one). Built from the sources by :meth:`Sources.settings`; constructed
    directly, the pacing directory still follows the environment.
    """

    timeout: float = DEFAULT_REQUEST_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT
    pacing_dir: Path | None = field(default_factory=lambda: pacing_dir(os.environ))


def normalize_api_url(value: str, source: str = "apiUrl") -> str:
    """Validate an API root and drop the trailing slash; ``/manage`` is appended per request."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as {DEFAULT_API_URL} "
            f"or https://analytics.example.com/api for a self-hosted server, got {value!r}"
        )
    if parts.path.endswith("/manage"):
        raise ConfigurationError(
            f"{source} is the API root without /manage (the provider appends it), got {value!r}"
        )
    return text


_RATE_LIMIT = re.compile(r"(?P<count>[0-9]+)\s*/\s*(?P<window>[0-9]+(?:\.[0-9]+)?)")


def api_root_suggestion(api_url: str) -> str:
    """Where a self-hosted server's Manage API likely is, for an API root that has no /manage routes:
    servers mount it under a prefix, most often /api."""
    if urlsplit(api_url).path in ("", "/"):
        return f"try {api_url}/api if the server is self-hosted"
    return "self-hosted servers usually serve it at https://your-host/api"


def no_manage_routes(api_url: str, source: str) -> str:
    """What to do about an API root that answers but has no /manage routes (``source``: where it came
    from): the one wording of this hint, for the client's errors and ``doctor``."""
    return (f"The API root {api_url} (from {source}) answers but has no /manage routes: "
            f"{api_root_suggestion(api_url)}; OpenPanel Cloud is {DEFAULT_API_URL}")


def parse_rate_limit(text: str, source: str) -> tuple[int, float] | None:
    """The one grammar of a rate limit: ``REQUESTS/SECONDS`` (a whole number >= 1 over a number > 0), or
    ``off`` for None. ``source`` names where the text came from, for the error."""
    stripped = text.strip()
    if stripped.lower() == OFF:
        return None
    match = _RATE_LIMIT.fullmatch(stripped)
    if match is not None:
        count, window = int(match["count"]), float(match["window"])
        if count >= 1 and window > 0:
            return count, window
    limit, window = DEFAULT_RATE_LIMIT
    raise ConfigurationError(
        f"{source} must be REQUESTS/SECONDS, a whole number of requests of at least 1 per a number of seconds "
        f"above 0 such as {limit}/{window:g} (OpenPanel's own limit), or {OFF} for no limit; "
        f"got {redact(repr(text))}"
    )


def parse_timeout(text: str, source: str) -> float:
    """The one grammar of a timeout: a positive, finite number of seconds. ``source`` names where the text
    came from, for the error."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ConfigurationError(f"{source} must be a positive number of seconds, got {redact(repr(text))}")
    return seconds


def parse_retries(text: str, source: str) -> int:
    if not text.isdigit():
        raise ConfigurationError(f"{source} must be a whole number >= 0, got {redact(repr(text))}")
    return int(text)


def parse_rate_limit_wait(text: str, source: str) -> float:
    """Seconds a request may go on being refused with 429 (``RetryPolicy.rate_limit_wait``): a number
    >= 0, where 0 fails at the first 429."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigurationError(
            f"{source} must be a number of seconds >= 0 (0: fail at the first 429), such as "
            f"{DEFAULT_RATE_LIMIT_WAIT:g} (the default), got {redact(repr(text))}"
        )
    return seconds


# Each tuning setting: its stack config key and its environment variable, in the order doctor lists them.
TUNING = {
    "request_timeout": (CONFIG_REQUEST_TIMEOUT, ENV_REQUEST_TIMEOUT),
    "max_retries": (CONFIG_MAX_RETRIES, ENV_MAX_RETRIES),
    "rate_limit": (CONFIG_RATE_LIMIT, ENV_RATE_LIMIT),
    "rate_limit_wait": (CONFIG_RATE_LIMIT_WAIT, ENV_RATE_LIMIT_WAIT),
}


def setting_text(value: Any) -> str | None:
    """A setting's value as the provider reads it: stripped text, None when unset. Empty or blank text
    counts as unset; a value that is not text (a number in the stack's YAML) is read as its text."""
    text = "" if value is None else str(value).strip()
    return text or None


# Each credential: its connection wire key and argument name, stack config key and environment variable.
CREDENTIALS = {
    "api_url": ("apiUrl", "api_url", CONFIG_API_URL, ENV_API_URL),
    "client_id": ("clientId", "client_id", CONFIG_CLIENT_ID, ENV_CLIENT_ID),
    "client_secret": ("clientSecret", "client_secret", CONFIG_CLIENT_SECRET, ENV_CLIENT_SECRET),
}

# The wire names of a connection when it travels as a resource input, in the table's order.
CONNECTION_KEYS = tuple(wire for wire, _, _, _ in CREDENTIALS.values())


def credential_places(name: str, stack_config: str | None = None) -> str:
    """Every place a credential (a key of :data:`CREDENTIALS`) may be set, for an error that says where to
    set it; ``stack_config`` names the stack config key as the sources know it (with its stack, say)."""
    _, arg, key, variable = CREDENTIALS[name]
    return f"connection=Connection({arg}=...), {stack_config or f'stack config {key}'}, or environment {variable}"


def is_client_id(value: str) -> bool:
    """Whether a client id setting has the form the provider accepts (a UUID, as Python reads one); what
    fails it is never shown, since it may be a secret pasted into the wrong setting."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_client_id(value: str, source: str) -> None:
    """Refuse a client id that is not one (:func:`is_client_id`), naming where it came from and never the
    value itself: a secret pasted into the wrong setting must not be printed."""
    if not is_client_id(value):
        raise ConfigurationError(
            f"the OpenPanel client id from {source} must be a UUID such as 0f1e2d3c-4b5a-4697-8877-665544332211 "
            f"(got {len(value)} characters that are not one)"
        )


