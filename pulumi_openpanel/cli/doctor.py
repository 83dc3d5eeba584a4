"""``pulumi-openpanel doctor``: is this machine set up to manage OpenPanel, and if not, why not?

It reads the settings the provider will read, from the same places in the same order: in a Pulumi project
directory with ``pulumi`` on PATH, the selected stack's ``openpanel:*`` config (through ``pulumi config``,
as the engine hands it to the provider), then the environment. For each value it names where it came from
(never the secret's value). Then it makes a handful of paced requests, and for every problem says what is
wrong and how to fix it, under the setting that is wrong: the API root or the credentials. It exits 0 when
a ``pulumi up`` could work, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.settings import (
    CONFIG_API_URL,
    CONFIG_CLIENT_SECRET,
    CREDENTIALS,
    DEFAULT_API_URL,
    DEFAULT_RATE_LIMIT,
    DEFAULT_REQUEST_TIMEOUT,
    ENV_API_URL,
    ENV_CLIENT_SECRET,
    SETTINGS_KEYS,
    RetryPolicy,
    is_client_id,
    no_manage_routes,
    normalize_api_url,
    parse_timeout,
    setting_text,
)
from pulumi_openpanel.api.sources import RECORDED_FIX, Sources
from pulumi_openpanel.cli.stack import PulumiStack
from pulumi_openpanel.errors import (
    ApiError,
    ApiRootError,
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    MissingCredentialsError,
    NotFoundError,
    PulumiCommandError,
    RateLimitedError,
    TransportError,
    redact,
)

# The check groups: a problem is reported under the setting that has to change.
API_ROOT = "API root"
CREDENTIALS_CHECK = "credentials"  # the check; CREDENTIALS is api.settings' table of credential settings
SETTINGS = "settings"
ORGANIZATION = "organization"
RATE_LIMIT = "rate limit"
RECORDED_CONFIG = "recorded config"

# How doctor names its --api-url, which travels as a connection's apiUrl (see diagnose).
GIVEN_AS = {"apiUrl": "--api-url"}
DEFAULT_SOURCE = "the default"
NOT_SET = "not set"
LABELS = {
    "api_url": "API root",
    "client_id": "client id",
    "client_secret": "client secret",
    "request_timeout": "request timeout",
    "max_retries": "max retries",
    "rate_limit": "rate limit",
    "rate_limit_wait": "rate-limit wait (s)",
}
DEFAULTS = {
    "request_timeout": f"{DEFAULT_REQUEST_TIMEOUT:g}",
    "max_retries": str(RetryPolicy().max_attempts - 1),
    "rate_limit": f"{DEFAULT_RATE_LIMIT[0]}/{DEFAULT_RATE_LIMIT[1]:g}",
    "rate_limit_wait": f"{RetryPolicy().rate_limit_wait:g}",
}


@dataclass
class Check:
    """One finding. ``warn``: not in the way of a ``pulumi up`` (so ``ok``), but of other commands."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False


@dataclass
class Setting:
    """One value the provider will use and where it came from. ``value`` is None for the client secret,
    always: only whether it is set is reported."""

    value: str | None
    source: str
    set: bool = True


