#!/usr/bin/env bash
# Run the whole test suite on the local emulator. Sets up .venv first, then builds (once, then reuses) the
# Pulumi toolchain (CLI, Python language host, dynamic-provider plugin) when Go is available, so that the
# tests marked `cli` run programs with the real `pulumi`. Without Go they skip and say why.
# Extra arguments go to pytest (e.g. scripts/test.sh -k project -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${PULUMI_OPENPANEL_CLI_DIR:-}" ] && [ "${PULUMI_OPENPANEL_NO_CLI:-}" != 1 ]; then
  if command -v go >/dev/null 2>&1; then
    if cli_dir=$(scripts/pulumi-cli.sh | tail -n 1); then
      export PULUMI_OPENPANEL_CLI_DIR="$cli_dir"
    else
      echo "test: building the Pulumi toolchain failed (see above); the tests marked cli will say why" >&2
    fi
  else
    echo "test: no Go toolchain, so no Pulumi CLI; the tests marked cli will say why" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
