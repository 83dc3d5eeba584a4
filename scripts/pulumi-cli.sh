#!/usr/bin/env bash
# Builds the real Pulumi CLI (and, where the proxy serves it, its Python language host) from
# the Go module proxy.
#
# Why: no Pulumi installer can reach its download site from the project's machines, but the
# CLI is published as Go modules. Building at one pinned version inside a throwaway module
# (go.mod + tools.go generated here) gives the test suite a real engine. The result is cached
# per version, so only the first run pays for the build.
#
# The proxy refuses the language-host module (403 "This module version is not available"), so
# the bin dir usually has no pulumi-language-python. Python programs then run as Automation API
# inline programs: the SDK serves the language runtime itself and passes --client to the CLI.
#
# Usage:
#   scripts/pulumi-cli.sh              build (or reuse) and print the bin directory last on stdout
#   scripts/pulumi-cli.sh --print-dir  print the bin directory if already built, else exit 1
#
# Environment:
#   PULUMI_OPENPANEL_CACHE   cache root (default: $HOME/.cache/pulumi-openpanel)
set -euo pipefail

readonly PULUMI_VERSION="3.274.1"
readonly PKG_MODULE="github.com/pulumi/pulumi/pkg/v3"
readonly SDK_MODULE="github.com/pulumi/pulumi/sdk/v3"
readonly LANGHOST_MODULE="github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
readonly CLI_PACKAGE="${PKG_MODULE}/cmd/pulumi"
readonly LANGHOST_PACKAGE="${LANGHOST_MODULE}"
readonly VERSION_VAR="${SDK_MODULE}/go/common/version.Version"

readonly CACHE_ROOT="${PULUMI_OPENPANEL_CACHE:-${HOME}/.cache/pulumi-openpanel}"
readonly VERSION_DIR="${CACHE_ROOT}/pulumi-cli/${PULUMI_VERSION}"
readonly BIN_DIR="${VERSION_DIR}/bin"
readonly BUILD_DIR="${VERSION_DIR}/build"
readonly STAMP="${BIN_DIR}/.complete"
readonly BINARIES=(pulumi pulumi-resource-pulumi-python)

log() { printf 'pulumi-cli: %s\n' "$*" >&2; }

usage() {
    sed -n '14,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

is_built() {
    [[ -f "${STAMP}" ]] || return 1
    local name
    for name in "${BINARIES[@]}"; do
        [[ -x "${BIN_DIR}/${name}" ]] || return 1
    done
}

# Prints "old[@v]=new@v" for every replace directive of a go.mod that points at another
# module version; directory replacements (../sdk) only make sense inside Pulumi's repo.
module_replaces() {
    awk '
        function emit(spec,    parts, n, lhs, rhs) {
            n = split(spec, parts, /[ \t]*=>[ \t]*/)
            if (n != 2) return
            split(lhs_rhs_trim(parts[1]), lhs, /[ \t]+/)
            split(lhs_rhs_trim(parts[2]), rhs, /[ \t]+/)
            if (rhs[2] == "" || rhs[1] ~ /^(\.|\/)/) return
            printf "%s%s=%s@%s\n", lhs[1], (lhs[2] == "" ? "" : "@" lhs[2]), rhs[1], rhs[2]
        }
        function lhs_rhs_trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
        { sub(/\/\/.*/, "") }
        /^replace[ \t]*\($/ { block = 1; next }
        block && /^\)/ { block = 0; next }
        block { emit($0); next }
        /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); emit($0) }
    ' "$1"
}

# The language host is a Python script that ships inside the sdk module; it must sit beside
# pulumi-language-python, which looks for it on PATH.
copy_exec_shim() {
    local sdk_dir
    sdk_dir="$(go list -m -f '{{.Dir}}' "${SDK_MODULE}")"
    install -m 0755 "${sdk_dir}/python/cmd/pulumi-language-python-exec" "$1/pulumi-language-python-exec"
}

# Our own launcher for the dynamic-provider plugin: it must pick the same interpreter the
# program ran with, which the engine describes through PULUMI_RUNTIME_* variables taken from
# Pulumi.yaml's runtime options.
write_dynamic_launcher() {
    cat >"$1/pulumi-resource-pulumi-python" <<'LAUNCHER'
#!/bin/sh
# Starts the Pulumi dynamic-provider host with the stack's Python interpreter.
venv="${PULUMI_RUNTIME_VIRTUALENV:-}"
if [ -z "$venv" ]; then
    case "${PULUMI_RUNTIME_TOOLCHAIN:-}" in
        uv) venv=".venv" ;;
        poetry) venv="$(poetry env info --path)" || exit 1 ;;
    esac
fi
if [ -z "$venv" ]; then
    exec "${PULUMI_PYTHON_CMD:-python3}" -u -m pulumi.dynamic "$@"
