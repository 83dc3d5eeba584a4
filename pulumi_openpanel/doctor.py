"""``pulumi-openpanel doctor``: is this machine set up to manage OpenPanel, and if not, why not?

It reads the same environment the provider reads, makes a handful of paced requests, and for every
problem says what is wrong and how to fix it. It exits 0 when a ``pulumi up`` could work, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pulumi_openpanel.config import (
    ENV_API_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    RetryPolicy,
    api_root_suggestion,
    manage_api,
)
from pulumi_openpanel.errors import (
    ApiError,
    ApiRootError,
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    MissingCredentialsError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    redact,
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class Report:
    api_url: str | None = None
    checks: list[Check] = field(default_factory=list)
    organization_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    round_trip_ms: float | None = None
    rate_limit: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, fix))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-url", help=f"API root to check (default: ${ENV_API_URL} or OpenPanel Cloud)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--timeout", type=_positive_seconds, default=10.0, help="seconds to wait for each answer")


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return seconds


def diagnose(api_url: str | None = None, timeout: float = 10.0, environ: dict[str, str] | None = None) -> Report:
    environ = dict(os.environ if environ is None else environ)
    report = Report()
    try:
        # The provider's own settings, but --timeout and a short retry budget: a diagnosis should be quick.
        api = manage_api({"apiUrl": api_url} if api_url else None, {}, environ, timeout=timeout,
                         connect_timeout=timeout, retry=RetryPolicy(max_attempts=2))
    except ConfigurationError as exc:
        report.add("credentials", False, str(exc), _configuration_fix(exc))
        return report
    credentials = api.credentials
    report.api_url = credentials.api_url
    report.add("credentials", True, f"client id {credentials.client_id} (secret set)")

    started = time.perf_counter()
    try:
        projects = api.list_projects()
    except ApiError as exc:  # an answer not shaped like the API's is a ServerError with its 2xx status
        report.add("api", False, str(exc), _fix_for(exc, credentials.api_url))
        return report
    report.round_trip_ms = round((time.perf_counter() - started) * 1000, 1)
    report.add("api", True, f"{credentials.api_url}/manage answers like OpenPanel's Manage API "
                            f"({report.round_trip_ms} ms round trip)")
    report.add("root client", True, "the credentials are accepted and belong to a root client")

    try:
        clients = api.list_clients()
        references = api.list_references()
    except ApiError as exc:
        report.add("organization", False, str(exc), _fix_for(exc, credentials.api_url))
        return report
    own = next((client for client in clients if client.id == credentials.client_id), None)
    report.organization_id = own.organization_id if own else None
    report.counts = {"projects": len(projects), "clients": len(clients), "references": len(references)}
    report.add(
        "organization",
        True,
        f"organization {report.organization_id or '(unknown)'}: {len(projects)} projects, "
        f"{len(clients)} clients, {len(references)} references",
    )
    if api.last_rate_limit is not None:
        limit, remaining, reset = api.last_rate_limit
        report.rate_limit = {"limit": limit, "remaining": remaining, "reset_seconds": reset}
        report.add("rate limit", True, f"{remaining} of {limit} requests left in this window "
                                       f"(resets in {reset:g} s)" if reset is not None else
                                       f"{remaining} of {limit} requests left in this window")
    else:
        report.add("rate limit", True, "the server sends no x-ratelimit headers (no limit announced)")
    return report


def _configuration_fix(exc: ConfigurationError) -> str:
    if isinstance(exc, MissingCredentialsError):
        return (f"export {ENV_CLIENT_ID}=<root client id> {ENV_CLIENT_SECRET}=<its secret> "
                "(OpenPanel: Settings > Clients, a client of type root)")
    message = str(exc)
    if ENV_CLIENT_ID in message:
        return f"set {ENV_CLIENT_ID} to the id (a UUID) of a root client, not its name or secret"
    if "apiUrl" in message or ENV_API_URL in message or "api_url" in message:
        return (f"pass --api-url or set {ENV_API_URL} to the API root without /manage "
                "(OpenPanel Cloud: https://api.openpanel.dev; self-hosted: usually https://your-host/api)")
    return "correct the setting named above (or unset it to use the default)"


def _not_the_api_fix(api_url: str) -> str:
    return f"{api_url} answers with something that is not the OpenPanel API (a web page?); check the root"


def _fix_for(exc: ApiError, api_url: str) -> str:
    if isinstance(exc, TransportError):
        return (f"check that {api_url} is the right API root and reachable from here "
                f"(set {ENV_API_URL}; for a self-hosted server it is often https://your-host/api)")
    if isinstance(exc, AuthenticationError):
        message = exc.server_message
        if "Only root clients" in message:
            return "create a client of type root in OpenPanel (Settings > Clients) and use its id and secret"
        if "Invalid client id" in message or "UUID" in message:
            return "OPENPANEL_CLIENT_ID is not a client of this server; copy the id of a root client"
        return "OPENPANEL_CLIENT_SECRET does not match the client id; use the secret shown when it was created"
    if isinstance(exc, (ApiRootError, NotFoundError)):
        return (f"{api_url} answers but has no /manage routes: the API root is probably wrong "
                f"({api_root_suggestion(api_url)}; OpenPanel Cloud is https://api.openpanel.dev)")
    if exc.status is not None and 300 <= exc.status < 400:
        return (f"{api_url} redirects (HTTP {exc.status}); use the address it redirects to as the API root "
                "(often https:// instead of http://)")
    if exc.status is not None and exc.status < 500 and not isinstance(exc, (ForbiddenError, RateLimitedError)):
        return _not_the_api_fix(api_url)
    return "retry later; if it persists, check the server's status or logs"


def render_text(report: Report) -> str:
    lines = [f"OpenPanel doctor for {report.api_url or '(no API root)'}"]
    for check in report.checks:
        lines.append(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"         fix: {check.fix}")
    lines.append("usable: yes" if report.ok else "usable: no")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = diagnose(args.api_url, args.timeout)
    secrets = [os.environ.get(ENV_CLIENT_SECRET)]
    if args.json:
        payload = {**asdict(report), "ok": report.ok}
        print(redact(json.dumps(payload, indent=2), secrets))
    else:
        print(redact(render_text(report), secrets))
    sys.stdout.flush()
    return 0 if report.ok else 1
