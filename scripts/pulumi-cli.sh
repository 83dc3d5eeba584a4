#!/usr/bin/env bash
# Builds the Pulumi toolchain that a plain `pulumi up` needs in Python, TypeScript, Go and YAML projects,
# and prints its bin directory: the `pulumi` CLI, the language hosts `pulumi-language-python`,
# `pulumi-language-nodejs`, `pulumi-language-go` and `pulumi-language-yaml`, and the two scripts that
# ship inside Pulumi's sdk/v3 module (`pulumi-language-python-exec`, which the Python host runs to start a
# program, and `pulumi-resource-pulumi-python`, the dynamic-provider plugin).
#
# Why: no Pulumi installer can reach its download site from the project's machines, but the CLI is
# published as Go modules. The Python, Node.js and Go hosts' own modules are not served by the module
# proxy, so they build from their upstream source (../shared/third_party/pulumi-language-*) as `replace`
# targets of the same throwaway module; the YAML host's module is served. The result is cached per
# version: only the first run pays for the build (about 4 minutes on 2 cores; see README).
#
# Usage:
#   scripts/pulumi-cli.sh              build (or reuse) and print the bin directory last on stdout
#   scripts/pulumi-cli.sh --print-dir  the same, for: export PATH="$(scripts/pulumi-cli.sh --print-dir):$PATH"
#   scripts/pulumi-cli.sh --check      print the bin directory if already built, else exit 1 (builds nothing)
#
# Environment:
#   PULUMI_OPENPANEL_CACHE        cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-openpanel)
#   PULUMI_OPENPANEL_THIRD_PARTY  where the hosts' sources are (default: ../shared/third_party)
set -euo pipefail

readonly PULUMI_VERSION="3.274.1"
readonly LANGHOST_VERSION="3.259.0"  # the upstream tag of the hosts' sources in THIRD_PARTY
readonly YAML_VERSION="1.38.3"       # the pulumi-yaml release that tag pins
readonly PKG_MODULE="github.com/pulumi/pulumi/pkg/v3"
readonly SDK_MODULE="github.com/pulumi/pulumi/sdk/v3"
readonly YAML_MODULE="github.com/pulumi/pulumi-yaml"
readonly YAML_PACKAGE="${YAML_MODULE}/cmd/pulumi-language-yaml"
# Each host built from source, as "module=its folder under THIRD_PARTY".
readonly SOURCE_HOSTS=(
    "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3=pulumi-language-python"
    "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3=pulumi-language-nodejs"
    "github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3=pulumi-language-go"
)
readonly CLI_PACKAGE="${PKG_MODULE}/cmd/pulumi"
readonly VERSION_VAR="${SDK_MODULE}/go/common/version.Version"
readonly PROGRESS_EVERY=30

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
third_party="${PULUMI_OPENPANEL_THIRD_PARTY:-${repo_root}/../shared/third_party}"
readonly THIRD_PARTY="$(realpath -m "${third_party}")"
readonly CACHE_ROOT="${PULUMI_OPENPANEL_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/pulumi-openpanel}"
readonly VERSION_DIR="${CACHE_ROOT}/pulumi-cli/${PULUMI_VERSION}-hosts-${LANGHOST_VERSION}-yaml-${YAML_VERSION}"
readonly BIN_DIR="${VERSION_DIR}/bin"
readonly BUILD_DIR="${VERSION_DIR}/build"
readonly LOG="${VERSION_DIR}/build.log"
readonly STAMP="${BIN_DIR}/.complete"
readonly TOOLS=(pulumi pulumi-language-python pulumi-language-nodejs pulumi-language-go pulumi-language-yaml
    pulumi-language-python-exec pulumi-resource-pulumi-python)

started=${SECONDS}
log() { printf 'pulumi-cli: %s\n' "$*" >&2; }

usage() {
    sed -n '14,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

is_built() {
    [[ -f "${STAMP}" ]] || return 1
    local name
    for name in "${TOOLS[@]}"; do
        [[ -x "${BIN_DIR}/${name}" ]] || return 1
    done
}

# Runs a command with its output in the build log, and says every PROGRESS_EVERY seconds that it is
# still at it, so that a first build is never minutes of silence. On failure, the log's tail explains.
phase() {
    local name="$1"
    shift
    log "${name}..."
    printf '\n== %s: %s\n' "${name}" "$*" >>"${LOG}"
    "$@" >>"${LOG}" 2>&1 &
    local pid=$! waited=0 rc=0
    while kill -0 "${pid}" 2>/dev/null; do
        sleep 1
        waited=$((waited + 1))
        if ((waited % PROGRESS_EVERY == 0)); then
            log "${name}: still running, $((SECONDS - started)) s since the build started"
        fi
    done
    wait "${pid}" || rc=$?
    if ((rc != 0)); then
        log "${name} failed (exit ${rc}); the end of ${LOG}:"
        tail -n 25 "${LOG}" >&2
        return "${rc}"
    fi
}

# Prints "old[@v]=new@v" for every replace directive of a go.mod that points at another module
# version; directory replacements (../sdk) only make sense inside Pulumi's own repository.
module_replaces() {
    awk '
        function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
        function emit(spec,    parts, n, lhs, rhs) {
            n = split(spec, parts, /[ \t]*=>[ \t]*/)
            if (n != 2) return
            split(trim(parts[1]), lhs, /[ \t]+/)
            split(trim(parts[2]), rhs, /[ \t]+/)
            if (rhs[2] == "" || rhs[1] ~ /^(\.|\/)/) return
            printf "%s%s=%s@%s\n", lhs[1], (lhs[2] == "" ? "" : "@" lhs[2]), rhs[1], rhs[2]
        }
        { sub(/\/\/.*/, "") }
        /^replace[ \t]*\($/ { block = 1; next }
        block && /^\)/ { block = 0; next }
        block { emit($0); next }
        /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); emit($0) }
    ' "$1"
}

