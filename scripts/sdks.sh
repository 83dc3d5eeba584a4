#!/usr/bin/env bash
# Generate the provider plugin's SDKs (TypeScript, Go, Python) into sdk/ from provider/schema.json, with the
# real `pulumi package gen-sdk` of the toolchain scripts/pulumi-cli.sh builds. The schema itself comes from
# pulumi_openpanel/core/schema.py (scripts/generate.py); run that first after changing a field.
#
# Usage:
#   scripts/sdks.sh            rewrite sdk/nodejs, sdk/go/openpanel and sdk/python
#   scripts/sdks.sh OUT_DIR    write them under OUT_DIR instead (tests compare that with sdk/)
#
# sdk/go.mod and sdk/go.sum are written by hand once (the Go module users require); gen-sdk leaves them alone.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-${repo}/sdk}"
bin="${PULUMI_OPENPANEL_CLI_DIR:-$("${repo}/scripts/pulumi-cli.sh" | tail -n 1)}"
home="$(mktemp -d)"
trap 'rm -rf "${home}"' EXIT
export PULUMI_HOME="${home}" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for language in nodejs go python; do
    target="${out}/${language}"
    [[ "${language}" == go ]] && target="${out}/go/openpanel"
    rm -rf "${target}"
    "${bin}/pulumi" package gen-sdk "${repo}/provider/schema.json" --language "${language}" --out "${home}/sdk" \
        >"${home}/log" 2>&1 || { cat "${home}/log" >&2; exit 1; }
    mkdir -p "$(dirname "${target}")"
    if [[ "${language}" == go ]]; then
        mv "${home}/sdk/go/openpanel" "${target}"
    else
        mv "${home}/sdk/${language}" "${target}"
    fi
    rm -rf "${home}/sdk"
done
echo "sdks: wrote ${out}/nodejs, ${out}/go/openpanel, ${out}/python" >&2
