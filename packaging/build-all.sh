#!/bin/bash
# Makes every vnetdiag artefact in dist/ with one command (#8):
#   vnetdiag-<version>-linux-x86_64.tar.gz   self-contained bundle, built in a Debian bullseye
#                                            root (glibc 2.31+), with .sha256 and .debug beside it
#   vnetdiag_<version>-1_amd64.deb           Debian 12 package, built on this (bookworm) machine
#   sidecar/                                 the sidecar image's build context (Dockerfile, .deb)
# The roots are cached in packaging/.roots/: the first run makes them (a few minutes), later
# runs only rebuild what changed.
# Usage: packaging/build-all.sh [--out DIR] [--host-build DIR]
#   --host-build DIR  make the .deb from this build tree (e.g. build/, as the tests do) instead
#                     of building one in packaging/.roots/host-build
# Needs root (debootstrap, chroot), the packages of packaging/setup-debian.sh and Debian's mirror.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/dist"
host_build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --host-build) host_build="$2"; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-all: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
source "$repo/packaging/lib/roots.sh"
jobs="${VNETDIAG_JOBS:-2}"
t0=$SECONDS

# 1. The bundle, in the bullseye root.
bash "$here/bundle/build-bundle.sh" "$out"

# 2. The .deb, on this machine.
if [ -z "$host_build" ]; then
  host_build="$VNETDIAG_ROOTS/host-build"
  echo "build-all: building the .deb's vnetdiag in $host_build" >&2
  nice -n 10 cmake -S "$repo" -B "$host_build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  nice -n 10 cmake --build "$host_build" --target vnetdiag vnetdiag_man -j "$jobs" >"$host_build/build.log" 2>&1 ||
    { tail -n 40 "$host_build/build.log" >&2; exit 1; }
elif [ ! -f "$host_build/CPackConfig.cmake" ]; then
  echo "build-all: $host_build is no configured build tree of vnetdiag" >&2
  exit 2
fi
# (cpack brings the tree up to date itself: with --host-build, a tree just built costs nothing.)
deb_tmp="$(mktemp -d)"
trap 'rm -rf "$deb_tmp"' EXIT
(cd "$host_build" && cpack -G DEB -B "$deb_tmp" >"$deb_tmp/cpack.log" 2>&1) || { cat "$deb_tmp/cpack.log" >&2; exit 1; }
deb="$(find "$deb_tmp" -maxdepth 1 -name 'vnetdiag_*.deb' | head -n 1)"
[ -n "$deb" ] || { echo "build-all: cpack made no .deb" >&2; cat "$deb_tmp/cpack.log" >&2; exit 1; }
rm -f "$out"/vnetdiag_*.deb
cp "$deb" "$out/"
deb="$out/$(basename "$deb")"

# 3. The sidecar image's build context.
rm -rf "$out/sidecar"
mkdir -p "$out/sidecar"
cp "$here/sidecar/Dockerfile" "$out/sidecar/Dockerfile"
cp "$deb" "$out/sidecar/vnetdiag.deb"

(cd "$out" && sha256sum vnetdiag-*-linux-x86_64.tar.gz vnetdiag_*.deb >SHA256SUMS)
echo "build-all: done in $((SECONDS - t0)) s:" >&2
(cd "$out" && ls -l vnetdiag-*-linux-x86_64.tar.gz vnetdiag_*.deb sidecar/*) >&2
