#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, builds once, and runs every test (unit, CLI,
# lab scenarios, serve). The same command README gives to a new user; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/run-all.sh: run as root: it installs packages and builds network namespaces" >&2
  exit 1
fi
bash packaging/setup-debian.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
cd build
ctest --output-on-failure --timeout 600 "$@"
