#!/usr/bin/env bash
# Builds layers/runtime/nodejs/node_modules: the production dependencies of package.json, at the
# versions of package-lock.json, without @aws-sdk/* (the Lambda Node.js runtime ships it and a
# partial copy in a layer would shadow it). Skips the work when the lock file has not changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/layers/runtime/nodejs"
stamp="$out/.lock-hash"
hash="$(sha256sum "$root/package-lock.json" "$root/package.json" | sha256sum | cut -c1-16)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -d "$out/node_modules" ]]; then
  echo "runtime-layer: up to date ($hash)"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/package.json" "$root/package-lock.json" "$root/.npmrc" "$work/"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
rm -rf "$work/node_modules/@aws-sdk" "$work/node_modules/.package-lock.json"
rm -rf "$out/node_modules"
mkdir -p "$out"
mv "$work/node_modules" "$out/node_modules"
echo "$hash" > "$stamp"
echo "runtime-layer: built $(du -sh "$out/node_modules" | cut -f1) into layers/runtime/nodejs/node_modules"
