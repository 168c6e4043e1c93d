#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, builds once with warnings as errors, and runs
# every test: first the sanitizer builds (ASan+UBSan over every test but packaging, TSan over
# serve; tests/sanitize.sh), then the ordinary build's whole suite (unit, fuzz replays, CLI,
# secrets, faults, lab, serve, twin, packaging, clang-tidy). The same command README gives to a
# new user; .ci/run calls it. Arguments go to the ordinary ctest and skip the sanitizer stage
# (e.g. `bash tests/run-all.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/run-all.sh: run as root: it installs packages and builds network namespaces" >&2
  exit 1
fi
bash packaging/setup-debian.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVNETDIAG_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)"
if [ $# -eq 0 ]; then
  bash tests/sanitize.sh
fi
cd build
ctest --output-on-failure --timeout 900 "$@"
