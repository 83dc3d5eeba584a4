"""A recording HTTP proxy in front of the Manage API under test.

Tests point the provider at the proxy and count what crosses it, which works the same whether the
upstream is the emulator or a real server (acceptance mode). It is also where faults get injected.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_openpanel.emulator.app import RequestLog, RequestRecord

# A fault hook sees each request before it is forwarded and may answer it itself (return a Response),
# or let it through (return None).
FaultHook = Callable[[Request, bytes], "Response | None"]

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


class RecordingProxy:
    """Forward ``<proxy>/<path>`` to ``<upstream>/<path>`` and log (method, path, status) of each exchange."""

    def __init__(self, upstream: str, *, fault: FaultHook | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests = RequestLog()
        self.fault = fault
        self._client = httpx.AsyncClient(timeout=60.0)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        upstream_path = httpx.URL(self.upstream).path.rstrip("/")
        self._prefix = upstream_path

    @property
    def url(self) -> str:
        """The API root to give the provider: the upstream's path prefix is kept."""
        return f"http://127.0.0.1:{self._port}{self._prefix}"

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        if self.fault is not None:
            answer = self.fault(request, body)
            if answer is not None:
                self.requests.append(RequestRecord(request.method, path, answer.status_code))
                return answer
        target = self.upstream[: len(self.upstream) - len(self._prefix)] + path
        headers = {key: value for key, value in request.headers.items() if key.lower() not in _HOP_HEADERS}
        upstream = await self._client.request(
            request.method, target, params=list(request.query_params.multi_items()), content=body, headers=headers
        )
        self.requests.append(RequestRecord(request.method, path, upstream.status_code))
        passed = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS | {"content-encoding"}}
        return Response(content=upstream.content, status_code=upstream.status_code, headers=passed)

    def start(self) -> RecordingProxy:
        methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
        app = Starlette(routes=[Route("/{path:path}", self._forward, methods=methods)])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        server = self._server

        async def serve() -> None:
            try:
                await server.serve(sockets=[sock])
            finally:
                await self._client.aclose()

        self._thread = threading.Thread(target=lambda: asyncio.run(serve()), name="recording-proxy", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the recording proxy did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def count(self, method: str | None = None) -> int:
        return self.requests.count(method=method)

    def reset(self) -> None:
        self.requests.clear()
