"""A recording HTTP proxy in front of the Manage API under test.

Tests point the provider at the proxy and count what crosses it, which works the same whether the
upstream is the emulator or a real server (acceptance mode). It is also where faults get injected:
see :class:`Fault` for what a fault hook can make the proxy do, and tests/support/faults.py for plans.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pulumi_openpanel.emulator.app import RequestLog, RequestRecord
from pulumi_openpanel.emulator.serving import ServerThread

# Status recorded for an exchange that ended without any answer (connection dropped).
NO_ANSWER = 0


@dataclass(frozen=True)
class Fault:
    """What the proxy does with one request instead of a plain forward.

    ``before`` runs first, on a worker thread (e.g. a server restart). Then the request is forwarded
    to the upstream when ``forward`` is true (the upstream sees and commits it). Then ``delay`` seconds
    pass. Then either the connection is dropped without an answer (``drop``), or ``answer`` is sent in
    place of the upstream's, or the upstream's answer is passed on.
    """

    forward: bool = True
    delay: float = 0.0
    answer: Response | None = None
    drop: bool = False
    before: Callable[[], None] | None = None


# A fault hook sees each request before it is forwarded and may answer it itself (return a Response),
# change what happens to it (return a Fault), or let it through (return None).
FaultHook = Callable[[Request, bytes], "Response | Fault | None"]

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
_RAW_SEND = "recording_proxy.raw_send"


class RecordingProxy:
    """Forward ``<proxy>/<path>`` to ``<upstream>/<path>`` and log (method, path, status) of each exchange.

    Dropped exchanges are logged with status ``NO_ANSWER``; an unreachable upstream answers 502, as a
    reverse proxy in front of a restarting server would. ``max_in_flight`` is the largest number of
    requests the proxy was handling at once.
    """

    def __init__(self, upstream: str, *, fault: FaultHook | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests = RequestLog()
        self.fault = fault
        self.in_flight = 0
        self.max_in_flight = 0
        self._client = httpx.AsyncClient(timeout=60.0)
        self._serving: ServerThread | None = None
        upstream_path = httpx.URL(self.upstream).path.rstrip("/")
        self._prefix = upstream_path

    @property
    def url(self) -> str:
        """The API root to give the provider: the upstream's path prefix is kept."""
        port = self._serving.port if self._serving is not None else 0
        return f"http://127.0.0.1:{port}{self._prefix}"

    async def _forward(self, request: Request) -> Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._handle(request)
        finally:
            self.in_flight -= 1

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        action = self.fault(request, body) if self.fault is not None else None
        if isinstance(action, Response):
            action = Fault(forward=False, answer=action)
        action = action or Fault()
        if action.before is not None:
            await asyncio.to_thread(action.before)
        answer: Response | None = None
        if action.forward:
            answer = await self._send_upstream(request, path, body)
        if action.delay > 0:
            await asyncio.sleep(action.delay)
        if action.drop:
            self.requests.append(RequestRecord(request.method, path, NO_ANSWER))
            return await _abort_connection(request)
        answer = action.answer or answer
        if answer is None:
            raise RuntimeError("a fault that neither forwards nor answers must drop the connection")
        self.requests.append(RequestRecord(request.method, path, answer.status_code))
        return answer

    async def _send_upstream(self, request: Request, path: str, body: bytes) -> Response:
        target = self.upstream[: len(self.upstream) - len(self._prefix)] + path
        headers = {key: value for key, value in request.headers.items() if key.lower() not in _HOP_HEADERS}
        try:
            upstream = await self._client.request(
                request.method, target, params=list(request.query_params.multi_items()), content=body,
                headers=headers,
            )
        except httpx.TransportError:
            return PlainTextResponse("Bad Gateway", status_code=502)
        passed = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS | {"content-encoding"}}
        return Response(content=upstream.content, status_code=upstream.status_code, headers=passed)

    def start(self) -> RecordingProxy:
        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
        routes = Starlette(routes=[Route("/{path:path}", self._forward, methods=methods)])

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            # The server's own send, kept so that a fault can reach the connection under Starlette.
            scope[_RAW_SEND] = send
            await routes(scope, receive, send)

        # h11: a dropped connection needs the transport of uvicorn's h11 cycle (see _abort_connection).
        self._serving = ServerThread(app, name="recording-proxy", http="h11", after=self._client.aclose).start()
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def count(self, method: str | None = None) -> int:
        return self.requests.count(method=method)

    def reset(self) -> None:
        self.requests.clear()
        self.max_in_flight = self.in_flight


def requests(proxy: RecordingProxy) -> list[tuple[str, str]]:
    """(method, path below /manage/) of every request that crossed the proxy, in order."""
    return [(r.method, r.path.split("/manage/", 1)[1]) for r in proxy.requests]


async def _abort_connection(request: Request) -> Response:
    """Reset the client's connection without a byte of answer.

    An ASGI app cannot do this through the protocol (an exception makes uvicorn send a 500), so it
    reaches the transport of uvicorn's h11 request cycle, whose bound ``send`` the outer app kept. An
    RST (SO_LINGER 0) is what a crashed server or a middlebox gives. Once uvicorn sees the connection
    lost it ignores whatever the app sends, so the Response returned here never reaches a socket.
    """
    cycle = getattr(request.scope.get(_RAW_SEND), "__self__", None)
    transport: asyncio.Transport | None = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("dropping a connection needs uvicorn's h11 protocol (http='h11')")
    raw = transport.get_extra_info("socket")
    if raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(100):
        if getattr(cycle, "disconnected", False):
            break
        await asyncio.sleep(0)
    return Response(status_code=500)
