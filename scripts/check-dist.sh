#!/usr/bin/env bash
# Release readiness, as CI checks it: build the sdist and the wheel, `twine check` both, install the wheel
# (with its emulator extra) into an empty virtualenv, and there run `pulumi-openpanel --version` and a real
# program: `pulumi up` and `pulumi destroy` of examples/quickstart against the wheel's own emulator, with
# that virtualenv as the project's. Leaves nothing behind (all of it happens in a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/emulator-wait.sh
source scripts/emulator-wait.sh
scripts/setup.sh
say() { printf 'check-dist: %s\n' "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/openpanel-dist.XXXXXX")
emulator=""
cleanup() {
  if [ -n "$emulator" ]; then kill -TERM "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say "building the sdist and the wheel"
.venv/bin/python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
if [ -n "$(git status --porcelain --ignored -- build '*.egg-info' 2>/dev/null)" ]; then
  say "the build left build/ or *.egg-info in the clone"; exit 1
fi
.venv/bin/python -m twine check --strict "$work"/dist/*
wheel=$(ls "$work"/dist/*.whl)
# The code generator is a development tool (scripts/codegen.py): what the wheel installs must not carry it.
generator=$(.venv/bin/python -c 'import sys, zipfile; print("\n".join(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if "codegen" in n or n.startswith("scripts/")))' "$wheel")
[ -z "$generator" ] || { say "the wheel carries the code generator: $generator"; exit 1; }

say "installing $(basename "$wheel") into an empty virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "${wheel}[emulator,policy]"
version=$("$work/venv/bin/pulumi-openpanel" --version)
expected=$(.venv/bin/python -c 'import pulumi_openpanel; print(pulumi_openpanel.__version__)')
[[ "$version" == *"$expected"* ]] || { say "--version said '$version', expected $expected"; exit 1; }
say "pulumi-openpanel --version: $version"
pack=$("$work/venv/bin/pulumi-openpanel" policy-pack)
[[ "$pack" == "$work/venv/"* && -f "$pack/PulumiPolicy.yaml" ]] || { say "policy-pack printed '$pack'"; exit 1; }

export PATH="$(scripts/pulumi-cli.sh --print-dir):$PATH"
mkdir -p "$work/state" "$work/pulumi-home"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_HOME="$work/pulumi-home" PULUMI_CONFIG_PASSPHRASE=dist
export OPENPANEL_PACING_DIR="$work/pacing"  # nothing under the user's home
export PULUMI_SKIP_UPDATE_CHECK=true
"$work/venv/bin/pulumi-openpanel" emulator --port 0 >"$work/emulator.env" 2>"$work/emulator.log" &
emulator=$!
wait_for_emulator "$emulator" "$work/emulator.env" "$work/emulator.log"
cp -r examples/quickstart "$work/program"
ln -s "$work/venv" "$work/program/venv"  # the example's Pulumi.yaml names ./venv: here, the wheel's
cd "$work/program"
pulumi stack init dist --non-interactive >/dev/null
pulumi up --yes --non-interactive --skip-preview >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
grep -q "created" "$work/up.log"
python3 - "$("$work/venv/bin/python" -c 'import pulumi_openpanel, os; print(os.path.dirname(pulumi_openpanel.__file__))')" "$work" <<'PY'
import sys
# The program ran with the installed wheel, not with this clone's sources.
package_dir, work = sys.argv[1], sys.argv[2]
assert package_dir.startswith(work + "/venv/"), package_dir
PY
pulumi destroy --yes --non-interactive --skip-preview >/dev/null
say "ok: sdist and wheel build, twine check passes, the wheel runs --version and a pulumi up/destroy"
