"""What each Manage API route does, in the order the real server does it.

Fastify's lifecycle fixes the order of failures: the body is parsed (400/415), then
validated (400), and only then are the credentials checked (401) and a ``:projectId`` in the
path checked against the caller's organization (403). Handlers then look objects up within
the caller's organization, so another organization's objects are simply "not found".
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from pulumi_openpanel.emulator.bodies import read_body
from pulumi_openpanel.emulator.credentials import VerificationCache, hash_secret, new_secret
from pulumi_openpanel.emulator.dates import DateParseError, parse_js_date
from pulumi_openpanel.emulator.protocol import (
    ApiRequest,
    ApiResponse,
    Refusal,
    forbidden_project,
    ingestion_refused,
    internal_error,
    json_response,
    not_found,
    unauthorized,
)
from pulumi_openpanel.emulator.routing import RouteMatch
from pulumi_openpanel.emulator.store import ClientAuth, Store
from pulumi_openpanel.emulator.validation import ValidationFailed, validate

_log = logging.getLogger(__name__)

# The auth hook's check: lower-case hex only, any version.
_CLIENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HYPHENATED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_SIMPLE = re.compile(r"[0-9a-f]{32}", re.IGNORECASE)


class ServerFault(Exception):
    """A failure the real server answers with its plain-text 500."""


def uuid_column_value(text: str) -> str:
    """The canonical form of an id used against a UUID column, or :class:`ServerFault`.

    Accepts what the database driver accepts: hyphenated, 32 bare hex digits, braced or
    ``urn:uuid:`` hyphenated, any case. Anything else makes the real query fail.
    """
    forms: tuple[re.Pattern[str], ...]
    if text[:9].lower() == "urn:uuid:":
        body, forms = text[9:], (_HYPHENATED,)
    elif text.startswith("{") and text.endswith("}"):
        body, forms = text[1:-1], (_HYPHENATED,)
    else:
        body, forms = text, (_HYPHENATED, _SIMPLE)
    if not any(form.fullmatch(body) for form in forms):
        raise ServerFault("not a UUID")
    return str(uuid.UUID(body))


def strip_trailing_slashes(text: str) -> str:
    return text.rstrip("/")


def _data(payload: Any) -> ApiResponse:
    return json_response(200, {"data": payload})


def _found(kind: str, payload: Any) -> ApiResponse:
    """The object as the server wraps it, or its 404 when the store found none in the caller's organization."""
    return not_found(kind) if payload is None else _data(payload)


def _deleted(kind: str, deleted: bool) -> ApiResponse:
    return json_response(200, {"success": True}) if deleted else not_found(kind)


