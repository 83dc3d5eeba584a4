#!/usr/bin/env bash
# The newcomer's main job: set up .venv, start the local OpenPanel emulator, run `pulumi up` of the
# repository's root project (examples/quickstart) against it, show the outputs, then destroy the stack
# and stop the emulator. With --keep, the stack and the emulator's database stay in a work directory and
# the script prints how to carry on.
#
# The Pulumi CLI: `pulumi` (with its Python language host) from PATH if present; otherwise the CLI that
# scripts/pulumi-cli.sh builds from Go modules (first build: a few minutes), which runs the same program
# through the Automation API because the language host cannot be built here (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1

scripts/setup.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/openpanel-quickstart.XXXXXX")
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

.venv/bin/pulumi-openpanel emulator --port "$port" --db "$work/emulator.sqlite3" >"$work/emulator.env" 2>"$work/emulator.log" &
emulator=$!
stop_emulator() { kill -INT "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null || true; }
trap stop_emulator EXIT
for _ in $(seq 100); do
  grep -q OPENPANEL_CLIENT_SECRET "$work/emulator.env" 2>/dev/null && break
  kill -0 "$emulator" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
# shellcheck disable=SC1091
source "$work/emulator.env"
echo "quickstart: emulator at $OPENPANEL_API_URL (database $work/emulator.sqlite3)"

export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}"
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$work/state"

if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-python >/dev/null 2>&1; then
  echo "quickstart: using $(command -v pulumi)"
  pulumi stack select --create quickstart --non-interactive
  pulumi up --yes --non-interactive
  pulumi stack output
  if [ "$keep" = 0 ]; then pulumi destroy --yes --non-interactive; pulumi stack rm --yes --non-interactive; fi
else
  if ! command -v go >/dev/null 2>&1 && ! scripts/pulumi-cli.sh --print-dir >/dev/null 2>&1; then
    echo "quickstart: no Pulumi CLI on PATH and no Go toolchain to build one; install either (see README)" >&2
    exit 1
  fi
  PULUMI_OPENPANEL_CLI_DIR=$(scripts/pulumi-cli.sh | tail -n 1)
  export PULUMI_OPENPANEL_CLI_DIR
  echo "quickstart: using the Pulumi CLI built in $PULUMI_OPENPANEL_CLI_DIR"
  .venv/bin/python scripts/pulumi-up.py up --stack quickstart --backend "$work/state"
  if [ "$keep" = 0 ]; then
    .venv/bin/python scripts/pulumi-up.py destroy --stack quickstart --backend "$work/state"
    rm -f Pulumi.quickstart.yaml  # the stack's settings file, as `pulumi stack rm` would remove it
  fi
fi

if [ "$keep" = 1 ]; then
  cat <<MSG
quickstart: kept in $work. To carry on:
  .venv/bin/pulumi-openpanel emulator --port $port --db $work/emulator.sqlite3   # prints the same credentials
  export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE
MSG
else
  rm -rf "$work"
  echo "quickstart: done; the stack was destroyed and the emulator stopped"
fi
