#!/usr/bin/env bash
# The newcomer's main job: set up .venv, start the local OpenPanel emulator, run a plain `pulumi up` of the
# repository's root project (the quickstart example) against it, then destroy the stack and stop the
# emulator, leaving nothing running and nothing behind. With --keep, the stack, its state and the emulator's
# database stay in a work directory, and the script prints the commands that carry on from a new shell.
#
# The Pulumi toolchain: `pulumi` from PATH when its Python language host is there too (any normal Pulumi
# installation); otherwise the one scripts/pulumi-cli.sh builds from Go modules (the first build takes
# several minutes and says so as it goes; then it is reused).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/emulator-wait.sh
source scripts/emulator-wait.sh
repo=$(pwd)
keep=0
case "${1:-}" in
  "") ;;
  --keep) keep=1 ;;
  *) echo "usage: scripts/quickstart.sh [--keep]" >&2; exit 2 ;;
esac

say() { printf 'quickstart: %s\n' "$*" >&2; }

scripts/setup.sh
if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-python >/dev/null 2>&1; then
  toolchain=$(dirname "$(command -v pulumi)")
else
  say "no Pulumi with its Python language host on PATH: using the one scripts/pulumi-cli.sh builds"
  toolchain=$(scripts/pulumi-cli.sh | tail -n 1)
fi
export PATH="$toolchain:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/openpanel-quickstart.XXXXXX")
stack=quickstart
# The stack's state, Pulumi's own home, the provider's pacing file and the emulator's database all live in
# the work directory.
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_HOME="$work/pulumi-home" OPENPANEL_PACING_DIR="$work/pacing"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}" PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$work/state" "$work/pulumi-home"
say "using $(command -v pulumi) ($(pulumi version))"

.venv/bin/pulumi-openpanel emulator --port 0 --db "$work/emulator.sqlite3" >"$work/emulator.env" 2>"$work/emulator.log" &
emulator=$!
cleanup() {
  kill -TERM "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null || true
  if [ "$keep" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
wait_for_emulator "$emulator" "$work/emulator.env" "$work/emulator.log"
say "emulator at $OPENPANEL_API_URL"

pulumi stack select --create "$stack" --non-interactive
pulumi up --yes --non-interactive --skip-preview
say "secrets are masked above; \`pulumi stack output --show-secrets\` shows them"

if [ "$keep" = 1 ]; then
  port=${OPENPANEL_API_URL##*:}
  {
    printf 'export PATH=%q:"$PATH"\n' "$toolchain"
    printf 'export PULUMI_BACKEND_URL=%q PULUMI_HOME=%q PULUMI_CONFIG_PASSPHRASE=%q PULUMI_SKIP_UPDATE_CHECK=true\n' \
      "$PULUMI_BACKEND_URL" "$PULUMI_HOME" "$PULUMI_CONFIG_PASSPHRASE"
    printf 'export OPENPANEL_PACING_DIR=%q\n' "$OPENPANEL_PACING_DIR"
    cat "$work/emulator.env"
    printf 'cd %q && pulumi stack select %q\n' "$repo" "$stack"
  } >"$work/env.sh"
  chmod 600 "$work/env.sh"
  cat <<MSG
quickstart: kept in $work. To carry on, in a new shell:
  $repo/.venv/bin/pulumi-openpanel emulator --port $port --db $work/emulator.sqlite3 &   # the same database and credentials
  source $work/env.sh          # the toolchain on PATH, the stack's backend, the emulator's credentials
  pulumi preview               # then up, stack output --show-secrets, refresh, destroy
When done: pulumi destroy --yes && pulumi stack rm --yes $stack, stop the emulator, rm -rf $work
MSG
else
  pulumi destroy --yes --non-interactive --skip-preview
  pulumi stack rm --yes --non-interactive "$stack"
  say "done: the stack was destroyed, the emulator stopped and $work removed"
fi
