"""Requests and answers as the emulator's logic sees them, free of any web framework.

Also the error bodies, which differ by source on the real server: Fastify's own 404, the
application's error handler (``status``/``error``/``message``), the auth hook (no ``status``),
the ingestion auth hook and the production-mode 500, both plain text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # below the API root, e.g. "/manage/projects/x"
    target: str  # path and query exactly as sent below the API root, for Fastify's 404 message
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    has_body: bool = False  # content-length or transfer-encoding present

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any) -> ApiResponse:
    return ApiResponse(status, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def app_error(status: int, message: str, error: str | None = "Error") -> ApiResponse:
    """The application's error handler; ``error`` is absent for its own not-found errors."""
    payload: dict[str, Any] = {"status": status}
    if error is not None:
        payload["error"] = error
    payload["message"] = message
    return json_response(status, payload)


def not_found(what: str) -> ApiResponse:
    return app_error(404, f"{what} not found", error=None)


def unauthorized(message: str) -> ApiResponse:
    return json_response(401, {"error": "Unauthorized", "message": message})


def ingestion_refused(message: str) -> ApiResponse:
    """The ingestion auth hook's refusal: a 401 whose body is the bare message, as plain text."""
    return ApiResponse(401, message.encode(), content_type="text/plain; charset=utf-8")


def forbidden_project() -> ApiResponse:
    return json_response(403, {"error": "Forbidden", "message": "Project does not belong to your organization"})


def route_not_found(method: str, target: str) -> ApiResponse:
    return json_response(
        404, {"message": f"Route {method}:{target} not found", "error": "Not Found", "statusCode": 404}
    )


def too_many_requests() -> ApiResponse:
    return app_error(429, "You have exceeded the rate limit for this endpoint.", error="Too Many Requests")


def internal_error() -> ApiResponse:
    return ApiResponse(500, b"Internal server error", content_type="text/plain; charset=utf-8")


class Refusal(Exception):
    """Raised anywhere in request handling to answer with ``response`` (a 4xx, as the server would).

    Named apart from the client's :class:`pulumi_openpanel.errors.ApiError`, which is what a refusal
    becomes on the other side of the wire.
    """

    def __init__(self, response: ApiResponse) -> None:
        super().__init__(response.status)
        self.response = response
