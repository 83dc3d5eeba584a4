"""Run TypeScript, YAML and Go Pulumi programs against a local Python provider plugin directory, offline.

Builds on `pulumi_cli` (isolated PULUMI_HOME and file backend, event logs, `PulumiProject`). What this adds
is what was found out by doing, with the real CLI and its hosts:

- The plugin is a directory with PulumiPlugin.yaml (`runtime: python`); every program names it in its
  Pulumi.yaml `packages:` section (`packages: {openpanel: /abs/dir}`). That is how the engine finds it for
  up, preview, refresh, destroy and import in every language: the state records only the provider's
  version, never the path, so the project's Pulumi.yaml must keep naming the directory.
- The Python host runs `<dir>/venv/bin/python <dir> <engine>` (PulumiPlugin.yaml `virtualenv:`, default
  `venv` for plugins) and does not create the venv at up; a symlink to the test's own virtualenv is enough.
- `pulumi package add <dir>` / `gen-sdk <dir>` / `pulumi install` do create it (`python -m venv`, then
  `pip install --upgrade pip setuptools wheel` and `-r requirements.txt`): slow, networked, and refused on a
  symlinked venv. So SDKs are generated here from the schema JSON (`gen-sdk schema.json`), which runs no
  plugin and installs nothing, and linked by hand the way `package add` links them.
- The Node.js SDK is TypeScript that its postinstall compiles with `tsc`; one node_modules (@pulumi/pulumi,
  typescript, @types/node) is installed once per cache and each project gets a farm of symlinks to it.
- The Go host compiles with `go build -trimpath -ldflags "-w -s"`: the cache is warmed with those flags, and
  a project may instead run a binary built once (`runtime.options.binary`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.pulumi_cli import PulumiProject

NODE_PULUMI_VERSION = "3.276.0"  # npm has 3.270.0 and 3.276.0, not the CLI's 3.274.1; both work with it
GO_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
GO_SDK_VERSION = "v3.274.1"  # the CLI's version: the module proxy serves it
NODE_PACKAGES = {"@pulumi/pulumi": NODE_PULUMI_VERSION, "typescript": "~5.9.0", "@types/node": "^20"}
# The Go host's build flags (pulumi-language-go compileProgram): a cache warmed without them is no use to it.
GO_HOST_BUILD_FLAGS = ("-buildvcs=false", "-trimpath", "-ldflags", "-w -s")


HOSTS = ("pulumi-language-nodejs", "pulumi-language-go", "pulumi-language-yaml")


def missing_hosts(bin_dir: Path) -> list[str]:
    """The language hosts besides Python's that this module needs and the toolchain lacks."""
    return [name for name in HOSTS if not os.access(bin_dir / name, os.X_OK)]


def cache_root() -> Path | None:
    """$PULUMI_OPENPANEL_CACHE when set: where the npm and Go caches live across sessions (else the caller
    passes a session directory from tmp_path_factory)."""
    value = os.environ.get("PULUMI_OPENPANEL_CACHE")
    return Path(value) if value else None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One preparer at a time per cache (pytest-xdist workers share it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode} in {cwd}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# -- Node.js -----------------------------------------------------------------------------------------------

def npm_env(cache: Path, *, offline: bool = True) -> dict[str, str]:
    """npm's settings that keep it off ~ (~/.npm holds its cache and logs by default) and, once the cache
    is full, off the network."""
    env = {"npm_config_cache": str(cache / "npm"), "npm_config_update_notifier": "false",
           "npm_config_fund": "false", "npm_config_audit": "false", "npm_config_loglevel": "error"}
    if offline:
        env["npm_config_offline"] = "true"
    return env


def node_modules_cache(cache: Path) -> Path:
    """A node_modules with NODE_PACKAGES, installed once under `cache` (from the npm registry the first time:
    about 7 s cold, 3 s from a full npm cache) and then only linked into projects. Returns its path."""
    key = "-".join(f"{name.replace('/', '+')}@{version}" for name, version in sorted(NODE_PACKAGES.items()))
    where = cache / "node" / key
    stamp = where / ".complete"
    with _locked(cache / "node" / ".lock"):
        if not stamp.exists():
            shutil.rmtree(where, ignore_errors=True)
            where.mkdir(parents=True)
            (where / "package.json").write_text(json.dumps(
                {"name": "pulumi-openpanel-node-cache", "private": True, "dependencies": NODE_PACKAGES}))
            env = {**os.environ, **npm_env(cache, offline=False)}
            _run(["npm", "install", "--no-audit", "--no-fund"], where, env)
            stamp.write_text("ok\n")
    return where / "node_modules"


