#!/usr/bin/env bash
# Run the whole test suite on the local emulator. Sets up .venv first; builds (once, then reuses) the real
# Pulumi CLI from its Go modules when Go is available, so that the tests marked `cli` run it too.
# Extra arguments go to pytest (e.g. scripts/test.sh -k project -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${PULUMI_OPENPANEL_CLI_DIR:-}" ] && [ "${PULUMI_OPENPANEL_NO_CLI:-}" != 1 ] && [ -x scripts/pulumi-cli.sh ]; then
  if command -v go >/dev/null 2>&1; then
    if cli_dir=$(scripts/pulumi-cli.sh | tail -n 1); then
      export PULUMI_OPENPANEL_CLI_DIR="$cli_dir"
    else
      echo "test: building the Pulumi CLI failed; the tests marked cli will say why" >&2
    fi
  else
    echo "test: no Go toolchain, so no Pulumi CLI; the tests marked cli will say why" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
