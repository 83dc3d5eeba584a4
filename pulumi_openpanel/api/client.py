"""ManageApi: the one client of OpenPanel's Manage API, public as ``pulumi_openpanel.ManageApi``.

Layers, from the wire up: a cached ``httpx.Client`` per (API root, credentials, timeouts); process-wide
pacing per (API root, client id); retries with backoff where a retry cannot do harm; the
:mod:`pulumi_openpanel.errors` hierarchy for every failure; pydantic models for every answer.

Nothing here is pickled: resources build a ``ManageApi`` at call time (through
:func:`pulumi_openpanel.api.factory.manage_api`, from the same sources as every other caller), so the provider
instance that Pulumi serialises never holds a connection, a lock or a secret. Its settings types,
``ApiSettings`` and ``Credentials``, are configuration and live in settings.py, below this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pydantic

from pulumi_openpanel._version import __version__
from pulumi_openpanel.api import request_log
from pulumi_openpanel.api.models import (
    Client,
    ClientCreate,
    ClientUpdate,
    CreatedClient,
    CreatedProject,
    Dashboard,
    Project,
    ProjectCreate,
    ProjectUpdate,
    Reference,
    ReferenceCreate,
    ReferenceUpdate,
    Report,
)
from pulumi_openpanel.api.pacing import SYSTEM_CLOCK, Clock, RateLimiter, before_send, shared_limiter
from pulumi_openpanel.api.run import WIRE, Wire
from pulumi_openpanel.api.settings import (
    CONFIG_API_URL,
    CONFIG_RATE_LIMIT,
    CONFIG_RATE_LIMIT_WAIT,
    ENV_API_URL,
    ENV_RATE_LIMIT_WAIT,
    ApiSettings,
    Credentials,
    RetryPolicy,
    credential_places,
    no_manage_routes,
)
from pulumi_openpanel.errors import (
    ApiError,
    ApiRootError,
    AuthenticationError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
    redact,
)

log = logging.getLogger(__name__)

USER_AGENT = f"pulumi-openpanel/{__version__}"


# The hints that name a setting, from the settings' table (errors.py, below it, names none).
TRANSPORT_HINT = f"Check that the API root ({CONFIG_API_URL} / {ENV_API_URL}) is right and reachable"
RATE_LIMITED_HINT = (
    "OpenPanel limits the requests of each client per time window; the provider paces itself to that "
    f"limit ({CONFIG_RATE_LIMIT}) and retries a refused request for as long as its rate-limit wait allows, "
    "so seeing this means other programs kept these credentials' budget spent all that time: give each "
    "pipeline a root client of its own, or allow a longer wait"
)
# A 404 about the route itself (Fastify's wording), not about an object: the API root is wrong.
_ROUTE_NOT_FOUND = re.compile(r"^Route [A-Z]+:\S* not found$")

_CLIENTS: dict[tuple[str, str, str, float, float], httpx.Client] = {}
_CLIENTS_LOCK = threading.Lock()


def _http_client(credentials: Credentials, settings: ApiSettings) -> httpx.Client:
    # Keyed by a digest of the secret, so that the cache's keys never hold the secret itself.
    digest = hashlib.sha256(credentials.client_secret.encode()).hexdigest()
    key = (credentials.api_url, credentials.client_id, digest, settings.timeout, settings.connect_timeout)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = _build_client(credentials, settings, None)
        return client


def _build_client(
    credentials: Credentials, settings: ApiSettings, transport: httpx.BaseTransport | None
) -> httpx.Client:
    return httpx.Client(
        base_url=credentials.api_url + "/manage/",
        headers={
            "openpanel-client-id": credentials.client_id,
            "openpanel-client-secret": credentials.client_secret,
            "user-agent": USER_AGENT,
            "accept": "application/json",
        },
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        transport=transport,
        follow_redirects=False,
        event_hooks=request_log.event_hooks(),
    )


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def _header_number(headers: httpx.Headers, name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _not_sent(exc: httpx.TransportError) -> bool:
    """True only when the request provably never reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class ManageApi:
    """Synchronous, thread-safe client of ``<api root>/manage``: one method per route, typed answers
    (:mod:`pulumi_openpanel.api.models`), every failure an :class:`~pulumi_openpanel.errors.ApiError`.

    Make one from the usual sources with :func:`pulumi_openpanel.api.factory.manage_api` (connection, stack
    config, environment), or from explicit :class:`Credentials` and :class:`ApiSettings`.

    ``transport``, ``clock``, ``limiter``, ``rand`` and ``wire`` exist for tests: a ``httpx.MockTransport``,
    a fake clock that only moves when slept on, a private limiter, a fixed random source, a private count of
    the exchanges under way (:class:`~pulumi_openpanel.api.run.Wire`; by default the process's).
    """

    def __init__(
        self,
        credentials: Credentials,
        settings: ApiSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        rand: Callable[[], float] = random.random,
        wire: Wire = WIRE,
    ) -> None:
        self.credentials = credentials
        self.settings = settings or ApiSettings()
        self._http = (
            _build_client(credentials, self.settings, transport)
            if transport is not None
            else _http_client(credentials, self.settings)
        )
        self._clock = clock or SYSTEM_CLOCK
        if limiter is None and self.settings.rate_limit is not None:
            limit, window = self.settings.rate_limit
            limiter = shared_limiter(
                credentials.api_url, credentials.client_id, limit, window, self.settings.pacing_dir
            )
        self._limiter = limiter
        self._rand = rand
        self._wire = wire
        # Whether this client (one per resource operation) has sent a change: the engine's Cancel then no
        # longer stops its requests (run.Run says why).
        self._changed = False
        # (limit, remaining, reset seconds) from the latest answer that carried them; for diagnostics.
        self.last_rate_limit: tuple[int | None, int | None, float | None] | None = None

    def __repr__(self) -> str:
        return f"ManageApi(api_url={self.credentials.api_url!r}, client_id={self.credentials.client_id!r})"

    # -- the request loop -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Send one logical request, retrying where safe; returns the decoded JSON answer.

        Two budgets (see :class:`RetryPolicy`): failures that may mean an outage (5xx, no answer) use up
        ``max_attempts`` and ``max_elapsed``, the latter not counting the time the rate limit held the
        request back (the pacer's waits and the waits after a 429), so that a busy client id does not leave
        a request without retries; 429s use up only time, ``rate_limit_wait`` from the request's start.
        """
        display_path = "/manage/" + path
        policy = self.settings.retry
        clock = self._clock
        started = clock.monotonic()
        attempts = failures = refusals = 0
        held = 0.0  # seconds the rate limit held this request back
        while True:
            attempts += 1
            before_send(clock, shielded=self._changed)
            before = clock.monotonic()
            ticket = self._limiter.take() if self._limiter is not None else None
            held += clock.monotonic() - before
            before_send(clock, shielded=self._changed)  # its run may have ended while it waited
            with self._wire.sending():  # a plugin ending itself waits for it (run.Wire)
                outcome = self._attempt(method, path, display_path, body, params, ticket, attempts)
            self._changed = self._changed or method != "GET"
            if not isinstance(outcome, ApiError):
                return outcome
            error = outcome
            limited = isinstance(error, RateLimitedError)
            if limited:
                refusals += 1
            else:
                failures += 1
            delay = self._retry_delay(method, error, refusals if limited else failures, policy)
            elapsed = clock.monotonic() - started
            if limited and delay is not None and elapsed + delay > policy.rate_limit_wait:
                if policy.rate_limit_wait > 0:
                    error.gave_up(attempts, elapsed, budget=(
                        f"refused for rate limit {refusals} time{'s' if refusals != 1 else ''}, and waiting "
                        f"{delay:.0f} s more would pass the rate-limit wait of {policy.rate_limit_wait:g} s "
                        f"({CONFIG_RATE_LIMIT_WAIT} or {ENV_RATE_LIMIT_WAIT})"))
                raise error
            if delay is None or (not limited and elapsed - held + delay > policy.max_elapsed):
                if attempts > 1:
                    error.gave_up(attempts, elapsed)
                raise error
            if limited:
                held += delay
                log.info("OpenPanel %s %s: HTTP 429 (rate limited, %d so far); retry in %.1fs, %.0f of %g s "
                         "waited", method, display_path, refusals, delay, elapsed, policy.rate_limit_wait)
            else:
                log.info("OpenPanel %s %s: %s; retry %d of %d in %.1fs", method, display_path,
                         f"HTTP {error.status}" if error.status else "no answer", failures,
                         policy.max_attempts - 1, delay)
            clock.sleep(delay)

    def _attempt(
        self,
        method: str,
        path: str,
        display_path: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None,
        ticket: int | None = None,
        attempt: int = 1,
    ) -> Any:
        """One HTTP exchange: the decoded answer, or the ApiError it amounts to (returned, not raised)."""
        content = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if content is not None else {}
        try:
            response = self._http.request(method, path, content=content, headers=headers, params=params,
                                          extensions=request_log.extensions(attempt))
        except httpx.TransportError as exc:
            request_log.no_answer(exc)
            if self._limiter is not None:
                self._limiter.observe(None, None, ticket)
            message = redact(f"{type(exc).__name__}: {exc}", (self.credentials.client_secret,))
            return TransportError(method, display_path, message, maybe_sent=not _not_sent(exc), hint=TRANSPORT_HINT)
        remaining = _header_number(response.headers, "x-ratelimit-remaining")
        reset = _header_number(response.headers, "x-ratelimit-reset")
        if remaining is not None:
            limit = _header_number(response.headers, "x-ratelimit-limit")
            self.last_rate_limit = (None if limit is None else int(limit), int(remaining), reset)
        if self._limiter is not None:
            self._limiter.observe(None if remaining is None else int(remaining), reset, ticket)
        if response.is_success:
            if not response.content:
                return {}  # e.g. a 204 to a DELETE: nothing to decode, nothing wrong
            try:
                return response.json()
            except ValueError:
                return ServerError(method, display_path, response.status_code, "the answer is not JSON")
        return self._error_for(method, display_path, response)

    def _error_for(self, method: str, path: str, response: httpx.Response) -> ApiError:
        status = response.status_code
        text = response.text
        message = redact(text, (self.credentials.client_secret,)).strip()[:500] or response.reason_phrase
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
            message = decoded["message"]
        message = redact(message, (self.credentials.client_secret,))
        if status == 400:
            return ValidationError(method, path, status, message)
        if status == 401:
            return AuthenticationError(method, path, status, message, hint=self._credentials_hint(message))
        if status == 403:
            # Which credentials' organization that is: in a refresh or destroy, maybe not today's.
            hint = f"{ForbiddenError.hint} (client id {self._source('client_id')})"
            return ForbiddenError(method, path, status, message, hint=hint)
        if status == 404 and _ROUTE_NOT_FOUND.match(message):
            return ApiRootError(method, path, status, message, hint=self._api_root_hint())
        if status == 404:
            return NotFoundError(method, path, status, message)
        if status == 429:
            retry_after = _header_number(response.headers, "retry-after")
            if retry_after is None:  # the window's end is as good a word for when to come back
                retry_after = _header_number(response.headers, "x-ratelimit-reset")
            if self._limiter is not None and retry_after is not None:
                self._limiter.pause(retry_after)
            return RateLimitedError(method, path, status, message, retry_after=retry_after, hint=RATE_LIMITED_HINT)
        if status >= 500:
            return ServerError(method, path, status, message)
        return ApiError(method, path, status, message)

    def _source(self, key: str) -> str:
        """Where a credential came from, for an error: the source in use, or every place it may be set."""
        source = self.credentials.sources.get(key)
        if source:
            return f"from {source}"
        return f"set through {credential_places(key)}"

    def credentials_in_use(self) -> str:
        """Which credentials and server the requests go to, for an error (the client id's source, never a
        value but the API root's)."""
        return f"client id {self._source('client_id')}, API root {self.credentials.api_url}"

    def _credentials_hint(self, message: str) -> str:
        """Which setting to fix, named by where it came from (never its value), and how."""
        if "Only root clients" in message:
            return (f"The client id ({self._source('client_id')}) is not a root client's: create a client of "
                    "type root in OpenPanel (Settings > Clients) and use its id and secret")
        if "client id" in message.lower() or "UUID" in message:
            return (f"The client id ({self._source('client_id')}) is not a client of this server: use the id "
                    "of a root client")
        return (f"The client secret ({self._source('client_secret')}) is not the secret of the client "
                f"({self._source('client_id')}): use the secret shown when the root client was created")

    def _api_root_hint(self) -> str:
        where = self.credentials.sources.get("api_url") or "the API root setting"
        return no_manage_routes(self.credentials.api_url, where)

    def _retry_delay(self, method: str, error: ApiError, tries: int, policy: RetryPolicy) -> float | None:
        """Seconds to wait before the next attempt, or None when the error must be raised now.

        ``tries``: the errors of this kind so far, 429s or failures. A 429 is always worth another try (the
        time budget is the caller's): after the wait the server asked for plus a backoff that grows with
        the request's 429s, its random half keeping processes that were refused together from coming back
        together. Failures stop at ``max_attempts``.

        A POST is repeated only when it provably did not act (429, or no connection at all): a blind retry
        of a create that did reach the server would create a duplicate.
        """
        if isinstance(error, RateLimitedError):
            return (error.retry_after or 0.0) + policy.backoff(tries, self._rand)
        if tries >= policy.max_attempts:
            return None
        backoff = policy.backoff(tries, self._rand)
        if isinstance(error, TransportError):
            if method == "POST" and error.maybe_sent:
                return None
            return backoff
        if isinstance(error, ServerError) and method != "POST":
            return backoff
        return None

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], Any],
        *,
        many: bool = False,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        wrapped: bool = True,
    ) -> Any:
        """Send, then parse the answer's payload (``data``, unless the route answers bare) with ``parse``.

        An answer of another shape becomes a ServerError. Parse errors are described without the values
        they saw: an answer may hold a once-only secret, which must not ride along in an error text.
        """
        answer = self.request(method, path, body=body, params=params)
        payload = answer.get("data") if wrapped and isinstance(answer, dict) else None if wrapped else answer
        shape = list if many else dict
        display_path = "/manage/" + path
        if not isinstance(payload, shape):
            expected = "a list" if many else "an object"
            where = f"a data field holding {expected}" if wrapped else expected
            raise ServerError(method, display_path, 200, f"the answer is not the Manage API's (expected {where})")
        try:
            return [parse(item) for item in payload] if many else parse(payload)
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'answer'}: {error['msg']}"
                for error in exc.errors(include_input=False, include_url=False)
            )
            raise ServerError(method, display_path, 200, f"the answer is not the Manage API's ({problems})") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise ServerError(
                method, display_path, 200, f"the answer is not the Manage API's ({type(exc).__name__})"
            ) from None

    def _id_path(self, collection: str, object_id: str, kind: str, *, uuid_ids: bool, method: str = "GET") -> str:
        """The path of one object; ids the server would choke on answer as missing without a request."""
        if not object_id or (uuid_ids and not _is_uuid(object_id)):
            raise NotFoundError(
                method,
                f"/manage/{collection}/{object_id}",
                None,
                f"{kind} not found: {object_id!r} is not a valid {kind.lower()} id",
                sent=False,
            )
        return f"{collection}/{quote(object_id, safe='')}"

    # -- projects ---------------------------------------------------------------------------------

    def list_projects(self) -> list[Project]:
        return self._call("GET", "projects", Project.model_validate, many=True)

    def get_project(self, project_id: str) -> Project:
        """Soft-deleted projects are returned too, flagged ``deleted``; :meth:`live_projects` drops them."""
        path = self._id_path("projects", project_id, "Project", uuid_ids=False)
        return self._call("GET", path, Project.model_validate)

    def live_projects(self, project_id: str | None = None) -> list[Project]:
        """The projects that exist: every one, or the one called ``project_id`` (``[]`` once soft-deleted).

        The one place that decides what a soft-deleted project is: gone. OpenPanel keeps it for a day and
        answers a GET for it with ``deleteAt`` set, but the provider's read (a refresh drops it), the
        ``get_projects`` lookup and ``adopt`` all treat it as deleted. A project that never existed raises
        :class:`NotFoundError`, as :meth:`get_project` does.
        """
        projects = self.list_projects() if project_id is None else [self.get_project(project_id)]
        for project in projects:
            if project.deleted:
                log.info("project %s is soft-deleted (deleteAt %s): gone", project.id, project.delete_at)
        return [project for project in projects if not project.deleted]

    def create_project(self, body: ProjectCreate) -> CreatedProject:
        return self._call("POST", "projects", CreatedProject.from_answer, body=body.wire())

    def update_project(self, project_id: str, body: ProjectUpdate) -> Project:
        path = self._id_path("projects", project_id, "Project", uuid_ids=False, method="PATCH")
        return self._call("PATCH", path, Project.model_validate, body=body.wire())

    def delete_project(self, project_id: str) -> None:
        self.request("DELETE", self._id_path("projects", project_id, "Project", uuid_ids=False, method="DELETE"))

    # -- clients ----------------------------------------------------------------------------------

    def list_clients(self, project_id: str | None = None) -> list[Client]:
        """The organization's clients, or one project's (an empty id is a project that cannot exist)."""
        params = None if project_id is None else {"projectId": self._filter_id(project_id, "clients")}
        return self._call("GET", "clients", Client.model_validate, many=True, params=params)

    def get_client(self, client_id: str) -> Client:
        path = self._id_path("clients", client_id, "Client", uuid_ids=True)
        return self._call("GET", path, Client.model_validate)

    def create_client(self, body: ClientCreate) -> CreatedClient:
        return self._call("POST", "clients", CreatedClient.from_answer, body=body.wire())

    def update_client(self, client_id: str, body: ClientUpdate) -> Client:
        path = self._id_path("clients", client_id, "Client", uuid_ids=True, method="PATCH")
        return self._call("PATCH", path, Client.model_validate, body=body.wire())

    def delete_client(self, client_id: str) -> None:
        self.request("DELETE", self._id_path("clients", client_id, "Client", uuid_ids=True, method="DELETE"))

    # -- references -------------------------------------------------------------------------------

    def list_references(self, project_id: str | None = None) -> list[Reference]:
        params = None if project_id is None else {"projectId": self._filter_id(project_id, "references")}
        return self._call("GET", "references", Reference.model_validate, many=True, params=params)

    def get_reference(self, reference_id: str) -> Reference:
        path = self._id_path("references", reference_id, "Reference", uuid_ids=True)
        return self._call("GET", path, Reference.model_validate)

    def create_reference(self, body: ReferenceCreate) -> Reference:
        return self._call("POST", "references", Reference.model_validate, body=body.wire())

    def update_reference(self, reference_id: str, body: ReferenceUpdate) -> Reference:
        path = self._id_path("references", reference_id, "Reference", uuid_ids=True, method="PATCH")
        return self._call("PATCH", path, Reference.model_validate, body=body.wire())

    def delete_reference(self, reference_id: str) -> None:
        self.request("DELETE", self._id_path("references", reference_id, "Reference", uuid_ids=True, method="DELETE"))

    # -- dashboards and reports (read only; these routes answer bare arrays) -----------------------

    def list_dashboards(self, project_id: str) -> list[Dashboard]:
        path = self._id_path("projects", project_id, "Project", uuid_ids=False) + "/dashboards"
        return self._call("GET", path, Dashboard.model_validate, many=True, wrapped=False)

    def list_reports(self, project_id: str, dashboard_id: str) -> list[Report]:
        path = (
            self._id_path("projects", project_id, "Project", uuid_ids=False)
            + f"/dashboards/{quote(dashboard_id, safe='')}/reports"
        )
        return self._call("GET", path, Report.model_validate, many=True, wrapped=False)

    def _filter_id(self, project_id: str, collection: str) -> str:
        # The server reads an empty projectId as "no filter": answer for the project that cannot exist.
        if not project_id:
            raise NotFoundError(
                "GET", f"/manage/{collection}?projectId=", None, "Project not found: the project id is empty",
                sent=False,
            )
        return project_id
