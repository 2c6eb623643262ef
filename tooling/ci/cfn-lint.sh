#!/usr/bin/env bash
# Lints CloudFormation templates with cfn-lint (PyPI). With no arguments it first packages the dev
# and prod stages offline (`serverless package --stage <s> --package <tmp>`) and lints those.
#   bash tooling/ci/cfn-lint.sh                      # package dev + prod, lint both
#   bash tooling/ci/cfn-lint.sh a.json b.json        # lint these templates
# cfn-lint is $CFN_LINT if set, else the pinned .cache/cfn-lint/bin/cfn-lint, which this script
# creates when missing (needs PyPI once): python3 -m venv .cache/cfn-lint && .cache/cfn-lint/bin/pip install cfn-lint==1.58.0
# W3005 is ignored: osls itself writes DependsOn entries that a GetAtt/Ref already implies.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="1.58.0"

lint="${CFN_LINT:-}"
if [[ -z "$lint" ]]; then
  lint="$root/.cache/cfn-lint/bin/cfn-lint"
  if [[ ! -x "$lint" ]]; then
    echo "cfn-lint: installing cfn-lint==$version into .cache/cfn-lint" >&2
    python3 -m venv "$root/.cache/cfn-lint"
    "$root/.cache/cfn-lint/bin/pip" install --quiet "cfn-lint==$version"
  fi
fi

templates=("$@")
if ((${#templates[@]} == 0)); then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  for stage in dev prod; do
    (cd "$root" && npx --no-install serverless package --stage "$stage" --package "$work/$stage" >/dev/null)
    templates+=("$work/$stage/cloudformation-template-update-stack.json")
  done
fi

"$lint" --ignore-checks W3005 -- "${templates[@]}"
echo "cfn-lint $("$lint" --version | awk '{print $2}'): ${#templates[@]} template(s) pass"
