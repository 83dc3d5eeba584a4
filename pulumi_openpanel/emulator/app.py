"""The Starlette application: HTTP in, :class:`ManageHandlers` answers out.

It adds what sits around the routes on the real server: the optional API root prefix
(self-hosted installs serve the API under e.g. ``/api``), Fastify's 404 for unknown routes,
the per-client rate limit on matched Manage API routes only, and a log of every request served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_openpanel.emulator.handlers import ManageHandlers
from pulumi_openpanel.emulator.protocol import ApiRequest, ApiResponse, route_not_found, too_many_requests
from pulumi_openpanel.emulator.ratelimit import FixedWindowRateLimiter
from pulumi_openpanel.emulator.routing import match_route


class RequestRecord(NamedTuple):
    method: str
    path: str  # as requested, root prefix included, query string left out
    status: int


class RequestLog:
    """Every request the emulator answered, in order; safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        return sum(
            1
            for record in self.snapshot()
            if (method is None or record.method == method)
            and (path is None or record.path == path)
            and (status is None or record.status == status)
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]


_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def _to_response(answer: ApiResponse, extra_headers: dict[str, str]) -> Response:
    headers = {**answer.headers, **extra_headers, "content-type": answer.content_type}
    return Response(content=answer.body, status_code=answer.status, headers=headers)


def build_app(
    api: ManageHandlers,
    *,
    root_path: str = "",
    rate_limiter: FixedWindowRateLimiter | None = None,
    request_log: RequestLog | None = None,
) -> Starlette:
    log = request_log if request_log is not None else RequestLog()
    prefix = root_path.rstrip("/")

    async def endpoint(request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        full_path = raw_path.decode("latin-1")
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        response = await _answer(request, full_path, query_string)
        log.append(RequestRecord(request.method, full_path, response.status_code))
        return response

    async def _answer(request: Request, full_path: str, query_string: str) -> Response:
        method = request.method
        if prefix and not full_path.startswith(prefix + "/"):
            target = full_path + (f"?{query_string}" if query_string else "")
            return _to_response(route_not_found(method, target), {})
        path = full_path[len(prefix) :]
        target = path + (f"?{query_string}" if query_string else "")
        match = match_route(method, path)
        if match is None:
            return _to_response(route_not_found(method, target), {})
        limit_headers: dict[str, str] = {}
        if rate_limiter is not None and match.route.auth == "manage":
            client = request.client
            key = request.headers.get("openpanel-client-id") or (client.host if client else "unknown")
            decision = rate_limiter.hit(key)
            limit_headers = decision.headers()
            if not decision.allowed:
                return _to_response(too_many_requests(), limit_headers)
        body = await request.body()
        api_request = ApiRequest(
            method=method,
            path=path,
            target=target,
            query=dict(reversed(parse_qsl(query_string, keep_blank_values=True))),
            headers={name.lower(): value for name, value in reversed(request.headers.items())},
            body=body,
            has_body="content-length" in request.headers or "transfer-encoding" in request.headers,
        )
        answer = await run_in_threadpool(api.handle, match, api_request)
        if method == "HEAD":
            answer.body = b""
        return _to_response(answer, limit_headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