def recorded_differences(sources: Sources, recorded: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``openpanel:*`` keys whose value the state recorded at the last ``pulumi up`` (``recorded``) is
    not today's (set on one side only counts), as the provider reads values."""
    return [key for key in SETTINGS_KEYS
            if any(setting_text(config.get(key)) != setting_text(sources.stack_config.get(key))
                   for config in recorded)]


def environment_only(summary: str = "the environment only") -> Sources:
    """No stack config: what doctor reads outside a project, and the fallback when ``pulumi`` cannot
    answer (the summary then says why, so that a user does not mistake it for the stack's settings)."""
    return Sources(summary=summary)


def read_stack_config(cwd: Path | None, stack: str | None, environ: Mapping[str, str]) -> Sources:
    """The sources of the commands run outside Pulumi (``doctor``, ``adopt``): the selected (or named)
    stack's ``openpanel:*`` config, as ``configure`` will receive it, then ``environ``.

    Only inside a Pulumi project (a Pulumi.yaml in ``cwd``) with ``pulumi`` on PATH; otherwise, or when the
    CLI fails (no stack selected, not logged in, no passphrase), the environment alone, and the summary
    says why in one line.
    """
    return _read_stack(cwd, stack, environ, recorded=False)[0]


def _read_stack(cwd: Path | None, stack: str | None, environ: Mapping[str, str], *,
                recorded: bool) -> tuple[Sources, list[dict[str, Any]]]:
    """:func:`read_stack_config`, and with ``recorded`` the ``openpanel:*`` config the state recorded at
    each ``pulumi up`` it knows of (``pulumi stack export``), what refresh and destroy use."""
    directory = (cwd or Path.cwd()).resolve()
    if not any((directory / name).is_file() for name in ("Pulumi.yaml", "Pulumi.yml")):
        return environment_only(f"the environment only (no Pulumi.yaml in {directory}, so no stack config)"), []
    if shutil.which("pulumi", path=environ.get("PATH")) is None:
        return environment_only("the environment only (the pulumi command is not on PATH, so the stack "
                                f"config of the project in {directory} is not read)"), []
    pulumi = PulumiStack(directory, stack, environ=environ)
    try:
        name = pulumi.name()
        found = pulumi.config()
    except PulumiCommandError as exc:
        return environment_only(f"the environment only (could not read the stack config of the project in "
                                f"{directory}: {exc})"), []
    states: list[dict[str, Any]] = []
    if recorded:
        try:
            states = pulumi.recorded_configs()
        except PulumiCommandError:
            states = []  # the recorded config is a warning's matter: without it, nothing to compare
    sources = Sources(
        stack_config={key: found[key] for key in SETTINGS_KEYS if key in found},
        stack_name=name,
        summary=f"stack config of stack {name} (pulumi config in {directory}), then the environment",
    )
    return sources, [{key: state[key] for key in SETTINGS_KEYS if key in state} for state in states]


@dataclass
class Report:
    api_url: str | None = None
    api_url_source: str | None = None
    config: str = ""
    stack: str | None = None
    settings: dict[str, Setting] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    organization_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    round_trip_ms: float | None = None
    rate_limit: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str, fix: str = "", *, warn: bool = False) -> None:
        self.checks.append(Check(name, ok, detail, fix, warn))

    def reported(self, detail: str) -> bool:
        return any(check.detail == detail for check in self.checks)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-url", help="API root to check, instead of the one the provider would use "
                                          f"(stack config {CONFIG_API_URL}, ${ENV_API_URL}, or OpenPanel Cloud)")
    parser.add_argument("--cwd", metavar="DIR", type=Path,
                        help="the Pulumi project directory whose stack config to read (default: here)")
    parser.add_argument("--stack", metavar="NAME", help="the stack whose config to read (default: the selected one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--timeout", type=_positive_seconds, default=10.0, help="seconds to wait for each answer")


def _positive_seconds(text: str) -> float:
    """--timeout, read by the provider's own timeout parser; argparse names the option."""
    try:
        return parse_timeout(text, "--timeout")
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--timeout ")) from None


def describe_settings(sources: Sources) -> dict[str, Setting]:
    """Every value the provider will use and its source, found by the provider's own precedence
    (:meth:`~pulumi_openpanel.api.sources.Sources.locate`)."""
    found = sources.locate()
    settings: dict[str, Setting] = {}
    for name, (value, source) in found.items():
        if value is None and name == "api_url":
            settings[name] = Setting(DEFAULT_API_URL, DEFAULT_SOURCE)
        elif value is None and name in DEFAULTS:
            settings[name] = Setting(DEFAULTS[name], DEFAULT_SOURCE)
        elif value is None:
            settings[name] = Setting(None, NOT_SET, set=False)
        elif name == "client_secret":
            settings[name] = Setting(None, source)
        elif name == "client_id" and not is_client_id(value):
            # Not shown: what is not an id may be a secret pasted into the wrong setting.
            settings[name] = Setting(None, source)
        else:
            settings[name] = Setting(value, source)
    return settings