def link_node_modules(cached: Path, project: Path) -> Path:
    """`project/node_modules` as a directory of symlinks to the cached packages (scopes as real directories,
    so that an SDK can be linked beside them without touching the cache). Node resolves the links to their
    real paths, so program and SDK load the one cached @pulumi/pulumi."""
    target = project / "node_modules"
    target.mkdir(exist_ok=True)
    for entry in cached.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.name.startswith("@"):
            (target / entry.name).mkdir(exist_ok=True)
            for scoped in entry.iterdir():
                link = target / entry.name / scoped.name
                if not link.exists():
                    link.symlink_to(scoped, target_is_directory=True)
        elif not (target / entry.name).exists():
            (target / entry.name).symlink_to(entry, target_is_directory=True)
    return target


def build_nodejs_sdk(sdk: Path, node_modules: Path) -> None:
    """What the generated SDK's postinstall does (`tsc --types node`, package.json copied into bin/), with
    the cached compiler: about 2 s."""
    tsc = node_modules / "typescript" / "bin" / "tsc"
    _run(["node", str(tsc), "--types", "node"], sdk, os.environ)
    shutil.copyfile(sdk / "package.json", sdk / "bin" / "package.json")


def install_nodejs_sdk(plugin: Plugin, project: Path, node_modules: Path, env: Mapping[str, str],
                       bin_dir: Path) -> Path:
    """What `pulumi install` does for the plugin in a TypeScript project, offline: the SDK generated into
    `project/sdks/<name>`, compiled, and linked as node_modules/<packageName>. Returns the SDK's directory."""
    sdk = generate_sdk(plugin, "nodejs", project / "sdks" / plugin.name, env, bin_dir)
    build_nodejs_sdk(sdk, node_modules)
    link = node_modules / plugin.node_package
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(sdk, target_is_directory=True)
    return sdk


# -- Go ----------------------------------------------------------------------------------------------------

def go_env(cache: Path, *, offline: bool = True) -> dict[str, str]:
    """Go's settings that keep it off ~ (GOPATH, GOMODCACHE, GOCACHE, GOENV, telemetry under
    XDG_CONFIG_HOME) and, once warmed, off the network (GOPROXY=off). The first warm-up reads modules from
    the developer's module cache (`go env GOMODCACHE`, read only, as a file:// proxy) before the proxy."""
    go = cache / "go"
    env = {
        "GOPATH": str(go / "path"), "GOMODCACHE": str(go / "mod"), "GOCACHE": str(go / "build"),
        "GOFLAGS": "-mod=mod -buildvcs=false", "GOSUMDB": "off", "GOENV": "off", "GOTOOLCHAIN": "local",
        # Every go command counts itself into $XDG_CONFIG_HOME/go/telemetry (~/.config by default).
        "XDG_CONFIG_HOME": str(go / "config"), "CGO_ENABLED": "0",
    }
    if offline:
        env["GOPROXY"] = "off"
    else:
        proxies = []
        existing = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=False,
                                  env={**os.environ, "XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"]})
        downloads = Path(existing.stdout.strip()) / "cache" / "download"
        if existing.returncode == 0 and downloads.is_dir():
            proxies.append(downloads.as_uri())
        proxies.append(os.environ.get("GOPROXY") or "https://proxy.golang.org,direct")
        env["GOPROXY"] = ",".join(proxies)
    return env


