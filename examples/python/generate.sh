#!/usr/bin/env bash
# Generates the Python stubs for the wire contract into gen/ (needs grpcio-tools).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/gen"
python3 -m grpc_tools.protoc -I "$here/../../Protos" --python_out="$here/gen" --grpc_python_out="$here/gen" \
  seedrl/v1/learner.proto
touch "$here/gen/seedrl/__init__.py" "$here/gen/seedrl/v1/__init__.py"