class ManageHandlers:
    """The emulated server's side of the Manage API: one method per route (routing.py names them).

    Not to be confused with :class:`pulumi_openpanel.ManageApi`, the client the provider talks to it with.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._verified = VerificationCache()

    def handle(self, match: RouteMatch, request: ApiRequest) -> ApiResponse:
        try:
            body = read_body(request)
            if match.route.auth == "ingestion":
                return self.track(request)
            parsed: dict[str, Any] = {}
            if match.route.schema is not None:
                try:
                    parsed = validate(match.route.schema, body)
                except ValidationFailed as failure:
                    return json_response(400, {"status": 400, "error": "Error", "message": failure.message})
            caller = self._authenticate(request)
            project_param = match.params.get("projectId")
            if project_param and self.store.get_project(caller.organization_id, project_param) is None:
                return forbidden_project()
            answer: ApiResponse = getattr(self, match.route.handler)(caller, match.params, parsed, request)
            return answer
        except Refusal as error:
            return error.response
        except ServerFault:
            return internal_error()
        except Exception:
            _log.exception("emulator failure on %s %s", request.method, request.path)
            return internal_error()

    def _authenticate(self, request: ApiRequest) -> ClientAuth:
        client_id = request.header("openpanel-client-id") or ""
        secret = request.header("openpanel-client-secret") or ""
        if not _CLIENT_ID.fullmatch(client_id):
            raise Refusal(unauthorized("Manage: Client ID must be a valid UUIDv4"))
        client = self.store.find_client(client_id)
        if client is None:
            raise Refusal(unauthorized("Manage: Invalid client id"))
        if not client.secret_hash:
            raise Refusal(unauthorized("Manage: Client has no secret"))
        if client.type != "root":
            raise Refusal(unauthorized("Manage: Only root clients are allowed to manage resources"))
        if not self._verified.check(client.id, secret, client.secret_hash):
            raise Refusal(unauthorized("Manage: Invalid client secret"))
        return client

    def track(self, request: ApiRequest) -> ApiResponse:
        """``POST /track``, emulated as far as OpenPanel's SDK authentication and no further.

        It exists so that tests can see whether a project's write client still opens the door: on the
        real server a soft-deleted project's clients keep passing this check until the purge 24 h later
        (the project row is still there), and only deleting the client makes its secret fail at once.

        Checked in the server's order: the client id's form, the client, its project (soft-deleted ones
        count), then the secret. Not emulated: the Origin/CORS acceptance of browser SDKs (a request
        without a valid secret is refused here even when its Origin would pass), IP and profile filters,
        bot detection, the payload; an accepted event is discarded and answered with an empty 200.
        Refusals are the server's plain-text 401s, which never repeat the offered secret.
        """
        client_id = request.header("openpanel-client-id") or ""
        secret = request.header("openpanel-client-secret") or ""
        if not client_id:
            return ingestion_refused("Ingestion: Missing client id")
        if not _CLIENT_ID.fullmatch(client_id):
            return ingestion_refused("Ingestion: Client ID must be a valid UUIDv4")
        client = self.store.find_client(client_id)
        if client is None:
            return ingestion_refused("Ingestion: Invalid client id")
        if not client.project_id or self.store.get_project(client.organization_id, client.project_id) is None:
            return ingestion_refused("Ingestion: Client has no project")
        if client.ignore_cors_and_secret:
            return ApiResponse(200, b"", content_type="text/plain; charset=utf-8")
        if client.secret_hash and secret and self._verified.check(client.id, secret, client.secret_hash):
            return ApiResponse(200, b"", content_type="text/plain; charset=utf-8")
        return ingestion_refused("Ingestion: Invalid cors or secret")

    def _require_project(self, caller: ClientAuth, project_id: str) -> None:
        if self.store.get_project(caller.organization_id, project_id) is None:
            raise Refusal(not_found("Project"))

    def _project_filter(self, caller: ClientAuth, request: ApiRequest) -> str | None:
        project_id = request.query.get("projectId") or None
        if project_id is not None:
            self._require_project(caller, project_id)
        return project_id

    # Projects ------------------------------------------------------------------------------

    def list_projects(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _data(self.store.list_projects(caller.organization_id))

    def get_project(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _found("Project", self.store.get_project(caller.organization_id, params["id"]))

    def create_project(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        secret = new_secret()
        domain = body.get("domain")
        project, client_id = self.store.create_project(
            caller.organization_id,
            name=body["name"],
            domain=strip_trailing_slashes(domain) if domain else None,
            cors=[strip_trailing_slashes(entry) for entry in body["cors"]],
            cross_domain=body["crossDomain"],
            types=body["types"],
            first_client_secret_hash=hash_secret(secret),
        )
        return _data({**project, "clients": [{"id": client_id}], "client": {"id": client_id, "secret": secret}})

    def update_project(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        changes: dict[str, Any] = {}
        for name in ("name", "crossDomain", "allowUnsafeRevenueTracking"):
            if name in body:
                changes[name] = body[name]
        if "domain" in body:
            changes["domain"] = strip_trailing_slashes(body["domain"]) if body["domain"] else None
        if "cors" in body:
            changes["cors"] = [strip_trailing_slashes(entry) for entry in body["cors"]]
        return _found("Project", self.store.update_project(caller.organization_id, params["id"], changes))

    def delete_project(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _deleted("Project", self.store.soft_delete_project(caller.organization_id, params["id"]))

    # Clients -------------------------------------------------------------------------------

    def list_clients(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        project_id = self._project_filter(caller, request)
        return _data(self.store.list_clients(caller.organization_id, project_id))

    def get_client(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _found("Client", self.store.get_client(caller.organization_id, uuid_column_value(params["id"])))

    def create_client(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        project_id = body.get("projectId") or None
        if project_id is not None:
            self._require_project(caller, project_id)
        secret = new_secret()
        client = self.store.create_client(
            caller.organization_id, body["name"], body["type"], project_id, secret_hash=hash_secret(secret)
        )
        return _data({**client, "secret": secret})

    def update_client(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        client_id = uuid_column_value(params["id"])
        return _found("Client", self.store.rename_client(caller.organization_id, client_id, body.get("name")))

    def delete_client(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _deleted("Client", self.store.delete_client(caller.organization_id, uuid_column_value(params["id"])))

    # References ----------------------------------------------------------------------------

    def list_references(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        project_id = self._project_filter(caller, request)
        return _data(self.store.list_references(caller.organization_id, project_id))

    def get_reference(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return _found("Reference", self.store.get_reference(caller.organization_id, uuid_column_value(params["id"])))

    def create_reference(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        self._require_project(caller, body["projectId"])
        date_ms = _date_or_fault(body["datetime"])
        reference = self.store.create_reference(
            body["projectId"],
            title=body["title"],
            description=body.get("description") or None,
            date_ms=date_ms,
        )
        return _data(reference)

    def update_reference(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        reference_id = uuid_column_value(params["id"])
        if self.store.get_reference(caller.organization_id, reference_id) is None:
            return not_found("Reference")
        changes: dict[str, Any] = {}
        if "title" in body:
            changes["title"] = body["title"]
        if "description" in body:
            changes["description"] = body["description"]
        if "datetime" in body:
            changes["date_ms"] = _date_or_fault(body["datetime"])
        return _found("Reference", self.store.update_reference(caller.organization_id, reference_id, changes))

    def delete_reference(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        reference_id = uuid_column_value(params["id"])
        return _deleted("Reference", self.store.delete_reference(caller.organization_id, reference_id))

    # Dashboards and reports (ownership of :projectId checked in handle) -------------------

    def list_dashboards(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return json_response(200, self.store.list_dashboards(params["projectId"]))

    def list_reports(
        self, caller: ClientAuth, params: dict[str, str], body: dict[str, Any], request: ApiRequest
    ) -> ApiResponse:
        return json_response(200, self.store.list_reports(params["projectId"], params["dashboardId"]))


def _date_or_fault(text: str) -> int:
    try:
        return parse_js_date(text)
    except DateParseError:
        raise ServerFault("invalid date") from None