def go_cache(cache: Path) -> dict[str, str]:
    """Downloads the Go SDK's modules and compiles them once with the Go host's flags (about 80 s on 2 cores
    cold); returns the offline environment for everything after."""
    stamp = cache / "go" / f".warm-{GO_SDK_VERSION}"
    with _locked(cache / "go" / ".lock"):
        if not stamp.exists():
            warm = cache / "go" / "warm"
            shutil.rmtree(warm, ignore_errors=True)
            warm.mkdir(parents=True)
            (warm / "go.mod").write_text(f"module warm\n\ngo 1.24\n\nrequire {GO_SDK_MODULE} {GO_SDK_VERSION}\n")
            (warm / "main.go").write_text(
                f'package main\n\nimport "{GO_SDK_MODULE}/go/pulumi"\n\n'
                "func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }\n")
            env = {**os.environ, **go_env(cache, offline=False)}
            _run(["go", "build", *GO_HOST_BUILD_FLAGS, "-o", os.devnull, "."], warm, env, timeout=1200)
            stamp.write_text("ok\n")
    return go_env(cache)


# -- the plugin --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plugin:
    """A provider plugin directory and its schema (name, version and the per-language package names)."""

    directory: Path
    schema: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.schema["name"])

    @property
    def version(self) -> str:
        return str(self.schema.get("version", "0.0.0"))

    @property
    def node_package(self) -> str:
        return str(self.schema.get("language", {}).get("nodejs", {}).get("packageName") or f"@pulumi/{self.name}")

    @property
    def go_import(self) -> str:
        base = self.schema.get("language", {}).get("go", {}).get("importBasePath")
        return str(base or f"example.com/pulumi-{self.name}/sdk/go/{self.name}")


