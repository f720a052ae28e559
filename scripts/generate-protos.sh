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
mkdir -p "$out/include"
# Flatten: each header goes to include/ (the module's public headers), each source
# includes it by its bare name.
for proto in seedrl/v1/learner tensorboard/event onnx/onnx_subset; do
  protoc-c --proto_path="$root/Protos" --c_out="$tmp" "$proto.proto"
  name="$(basename "$proto")"
  sed "s|#include \"$proto.pb-c.h\"|#include \"$name.pb-c.h\"|" "$tmp/$proto.pb-c.c" > "$out/$name.pb-c.c"
  cp "$tmp/$proto.pb-c.h" "$out/include/$name.pb-c.h"
done
