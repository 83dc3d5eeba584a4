"""Running the emulator on a loopback port from Python (tests) or from the command line.

The server runs uvicorn on its own thread and event loop (serving.py), so a test can start it, talk to
it over real HTTP, poke at its storage and read its request log from the test's thread.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from pulumi_openpanel.api.settings import DEFAULT_RATE_LIMIT
from pulumi_openpanel.emulator.app import RequestLog, build_app
from pulumi_openpanel.emulator.credentials import hash_secret, new_secret
from pulumi_openpanel.emulator.handlers import ManageHandlers
from pulumi_openpanel.emulator.ratelimit import FixedWindowRateLimiter
from pulumi_openpanel.emulator.serving import ServerThread
from pulumi_openpanel.emulator.store import SeededOrganization, Store

_DEFAULT_SERIES = {"type": "event", "id": "A", "name": "screen_view", "displayName": None, "segment": "event"}


class EmulatorServer:
    """A local OpenPanel Manage API.

    ``db_path=None`` keeps everything in memory; a path persists it across restarts.
    ``rate_limit`` is ``(requests, window seconds)`` or ``None`` for no limit (and then no
    ``x-ratelimit-*`` headers). ``root_path`` puts the API below a prefix such as ``/api``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db_path: str | None = None,
        rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT,
        root_path: str = "",
    ) -> None:
        if root_path and (not root_path.startswith("/") or root_path.endswith("/")):
            raise ValueError("root_path must start with '/' and not end with it, e.g. '/api'")
        self.host = host
        self.root_path = root_path
        self.store = Store(db_path)
        self.requests = RequestLog()
        self.rate_limiter = FixedWindowRateLimiter(*rate_limit) if rate_limit is not None else None
        self._api = ManageHandlers(self.store)
        self._requested_port = port
        self._serving: ServerThread | None = None
        self._stopped = False

    @property
    def port(self) -> int:
        if self._serving is None:
            raise RuntimeError("the emulator is not started")
        return self._serving.port

    @property
    def base_url(self) -> str:
        """Scheme, host and port, without the root path."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The API root: routes live at ``api_url + "/manage/..."``."""
        return self.base_url + self.root_path

    def start(self) -> EmulatorServer:
        if self._serving is not None or self._stopped:
            raise RuntimeError("an EmulatorServer can be started once")
        app = build_app(self._api, root_path=self.root_path, rate_limiter=self.rate_limiter, request_log=self.requests)
        serving = ServerThread(app, host=self.host, port=self._requested_port, name="openpanel-emulator")
        self._serving = serving.start()
        return self

    @property
    def serving(self) -> bool:
        """Whether the server thread is still running (it may be shutting down)."""
        return self._serving is not None and self._serving.serving

    @property
    def failure(self) -> BaseException | None:
        """What ended the server thread, if it ended by an exception."""
        return self._serving.failure if self._serving is not None else None

    def request_stop(self, *, force: bool = False) -> None:
        """Ask the server thread to stop, without waiting (safe from any thread); see :meth:`wait_stopped`."""
        if self._serving is not None:
            self._serving.request_stop(force=force)

    def wait_stopped(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the server thread to end; whether it did."""
        return self._serving is None or self._serving.wait_stopped(timeout)

    def stop(self) -> None:
        """Stop serving and close the database. Safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        if self._serving is not None:
            self._serving.stop()
        self.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset_requests(self) -> None:
        self.requests.clear()

    # Seeding -------------------------------------------------------------------------------

    def seed_organization(self, name: str = "Emulator") -> SeededOrganization:
        """A new organization with a root client whose plain credentials are returned."""
        organization = self.store.create_organization(name)
        return self.seed_root_client(organization["id"])

    def seed_root_client(self, organization_id: str, name: str = "Emulator root client") -> SeededOrganization:
        if not self.store.organization_exists(organization_id):
            raise KeyError(f"no organization {organization_id!r}")
        secret = new_secret()
        client = self.store.create_client(organization_id, name, "root", None, secret_hash=hash_secret(secret))
        return SeededOrganization(organization_id, client["id"], secret)

    def ensure_seed(self, role: str, name: str) -> SeededOrganization:
        """The credentials stored under ``role``, creating (or repairing) them if needed.

        Used by the command so that a restart on the same file prints working credentials:
        the database only keeps the secret's hash, so the plain secret is stored on the side.
        """
        seed = self.store.load_seed(role)
        if seed is not None and self.store.find_client(seed.client_id) is not None:
            return seed
        if seed is not None and self.store.organization_exists(seed.organization_id):
            seed = self.seed_root_client(seed.organization_id)
        else:
            seed = self.seed_organization(name)
        self.store.save_seed(role, seed)
        return seed

    def seed_dashboard(self, project_id: str, name: str) -> dict[str, Any]:
        """A dashboard (``{id, name, projectId}``), since the HTTP API cannot create one."""
        return self.store.create_dashboard(project_id, name)

    def seed_report(
        self,
        project_id: str,
        dashboard_id: str,
        name: str,
        *,
        chart_type: str = "linear",
        range: str = "30d",
        interval: str = "day",
        metric: str = "sum",
        series: list[dict[str, Any]] | None = None,
        breakdowns: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A report in the answer shape of ``.../dashboards/:dashboardId/reports``."""
        return self.store.create_report(
            project_id,
            dashboard_id,
            name=name,
            chart_type=chart_type,
            range=range,
            interval=interval,
            metric=metric,
            series=series if series is not None else [_DEFAULT_SERIES],
            breakdowns=breakdowns if breakdowns is not None else [],
        )