def link_plugin(source: Path, where: Path, schema: dict[str, Any] | None = None) -> Plugin:
    """The plugin directory `source` as seen from `where`: its files linked (so that a `__main__.py` that
    resolves its own path still finds the checkout beside it), and `venv` a link to the test's virtualenv,
    which the Python host runs it with. Nothing is written into `source`. The schema is `schema`, else
    `source/schema.json`."""
    where.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name in ("venv", ".venv", "__pycache__"):
            continue
        (where / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (where / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    if schema is None:
        schema = json.loads((source / "schema.json").read_text())
    return Plugin(where, schema)


def generate_sdk(plugin: Plugin, language: str, out: Path, env: Mapping[str, str], bin_dir: Path) -> Path:
    """`pulumi package gen-sdk <schema.json>` (0.15 s): runs no plugin and installs nothing, unlike
    `gen-sdk <dir>`. Versions are the schema's (respectSchemaVersion), as `package add` writes them."""
    schema = json.loads(json.dumps(plugin.schema))
    for lang in ("nodejs", "go"):
        schema.setdefault("language", {}).setdefault(lang, {})["respectSchemaVersion"] = True
    schema["language"]["go"].setdefault("importBasePath", plugin.go_import)
    out.mkdir(parents=True, exist_ok=True)
    schema_file = out / "schema.json"
    schema_file.write_text(json.dumps(schema))
    _run([str(bin_dir / "pulumi"), "package", "gen-sdk", str(schema_file), "--language", language,
          "--out", str(out)], out, env)
    return out / language


# -- projects ----------------------------------------------------------------------------------------------

class PolyglotProject(PulumiProject):
    """A TypeScript, YAML or Go project that uses `plugin` through its Pulumi.yaml `packages:` entry.

    `from_*` write the project under `scratch/project` and select the stack; `write_program` replaces the
    program (and, for Go, rebuilds the binary the project runs)."""

    plugin: Plugin
    language: str

    def __init__(self, directory: Path, bin_dir: Path, scratch: Path, plugin: Plugin, language: str, *,
                 stack: str = "dev", env: Mapping[str, str] = {}) -> None:
        tmp = scratch / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        # TMPDIR: the Node host's pipes and the Go host's binaries go there, not into /tmp.
        super().__init__(directory, bin_dir, scratch, stack=stack, env={"TMPDIR": str(tmp), **env})
        self.plugin = plugin
        self.language = language
        self.binary = False  # Go: run ./program, built by write_program

    def _settings(self, runtime: Any, **more: Any) -> None:
        settings = {"name": "openpanel-test", "runtime": runtime,
                    "packages": {self.plugin.name: str(self.plugin.directory)}, **more}
        (self.directory / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))

    @classmethod
    def typescript(cls, plugin: Plugin, source: str, bin_dir: Path, scratch: Path, cache: Path, *,
                   stack: str = "dev", env: Mapping[str, str] = {}) -> PolyglotProject:
        """index.ts run by the Node host (ts-node from @pulumi/pulumi, the cached typescript); the SDK
        generated from the schema, compiled, and linked as node_modules/<packageName>."""
        directory = scratch / "project"
        directory.mkdir(parents=True, exist_ok=True)
        node_modules = link_node_modules(node_modules_cache(cache), directory)
        project = cls(directory, bin_dir, scratch, plugin, "typescript", stack=stack,
                      env={**npm_env(cache), **env})
        sdk = install_nodejs_sdk(plugin, directory, node_modules, project.env, bin_dir)
        (directory / "package.json").write_text(json.dumps(
            {"name": "openpanel-test", "main": "index.ts", "private": True,
             "dependencies": {plugin.node_package: f"file:{sdk.relative_to(directory)}"}}))
        project._settings("nodejs")
        project.write_program(source)
        project.init_stack()
        return project

    @classmethod
    def yaml(cls, plugin: Plugin, resources: Mapping[str, Any], bin_dir: Path, scratch: Path, *,
             outputs: Mapping[str, Any] = {}, variables: Mapping[str, Any] = {}, stack: str = "dev",
             env: Mapping[str, str] = {}) -> PolyglotProject:
        """A Pulumi YAML program: no SDK at all, the YAML host reads the schema from the plugin."""
        directory = scratch / "project"
        directory.mkdir(parents=True, exist_ok=True)
        project = cls(directory, bin_dir, scratch, plugin, "yaml", stack=stack, env=env)
        program = {"resources": dict(resources), "outputs": dict(outputs), "variables": dict(variables)}
        project._settings("yaml", **{key: value for key, value in program.items() if value})
        project.init_stack()
        return project

    @classmethod
    def go(cls, plugin: Plugin, source: str, bin_dir: Path, scratch: Path, cache: Path, *,
           binary: bool = True, stack: str = "dev", env: Mapping[str, str] = {}) -> PolyglotProject:
        """main.go with the generated SDK as a `replace`d module. With `binary` the project runs a binary
        built here (1-2 s warm) instead of the Go host building one on every command."""
        directory = scratch / "project"
        directory.mkdir(parents=True, exist_ok=True)
        project = cls(directory, bin_dir, scratch, plugin, "go", stack=stack, env={**go_cache(cache), **env})
        sdk_root = generate_sdk(plugin, "go", scratch / "sdks" / plugin.name, project.env, bin_dir)
        module = plugin.go_import.rsplit("/", 1)[0]
        (sdk_root / "go.mod").write_text(f"module {module}\n\ngo 1.24\n\nrequire {GO_SDK_MODULE} {GO_SDK_VERSION}\n")
        (directory / "go.mod").write_text(
            f"module openpanel-test\n\ngo 1.24\n\nrequire {GO_SDK_MODULE} {GO_SDK_VERSION}\n\n"
            f"replace {module} => {sdk_root}\n")
        runtime: Any = "go"
        if binary:
            runtime = {"name": "go", "options": {"binary": "./program"}}
        project.binary = binary
        project._settings(runtime)
        project.write_program(source)
        project.init_stack()
        return project

    def write_program(self, source: Any) -> None:
        if self.language == "typescript":
            (self.directory / "index.ts").write_text(textwrap.dedent(source).lstrip())
        elif self.language == "go":
            (self.directory / "main.go").write_text(textwrap.dedent(source).lstrip())
            if self.binary:
                self.build()
        elif self.language == "yaml":
            settings = yaml.safe_load((self.directory / "Pulumi.yaml").read_text())
            for key in ("resources", "outputs", "variables"):
                settings.pop(key, None)
                if source.get(key):
                    settings[key] = dict(source[key])
            (self.directory / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        else:
            super().write_program(source)

    def build(self) -> None:
        """The Go program's binary, with the Go host's own flags so that both share one build cache."""
        _run(["go", "build", *GO_HOST_BUILD_FLAGS, "-o", "program", "."], self.directory, self.env)


# -- processes ---------------------------------------------------------------------------------------------

def session_processes(sid: int) -> list[int]:
    """Every live process in session `sid`. Pulumi starts each language host in a process group of its own
    (so killing pulumi's group leaves them), but all stay in the session of a `pulumi` started with
    start_new_session=True: this is how a test finds what a killed run left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry.name))
    return sorted(found)
