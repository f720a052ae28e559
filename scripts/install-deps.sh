#!/usr/bin/env bash
# Installs the Debian packages seedrl builds and tests with, if any are missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails.
# Usage: scripts/install-deps.sh [build|test|bench]
set -euo pipefail
purpose="${1:-build}"
packages=(libgrpc-dev libprotobuf-c-dev libopenblas-dev libopenmpi-dev openmpi-bin libssl-dev pkg-config)
case "$purpose" in
  build) ;;
  test) packages+=(protobuf-c-compiler iproute2 python3 python3-venv prometheus curl slurm-wlm munge) ;;  # protoc-c check, netns test, Python actor, Prometheus scrape, one-node Slurm
  bench) packages+=(g++ make libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev) ;;  # the reference echo server
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "seedrl needs: ${missing[*]}" >&2
  echo "run as root:  apt-get update && $command" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$command
