#!/usr/bin/env bash
# docs/COMMANDS.md: every subcommand's --help, generated from the binary so the reference
# cannot drift from the code. `--check` fails when the committed file is stale.
# Usage: scripts/generate-command-reference.sh [--check] [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
[ "${1:-}" = "--check" ] && { check=1; shift; }
seedrl="${1:-$root/.build/debug/seedrl}"
out="$root/docs/COMMANDS.md"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  echo "# Command reference"
  echo
  echo "Generated from \`seedrl <command> --help\` by \`scripts/generate-command-reference.sh\`;"
  echo "\`make test\` fails when it is stale."
  for command in server actor train eval bench learner-bench model-bench stats plot conformance; do
    echo
    echo "## seedrl $command"
    echo
    echo '```'
    COLUMNS=100 "$seedrl" help "$command" | sed 's/[[:space:]]*$//'
    echo '```'
  done
} > "$tmp"
if [ "$check" = 1 ]; then
  cmp -s "$tmp" "$out" || { echo "docs/COMMANDS.md is stale: run scripts/generate-command-reference.sh"; diff "$out" "$tmp" | head -20; exit 1; }
  echo "command reference: current"
else
  cp "$tmp" "$out"
  echo "wrote $out"
fi
