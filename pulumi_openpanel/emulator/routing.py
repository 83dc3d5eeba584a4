"""The Manage API's route table (and the one ingestion route) and a matcher with Fastify's rules.

Parameters must be non-empty (so ``/manage/projects/`` matches nothing, which is why the
project whose id is ``""`` cannot be reached), are percent-decoded after the path is split,
and HEAD is served by the GET route.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from pulumi_openpanel.emulator import validation
from pulumi_openpanel.emulator.validation import Schema


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: str  # name of the ManageHandlers method that answers
    schema: Schema | None = None
    # "manage": root-client auth and the Manage API's rate limit; "ingestion": the SDK's auth, no such limit.
    auth: str = "manage"

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.pattern.strip("/").split("/"))


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]


ROUTES: tuple[Route, ...] = (
    Route("GET", "/manage/projects", "list_projects"),
    Route("POST", "/manage/projects", "create_project", validation.CREATE_PROJECT),
    Route("GET", "/manage/projects/:id", "get_project"),
    Route("PATCH", "/manage/projects/:id", "update_project", validation.UPDATE_PROJECT),
    Route("DELETE", "/manage/projects/:id", "delete_project"),
    Route("GET", "/manage/clients", "list_clients"),
    Route("POST", "/manage/clients", "create_client", validation.CREATE_CLIENT),
    Route("GET", "/manage/clients/:id", "get_client"),
    Route("PATCH", "/manage/clients/:id", "update_client", validation.UPDATE_CLIENT),
    Route("DELETE", "/manage/clients/:id", "delete_client"),
    Route("GET", "/manage/references", "list_references"),
    Route("POST", "/manage/references", "create_reference", validation.CREATE_REFERENCE),
    Route("GET", "/manage/references/:id", "get_reference"),
    Route("PATCH", "/manage/references/:id", "update_reference", validation.UPDATE_REFERENCE),
    Route("DELETE", "/manage/references/:id", "delete_reference"),
    Route("GET", "/manage/projects/:projectId/dashboards", "list_dashboards"),
    Route("GET", "/manage/projects/:projectId/dashboards/:dashboardId/reports", "list_reports"),
    # Event ingestion, emulated only as far as its authentication (see ManageHandlers.track).
    Route("POST", "/track", "track", auth="ingestion"),
)


def match_route(method: str, raw_path: str) -> RouteMatch | None:
    """``raw_path`` still percent-encoded, without the query string."""
    if not raw_path.startswith("/"):
        return None
    wanted = "GET" if method == "HEAD" else method
    parts = raw_path[1:].split("/")
    for route in ROUTES:
        if route.method != wanted or len(route.segments) != len(parts):
            continue
        params: dict[str, str] = {}
        for expected, actual in zip(route.segments, parts, strict=True):
            if expected.startswith(":"):
                if not actual:
                    break
                params[expected[1:]] = unquote(actual)
            elif expected != actual:
                break
        else:
            return RouteMatch(route, params)
    return None
