#!/usr/bin/env bash
# Regenerates the committed protoc-c output for the wire contract.
# Usage: scripts/generate-protos.sh [OUTDIR]   (default: Sources/CSeedProto)
# Needs protoc-c (Debian: protobuf-c-compiler). The output is committed so that
# building never needs the generator; Tests/WireTests checks it is current.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/Sources/CSeedProto}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
command -v protoc-c >/dev/null || { echo "protoc-c not found: apt-get install -y protobuf-c-compiler" >&2; exit 1; }
protoc-c --proto_path="$root/Protos" --c_out="$tmp" seedrl/v1/learner.proto
mkdir -p "$out/include"
# Flatten: the header goes to include/ (the module's public headers), the source
# includes it by its bare name.
sed 's|#include "seedrl/v1/learner.pb-c.h"|#include "learner.pb-c.h"|' \
  "$tmp/seedrl/v1/learner.pb-c.c" > "$out/learner.pb-c.c"
cp "$tmp/seedrl/v1/learner.pb-c.h" "$out/include/learner.pb-c.h"
