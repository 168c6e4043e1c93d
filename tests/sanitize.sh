#!/usr/bin/env bash
# The sanitizer runs (tests/run-all.sh calls this after the ordinary build and tests):
# 1. clang with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer, any report fatal,
#    plus libFuzzer instrumentation so that the fuzz targets run for real: every test but
#    packaging (which builds its own bundle in a Debian root) runs against these binaries.
# 2. ThreadSanitizer on vnetdiag serve, whose HTTP server, check loop and signal handling share
#    state across threads, under serve's integration test.
# usage: tests/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(asan tsan)
for stage in "${stages[@]}"; do
  case "$stage" in
  asan)
    bash tests/fuzz/run-ci.sh build-asan
    (cd build-asan && ctest --output-on-failure --timeout 900 -LE "packaging|lint|fuzz|bench")
    ;;
  tsan)
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
      -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
      -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
    cmake --build build-tsan -j "$jobs" --target vnetdiag
    TSAN_OPTIONS="halt_on_error=1 exitcode=66" /usr/bin/python3 tests/integration/serve_test.py \
      build-tsan/agent/vnetdiag
    # The push thread and its forked pushes share the snapshot and failure counts with the server.
    TSAN_OPTIONS="halt_on_error=1 exitcode=66" /usr/bin/python3 tests/integration/push_test.py \
      build-tsan/agent/vnetdiag
    ;;
  *)
    echo "tests/sanitize.sh: unknown stage '$stage' (asan or tsan)" >&2
    exit 2
    ;;
  esac
done
