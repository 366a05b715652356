#!/usr/bin/env bash
# Validate SARIF logs the way GitHub code scanning will judge them: Microsoft's SARIF Multitool
# (`validate --rule-kind "Sarif;Gh"`: the SARIF 2.1.0 schema, SARIF's own rules and GitHub's
# ingestion rules). Exits 1 if any log has an error-level result, 2 if the tool cannot run.
#
#   scripts/validate-sarif.sh FILE.sarif...
#
# The Multitool comes from npm (@microsoft/sarif-multitool-linux, a self-contained .NET build,
# about 100 MB) and is installed once into $GOSTATIC_TOOLS (default ~/.cache/gostatic-tools).
# Set GOSTATIC_SARIF_VALIDATOR to an existing Sarif.Multitool to skip the install.
# .ci/run validates `gostatic check` logs of the fixtures and a `gostatic image` log of a
# synthetic archive (examples/rules_image.rs).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 FILE.sarif..." >&2
  exit 2
fi

version=5.7.0
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}"
prefix="$tools/sarif-multitool-$version"
validator="${GOSTATIC_SARIF_VALIDATOR:-$prefix/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool}"

if [ ! -x "$validator" ]; then
  if [ -n "${GOSTATIC_SARIF_VALIDATOR:-}" ]; then
    echo "validate-sarif: GOSTATIC_SARIF_VALIDATOR=$validator is not executable" >&2
    exit 2
  fi
  command -v npm >/dev/null || { echo "validate-sarif: npm is needed to install the SARIF Multitool" >&2; exit 2; }
  echo "validate-sarif: installing @microsoft/sarif-multitool-linux@$version into $prefix" >&2
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" "@microsoft/sarif-multitool-linux@$version" >&2
  # npm 11 no longer runs the package's postinstall (`chmod u+x Sarif.Multitool`) unless allowed.
  chmod u+x "$validator"
fi

# The .NET runtime inside wants ICU unless told to run culture-invariant.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for input in "$@"; do
  out="$work/$(basename "$input").validation.sarif"
  if ! "$validator" validate --rule-kind "Sarif;Gh" --log ForceOverwrite -o "$out" "$input" \
    >"$work/console" 2>&1; then
    cat "$work/console" >&2
    echo "validate-sarif: the Multitool failed on $input" >&2
    exit 2
  fi
  # The Multitool exits 0 even when it finds errors: read its own SARIF log.
  summary="$(python3 - "$out" <<'EOF'
import json, sys
log = json.load(open(sys.argv[1]))
counts = {"error": 0, "warning": 0, "note": 0}
for run in log.get("runs", []):
    for result in run.get("results") or []:
        level = result.get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
        if level == "error":
            message = result.get("message", {})
            print(f"  {result.get('ruleId')}: {message.get('text') or message.get('arguments')}", file=sys.stderr)
print(f"{counts['error']} {counts['warning']} {counts['note']}")
EOF
)"
  read -r errors warnings notes <<<"$summary"
  echo "validate-sarif: $input: $errors errors, $warnings warnings, $notes notes (Sarif;Gh)"
  if [ "$errors" -ne 0 ]; then
    status=1
  fi
done
exit "$status"
