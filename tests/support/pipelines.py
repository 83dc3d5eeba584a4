"""Two pipelines at once: two stacks, each run by its own `pulumi` process, applying at the same moment
against one server with the same root client, as two CI pipelines of one organization do.

"Two machines" means the processes share nothing but the root client: each has a pacing directory of its
own (pulumi_openpanel/api/sendlog.py), so each learns of the other only from the server's 429s and its
``x-ratelimit-*`` headers. "One machine" gives both the same pacing directory, so each also sees the other's
sends in the shared pacing state.

tests/reliability/test_two_pipelines.py asserts what must hold (both succeed, no 429 reaches the user, the
server holds what the states say); benchmarks/two_pipelines.py prints the timings. It lives here because
both use it, and benchmarks may import from tests/support only.
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pulumi_openpanel.api.settings import ENV_PACING_DIR
from pulumi_openpanel.emulator import EmulatorServer
from tests.support.fixtures import credentials_env
from tests.support.pulumi_cli import PulumiProject, Run
from tests.support.world import groups_program

# What would tell the user that the rate limit got through: none may appear in a run's output or events.
# (429 as a word of its own: the runs' hexadecimal suffixes may hold the digits.)
RATE_LIMIT_WORDS = re.compile(r"\b429\b|too many requests|rate.?limit", re.IGNORECASE)


@dataclass(frozen=True)
class Pipeline:
    """One stack and the names its objects carry (``uid``), with the pacing directory its provider uses."""

    name: str
    uid: str
    project: PulumiProject
    pacing_dir: Path


@dataclass(frozen=True)
class Timed:
    """A command of one pipeline: what it did, and its wall time from the common start."""

    pipeline: Pipeline
    run: Run
    wall: float

    def leaks(self) -> list[str]:
        """Every diagnostic, and every line of the output, that speaks of the rate limit."""
        texts = [event["diagnosticEvent"].get("message", "") for event in self.run.events
                 if "diagnosticEvent" in event]
        texts += self.run.output.splitlines()
        return [text for text in texts if RATE_LIMIT_WORDS.search(text)]


@dataclass(frozen=True)
class Together:
    """Commands started at one moment, and what the server answered them while they ran."""

    runs: list[Timed]
    answered: int  # requests the server answered, its 429s included
    refused: int  # of which answered with 429

    @property
    def accepted(self) -> int:
        return self.answered - self.refused

    def floor(self, limit: int, window: float) -> float:
        """Seconds the rate limit needs for the accepted requests at its average pace (limit / window)."""
        return self.accepted * window / limit

    def window_floor(self, limit: int, window: float) -> float:
        """Seconds a fixed window needs at least: ``limit`` requests go at once at the start of each window,
        so the last ones can start at the beginning of window ceil(accepted / limit)."""
        return max(math.ceil(self.accepted / limit) - 1, 0) * window


def make_pipelines(server: EmulatorServer, client_id: str, client_secret: str, bin_dir: Path, scratch: Path, *,
                   groups: int, shared_pacing: bool, names: tuple[str, ...] = ("first", "second")) -> list[Pipeline]:
    """A stack per name, each of ``groups`` projects with a read client and a reference (3 * groups
    resources), all paced at OpenPanel's limit with one root client; pacing directories shared or not."""
    pipelines = []
    shared = scratch / "pacing-shared"
    for name in names:
        uid = uuid.uuid4().hex[:8]
        pacing = shared if shared_pacing else scratch / f"pacing-{name}"
        pacing.mkdir(parents=True, exist_ok=True)
        env = credentials_env(server.api_url, client_id, client_secret, **{ENV_PACING_DIR: str(pacing)})
        project = PulumiProject.from_source(groups_program(uid, groups), bin_dir, scratch / name, env=env)
        pipelines.append(Pipeline(name, uid, project, pacing))
    return pipelines


def run_together(server: EmulatorServer, pipelines: list[Pipeline],
                 command: Callable[[Pipeline], Run]) -> Together:
    """Run ``command`` for every pipeline at the same moment (each in its own `pulumi` process); the
    server's request log counts from just before."""
    start = threading.Barrier(len(pipelines))
    server.requests.clear()
    began = time.monotonic()

    def one(pipeline: Pipeline) -> Timed:
        start.wait()
        run = command(pipeline)
        return Timed(pipeline, run, time.monotonic() - began)

    with ThreadPoolExecutor(max_workers=len(pipelines)) as pool:
        runs = list(pool.map(one, pipelines))
    return Together(runs, server.requests.count(), server.requests.count(status=429))
