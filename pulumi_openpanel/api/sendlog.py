"""The pacing state file: recent send times that carry the rate-limit window from one process to the next.

Each ``pulumi up`` starts a new plugin process, often while the previous one's requests still fill the
server's window. So every paced request is also written down, as a wall-clock timestamp, in a small text
file per (API root, client id); a new process reads it before its first request and waits as the window
requires. The file holds one timestamp a line and only the last window's worth; its name is a digest of
the API root and client id, so it holds no secret and no id.

Where: ``~/.cache/pulumi-openpanel/pacing/`` by default; ``OPENPANEL_PACING_DIR`` moves it (``off`` keeps
no file), see :func:`pulumi_openpanel.api.settings.pacing_dir`. With ``openpanel:rateLimit off`` nothing paces
and nothing is written. Without ``fcntl`` (Windows) the file is not locked, and each process paces alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: each process then paces on its own
    fcntl = None  # type: ignore[assignment]


def send_log_path(directory: Path, api_url: str, client_id: str) -> Path:
    """The file of one (API root, client id): named by a digest, so the name gives neither away."""
    return directory / hashlib.sha256(f"{api_url}\n{client_id}".encode()).hexdigest()[:32]


class SendLog:
    """Wall-clock send times for one (API root, client id), shared by the processes of this machine.

    A text file of timestamps, one a line, locked while read and rewritten; only the last ``window``
    seconds are kept.
    """

    def __init__(self, path: Path, window: float, wall: Callable[[], float] = time.time) -> None:
        self.path = path
        self.window = window
        self._wall = wall

    @contextlib.contextmanager
    def _locked(self) -> Iterator[IO[str]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="ascii") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            yield handle

    def _recent(self, handle: IO[str], now: float) -> list[float]:
        times = []
        for line in handle.read().split():
            with contextlib.suppress(ValueError):
                moment = float(line)
                if now - self.window < moment <= now + 1.0:
                    times.append(moment)
        return times

    def ages(self) -> list[float]:
        """How many seconds ago each recent send happened."""
        now = self._wall()
        with self._locked() as handle:
            return [now - moment for moment in self._recent(handle, now)]

    def record(self) -> None:
        now = self._wall()
        with self._locked() as handle:
            times = [*self._recent(handle, now), now]
            handle.seek(0)
            handle.truncate()
            handle.write("".join(f"{moment:.3f}\n" for moment in times))