write_module() {
    cd "${BUILD_DIR}"
    rm -f go.mod go.sum tools.go
    go mod init pulumi-openpanel.invalid/pulumi-cli-build >>"${LOG}" 2>&1
    go mod edit \
        -require="${PKG_MODULE}@v${PULUMI_VERSION}" \
        -require="${SDK_MODULE}@v${PULUMI_VERSION}" \
        -require="${YAML_MODULE}@v${YAML_VERSION}"
    local host module
    {
        printf '//go:build tools\n\n// Package tools only pins the commands this module exists to build.\npackage tools\n\nimport (\n'
        printf '\t_ "%s"\n' "${CLI_PACKAGE}" "${YAML_PACKAGE}"
        for host in "${SOURCE_HOSTS[@]}"; do
            printf '\t_ "%s"\n' "${host%%=*}"
        done
        printf ')\n'
    } >tools.go
    local gomod replace gomods=()
    gomod="$(go mod download -json "${PKG_MODULE}@v${PULUMI_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
    [[ -n "${gomod}" ]] || { log "could not locate ${PKG_MODULE}'s go.mod in the module cache"; return 1; }
    gomods+=("${gomod}")
    for host in "${SOURCE_HOSTS[@]}"; do
        gomods+=("${THIRD_PARTY}/${host#*=}/go.mod")
    done
    for gomod in "${gomods[@]}"; do
        while IFS= read -r replace; do
            [[ -n "${replace}" ]] && go mod edit -replace="${replace}"
        done < <(module_replaces "${gomod}")
    done
    # Last, so that no replace read from a go.mod above takes their place.
    for host in "${SOURCE_HOSTS[@]}"; do
        module="${host%%=*}"
        go mod edit -require="${module}@v${LANGHOST_VERSION}" -replace="${module}=${THIRD_PARTY}/${host#*=}"
    done
}

# tidy may move a module we pinned; a silent drift would break the "one version" promise.
check_pins() {
    local module pinned
    for module in "${PKG_MODULE}" "${SDK_MODULE}"; do
        pinned="$(go list -m -f '{{.Version}}' "${module}")"
        [[ "${pinned}" == "v${PULUMI_VERSION}" ]] || { log "${module} resolved to ${pinned}, expected v${PULUMI_VERSION}"; return 1; }
    done
}

# The two scripts ship inside the sdk/v3 module; they are copied as they are, not rewritten.
copy_sdk_scripts() {
    local sdk_dir
    sdk_dir="$(go list -m -f '{{.Dir}}' "${SDK_MODULE}")"
    install -m 0755 "${sdk_dir}/python/cmd/pulumi-language-python-exec" "$1/pulumi-language-python-exec"
    install -m 0755 "${sdk_dir}/python/dist/pulumi-resource-pulumi-python" "$1/pulumi-resource-pulumi-python"
}

build() {
    local staging="${VERSION_DIR}/bin.partial"
    rm -rf "${staging}"
    mkdir -p "${staging}" "${BUILD_DIR}"
    : >"${LOG}"
    log "first build of pulumi v${PULUMI_VERSION}, its Python, Node.js and Go hosts v${LANGHOST_VERSION} and YAML host v${YAML_VERSION} (log: ${LOG})"
    write_module
    phase "downloading modules" go mod tidy
    check_pins
    local ldflags="-s -w -X ${VERSION_VAR}=v${PULUMI_VERSION}"
    local host packages=("${CLI_PACKAGE}" "${YAML_PACKAGE}")
    for host in "${SOURCE_HOSTS[@]}"; do
        packages+=("${host%%=*}")
    done
    phase "compiling (the longest step)" go build -trimpath -ldflags "${ldflags}" -o "${staging}/" "${packages[@]}"
    copy_sdk_scripts "${staging}"
    printf 'pulumi: v%s\nlanguage hosts python, nodejs, go: v%s (from %s)\nlanguage host yaml: v%s\nbuilt: %s\n' \
        "${PULUMI_VERSION}" "${LANGHOST_VERSION}" "${THIRD_PARTY}" "${YAML_VERSION}" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"${staging}/.complete"
    rm -rf "${BIN_DIR}"
    mv "${staging}" "${BIN_DIR}"
}

main() {
    case "${1:-}" in
        "" | --print-dir) ;;
        --check)
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
    command -v go >/dev/null || { log "Go is not installed: it is needed once, to build the toolchain"; return 1; }
    local host
    for host in "${SOURCE_HOSTS[@]}"; do
        [[ -f "${THIRD_PARTY}/${host#*=}/go.mod" ]] || {
            log "no language host source at ${THIRD_PARTY}/${host#*=} (set PULUMI_OPENPANEL_THIRD_PARTY)"
            return 1
        }
    done
    mkdir -p "${VERSION_DIR}"
    # Parallel test workers may all ask for the toolchain at once; only one of them builds.
    exec 9>"${VERSION_DIR}/.lock"
    flock 9
    if ! is_built; then
        export GOFLAGS="-mod=mod${GOFLAGS:+ ${GOFLAGS}}" CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local
        build
        log "built in $((SECONDS - started)) s: ${BIN_DIR}"
    fi
    printf '%s\n' "${BIN_DIR}"
}

main "$@"
