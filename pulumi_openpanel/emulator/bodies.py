"""Request bodies read the way Fastify 5 reads them, before any validation or auth.

Fastify parses a body for every method but GET and HEAD whenever a content type is sent,
even with nothing to parse: that is why a DELETE carrying ``content-type: application/json``
and no body fails. Its errors reach OpenPanel's error handler as ``FastifyError``.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_openpanel.emulator.protocol import ApiRequest, Refusal, app_error
from pulumi_openpanel.emulator.validation import MISSING

EMPTY_JSON = "Body cannot be empty when content-type is set to 'application/json'"
INVALID_JSON = "Body is not valid JSON but content-type is set to 'application/json'"
UNSUPPORTED = "Unsupported Media Type"


def _fastify_error(status: int, message: str) -> Refusal:
    return Refusal(app_error(status, message, error="FastifyError"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_body(request: ApiRequest) -> Any:
    """The parsed body, or ``MISSING`` when Fastify would leave it undefined."""
    if request.method in ("GET", "HEAD"):
        return MISSING
    content_type = request.header("content-type")
    if content_type is None:
        if request.body:
            raise _fastify_error(415, UNSUPPORTED)
        return MISSING
    if request.method == "OPTIONS" and not request.has_body:
        return MISSING
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        if not request.body:
            raise _fastify_error(400, EMPTY_JSON)
        try:
            return json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            raise _fastify_error(400, INVALID_JSON) from None
    if media_type == "text/plain":
        return request.body.decode("utf-8", errors="replace")
    raise _fastify_error(415, UNSUPPORTED)
