"""The same 40-resource program as a Python program (the dynamic door) and as a TypeScript program (the plugin
door), each under the real CLI against a private emulator with OpenPanel's real rate limit (20 requests per
10 s, which the provider paces itself to): wall time and requests of up, a no-change up and destroy. Also the
plugin's start-up time and what a TypeScript user downloads and installs.

    PULUMI_OPENPANEL_CLI_DIR=... .venv/bin/python -m benchmarks.languages [--projects 10]

The program: ``projects`` projects, a read client for each, and two references on each timeline (40 resources
for 10 projects).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pulumi_openpanel.api.settings import DEFAULT_RATE_LIMIT
from pulumi_openpanel.emulator import EmulatorServer
from tests.support.fixtures import credentials_env
from tests.support.home import private_pacing_dir
from tests.support.polyglot import PolyglotProject, link_plugin, node_modules_cache
from tests.support.proxy import RecordingProxy
from tests.support.pulumi_cli import PulumiProject, locate_toolchain

REPOSITORY = Path(__file__).resolve().parents[1]


def python_program(uid: str, projects: int) -> str:
    return f"""
        import pulumi_openpanel as openpanel

        for index in range({projects}):
            web = openpanel.Project(f"web{{index}}", name=f"Bench {uid} {{index}}", types=["website"])
            openpanel.Client(f"reader{{index}}", name=f"Reader {{index}}", project_id=web.id, type="read")
            for number in range(2):
                openpanel.Reference(f"launch{{index}}-{{number}}", project_id=web.id, title=f"Launch {{number}}",
                                    datetime="2026-12-01T10:00:00Z")
    """


def typescript_program(uid: str, projects: int) -> str:
    return f"""
        import * as openpanel from "@pulumi-openpanel/openpanel";

        for (let index = 0; index < {projects}; index++) {{
            const web = new openpanel.Project(`web${{index}}`, {{
                name: `Bench {uid} ${{index}}`, types: ["website"] }});
            new openpanel.Client(`reader${{index}}`, {{ name: `Reader ${{index}}`, projectId: web.id, type: "read" }});
            for (let number = 0; number < 2; number++) {{
                new openpanel.Reference(`launch${{index}}-${{number}}`, {{
                    projectId: web.id, title: `Launch ${{number}}`, datetime: "2026-12-01T10:00:00Z" }});
            }}
        }}
    """


def measure(name: str, operation: Callable[[], object], proxy: RecordingProxy) -> tuple[str, float, int]:
    proxy.reset()
    started = time.monotonic()
    operation()
    return name, time.monotonic() - started, proxy.count()


def lifecycle(project: PulumiProject, proxy: RecordingProxy) -> list[tuple[str, float, int]]:
    return [measure("up", project.up, proxy), measure("up, no change", project.up, proxy),
            measure("destroy", project.destroy, proxy)]


def plugin_start_up(plugin_dir: Path, samples: int = 5) -> float:
    """Median seconds from starting the plugin process until it announces its port (what the engine waits for)."""
    times = []
    for _ in range(samples):
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, str(plugin_dir), "127.0.0.1:1"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        process.stdout.readline()
        times.append(time.monotonic() - started)
        process.kill()
        process.wait()
    return statistics.median(times)


def megabytes(path: Path) -> float:
    total = sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file() and not entry.is_symlink())
    return total / 1e6


def plugin_downloads(scratch: Path) -> tuple[float, float]:
    """What the plugin's virtualenv downloads (wheels, MB) and takes once installed (MB), from its requirements."""
    wheels = scratch / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", str(wheels),
                    "-r", str(REPOSITORY / "provider" / "requirements.txt")], check=True)
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
                    str(wheels), "-r", str(REPOSITORY / "provider" / "requirements.txt")], check=True)
    return megabytes(wheels), megabytes(venv)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=10, help="projects (4 resources each)")
    args = parser.parse_args(argv)
    found = locate_toolchain()
    if found.bin_dir is None:
        raise SystemExit(f"the real Pulumi CLI is not available: {found.reason}")
    bin_dir = found.bin_dir
    uid = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="openpanel-languages-") as temporary, private_pacing_dir():
        scratch = Path(temporary)
        emulator = EmulatorServer(rate_limit=DEFAULT_RATE_LIMIT).start()
        try:
            organization = emulator.seed_organization("Languages benchmark")
            with RecordingProxy(emulator.api_url) as proxy:
                env = credentials_env(proxy.url, organization.client_id, organization.client_secret)
                python = PulumiProject.from_source(python_program(uid, args.projects), bin_dir, scratch / "py",
                                                   env=env)
                rows = [("Python (dynamic)", *row) for row in lifecycle(python, proxy)]
                plugin = link_plugin(REPOSITORY / "provider", scratch / "plugin")
                cache = scratch / "cache"
                started = time.monotonic()
                node_modules = node_modules_cache(cache)
                npm_seconds = time.monotonic() - started
                typescript = PolyglotProject.typescript(plugin, typescript_program(uid, args.projects), bin_dir,
                                                        scratch / "ts", cache, env=env)
                rows += [("TypeScript (plugin)", *row) for row in lifecycle(typescript, proxy)]
        finally:
            emulator.stop()
        resources = 4 * args.projects
        limit, window = DEFAULT_RATE_LIMIT
        print(f"{resources} resources, emulator with the rate limit {limit}/{window:g}s\n")
        print("| program | operation | wall time | requests | requests per resource |")
        print("|---|---|---|---|---|")
        for language, name, seconds, count in rows:
            print(f"| {language} | {name} | {seconds:.1f} s | {count} | {count / resources:.2f} |")
        print(f"\nplugin start-up (process start to port announced, median of 5): "
              f"{plugin_start_up(plugin.directory):.2f} s")
        npm_cache = cache / "npm"
        wheels, venv = plugin_downloads(scratch / "plugin-venv")
        print(f"TypeScript user: npm downloads {megabytes(npm_cache):.0f} MB (npm cache, cold install "
              f"{npm_seconds:.1f} s), node_modules {megabytes(node_modules):.0f} MB installed; the plugin's "
              f"virtualenv downloads {wheels:.0f} MB of wheels, {venv:.0f} MB installed")
        shutil.rmtree(scratch / "plugin-venv", ignore_errors=True)


if __name__ == "__main__":
    main()