fi
venv="${venv%/}"
case "$venv" in
    /*) ;;
    *) venv="$PWD/$venv" ;;
esac
if [ ! -x "$venv/bin/python" ]; then
    echo "pulumi-resource-pulumi-python: no Python interpreter at $venv/bin/python (the virtualenv named in Pulumi.yaml)" >&2
    exit 1
fi
PATH="$venv/bin:$PATH"
export PATH
unset PYTHONHOME
exec "$venv/bin/python" -u -m pulumi.dynamic "$@"
LAUNCHER
    chmod 0755 "$1/pulumi-resource-pulumi-python"
}

# Prints the path of a module's go.mod in the module cache, or the proxy's refusal on stderr.
download_gomod() {
    local info
    if ! info="$(go mod download -json "$1@v${PULUMI_VERSION}")"; then
        log "the Go module proxy did not serve $1@v${PULUMI_VERSION}:"
        printf '%s\n' "${info}" >&2
        return 1
    fi
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' <<<"${info}"
}

# Sets WITH_LANGHOST to 1 when the language host can be had, 0 when the proxy refused it.
prepare_module() {
    mkdir -p "${BUILD_DIR}"
    cd "${BUILD_DIR}"
    rm -f go.mod go.sum tools.go
    go mod init pulumi-openpanel.invalid/pulumi-cli-build >/dev/null 2>&1
    local gomods=() gomod
    log "downloading ${PKG_MODULE}@v${PULUMI_VERSION}"
    gomod="$(download_gomod "${PKG_MODULE}")"
    gomods+=("${gomod}")
    go mod edit -require="${PKG_MODULE}@v${PULUMI_VERSION}" -require="${SDK_MODULE}@v${PULUMI_VERSION}"
    local imports="	_ \"${CLI_PACKAGE}\""
    WITH_LANGHOST=0
    log "downloading ${LANGHOST_MODULE}@v${PULUMI_VERSION}"
    if gomod="$(download_gomod "${LANGHOST_MODULE}")"; then
        WITH_LANGHOST=1
        gomods+=("${gomod}")
        go mod edit -require="${LANGHOST_MODULE}@v${PULUMI_VERSION}"
        imports+=$'\n'"	_ \"${LANGHOST_PACKAGE}\""
    else
        log "continuing without pulumi-language-python: run Python programs through the Automation API (--client)"
    fi
    cat >tools.go <<EOF
//go:build tools

// Package tools only pins the commands this module exists to build.
package tools

import (
${imports}
)
EOF
    local replace
    for gomod in "${gomods[@]}"; do
        [[ -n "${gomod}" ]] || { log "could not locate a go.mod in the module cache"; return 1; }
        while IFS= read -r replace; do
            [[ -n "${replace}" ]] && go mod edit -replace="${replace}"
        done < <(module_replaces "${gomod}")
    done
    log "resolving dependencies (go mod tidy)"
    go mod tidy
    # tidy may move a module we pinned; a silent drift would break the "one version" promise.
    local module pinned
    local modules=("${PKG_MODULE}" "${SDK_MODULE}")
    if ((WITH_LANGHOST)); then modules+=("${LANGHOST_MODULE}"); fi
    for module in "${modules[@]}"; do
        pinned="$(go list -m -f '{{.Version}}' "${module}")"
        [[ "${pinned}" == "v${PULUMI_VERSION}" ]] || { log "${module} resolved to ${pinned}, expected v${PULUMI_VERSION}"; return 1; }
    done
}

build() {
    local staging="${VERSION_DIR}/bin.partial"
    rm -rf "${staging}"
    mkdir -p "${staging}"
    prepare_module
    local ldflags="-s -w -X ${VERSION_VAR}=v${PULUMI_VERSION}"
    local langhost="absent (the Go module proxy does not serve ${LANGHOST_MODULE})"
    log "building pulumi v${PULUMI_VERSION}"
    go build -trimpath -ldflags "${ldflags}" -o "${staging}/pulumi" "${CLI_PACKAGE}"
    if ((WITH_LANGHOST)); then
        log "building pulumi-language-python v${PULUMI_VERSION}"
        go build -trimpath -ldflags "${ldflags}" -o "${staging}/pulumi-language-python" "${LANGHOST_PACKAGE}"
        copy_exec_shim "${staging}"
        langhost="included"
    fi
    write_dynamic_launcher "${staging}"
    printf 'version: v%s\nlanguage-host: %s\nbuilt: %s\n' "${PULUMI_VERSION}" "${langhost}" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"${staging}/.complete"
    rm -rf "${BIN_DIR}"
    mv "${staging}" "${BIN_DIR}"
}

main() {
    case "${1:-}" in
        "") ;;
        --print-dir)
            if is_built; then
                printf '%s\n' "${BIN_DIR}"
                return 0
            fi
            log "not built yet: run scripts/pulumi-cli.sh"
            return 1
            ;;
        -h | --help)
            usage
            return 0
            ;;
        *)
            usage >&2
            return 2
            ;;
    esac

    if is_built; then
        printf '%s\n' "${BIN_DIR}"
        return 0
    fi

    command -v go >/dev/null || { log "go is not installed"; return 1; }
    mkdir -p "${VERSION_DIR}"
    # Parallel test workers may all ask for the CLI at once; only one of them builds.
    exec 9>"${VERSION_DIR}/.lock"
    flock 9
    if ! is_built; then
        export GOFLAGS="-mod=mod${GOFLAGS:+ ${GOFLAGS}}" CGO_ENABLED=0 GOWORK=off
        local started=${SECONDS}
        build
        log "built in $((SECONDS - started)) s"
    fi
    printf '%s\n' "${BIN_DIR}"
}

main "$@"
