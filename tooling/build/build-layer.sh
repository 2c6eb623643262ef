#!/usr/bin/env bash
# Builds the shared runtime layer (layers/runtime/nodejs/node_modules) with tooling/build/build-layer.mjs:
# the production dependencies at the versions of package-lock.json, copied from the installed
# node_modules (no network), without @aws-sdk/* (the Lambda Node.js runtime ships it) and without
# type declarations, TypeScript sources, source maps and docs. Skips the work when nothing changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/layers/runtime/nodejs"
stamp="$out/.lock-hash"
hash="$(cat "$root/package-lock.json" "$root/package.json" "$root/tooling/build/build-layer.mjs" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -d "$out/node_modules" ]]; then
  echo "runtime-layer: up to date ($hash)"
  exit 0
fi
if [[ ! -d "$root/node_modules" ]]; then
  echo "runtime-layer: $root/node_modules is missing: run npm ci first" >&2
  exit 1
fi
node "$root/tooling/build/build-layer.mjs" "$out"
echo "$hash" > "$stamp"