def diagnose(api_url: str | None = None, timeout: float = 10.0, environ: Mapping[str, str] | None = None,
             sources: Sources | None = None, recorded: Sequence[Mapping[str, Any]] = ()) -> Report:
    """Check the settings ``sources`` (their stack config) and ``environ`` (``os.environ`` when None) give
    the provider, with ``api_url`` instead of theirs when given; ``recorded``: the stack configs the state
    recorded, compared with today's."""
    environ = dict(os.environ if environ is None else environ)
    # doctor's --api-url travels as a connection's apiUrl: it wins over every other source, as a connection
    # does, and is named as what the user typed.
    sources = replace(sources or environment_only(), connection={"apiUrl": api_url} if api_url else None,
                      environ=environ, given_as=GIVEN_AS)
    report = Report(config=sources.summary, stack=sources.stack_name)
    report.settings = describe_settings(sources)
    root = report.settings["api_url"]
    report.api_url, report.api_url_source = root.value, root.source

    differing = recorded_differences(sources, recorded)
    if differing:
        report.add(RECORDED_CONFIG, True, f"the stack config recorded in the state at the last `pulumi up` differs "
                                          f"from today's for {', '.join(differing)}", RECORDED_FIX, warn=True)
    try:
        sources.settings()
    except ConfigurationError as exc:
        report.add(SETTINGS, False, str(exc), "correct the setting named above (or unset it to use the default)")
    if root.value is not None and root.source != DEFAULT_SOURCE:
        try:
            report.api_url = normalize_api_url(root.value, root.source)
        except ConfigurationError as exc:
            report.add(API_ROOT, False, str(exc), _api_url_fix(root.source))
    try:
        # The provider's own settings, but --timeout and a short retry budget: a diagnosis should be quick,
        # so a 429 is waited out for --timeout at most, not the provider's minutes.
        api = manage_api(sources=sources, timeout=timeout, connect_timeout=timeout,
                         retry=RetryPolicy(max_attempts=2, rate_limit_wait=timeout))
    except ConfigurationError as exc:
        if not report.reported(str(exc)):
            report.add(CREDENTIALS_CHECK, False, str(exc), _credentials_fix(exc, report.settings, sources))
        return report
    credentials = api.credentials
    report.api_url = credentials.api_url

    started = time.perf_counter()
    try:
        projects = api.list_projects()
    except (AuthenticationError, ForbiddenError) as exc:
        report.add(API_ROOT, True, f"{credentials.api_url}/manage answers like OpenPanel's Manage API "
                                   "(and refuses the credentials)")
        report.add(CREDENTIALS_CHECK, False, f"refused: {_failure(exc)}", exc.hint)
        return report
    except RateLimitedError as exc:
        report.add(API_ROOT, True, f"{credentials.api_url}/manage answers (with HTTP 429)")
        report.add(RATE_LIMIT, False, _failure(exc), "wait for the window to pass; if another program uses the same "
                                                "client id heavily, give this stack a root client of its own")
        return report
    except ApiError as exc:  # an answer not shaped like the API's is a ServerError with its 2xx status
        report.add(API_ROOT, False, _failure(exc), _api_root_fix(exc, credentials.api_url, root.source))
        return report
    report.round_trip_ms = round((time.perf_counter() - started) * 1000, 1)
    report.add(API_ROOT, True, f"{credentials.api_url}/manage answers like OpenPanel's Manage API "
                               f"({report.round_trip_ms} ms round trip)")
    sources_of = credentials.sources
    report.add(CREDENTIALS_CHECK, True, f"accepted: client id {credentials.client_id} (from {sources_of['client_id']}) "
                                  f"is a root client; secret from {sources_of['client_secret']}")

    try:
        clients = api.list_clients()
        references = api.list_references()
    except ApiError as exc:
        report.add(ORGANIZATION, False, _failure(exc), _api_root_fix(exc, credentials.api_url, root.source))
        return report
    own = next((client for client in clients if client.id == credentials.client_id), None)
    report.organization_id = own.organization_id if own else None
    report.counts = {"projects": len(projects), "clients": len(clients), "references": len(references)}
    report.add(
        ORGANIZATION,
        True,
        f"organization {report.organization_id or '(unknown)'}: {len(projects)} projects, "
        f"{len(clients)} clients, {len(references)} references",
    )
    if api.last_rate_limit is not None:
        limit, remaining, reset = api.last_rate_limit
        report.rate_limit = {"limit": limit, "remaining": remaining, "reset_seconds": reset}
        report.add(RATE_LIMIT, True, f"{remaining} of {limit} requests left in this window "
                                     f"(resets in {reset:g} s)" if reset is not None else
                                     f"{remaining} of {limit} requests left in this window")
    else:
        report.add(RATE_LIMIT, True, "the server sends no x-ratelimit headers (no limit announced)")
    return report


