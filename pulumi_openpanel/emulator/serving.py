"""An ASGI app served by uvicorn on a thread and event loop of its own.

The emulator runs this way, and so do the test doubles that stand in front of it (a recording proxy), so
that a test can start a server, talk to it over real HTTP from its own thread, and stop it again. The
socket is bound before the thread starts: the port is known at once (also for port 0), and a port in use
fails in the caller's thread as an OSError.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# Seconds an idle keep-alive connection stays open. It must be well above the time a client keeps an idle
# connection for reuse (httpx: 5 s, the provider's client and the test proxy's alike). uvicorn's own default
# is those same 5 s, and two equal timers race: a client takes a connection it still counts as fresh, while
# the server, its timer just run out, closes it under the request. A GET sent that way gets no answer (the
# proxy then answers 502, the provider retries it, and a test counting requests sees a read twice); a POST
# sent that way has an unknown outcome. With the server's timer far longer, the client always lets go first.
KEEP_ALIVE_TIMEOUT = 60


class ServerThread:
    """Serve ``app`` on ``host:port`` until stopped. ``http`` picks uvicorn's protocol ("h11" to reach the
    connection's transport); ``after`` runs on the server's loop once serving ends (to close clients)."""

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "uvicorn",
        http: str = "auto",
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.host = host
        self.name = name
        self._app = app
        self._requested_port = port
        self._http = http
        self._after = after
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._port

    def start(self) -> ServerThread:
        """Bind, start serving on the thread, and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} can be started once")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Accepted connections inherit this; without it a response written as headers
            # then body waits ~40 ms for a delayed ACK (Nagle) on every request.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self.host, self._requested_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, lifespan="off", log_config=None, log_level="warning", access_log=False, loop="asyncio",
            http=self._http, timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, args=(sock,), name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.request_stop()
                self.wait_stopped(STOP_TIMEOUT)
                raise RuntimeError(f"{self.name} did not start") from self._failure
            time.sleep(0.005)
        return self

    def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        server, after = self._server, self._after

        async def serve() -> None:
            try:
                await server.serve(sockets=[sock])
            finally:
                if after is not None:
                    await after()

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported by start(), and kept in failure
            self._failure = exc
        finally:
            sock.close()

    @property
    def serving(self) -> bool:
        """Whether the server thread is still running (it may be shutting down)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def failure(self) -> BaseException | None:
        """What ended the server thread, if it ended by an exception."""
        return self._failure

    def request_stop(self, *, force: bool = False) -> None:
        """Ask the server to stop, without waiting. A graceful stop lets requests in flight finish;
        ``force`` stops waiting for them. Plain attribute writes that uvicorn polls: safe from any thread."""
        if self._server is not None:
            self._server.should_exit = True
            if force:
                self._server.force_exit = True

    def wait_stopped(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the server thread to end; whether it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop gracefully, then by force if requests are still running after STOP_TIMEOUT seconds."""
        self.request_stop()
        if not self.wait_stopped(STOP_TIMEOUT):
            self.request_stop(force=True)
            self.wait_stopped(STOP_TIMEOUT)
