#!/usr/bin/env bash
# Builds vnetdiag with clang, libFuzzer, ASan and UBSan (-DVNETDIAG_FUZZ=ON) in a build dir and
# runs every fuzz target for its fixed number of runs (ctest -L fuzz). Exits non-zero on any
# configure or build error and on any crash, leak, UB report or timeout.
#   tests/fuzz/run-ci.sh [build-dir]     (default: build-fuzz, relative to the repo root)
# The same build also holds the unit and integration tests, built with the same sanitizers:
#   ctest --test-dir <build-dir> -L unit --output-on-failure
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-build-fuzz}"
case "$build" in /*) ;; *) build="$repo/$build" ;; esac

for tool in clang clang++ cmake ctest; do
  command -v "$tool" >/dev/null || { echo "run-ci.sh: $tool is not installed" >&2; exit 2; }
done

start=$(date +%s)
# Budgets passed explicitly: a reused build dir would otherwise keep an older cached value.
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -DVNETDIAG_FUZZ=ON \
  -DFUZZ_RUNS="${FUZZ_RUNS:-50000}" -DFUZZ_MAX_TIME="${FUZZ_MAX_TIME:-12}" \
  -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}"
cmake --build "$build" -j"$(nproc)"
built=$(date +%s)
# Sanitizer reports also fail a test whose binary exits 0 (UBSan halts, ASan reports leaks).
ctest --test-dir "$build" -L fuzz --output-on-failure
end=$(date +%s)
echo "run-ci.sh: configure+build $((built - start)) s, fuzz $((end - built)) s, total $((end - start)) s"