def _failure(exc: ApiError) -> str:
    """What failed, without the error's own hint: the check's fix line says what to do instead."""
    status = f"HTTP {exc.status}" if exc.status is not None else "no answer"
    return redact(f"{exc.method} {exc.path} failed ({status}): {exc.server_message}")


def _credentials_fix(exc: ConfigurationError, settings: Mapping[str, Setting], sources: Sources) -> str:
    if isinstance(exc, MissingCredentialsError):
        config, env = [], []
        for name, placeholder, flag in (("client_id", "<root client id>", ""),
                                        ("client_secret", "<its secret>", "--secret ")):
            if not settings[name].set:
                _, _, key, variable = CREDENTIALS[name]
                config.append(f"pulumi config set {flag}{key} {placeholder}")
                env.append(f"{variable}={placeholder}")
        where = f"{' and '.join(config)} (stack {sources.stack_name}), or " if sources.stack_name else ""
        return f"{where}export {' '.join(env)} (OpenPanel: Settings > Clients, a client of type root)"
    if "client id" in str(exc):
        return f"set {settings['client_id'].source} to the id (a UUID) of a root client, not its name or secret"
    return "correct the setting named above (or unset it to use the default)"


def _api_url_fix(source: str) -> str:
    return (f"set {source} to the API root without /manage (OpenPanel Cloud: {DEFAULT_API_URL}; "
            "self-hosted: usually https://your-host/api)")


def _not_the_api_fix(api_url: str, source: str) -> str:
    return (f"{api_url} (from {source}) answers with something that is not the OpenPanel API (a web page?); "
            "check the root")


def _api_root_fix(exc: ApiError, api_url: str, source: str) -> str:
    if isinstance(exc, TransportError):
        return (f"check that {api_url} (from {source}) is the right API root and reachable from here "
                "(for a self-hosted server it is often https://your-host/api)")
    if isinstance(exc, ApiRootError):
        return exc.hint
    if isinstance(exc, NotFoundError):
        return no_manage_routes(api_url, source)
    if exc.status is not None and 300 <= exc.status < 400:
        return (f"{api_url} (from {source}) redirects (HTTP {exc.status}); use the address it redirects to as "
                "the API root (often https:// instead of http://)")
    if exc.status is not None and exc.status < 500 and not isinstance(exc, (ForbiddenError, RateLimitedError)):
        return _not_the_api_fix(api_url, source)
    return "retry later; if it persists, check the server's status or logs"


def render_text(report: Report) -> str:
    lines = [f"OpenPanel doctor for {report.api_url or '(no API root)'} (from {report.api_url_source or NOT_SET})",
             f"  settings from {report.config}:" if report.config else "  settings:"]
    for name, setting in report.settings.items():
        value = setting.value if setting.value is not None else ("set, not shown" if setting.set else "-")
        lines.append(f"    {LABELS.get(name, name)}: {value} ({setting.source})")
    for check in report.checks:
        mark = "warn" if check.warn else "ok" if check.ok else "FAIL"
        lines.append(f"  [{mark}] {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"         fix: {check.fix}")
    lines.append("usable: yes" if report.ok else "usable: no")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    sources, recorded = _read_stack(args.cwd, args.stack, os.environ, recorded=True)
    report = diagnose(args.api_url, args.timeout, sources=sources, recorded=recorded)
    found = [os.environ.get(ENV_CLIENT_SECRET), sources.stack_config.get(CONFIG_CLIENT_SECRET)]
    secrets = [str(secret) for secret in found if secret]
    text = json.dumps({**asdict(report), "ok": report.ok}, indent=2) if args.json else render_text(report)
    print(redact(text, secrets))
    sys.stdout.flush()
    return 0 if report.ok else 1
